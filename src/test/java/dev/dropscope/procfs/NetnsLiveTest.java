package dev.dropscope.procfs;

import dev.dropscope.testutil.Needs;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live: each test makes its own namespace, so what it sends stays there and nothing else moves its
 * counters between our read and the kernel tool's read; values can then be compared exactly.
 */
@Needs(root = true, tools = {"ip", "nstat", "sysctl"})
class NetnsLiveTest {

    /**
     * The finding that makes {@code --netns NAME} work without forking: after setns(2), /proc/self/net
     * (and /proc/net, its link) still shows the thread-group leader's namespace, /proc/thread-self/net the
     * thread's. A veth exists only in the namespace, so it tells the two views apart.
     */
    @Test
    void threadSelfNetFollowsTheSetnsThreadButProcSelfNetDoesNot() throws Exception {
        try (TestNetns ns = TestNetns.create()) {
            ns.exec("ip", "link", "add", "dsa", "type", "veth", "peer", "name", "dsb");
            String[] views = ns.call(() -> new String[] {
                    Files.readString(Path.of("/proc/thread-self/net/dev"), StandardCharsets.ISO_8859_1),
                    Files.readString(Path.of("/proc/self/net/dev"), StandardCharsets.ISO_8859_1),
                    ProcFiles.netFile(ProcFiles.PROC, "dev").toString()});
            assertTrue(views[0].contains("dsa:"), "thread-self shows the namespace:\n" + views[0]);
            assertFalse(views[1].contains("dsa:"), "self shows the leader's (host) namespace:\n" + views[1]);
            assertEquals("/proc/thread-self/net/dev", views[2]);
        }
    }

    @Test
    void countersEqualNstatInTheSameNamespace() throws Exception {
        try (TestNetns ns = TestNetns.create()) {
            ns.exec("ip", "link", "set", "lo", "up");
            // refused on purpose: Udp NoPorts and Udp6 NoPorts get exact values
            ns.exec("bash", "-c", "for i in 1 2; do echo x > /dev/udp/127.0.0.1/9; done; echo x > /dev/udp/::1/9");
            ProtocolCounters ours = ns.call(() -> ProtocolCounters.query(ProcFiles.PROC));
            Map<String, Long> nstat = nstat(ns);

            assertEquals(List.of(), ours.problems());
            assertEquals(OptionalLong.of(2), ours.get("Udp.NoPorts"));
            assertEquals(OptionalLong.of(1), ours.get("Udp6.NoPorts"));
            assertTrue(nstat.size() > 300, "nstat printed " + nstat.size() + " counters");
            Map<String, Long> byNstatName = new LinkedHashMap<>();
            ours.counters().forEach((k, v) -> byNstatName.put(ProtocolCounters.nstatName(k), v));
            for (Map.Entry<String, Long> e : nstat.entrySet()) {
                assertTrue(byNstatName.containsKey(e.getKey()), "nstat has " + e.getKey() + ", we do not");
                assertEquals(e.getValue(), byNstatName.get(e.getKey()), e.getKey());
            }
            // nstat leaves out settings and the one gauge (CurrEstab): deltas of those mean nothing; we keep all
            Set<String> onlyOurs = new TreeSet<>(byNstatName.keySet());
            onlyOurs.removeAll(nstat.keySet());
            assertEquals(Set.of("IpForwarding", "IpDefaultTTL", "TcpRtoAlgorithm", "TcpRtoMin", "TcpRtoMax",
                    "TcpMaxConn", "TcpCurrEstab"), onlyOurs);
        }
    }

    /** rp_filter read from a setns'd thread equals sysctl -n in the namespace; the host never sees dsa. */
    @Test
    void rpFilterOfANamespaceEqualsSysctl() throws Exception {
        try (TestNetns ns = TestNetns.create()) {
            ns.exec("ip", "link", "add", "dsa", "type", "veth", "peer", "name", "dsb");
            ns.exec("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.dsa.rp_filter=2",
                    "net.ipv4.conf.dsb.rp_filter=0");
            RpFilter ours = ns.call(() -> RpFilter.query(ProcFiles.PROC));
            assertEquals(List.of(), ours.problems());

            Set<String> dirs = new TreeSet<>(List.of(ns.exec("ls", "/proc/sys/net/ipv4/conf").split("\\s+")));
            dirs.remove("all");
            dirs.remove("default");
            assertEquals(dirs, ours.interfaces().keySet());
            for (String iface : dirs) {
                assertEquals(Integer.parseInt(ns.exec("sysctl", "-n", "net.ipv4.conf." + iface + ".rp_filter").strip()),
                        ours.interfaces().get(iface), iface);
            }
            assertEquals(Integer.parseInt(ns.exec("sysctl", "-n", "net.ipv4.conf.default.rp_filter").strip()),
                    ours.defaultValue().getAsInt());
            assertEquals(1, ours.all().getAsInt());
            assertEquals(2, ours.effective("dsa").getAsInt(), "its own 2 beats all's 1");
            assertEquals(1, ours.effective("dsb").getAsInt(), "all's 1 beats its own 0");

            assertFalse(RpFilter.query(ProcFiles.PROC).interfaces().containsKey("dsa"), "host view");
        }
    }

