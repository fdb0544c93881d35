package dev.dropscope.diagnosis;

import dev.dropscope.testutil.Needs;
import static dev.dropscope.diagnosis.FaultLab.SYS;
import static dev.dropscope.diagnosis.FaultLab.exec;
import static dev.dropscope.diagnosis.Snap.commands;
import static dev.dropscope.diagnosis.Snap.evidence;
import static dev.dropscope.diagnosis.Snap.fix;
import static dev.dropscope.diagnosis.Snap.has;
import static dev.dropscope.diagnosis.Snap.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.Severity;
import dev.dropscope.testutil.Netns;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Each finding proven on the real fault: the test makes it happen in namespaces of its own, dropscope's
 * collectors (through NetnsScope, as {@code snapshot --netns} does) and its drop source watch, and the test
 * asserts the finding, its evidence and its fix command. Counters are the namespace's own; drop sites are
 * machine-wide, so they are only checked for the fault's own reason. Every namespace is deleted, and every
 * host setting restored, even when a test fails.
 */
@Needs(root = true, tools = {"ip", "tc", "nft", "sysctl"})
class RealFaultsTest {

    /** The count in an evidence value "+N in S s (R/s)". */
    static long rise(String value) {
        assertTrue(value.startsWith("+"), value);
        return Long.parseLong(value.substring(1, value.indexOf(' ')));
    }

    /** The evidence entries whose name ends with "(REASON)": the drop sites of that reason. */
    static List<Evidence> sitesOf(Finding f, String reason) {
        List<Evidence> out = new ArrayList<>();
        for (Evidence e : f.evidence()) {
            if (e.name().startsWith("drops at ") && e.name().endsWith("(" + reason + ")")) {
                out.add(e);
            }
        }
        return out;
    }

    static long siteDrops(Finding f, String reason) {
        return sitesOf(f, reason).stream().mapToLong(e -> rise(e.value())).sum();
    }

    // ------------------------------------------------------------------ rp_filter_drops

