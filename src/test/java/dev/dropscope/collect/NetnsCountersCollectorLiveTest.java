package dev.dropscope.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.NetnsCounters;
import dev.dropscope.procfs.NetnsNames;
import dev.dropscope.procfs.ProtocolCounters;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Needs;
import dev.dropscope.testutil.Netns;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Each namespace's own counters on the real kernel: namespaces of our own drop different numbers of UDP
 * datagrams to a closed port on their loopback; what the collector reads must equal what each namespace's
 * own {@code /proc/net/snmp} says ({@code ip netns exec NAME cat /proc/net/snmp}, {@code nsenter}), and
 * its NoPorts deltas the datagrams sent. Only our namespaces are read, so other processes' drops on this
 * machine cannot reach the numbers.
 */
@Needs(root = true, tools = {"ip", "unshare", "nsenter", "bash"})
class NetnsCountersCollectorLiveTest {
    private static final Syscalls SYS = Syscalls.get();

    static long inode(Path nsLink) throws Exception {
        return ((Number) Files.getAttribute(nsLink, "unix:ino")).longValue();
    }

    /** The namespace's own Udp.NoPorts, read by a process inside it. */
    static long ownNoPorts(String... enter) throws Exception {
        String[] cmd = new String[enter.length + 2];
        System.arraycopy(enter, 0, cmd, 0, enter.length);
        cmd[enter.length] = "cat";
        cmd[enter.length + 1] = "/proc/net/snmp";
        return ProtocolCounters.parseHeaderValue(Netns.run(cmd)).counters().get("Udp.NoPorts");
    }