    /** Conntrack of a fresh namespace: its own count, the shared max; net.nf_conntrack_max is init_net's only. */
    @Test
    void conntrackOfANamespaceEqualsSysctl() throws Exception {
        try (TestNetns ns = TestNetns.create()) {
            Conntrack ours = ns.call(() -> Conntrack.query(ProcFiles.PROC));
            assertEquals(List.of(), ours.problems());
            dev.dropscope.collect.Tools.Result count = ns.execResult("sysctl", "-n", Conntrack.COUNT);
            if (count.exit() != 0) {
                assertFalse(ours.loaded(), "sysctl cannot read the count (" + count.err().strip() + "): not loaded");
                return;
            }
            assertTrue(ours.loaded());
            assertEquals(Long.parseLong(count.out().strip()), ours.count().getAsLong());
            assertEquals(Long.parseLong(ns.exec("sysctl", "-n", Conntrack.MAX).strip()), ours.max().getAsLong());
            assertEquals(Long.parseLong(ns.exec("sysctl", "-n", Conntrack.BUCKETS).strip()),
                    ours.buckets().getAsLong());
            assertEquals(ns.execResult("sysctl", "-n", Conntrack.GLOBAL_MAX).exit() == 0,
                    ours.globalMax().isPresent());
            Map<String, Long> stats = new LinkedHashMap<>();
            assertEquals(List.of(), Conntrack.parseStat(ns.exec("cat", "/proc/net/stat/nf_conntrack"), stats));
            assertEquals(stats, ours.stats());
        }
    }

    /** With one UDP socket open in a fresh namespace, sockstat there says so, and equals cat's view. */
    @Test
    void sockstatOfANamespaceEqualsCat() throws Exception {
        try (TestNetns ns = TestNetns.create()) {
            // A socket belongs to the namespace it was created in, whichever thread uses it later. Spawn
            // `ip netns exec` from a host thread only: a child forked by the setns'd thread starts inside the
            // namespace, and the sockets ip opens there before exec would count in sockets.used.
            SockStat ours;
            SockStat cat;
            try (java.net.DatagramSocket socket = ns.call(() -> new java.net.DatagramSocket(0))) {
                ours = ns.call(() -> SockStat.query(ProcFiles.PROC));
                cat = SockStat.parse(ns.exec("cat", "/proc/net/sockstat", "/proc/net/sockstat6"));
                assertTrue(socket.isBound());
            }
            assertEquals(List.of(), ours.problems());
            assertEquals(cat.values().keySet(), ours.values().keySet());
            // the JVM may open the socket as AF_INET6 (dual stack): count both families
            assertEquals(1, ours.get("UDP.inuse").getAsLong() + ours.get("UDP6.inuse").getAsLong());
            for (String key : ours.values().keySet()) {
                if (Set.of("TCP.orphan", "TCP.alloc", "TCP.mem", "UDP.mem").contains(key)) {
                    continue; // machine-wide: the host may move them between the two reads
                }
                assertEquals(cat.values().get(key), ours.values().get(key), key);
            }
        }
    }

    /** {@code nstat -asz}: absolute values (-a ignores history, -s keeps none), zeros included (-z). */
    static Map<String, Long> nstat(TestNetns ns) throws Exception {
        Path dir = Files.createTempDirectory("ds-procfs-nstat");
        try {
            String out = ns.exec("env", "NSTAT_HISTORY=" + dir.resolve("history"), "nstat", "-asz");
            return parseNstat(out);
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    static Map<String, Long> parseNstat(String out) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] t = line.trim().split("\\s+");
            m.put(t[0], Long.parseUnsignedLong(t[1]));
        }
        return m;
    }
}