    @Test
    void rpFilterOnAStrictVethDropsAsymmetricTrafficAndTheFixLetsItThrough() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns sender = lab.namespace();
            Netns receiver = lab.namespace();
            Netns.run("ip", "link", "add", "dsv0", "netns", sender.name(), "type", "veth", "peer", "name", "dsv1",
                    "netns", receiver.name());
            sender.ip("addr", "add", "10.91.0.1/24", "dev", "dsv0");
            sender.ip("link", "set", "dsv0", "up");
            // the source the packets come from: routable on the receiver, but out of another interface
            sender.ip("addr", "add", "10.92.0.5/32", "dev", "lo");
            receiver.ip("addr", "add", "10.91.0.2/24", "dev", "dsv1");
            receiver.ip("link", "set", "dsv1", "up");
            receiver.ip("link", "add", "dsw0", "type", "veth", "peer", "name", "dsw1");
            receiver.ip("link", "set", "dsw0", "up");
            receiver.ip("link", "set", "dsw1", "up");
            receiver.ip("route", "add", "10.92.0.0/24", "dev", "dsw0");
            sender.ip("neigh", "replace", "10.91.0.2", "lladdr", FaultLab.mac(receiver, "dsv1"), "dev", "dsv0",
                    "nud", "permanent");
            exec(receiver, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.dsv1.rp_filter=1");

            Finding f;
            try (FaultLab.Window w = lab.watch(receiver)) {
                sendUdp(sender, "10.92.0.5", "10.91.0.2", 9999, 50);
                f = only(w.finish(), "rp_filter_drops");
                if (w.hasDropSource()) {
                    assertTrue(siteDrops(f, "IP_RPFILTER") >= 50, f.evidence().toString());
                }
            }
            assertEquals(50, rise(evidence(f, "TcpExt.IPReversePathFilter")));
            assertEquals("0 (off)", evidence(f, "net.ipv4.conf.all.rp_filter"));
            assertEquals("1 (effective 1: strict)", evidence(f, "net.ipv4.conf.dsv1.rp_filter"));
            assertEquals(Severity.WARNING, f.severity());
            String ns = "ip netns exec " + receiver.name() + " ";
            Fix loose = fix(f, ns + "sysctl -w net.ipv4.conf.dsv1.rp_filter=2");
            assertEquals("net.ipv4.conf.dsv1.rp_filter = 2", loose.persist());
            fix(f, ns + "sysctl -w net.ipv4.conf.all.rp_filter=2");
            // or routing: the fix says how to find the sources and the route back each one takes
            String symmetric = commands(f).stream().filter(c -> c.startsWith("or make routing symmetric"))
                    .findFirst().orElseThrow();
            assertTrue(symmetric.contains("--reason IP_RPFILTER --interface dsv1"), symmetric);
            String routeGet = ns + "ip route get <source>";
            assertTrue(symmetric.contains(routeGet + " shows the route back; if its dev is not dsv1"), symmetric);
            // for the source this test sent from, the route back leaves by dsw0: what strict mode rejects
            String back = FaultLab.runFix(routeGet.replace("<source>", "10.92.0.5"));
            assertTrue(back.contains(" dev dsw0 "), back);
            fix(f, ns + "sysctl -w net.ipv4.conf.dsv1.log_martians=1");

            // the fix, run exactly as printed, lets the same traffic through to UDP (no listener: NoPorts)
            FaultLab.runFix(loose.command());
            try (FaultLab.Window w = lab.watch(receiver)) {
                sendUdp(sender, "10.92.0.5", "10.91.0.2", 9999, 50);
                List<Finding> after = w.finish();
                assertFalse(has(after, "rp_filter_drops"), after.toString());
                assertEquals(50, rise(evidence(only(after, "no_socket_drops"), "Udp.NoPorts")));
            }
        }
    }

    /** UDP datagrams from {@code src} (a local address of {@code ns}) to {@code dst}:{@code port}. */
    static void sendUdp(Netns ns, String src, String dst, int port, int count) throws Exception {
        ns.inside(SYS, () -> {
            try (DatagramChannel c = DatagramChannel.open()) {
                c.bind(new InetSocketAddress(InetAddress.getByName(src), 0));
                InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(dst), port);
                for (int i = 0; i < count; i++) {
                    c.send(ByteBuffer.wrap(("datagram " + i).getBytes()), to);
                }
            }
            return null;
        });
    }

    // ------------------------------------------------------------------ udp_rcvbuf_errors

    @Test
    void aUdpSocketThatIsNeverReadOverflowsAndRmemMaxIsSizedFromTheLoss() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns ns = lab.namespace();
            int sent = 500;
            Finding f;
            long queued;
            FaultLab.Window window;
            try (FaultLab.Window w = lab.watch(ns)) {
                window = w;
                queued = ns.inside(SYS, () -> {
                    try (DatagramChannel r = DatagramChannel.open(); DatagramChannel s = DatagramChannel.open()) {
                        r.setOption(StandardSocketOptions.SO_RCVBUF, 1024);
                        r.bind(new InetSocketAddress("127.0.0.1", 7002));
                        for (int i = 0; i < sent; i++) {
                            s.send(ByteBuffer.allocate(200), new InetSocketAddress("127.0.0.1", 7002));
                        }
                        // what the socket did take: every other datagram was dropped
                        r.configureBlocking(false);
                        long n = 0;
                        while (r.receive(ByteBuffer.allocate(2048)) != null) {
                            n++;
                        }
                        return n;
                    }
                });
                f = only(w.finish(), "udp_rcvbuf_errors");
                if (w.hasDropSource()) {
                    assertTrue(siteDrops(f, "SOCKET_RCVBUFF") >= sent - queued, f.evidence().toString());
                }
            }
            assertEquals(sent - queued, rise(evidence(f, "Udp.RcvbufErrors")));
            long rmemMax = Long.parseLong(exec(ns, "sysctl", "-n", "net.core.rmem_max").strip());
            assertEquals(Long.toString(rmemMax), evidence(f, "net.core.rmem_max"));
            // at least double, at least 4 x the second's loss x 2304 bytes, a power of two, at most 64 MiB
            // the rule takes the larger of the counter and the (machine-wide) drop sites
            long n = Math.max(sent - queued, siteDrops(f, "SOCKET_RCVBUFF"));
            double rate = n / Math.max(1.0, (window.after.monotonicNanos() - window.before.monotonicNanos()) / 1e9);
            long want = Math.min(64L << 20, Fixes.powerOfTwoAtLeast(Math.max(2 * rmemMax,
                    4 * (long) Math.ceil(rate) * 2304)));
            if (want > rmemMax) {
                Fix x = fix(f, "sysctl -w net.core.rmem_max=" + want);
                assertEquals("net.core.rmem_max = " + want, x.persist());
            }
            assertEquals("ip netns exec " + ns.name() + " ss -uanpm", commands(f).get(0));
        }
    }

    // ------------------------------------------------------------------ no_socket_drops

    @Test
    void udpToAClosedPortIsAnInfoFinding() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns ns = lab.namespace();
            Finding f;
            try (FaultLab.Window w = lab.watch(ns)) {
                sendUdp(ns, "127.0.0.1", "127.0.0.1", 7003, 30);
                f = only(w.finish(), "no_socket_drops");
                if (w.hasDropSource()) {
                    assertTrue(siteDrops(f, "NO_SOCKET") >= 30, f.evidence().toString());
                }
            }
            assertEquals(Severity.INFO, f.severity());
            assertEquals(30, rise(evidence(f, "Udp.NoPorts")));
            assertEquals("ip netns exec " + ns.name() + " ss -lunpt  # is the service that should own the port running?",
                    commands(f).get(0));
        }
    }

    // ------------------------------------------------------------------ tcp_listen_overflow

    @Test
    void aListenerThatNeverAcceptsOverflowsItsQueue() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns ns = lab.namespace();
            List<SocketChannel> clients = new ArrayList<>();
            Finding f;
            try (FaultLab.Window w = lab.watch(ns)) {
                ServerSocketChannel listener = ns.inside(SYS, () -> {
                    ServerSocketChannel l = ServerSocketChannel.open();
                    l.bind(new InetSocketAddress("127.0.0.1", 7004), 1);
                    for (int i = 0; i < 20; i++) {
                        SocketChannel c = SocketChannel.open();
                        c.configureBlocking(false);
                        c.connect(new InetSocketAddress("127.0.0.1", 7004));
                        clients.add(c);
                    }
                    return l;
                });
                try {
                    f = only(w.finish(), "tcp_listen_overflow");
                } finally {
                    for (SocketChannel c : clients) {
                        c.close();
                    }
                    listener.close();
                }
            }
            assertTrue(rise(evidence(f, "TcpExt.ListenOverflows")) >= 1, f.evidence().toString());
            assertTrue(rise(evidence(f, "TcpExt.ListenDrops")) >= rise(evidence(f, "TcpExt.ListenOverflows")));
            long somaxconn = Long.parseLong(exec(ns, "sysctl", "-n", "net.core.somaxconn").strip());
            assertEquals(Long.toString(somaxconn), evidence(f, "net.core.somaxconn"));
            long want = Fixes.grow(somaxconn, 0, 65535);
            if (want > somaxconn) {
                fix(f, "ip netns exec " + ns.name() + " sysctl -w net.core.somaxconn=" + want);
            }
            // the listener itself comes first (sockets are sampled): its address and backlog, then the general advice
            // (a JDK listener is dual-stack: [::ffff:127.0.0.1]:7004, as ss shows it); backlog 1 as passed to bind()
            assertTrue(commands(f).get(0).startsWith("pid " + ProcessHandle.current().pid() + " (java) listens on ")
                    && commands(f).get(0).contains("127.0.0.1]:7004 with a backlog of 1 "), commands(f).toString());
            assertTrue(commands(f).get(1).startsWith("raise the listen() backlog in the application"), commands(f).toString());
        }
    }

    // ------------------------------------------------------------------ tcp_backlog_or_memory

    @Test
    void aReaderThatStopsReadingMakesTcpDropData() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns ns = lab.namespace();
            Finding f;
            try (FaultLab.Window w = lab.watch(ns)) {
                List<AutoCloseable> open = ns.inside(SYS, () -> {
                    ServerSocketChannel l = ServerSocketChannel.open();
                    l.bind(new InetSocketAddress("127.0.0.1", 7005));
                    SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", 7005));
                    SocketChannel s = l.accept();
                    // the reader stalls: it never reads again and its buffer shrinks below the window it
                    // already advertised, so data in flight finds no room (a deadlocked application)
                    s.setOption(StandardSocketOptions.SO_RCVBUF, 2048);
                    c.configureBlocking(false);
                    ByteBuffer chunk = ByteBuffer.allocate(1 << 16);
                    for (int stalled = 0, i = 0; stalled < 100 && i < 100_000; i++) {
                        chunk.clear();
                        stalled = c.write(chunk) == 0 ? stalled + 1 : 0;
                    }
                    return List.of(c, s, l);
                });
                try {
                    f = only(w.finish(), "tcp_backlog_or_memory");
                } finally {
                    for (AutoCloseable c : open) {
                        c.close();
                    }
                }
            }
            long dropped = 0;
            for (Evidence e : f.evidence()) {
                if (TcpBacklogRule.SOCKET_COUNTERS.contains(e.name())) {
                    dropped += rise(e.value());
                }
            }
            assertTrue(dropped >= 1, f.evidence().toString());
            // the connection whose drop counter rose, and its process (this JVM), by name
            String first = commands(f).get(0);
            assertTrue(first.startsWith("ip netns exec " + ns.name() + " ss -tnpm state established '( sport = :")
                    && first.contains("# pid " + ProcessHandle.current().pid() + " (java): "), first);
        }
    }

    // ------------------------------------------------------------------ checksum_errors

    @Test
    void datagramsCorruptedOnTheWayAreChecksumErrorsWithOffloadAbTests() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns sender = lab.namespace();
            Netns receiver = lab.namespace();
            Netns.run("ip", "link", "add", "dsc0", "netns", sender.name(), "type", "veth", "peer", "name", "dsc1",
                    "netns", receiver.name());
            sender.ip("addr", "add", "10.93.0.1/24", "dev", "dsc0");
            receiver.ip("addr", "add", "10.93.0.2/24", "dev", "dsc1");
            sender.ip("link", "set", "dsc0", "up");
            receiver.ip("link", "set", "dsc1", "up");
            sender.ip("neigh", "replace", "10.93.0.2", "lladdr", FaultLab.mac(receiver, "dsc1"), "dev", "dsc0",
                    "nud", "permanent");
            Finding f;
            List<Finding> all;
            try (FaultLab.Window w = lab.watch(receiver)) {
                sender.inside(SYS, () -> {
                    Packets.udpWithBadChecksum(SYS, "10.93.0.1", "10.93.0.2", 7777, 20);
                    return null;
                });
                all = w.finish();
                f = only(all, "checksum_errors");
                if (w.hasDropSource()) {
                    assertTrue(siteDrops(f, "UDP_CSUM") >= 20, f.evidence().toString());
                }
            }
            assertEquals(20, rise(evidence(f, "Udp.InCsumErrors")));
            String ns = "ip netns exec " + receiver.name() + " ";
            fix(f, ns + "ethtool -K dsc1 rx off tx off");
            assertTrue(commands(f).stream().anyMatch(c -> c.startsWith(ns + "ethtool -K dsc1 tso off")),
                    commands(f).toString());
            assertTrue(f.fixes().get(f.fixes().size() - 1).risk().contains("16-bit checksum"));
            assertFalse(has(all, "no_socket_drops"), "a corrupted datagram never reaches the port lookup: " + all);
        }
    }

    // ------------------------------------------------------------------ qdisc_drops

    @Test
    void aTinyTbfOnAVethDropsTheBurst() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns ns = lab.namespace();
            ns.ip("link", "add", "dsq0", "type", "veth", "peer", "name", "dsq1");
            ns.ip("addr", "add", "10.97.0.1/24", "dev", "dsq0");
            ns.ip("link", "set", "dsq0", "up");
            ns.ip("link", "set", "dsq1", "up");
            ns.ip("neigh", "replace", "10.97.0.9", "lladdr", FaultLab.mac(ns, "dsq1"), "dev", "dsq0", "nud", "permanent");
            // 12.5 bytes/ms: the burst passes, the queue fills to its limit, the rest is dropped (a 900-byte
            // datagram takes 72 ms to earn its tokens; the twelve are sent in far less)
            exec(ns, "tc", "qdisc", "add", "dev", "dsq0", "root", "tbf", "rate", "100kbit", "burst", "2000", "limit", "3000");
            Finding f;
            try (FaultLab.Window w = lab.watch(ns)) {
                ns.inside(SYS, () -> {
                    try (DatagramChannel c = DatagramChannel.open()) {
                        for (int i = 0; i < 12; i++) {
                            c.send(ByteBuffer.allocate(900), new InetSocketAddress("10.97.0.9", 7777));
                        }
                    }
                    return null;
                });
                f = only(w.finish(), "qdisc_drops");
            }
            com.fasterxml.jackson.databind.JsonNode tc = dev.dropscope.export.SnapshotJson.parse(
                    exec(ns, "tc", "-s", "-j", "qdisc", "show", "dev", "dsq0"));
            long tcDrops = tc.get(0).get("drops").asLong();
            String handle = tc.get(0).get("handle").asText();
            assertTrue(tcDrops > 0, tc.toString());
            assertEquals(tcDrops, rise(evidence(f, "qdisc tbf " + handle + " root on dsq0 drops")));
            assertTrue(f.title().startsWith("Egress queue tbf on dsq0 drops packets"), f.title());
            // the fix resizes the queue from the collected limit, repeating the rate and burst tc needs
            assertEquals("3000 bytes", evidence(f, "qdisc tbf " + handle + " root on dsq0 limit"));
            Fix resize = fix(f, "ip netns exec " + ns.name() + " tc qdisc change dev dsq0 root handle " + handle
                    + " tbf rate 100000bit burst 2000 limit 6000  # if the rate is right: the queue holds 3000 bytes now");
            FaultLab.runFix(resize.command());
            try (FaultLab.Window w = lab.watch(ns)) {
                var q = w.before.qdiscs().stream().filter(x -> x.kind().equals("tbf")).findFirst().orElseThrow();
                assertEquals(6000L, q.stats().get("limit_bytes"), q.toString());
                assertEquals(12500L, q.stats().get("rate_bytes_per_s"), "the rate is unchanged");
                assertEquals(2000L, q.stats().get("burst_bytes"), "the burst is unchanged");
            }
        }
    }

    // ------------------------------------------------------------------ netfilter_drops

    @Test
    void anNftDropRuleIsFoundFromTheDropSitesAndItsFixListsTheRule() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns ns = lab.namespace();
            exec(ns, "nft", "add", "table", "inet", "dsdiag");
            exec(ns, "nft", "add", "chain", "inet", "dsdiag", "in", "{ type filter hook input priority 0; }");
            exec(ns, "nft", "add", "rule", "inet", "dsdiag", "in", "udp", "dport", "7777", "drop");
            Finding f;
            try (FaultLab.Window w = lab.watch(ns)) {
                assumeTrue(w.hasDropSource(), "only a drop source sees firewall drops");
                sendUdp(ns, "127.0.0.1", "127.0.0.1", 7777, 30);
                f = only(w.finish(), "netfilter_drops");
            }
            assertTrue(siteDrops(f, "NETFILTER_DROP") >= 30, f.evidence().toString());
            String list = commands(f).get(0);
            assertEquals("ip netns exec " + ns.name() + " nft -a list ruleset | grep -E 'drop|reject'", list);
            assertTrue(FaultLab.runFix(list).contains("udp dport 7777 drop"), "the listed rule is the one that drops");
        }
    }

    // ------------------------------------------------------------------ interface_rx_dropped

    @Test
    void framesOfAnUnknownEthertypeRaiseRxDroppedAndAreExplained() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns ns = lab.namespace();
            ns.ip("link", "add", "dsr0", "type", "veth", "peer", "name", "dsr1");
            ns.ip("link", "set", "dsr0", "up");
            ns.ip("link", "set", "dsr1", "up");
            int ifindex = FaultLab.ifindex(ns, "dsr0");
            String src = FaultLab.mac(ns, "dsr0");
            String dst = FaultLab.mac(ns, "dsr1");
            Finding f;
            try (FaultLab.Window w = lab.watch(ns)) {
                ns.inside(SYS, () -> {
                    // 0x88b5: IEEE local experimental ethertype; nothing in the kernel handles it
                    Packets.frames(SYS, ifindex, src, dst, 0x88b5, 20);
                    return null;
                });
                f = only(w.finish(), "interface_rx_dropped");
                if (w.hasDropSource()) {
                    assertTrue(siteDrops(f, "UNHANDLED_PROTO") >= 20, f.evidence().toString());
                }
            }
            assertEquals(20, rise(evidence(f, "dsr1 rx_dropped")));
            assertEquals(Severity.INFO, f.severity());
            assertEquals("ip netns exec " + ns.name() + " ip -s -s link show dev dsr1", commands(f).get(0));
        }
    }

    // ------------------------------------------------------------------ neighbour_table_overflow (queue)

    @Test
    void packetsForANeighbourThatNeverAnswersOverflowItsQueueAndTheFixEndsIt() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns ns = lab.namespace();
            ns.ip("link", "add", "dsn0", "type", "veth", "peer", "name", "dsn1");
            ns.ip("addr", "add", "10.94.0.1/24", "dev", "dsn0");
            ns.ip("link", "set", "dsn0", "up");
            ns.ip("link", "set", "dsn1", "up");
            // a tiny queue for packets waiting on an unresolved neighbour, on this interface only
            exec(ns, "sysctl", "-qw", "net.ipv4.neigh.dsn0.unres_qlen_bytes=1");
            Finding f;
            try (FaultLab.Window w = lab.watch(ns)) {
                assumeTrue(w.hasDropSource(), "only a drop source sees NEIGH_QUEUEFULL");
                sendUdp(ns, "10.94.0.1", "10.94.0.77", 7777, 40);
                f = only(w.finish(), "neighbour_table_overflow");
            }
            // each new packet pushes the one waiting before it out
            assertTrue(siteDrops(f, "NEIGH_QUEUEFULL") >= 39, f.evidence().toString());
            // a namespace has no neighbour default of its own: the machine's is shown and fixed outside it
            long def = Long.parseLong(HostSysctl.read("net.ipv4.neigh.default.unres_qlen_bytes"));
            assertEquals(Long.toString(def), evidence(f, "net.ipv4.neigh.default.unres_qlen_bytes"));
            long want = Math.max(Fixes.grow(def, 0, 16L << 20), 212992);
            Fix d = fix(f, "sysctl -w net.ipv4.neigh.default.unres_qlen_bytes=" + want);
            assertEquals("net.ipv4.neigh.default.unres_qlen_bytes = " + want, d.persist());
            String all = "ip netns exec " + ns.name() + " sh -c 'for f in /proc/sys/net/ipv4/neigh/*/unres_qlen_bytes;"
                    + " do echo " + want + " > $f; done'";
            fix(f, all);

            FaultLab.runFix(all);
            try (FaultLab.Window w = lab.watch(ns)) {
                sendUdp(ns, "10.94.0.1", "10.94.0.78", 7777, 40);
                List<Finding> after = w.finish();
                assertFalse(after.stream().anyMatch(x -> !sitesOf(x, "NEIGH_QUEUEFULL").isEmpty()
                        && siteDrops(x, "NEIGH_QUEUEFULL") >= 39), after.toString());
            }
        }
    }

    // ------------------------------------------------------------------ conntrack_table_full

    /**
     * nf_conntrack_max is machine-wide and read-only in a namespace on this kernel (each namespace counts its
     * own entries against it), so the fault needs the initial namespace's value lowered: to 256 (far above
     * what the other namespaces and tests here hold), only while the fault and the second sample happen,
     * and restored in finally.
     */
    @Test
    void moreFlowsThanTheConntrackTableHoldsFillItAndAreEvictedOrDropped() throws Exception {
        long limit = 256;
        assumeTrue(Long.parseLong(HostSysctl.read("net.netfilter.nf_conntrack_count")) < limit / 2,
                "the initial namespace already tracks too many flows to lower the maximum safely");
        String original = HostSysctl.read("net.netfilter.nf_conntrack_max");
        try (FaultLab lab = new FaultLab()) {
            Netns ns = lab.namespace();
            // a rule that uses conntrack makes the namespace track its flows
            exec(ns, "nft", "add", "table", "inet", "dsct");
            exec(ns, "nft", "add", "chain", "inet", "dsct", "out", "{ type filter hook output priority 0; }");
            exec(ns, "nft", "add", "rule", "inet", "dsct", "out", "ct", "state", "new", "counter", "accept");
            Finding f;
            FaultLab.Window window;
            try (FaultLab.Window w = lab.watch(ns)) {
                window = w;
                try (HostSysctl h = HostSysctl.set(java.util.Map.of("net.netfilter.nf_conntrack_max", Long.toString(limit)))) {
                    ns.inside(SYS, () -> {
                        try (DatagramChannel c = DatagramChannel.open()) {
                            for (int port = 20000; port < 20000 + 2 * limit; port++) {
                                try {
                                    c.send(ByteBuffer.wrap(new byte[] {1}), new InetSocketAddress("127.0.0.1", port));
                                } catch (java.io.IOException dropped) {
                                    // EPERM: conntrack dropped it in the output hook, the fault itself
                                }
                            }
                        }
                        return null;
                    });
                    f = only(w.finish(), "conntrack_table_full");
                }
            }
            assertEquals(Severity.CRITICAL, f.severity());
            var ct = window.after.conntrack();
            assertEquals(limit, ct.max());
            assertTrue(evidence(f, "net.netfilter.nf_conntrack_count").startsWith(ct.count() + " of max " + limit),
                    f.evidence().toString());
            long evictedOrDropped = rise(evidence(f, "conntrack (ctnetlink) early_drop"))
                    + rise(evidence(f, "conntrack (ctnetlink) drop"));
            assertTrue(evictedOrDropped > 0, f.evidence().toString());
            long want = Fixes.powerOfTwoAtLeast(Math.max(2 * limit, 2 * ct.count()));
            Fix max = fix(f, "sysctl -w net.netfilter.nf_conntrack_max=" + want);
            assertEquals("net.netfilter.nf_conntrack_max = " + want, max.persist());
            assertEquals(original, HostSysctl.read("net.netfilter.nf_conntrack_max"), "the maximum is back");
        }
    }

    // ------------------------------------------------------------------ neighbour_table_overflow (table)

    /**
     * The neighbour thresholds exist only machine-wide (a namespace has no neighbour "default"), and the
     * table's entries are counted over every namespace. The fault lowers gc_thresh3 (and gc_thresh2, and
     * gc_thresh1 if above) to 32 above the current entries, only while the namespace sends to absent
     * neighbours and the second sample is taken, and restores them in finally.
     */
    @Test
    void aFullNeighbourTableRefusesNewNeighbours() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns ns = lab.namespace();
            ns.ip("link", "add", "dst0", "type", "veth", "peer", "name", "dst1");
            ns.ip("addr", "add", "10.95.0.1/16", "dev", "dst0");
            ns.ip("link", "set", "dst0", "up");
            ns.ip("link", "set", "dst1", "up");
            Finding f;
            FaultLab.Window window;
            try (FaultLab.Window w = lab.watch(ns)) {
                window = w;
                long entries = w.before.neighbour().stream().filter(t -> t.name().equals("arp_cache")).findFirst()
                        .orElseThrow().entries();
                long limit = entries + 32;
                java.util.Map<String, String> low = new java.util.LinkedHashMap<>();
                low.put("net.ipv4.neigh.default.gc_thresh3", Long.toString(limit));
                low.put("net.ipv4.neigh.default.gc_thresh2", Long.toString(limit));
                if (Long.parseLong(HostSysctl.read("net.ipv4.neigh.default.gc_thresh1")) > limit) {
                    low.put("net.ipv4.neigh.default.gc_thresh1", Long.toString(limit / 2));
                }
                try (HostSysctl h = HostSysctl.set(low)) {
                    ns.inside(SYS, () -> {
                        try (DatagramChannel c = DatagramChannel.open()) {
                            for (int i = 1; i <= 200; i++) {
                                try {
                                    c.send(ByteBuffer.wrap(new byte[] {1}),
                                            new InetSocketAddress("10.95." + (1 + i / 250) + "." + (i % 250 + 1), 7777));
                                } catch (java.io.IOException refused) {
                                    // no neighbour entry could be made: the fault itself
                                }
                            }
                        }
                        return null;
                    });
                    f = only(w.finish(), "neighbour_table_overflow");
                }
            }
            assertTrue(rise(evidence(f, "arp_cache table_fulls")) >= 1, f.evidence().toString());
            if (window.hasDropSource()) {
                assertTrue(siteDrops(f, "NEIGH_CREATEFAIL") >= 1, f.evidence().toString());
            }
            var arp = window.after.neighbour().stream().filter(t -> t.name().equals("arp_cache")).findFirst()
                    .orElseThrow();
            long t3 = Fixes.grow(arp.gcThresh3(), 2 * arp.entries(), 1L << 20);
            Fix x = fix(f, "sysctl -w net.ipv4.neigh.default.gc_thresh3=" + t3);
            assertEquals("net.ipv4.neigh.default.gc_thresh3 = " + t3, x.persist());
            fix(f, "sysctl -w net.ipv4.neigh.default.gc_thresh2=" + Math.max(arp.gcThresh2(), t3 / 2));
        }
    }

    // ------------------------------------------------------------------ softnet (backlog, time_squeeze)

    /**
     * A sender namespace and a receiver namespace joined by a veth whose sending end has segmentation
     * offload off: a UDP GSO send then arrives on the receiving end as a burst of segments, all queued on
     * one CPU's input backlog (veth rx goes through netif_rx) before the receive softirq runs.
     */
    static Netns[] gsoPair(FaultLab lab, String prefix) throws Exception {
        Netns sender = lab.namespace();
        Netns receiver = lab.namespace();
        Netns.run("ip", "link", "add", prefix + "0", "netns", sender.name(), "type", "veth", "peer", "name",
                prefix + "1", "netns", receiver.name());
        sender.ip("addr", "add", "10.99.0.1/24", "dev", prefix + "0");
        receiver.ip("addr", "add", "10.99.0.2/24", "dev", prefix + "1");
        sender.ip("link", "set", prefix + "0", "up");
        receiver.ip("link", "set", prefix + "1", "up");
        sender.ip("neigh", "replace", "10.99.0.2", "lladdr", FaultLab.mac(receiver, prefix + "1"), "dev",
                prefix + "0", "nud", "permanent");
        exec(sender, "ethtool", "-K", prefix + "0", "gso", "off", "tx-udp-segmentation", "off");
        return new Netns[] {sender, receiver};
    }

    /** The sum over CPUs of a softnet_stat column's rise, from the finding's per-CPU evidence. */
    static long softnetRise(Finding f, String column) {
        long n = 0;
        for (Evidence e : f.evidence()) {
            if (e.name().startsWith("softnet_stat cpu") && e.name().endsWith(" " + column)) {
                n += rise(e.value());
            }
        }
        return n;
    }

    static long ifRise(FaultLab.Window w, String dev, String counter) {
        return w.after.iface(dev).stats64().get(counter) - w.before.iface(dev).stats64().get(counter);
    }

    static long snmpRise(FaultLab.Window w, String key) {
        return w.after.snmp().get(key) - w.before.snmp().get(key);
    }

    /**
     * net.core.netdev_max_backlog is machine-wide (a namespace has no copy), so the fault lowers it to 8
     * only while ten bursts of 60 segments are sent (a few milliseconds: low enough that each burst
     * overflows, high enough that other loopback traffic on the machine hardly notices), and restores it
     * before the second sample. Each dropped segment counts in softnet_stat 'dropped' and in the receiving
     * veth's rx_dropped; the rest reach UDP, where nothing listens (NoPorts): together, every segment sent.
     */
    @Test
    void aBurstLargerThanTheInputBacklogIsDroppedAtCpuBacklog() throws Exception {
        int segments = 60;
        int sends = 10;
        String original = HostSysctl.read("net.core.netdev_max_backlog");
        try (FaultLab lab = new FaultLab()) {
            Netns[] pair = gsoPair(lab, "dsb");
            Netns sender = pair[0];
            Netns receiver = pair[1];
            Finding f;
            FaultLab.Window window;
            try (FaultLab.Window w = lab.watch(receiver)) {
                window = w;
                try (HostSysctl h = HostSysctl.set(java.util.Map.of("net.core.netdev_max_backlog", "8"))) {
                    sender.inside(SYS, () -> {
                        Packets.udpGsoBurst(SYS, "10.99.0.2", 9, 100, segments, sends);
                        return null;
                    });
                }
                assertEquals(original, HostSysctl.read("net.core.netdev_max_backlog"), "the backlog is back");
                f = only(w.finish(), "softnet_backlog_drops");
            }
            long rxDropped = ifRise(window, "dsb1", "rx_dropped");
            assertEquals(segments * sends, rxDropped + snmpRise(window, "Udp.NoPorts"),
                    "each segment is either dropped at the backlog or reaches UDP");
            assertTrue(rxDropped >= sends * (segments - 9 - 9), "rx_dropped " + rxDropped);
            // softnet_stat is machine-wide: at least the receiving veth's drops
            assertTrue(softnetRise(f, "dropped") >= rxDropped, f.evidence().toString());
            if (window.hasDropSource()) {
                assertTrue(siteDrops(f, "CPU_BACKLOG") >= rxDropped, f.evidence().toString());
            }
            long backlog = Long.parseLong(original);
            assertEquals(original, evidence(f, "net.core.netdev_max_backlog"));
            if (backlog < SoftnetBacklogRule.MAX_BACKLOG_CAP) {
                long want = Fixes.grow(backlog, 0, SoftnetBacklogRule.MAX_BACKLOG_CAP);
                assertTrue(want > backlog);
                Fix x = fix(f, "sysctl -w net.core.netdev_max_backlog=" + want);
                assertEquals("net.core.netdev_max_backlog = " + want, x.persist());
            }
            int cpus = window.after.softnet().size();
            long cpusDropping = f.evidence().stream().filter(e -> e.name().startsWith("softnet_stat cpu")
                    && e.name().endsWith(" dropped")).count();
            if (cpus > 1 && cpusDropping * 2 <= cpus) {
                // one CPU took the whole burst: RPS on the interface that received it spreads the work
                fix(f, "ip netns exec " + receiver.name() + " sh -c 'for q in /sys/class/net/dsb1/queues/rx-*/rps_cpus;"
                        + " do echo " + SoftnetBacklogRule.cpuMask(window.after.softnet()) + " > $q; done'");
            }
        }
    }

    /**
     * net.core.netdev_budget is machine-wide too: lowered to 1 while ten bursts of 60 segments arrive, each
     * receive softirq round ends with its budget spent (time_squeeze), and restored before the second
     * sample, so the fix doubles the real value.
     */
    @Test
    void aReceiveBudgetSpentByEachBurstCountsTimeSqueezes() throws Exception {
        int sends = 10;
        String original = HostSysctl.read("net.core.netdev_budget");
        try (FaultLab lab = new FaultLab()) {
            Netns[] pair = gsoPair(lab, "dsz");
            Netns sender = pair[0];
            Finding f;
            try (FaultLab.Window w = lab.watch(pair[1])) {
                try (HostSysctl h = HostSysctl.set(java.util.Map.of("net.core.netdev_budget", "1"))) {
                    sender.inside(SYS, () -> {
                        Packets.udpGsoBurst(SYS, "10.99.0.2", 9, 100, 60, sends);
                        return null;
                    });
                }
                assertEquals(original, HostSysctl.read("net.core.netdev_budget"), "the budget is back");
                List<Finding> all = w.finish();
                f = only(all, "softnet_time_squeeze");
                assertFalse(has(all, "softnet_backlog_drops"), "the backlog held every burst: " + all);
                assertEquals(60L * sends, snmpRise(w, "Udp.NoPorts"), "nothing was lost, only squeezed");
            }
            assertTrue(softnetRise(f, "time_squeeze") >= sends / 2, f.evidence().toString());
            long budget = Long.parseLong(original);
            assertEquals(original, evidence(f, "net.core.netdev_budget"));
            if (budget < TimeSqueezeRule.BUDGET_CAP) {
                Fix x = fix(f, "sysctl -w net.core.netdev_budget=" + Math.min(2 * budget, TimeSqueezeRule.BUDGET_CAP));
                assertEquals("net.core.netdev_budget = " + Math.min(2 * budget, TimeSqueezeRule.BUDGET_CAP), x.persist());
            }
        }
    }

    // ------------------------------------------------------------------ monitor_lost_events

    /**
     * The tracepoint source with one data page per CPU (about 56 drop records), not drained while 3000
     * datagrams go to a closed port: the ring overflows. The kernel writes PERF_RECORD_LOST only once the
     * ring has room again and another drop comes, so the storm goes on (as storms do) while the window's
     * drops are collected by the same watcher, report builder and diagnosis {@code snapshot} uses.
     */
    @Test
    void aTracepointRingTooSmallForTheBurstLosesEventsAndSaysSo() throws Exception {
        int burst = 3000;
        int page = dev.dropscope.perf.TracepointReader.pageSize();
        dev.dropscope.collect.TracepointMonitor tiny;
        try {
            tiny = dev.dropscope.collect.TracepointMonitor.open(SYS, "test: one page per CPU",
                    new dev.dropscope.perf.TracepointReader.Options(1, page / 2, 0));
        } catch (java.io.IOException e) {
            throw new AssertionError("the kfree_skb tracepoint cannot be opened here: " + e.getMessage(), e);
        }
        try (FaultLab lab = new FaultLab()) {
            Netns ns = lab.namespace();
            List<Finding> all;
            FaultLab.Window window;
            try (FaultLab.Window w = lab.watch(ns, tiny)) {
                window = w;
                sendUdp(ns, "127.0.0.1", "127.0.0.1", 7030, burst);
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
                // the kernel writes a ring's LOST record at that CPU's next event once the reader frees room, and
                // the burst filled whichever CPU's ring it ran on: one storm thread per CPU, so every CPU keeps
                // making events while the window drains (one thread alone may run on the other CPU only)
                List<java.util.concurrent.FutureTask<Void>> storms = new ArrayList<>();
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
                    java.util.concurrent.FutureTask<Void> storm = new java.util.concurrent.FutureTask<>(w.scope.wrap(() -> {
                        try (DatagramChannel c = DatagramChannel.open()) {
                            while (!stop.get()) {
                                c.send(ByteBuffer.wrap(new byte[] {1}), new InetSocketAddress("127.0.0.1", 7030));
                                sent.incrementAndGet();
                                Thread.sleep(0, 200_000);
                            }
                        }
                        return null;
                    }));
                    Thread t = new Thread(storm, "ds-diag-storm-" + i);
                    storms.add(storm);
                    threads.add(t);
                    t.start();
                }
                // the storm must be running while the window drains, not still starting (it enters the namespace)
                long waitUntil = System.nanoTime() + 10_000_000_000L;
                while (sent.get() < 100 * threads.size() && System.nanoTime() < waitUntil) {
                    Thread.sleep(5);
                }
                try {
                    all = w.finish();
                } finally {
                    stop.set(true);
                    for (Thread t : threads) {
                        t.join();
                    }
                }
                for (java.util.concurrent.FutureTask<Void> storm : storms) {
                    storm.get();
                }
            }
            Finding f = only(all, "monitor_lost_events");
            assertTrue(rise(evidence(only(all, "no_socket_drops"), "Udp.NoPorts")) >= burst);
            long lost = window.drops.lostDelta();
            // how much is lost depends on how often the half-page watermark lets the reader in during the
            // burst (91 to 3440 in CI runs); that some is lost, and that the finding cites exactly that, is the point
            assertTrue(lost > 0, "the one-page rings lost nothing of a burst of " + burst);
            assertEquals(Severity.WARNING, f.severity());
            String v = evidence(f, "events lost by the monitor (tracepoint)");
            assertEquals(lost, rise(v), v);
            assertTrue(v.endsWith(", " + window.drops.lost() + " since start"), v);
            assertTrue(Long.parseLong(evidence(f, "monitor perf_lost")) >= lost, f.evidence().toString());
            assertTrue(page != 4096 || commands(f).get(0).startsWith(
                    "give dropscope CPU time (it drains a 4 KiB per-CPU perf ring)"), commands(f).toString());
            assertTrue(f.title().startsWith("dropscope lost drop events ("), f.title());
        }
    }

    // ------------------------------------------------------------------ dropscope snapshot, end to end

    @Test
    void theSnapshotCommandFindsAnOngoingFaultAndWritesItsFixesFile() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns ns = lab.namespace();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.CountDownLatch flooding = new java.util.concurrent.CountDownLatch(1);
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ds-diag-snapshot");
            java.nio.file.Path json = dir.resolve("snapshot.json");
            java.nio.file.Path fixes = dir.resolve("fixes.conf");
            try (dev.dropscope.collect.NetnsScope scope = dev.dropscope.collect.NetnsScope.named(SYS, ns.name())) {
                // an application that never reads its small socket, flooded until the snapshot is done
                java.util.concurrent.FutureTask<Void> flood = new java.util.concurrent.FutureTask<>(scope.wrap(() -> {
                    try (DatagramChannel r = DatagramChannel.open(); DatagramChannel s = DatagramChannel.open()) {
                        r.setOption(StandardSocketOptions.SO_RCVBUF, 1024);
                        r.bind(new InetSocketAddress("127.0.0.1", 7020));
                        flooding.countDown();
                        while (!stop.get()) {
                            s.send(ByteBuffer.allocate(200), new InetSocketAddress("127.0.0.1", 7020));
                        }
                    }
                    return null;
                }));
                Thread t = new Thread(flood, "ds-diag-flood");
                t.start();
                try {
                    flooding.await();
                    java.io.StringWriter err = new java.io.StringWriter();
                    int exit = dev.dropscope.cli.Main.run(new String[] {"snapshot", "--netns", ns.name(), "--duration",
                        "1s", "--output", json.toString(), "--fixes-file", fixes.toString()},
                            new java.io.PrintWriter(new java.io.StringWriter(), true), new java.io.PrintWriter(err, true));
                    assertEquals(0, exit, err.toString());
                } finally {
                    stop.set(true);
                    t.join();
                }
                flood.get();
                com.fasterxml.jackson.databind.JsonNode j = dev.dropscope.export.SnapshotJson.parse(
                        java.nio.file.Files.readString(json));
                com.fasterxml.jackson.databind.JsonNode udp = null;
                for (com.fasterxml.jackson.databind.JsonNode x : j.get("findings")) {
                    if (x.get("id").asText().equals("udp_rcvbuf_errors")) {
                        udp = x;
                    }
                }
                assertTrue(udp != null, j.get("findings").toString());
                assertEquals("Udp.RcvbufErrors", udp.get("evidence").get(0).get("name").asText());
                assertTrue(rise(udp.get("evidence").get(0).get("value").asText()) > 0);
                String text = java.nio.file.Files.readString(fixes);
                assertTrue(text.startsWith("# dropscope: suggested sysctl settings, for review. Nothing here has been applied.\n"),
                        text);
                assertTrue(text.contains("\n# udp_rcvbuf_errors ("), text);
                String rmem = null;
                for (com.fasterxml.jackson.databind.JsonNode fx : udp.get("fixes")) {
                    if (fx.get("command").asText().startsWith("sysctl -w net.core.rmem_max=")) {
                        rmem = fx.get("persist").asText();
                    }
                }
                if (rmem != null) {
                    assertTrue(text.contains("\n" + rmem + "\n"), text);
                }
                com.fasterxml.jackson.databind.JsonNode drops = j.get("drops");
                if (!drops.get("source").isNull()) {
                    // a source that names each drop's namespace keeps only this one's; else the note says machine-wide
                    if (j.get("sources").get(drops.get("source").asText()).path("identity_known").asBoolean(false)) {
                        assertFalse(drops.has("scope"), drops.toString());
                        for (com.fasterxml.jackson.databind.JsonNode site : drops.get("sites")) {
                            assertEquals(ns.name(), site.get("netns").get("name").asText(), site.toString());
                        }
                    } else {
                        assertTrue(drops.get("scope").asText().startsWith("machine-wide"), drops.toString());
                    }
                }
            } finally {
                java.nio.file.Files.deleteIfExists(json);
                java.nio.file.Files.deleteIfExists(fixes);
                java.nio.file.Files.deleteIfExists(dir);
            }
        }
    }

    // ------------------------------------------------------------------ healthy

    @Test
    void aHealthyNamespaceHasNoWarning() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns a = lab.namespace();
            Netns b = lab.namespace();
            Netns.run("ip", "link", "add", "dsh0", "netns", a.name(), "type", "veth", "peer", "name", "dsh1",
                    "netns", b.name());
            a.ip("addr", "add", "10.96.0.1/24", "dev", "dsh0");
            b.ip("addr", "add", "10.96.0.2/24", "dev", "dsh1");
            a.ip("link", "set", "dsh0", "up");
            b.ip("link", "set", "dsh1", "up");
            List<Finding> fs;
            try (FaultLab.Window w = lab.watch(b)) {
                // a server that reads everything it is sent, over UDP and TCP, and closes cleanly
                DatagramChannel udp = b.inside(SYS, () -> {
                    DatagramChannel r = DatagramChannel.open();
                    r.bind(new InetSocketAddress("10.96.0.2", 7010));
                    return r;
                });
                ServerSocketChannel tcp = b.inside(SYS, () -> {
                    ServerSocketChannel l = ServerSocketChannel.open();
                    l.bind(new InetSocketAddress("10.96.0.2", 7011));
                    return l;
                });
                try {
                    for (int i = 0; i < 20; i++) {
                        sendUdp(a, "10.96.0.1", "10.96.0.2", 7010, 1);
                        udp.receive(ByteBuffer.allocate(2048));
                    }
                    SocketChannel c = a.inside(SYS, () -> SocketChannel.open(new InetSocketAddress("10.96.0.2", 7011)));
                    try (SocketChannel s = tcp.accept()) {
                        // 16 x 64 KiB, each read completely before the next is sent: nothing waits on anything
                        ByteBuffer in = ByteBuffer.allocate(1 << 16);
                        long got = 0;
                        for (int i = 0; i < 16; i++) {
                            ByteBuffer out = ByteBuffer.allocate(1 << 16);
                            while (out.hasRemaining()) {
                                c.write(out);
                            }
                            for (long want = got + (1 << 16); got < want; in.clear()) {
                                got += s.read(in);
                            }
                        }
                        assertEquals(1 << 20, got);
                        c.shutdownOutput();
                        assertEquals(-1, s.read(in));
                    } finally {
                        c.close();
                    }
                } finally {
                    udp.close();
                    tcp.close();
                }
                // counters only: drop sites are machine-wide, and tests next to this one make drops on purpose
                w.finish();
                fs = Diagnosis.diagnose(w.before, w.after, null, null);
            }
            List<Finding> bad = fs.stream().filter(f -> f.severity() != Severity.INFO).toList();
            assertEquals(List.of(), bad);
        }
    }
}