    /** Our threads inside any of {@code inodes}: none may stay there (it would keep a deleted namespace alive). */
    static List<String> threadsIn(long... inodes) throws Exception {
        List<String> in = new java.util.ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    long ino = inode(t.resolve("ns/net"));
                    for (long i : inodes) {
                        if (ino == i) {
                            in.add(Files.readString(t.resolve("comm")).strip());
                        }
                    }
                } catch (java.nio.file.NoSuchFileException ended) {
                    // a thread that ended meanwhile
                }
            }
        }
        return in;
    }

    static NetnsCountersCollector collector(int cap) {
        NetnsNames names = NetnsNames.system();
        return new NetnsCountersCollector(SYS, names::lookup, cap);
    }

    @Test
    void namedNamespacesCountTheirOwnNoPortsAndKeepThemWhenDeleted() throws Exception {
        try (Netns a = Netns.create("nsctr"); Netns b = Netns.create("nsctr");
             NetnsCountersCollector c = collector(16)) {
            a.ip("link", "set", "lo", "up");
            b.ip("link", "set", "lo", "up");
            long ia = inode(Path.of("/run/netns", a.name()));
            long ib = inode(Path.of("/run/netns", b.name()));
            Map<Long, NetnsCounters> first = c.collect(List.of(ia, ib));
            long a0 = ownNoPorts("ip", "netns", "exec", a.name());
            long b0 = ownNoPorts("ip", "netns", "exec", b.name());
            assertEquals(a0, first.get(ia).counters().get("Udp.NoPorts"), first.get(ia).toString());
            assertEquals(b0, first.get(ib).counters().get("Udp.NoPorts"));
            assertEquals(a.name(), first.get(ia).netns().name());
            assertTrue(first.get(ia).rates().isEmpty(), "no rates from one reading");
            assertNull(first.get(ia).rate("Udp.NoPorts"));
            assertTrue(first.get(ia).counters().containsKey("dev.rx_dropped"), first.get(ia).counters().toString());
            assertTrue(first.get(ia).counters().containsKey("TcpExt.ListenOverflows"), "netstat is read too");

            a.sendToClosedPort(SYS, 1300);
            b.sendToClosedPort(SYS, 700);
            Thread.sleep(20); // a measurable interval for the rates
            Map<Long, NetnsCounters> second = c.collect(List.of(ia, ib));
            long a1 = ownNoPorts("ip", "netns", "exec", a.name());
            long b1 = ownNoPorts("ip", "netns", "exec", b.name());
            assertEquals(1300, a1 - a0);
            assertEquals(700, b1 - b0);
            assertEquals(a1, second.get(ia).counters().get("Udp.NoPorts"));
            assertEquals(b1, second.get(ib).counters().get("Udp.NoPorts"));
            assertEquals(1300, second.get(ia).counters().get("Udp.NoPorts") - first.get(ia).counters().get("Udp.NoPorts"));
            assertEquals(700, second.get(ib).counters().get("Udp.NoPorts") - first.get(ib).counters().get("Udp.NoPorts"));
            double seconds = (second.get(ia).monotonicNanos() - first.get(ia).monotonicNanos()) / 1e9;
            assertEquals(1300 / seconds, second.get(ia).rate("Udp.NoPorts"), 1e-6);
            assertFalse(second.get(ia).gone());
            assertEquals(List.of(), threadsIn(ia, ib), "the reading thread went back into our namespace");

            // b deleted: it keeps its last counts, marked gone, without rates; a reads on
            b.close();
            a.sendToClosedPort(SYS, 5);
            Map<Long, NetnsCounters> third = c.collect(List.of(ia, ib));
            NetnsCounters gone = third.get(ib);
            assertTrue(gone.gone(), gone.toString());
            assertEquals(b1, gone.counters().get("Udp.NoPorts"));
            assertTrue(gone.rates().isEmpty());
            assertNotNull(gone.problem());
            assertEquals(a1 + 5, third.get(ia).counters().get("Udp.NoPorts"));
            assertFalse(third.get(ia).gone());
        }
    }

    @Test
    void onlyTheBusiestUpToTheCapAreReadAndNeverOurOwn() throws Exception {
        try (Netns a = Netns.create("nsctr"); Netns b = Netns.create("nsctr");
             NetnsCountersCollector c = collector(1)) {
            long ia = inode(Path.of("/run/netns", a.name()));
            long ib = inode(Path.of("/run/netns", b.name()));
            long own = inode(Path.of("/proc/self/ns/net"));
            assertEquals(own, c.ownInode());
            assertEquals(Map.of(), c.collect(List.of(own, 0L)), "ours is the System pane's, 0 is no namespace");
            Map<Long, NetnsCounters> read = c.collect(List.of(own, ib, ia));
            assertEquals(List.of(ib), List.copyOf(read.keySet()), "the cap of one: the busiest only");
        }
    }

    @Test
    void aContainerLikeNamespaceIsReadThroughItsProcessAndKeptWhenItEnds() throws Exception {
        Process sleeper = new ProcessBuilder("unshare", "-n", "sleep", "300").start();
        try {
            long own = inode(Path.of("/proc/self/ns/net"));
            Path link = Path.of("/proc", Long.toString(sleeper.pid()), "ns/net");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (inode(link) == own) { // unshare(2) happens just after the fork
                assertTrue(System.nanoTime() < deadline, "unshare -n did not make a namespace");
                Thread.sleep(5);
            }
            long ino = inode(link);
            Netns.run("nsenter", "-t", Long.toString(sleeper.pid()), "-n", "ip", "link", "set", "lo", "up");
            try (NetnsCountersCollector c = collector(16)) {
                readThroughItsProcess(sleeper, ino, c);
            }
        } finally {
            sleeper.destroyForcibly();
            sleeper.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Reads the namespace {@code sleeper} made, sends into it, then ends it. */
    private static void readThroughItsProcess(Process sleeper, long ino, NetnsCountersCollector c) throws Exception {
        String pid = Long.toString(sleeper.pid());
        NetnsCounters before = c.collect(List.of(ino)).get(ino);
        assertNull(before.netns().name(), "no ip netns name: read through its process");
        assertNull(before.problem(), before.toString());
        long n0 = ownNoPorts("nsenter", "-t", pid, "-n");
        assertEquals(n0, before.counters().get("Udp.NoPorts"));
        Netns.run("nsenter", "-t", pid, "-n", "bash", "-c",
                "for i in $(seq 400); do echo x > /dev/udp/127.0.0.1/9; done");
        long n1 = ownNoPorts("nsenter", "-t", pid, "-n");
        assertEquals(400, n1 - n0);
        NetnsCounters after = c.collect(List.of(ino)).get(ino);
        assertEquals(n1, after.counters().get("Udp.NoPorts"));
        assertTrue(after.rate("Udp.NoPorts") > 0);

        sleeper.destroy();
        assertTrue(sleeper.waitFor(10, TimeUnit.SECONDS));
        NetnsCounters ended = c.collect(List.of(ino)).get(ino);
        assertTrue(ended.gone(), ended.toString());
        assertEquals(n1, ended.counters().get("Udp.NoPorts"));
        assertTrue(ended.problem().contains("ended"), ended.problem());
    }
}
