package dev.dropscope.collect;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.btf.KernelBtf;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.procfs.ProtocolCounters;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Identity on the real kernel: two namespace pairs joined by veth, with the same addresses (as containers
 * have), drop different numbers of UDP datagrams to a closed port at the same time. The summary program
 * keys each drop by (location, reason, ifindex, netns inode) read through the BTF offsets; the counts of
 * NO_SOCKET drops per (receiving namespace's inode, its veth's ifindex) must equal each receiving
 * namespace's own {@code Udp NoPorts} delta exactly. Other processes' drops are in other namespaces, so
 * the filter on the inode is exact; a surplus or shortfall fails.
 */
@Needs(root = true, tools = {"ip"})
class EbpfIdentityLiveTest {
    private static final Syscalls SYS = Syscalls.get();
    /** Sender and receiver namespaces of the pairs a and b. */
    private static Netns a1;
    private static Netns a2;
    private static Netns b1;
    private static Netns b2;

    @BeforeAll
    static void namespaces() throws Exception {
        Netns[] a = Netns.vethPair("idsend", "idrecv");
        a1 = a[0];
        a2 = a[1];
        Netns[] b = Netns.vethPair("idsend", "idrecv");
        b1 = b[0];
        b2 = b[1];
    }

    @AfterAll
    static void cleanup() throws Exception {
        Netns.closeAll(a1, a2, b1, b2);
    }

    static long inode(Netns n) throws Exception {
        return ((Number) Files.getAttribute(Path.of("/run/netns", n.name()), "unix:ino")).longValue();
    }

    static int ifindex(Netns n, String dev) throws Exception {
        String line = n.ip("-o", "link", "show", "dev", dev).strip();
        return Integer.parseInt(line.substring(0, line.indexOf(':')));
    }

    static long noPorts(Netns n) throws Exception {
        return n.inside(SYS, () -> ProtocolCounters.query(Path.of("/proc")).counters().get("Udp.NoPorts"));
    }

    static void send(Netns from, int datagrams) throws Exception {
        from.inside(SYS, () -> {
            try (DatagramSocket s = new DatagramSocket()) {
                byte[] b = new byte[16];
                for (int i = 0; i < datagrams; i++) {
                    s.send(new DatagramPacket(b, b.length, new InetSocketAddress("10.231.7.2", 9)));
                }
            }
            return null;
        });
    }

    /** NO_SOCKET drops per (netns inode, ifindex), and the sites that came without identity. */
    static final class ByNamespace implements DropSink {
        final int noSocket;
        final Map<List<Long>, Long> counts = new HashMap<>();

        ByNamespace(int noSocket) {
            this.noSocket = noSocket;
        }

        @Override
        public void onDrops(long location, int reason, DropOrigin origin, int ifindex, long netns, int cpu, long timeNs,
                            long count) {
            if (reason == noSocket) {
                counts.merge(List.of(netns, (long) ifindex), count, Long::sum);
            }
        }

        @Override
        public void onDrops(long location, int reason, DropOrigin origin, int ifindex, int cpu, long timeNs, long count) {
            throw new AssertionError("a drop without its namespace: the identity program is not running");
        }

        @Override
        public void onLost(long count) {
            throw new AssertionError(count + " drops lost");
        }
    }

    private void countsPerNamespaceEqualEachNamespacesNoPorts(EbpfMonitor.Attach attach) throws Exception {
        try (EbpfMonitor m = EbpfMonitor.open(SYS, "test", false, true, EbpfMonitor.MAP_CAPACITY, attach, true,
                KernelBtf.VMLINUX)) {
            assertNull(m.identityUnknownWhy());
            assertEquals(attach, m.attach());
            int noSocket = m.reasons().code("NO_SOCKET");
            ByNamespace sink = new ByNamespace(noSocket);
            m.collect(sink); // drops before our start are not ours to compare
            sink.counts.clear();
            long a0 = noPorts(a2);
            long b0 = noPorts(b2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<?> fa = pool.submit(() -> {
                    send(a1, 3000);
                    return null;
                });
                Future<?> fb = pool.submit(() -> {
                    send(b1, 1700);
                    return null;
                });
                fa.get();
                fb.get();
            } finally {
                pool.shutdownNow();
            }
            long da = noPorts(a2) - a0;
            long db = noPorts(b2) - b0;
            m.collect(sink);
            assertTrue(da > 0 && db > 0 && da != db, "NoPorts deltas " + da + " and " + db);
            List<Long> a = List.of(inode(a2), (long) ifindex(a2, "ds1"));
            List<Long> b = List.of(inode(b2), (long) ifindex(b2, "ds1"));
            assertEquals(da, sink.counts.getOrDefault(a, 0L), "namespace a: " + sink.counts);
            assertEquals(db, sink.counts.getOrDefault(b, 0L), "namespace b: " + sink.counts);
            // nothing of ours under any other (inode, ifindex): the senders' namespaces drop none
            assertEquals(0L, sink.counts.getOrDefault(List.of(inode(a1), (long) ifindex(a1, "ds0")), 0L));
            assertEquals(0L, sink.counts.getOrDefault(List.of(inode(b1), (long) ifindex(b1, "ds0")), 0L));
        }
    }

    @Test
    void rawTracepointCountsPerNamespaceAndInterfaceExactly() throws Exception {
        countsPerNamespaceEqualEachNamespacesNoPorts(EbpfMonitor.Attach.RAW_TRACEPOINT);
    }

    @Test
    void perfEventAttachCountsPerNamespaceAndInterfaceExactly() throws Exception {
        countsPerNamespaceEqualEachNamespacesNoPorts(EbpfMonitor.Attach.PERF_EVENT);
    }

    @Test
    void withoutBtfTodaysProgramRunsAndSaysWhy() throws Exception {
        try (EbpfMonitor m = EbpfMonitor.open(SYS, "test", false, true, EbpfMonitor.MAP_CAPACITY,
                EbpfMonitor.Attach.RAW_TRACEPOINT, true, Path.of("/nonexistent/vmlinux"))) {
            assertEquals(EbpfMonitor.Attach.PERF_EVENT, m.attach());
            assertEquals("interfaces and namespaces are unknown: no usable BTF: /nonexistent/vmlinux: "
                    + "no BTF: the kernel was built without CONFIG_DEBUG_INFO_BTF", m.identityUnknownWhy());
            long[] seen = new long[1];
            long before = noPorts(a2);
            send(a1, 200);
            long delta = noPorts(a2) - before;
            m.collect(new DropSink() {
                @Override
                public void onDrops(long location, int reason, DropOrigin origin, int ifindex, int cpu, long timeNs,
                                    long count) {
                    assertEquals(-1, ifindex);
                    seen[0] += count;
                }

                @Override
                public void onLost(long count) {
                }
            });
            assertTrue(seen[0] >= delta, "today's program counted " + seen[0] + " of " + delta);
        }
    }

    @Test
    void aTruncatedBtfFileFallsBackWithItsReason(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path cut = dir.resolve("vmlinux");
        byte[] all = Files.readAllBytes(KernelBtf.VMLINUX);
        Files.write(cut, java.util.Arrays.copyOf(all, 4096));
        try (EbpfMonitor m = EbpfMonitor.open(SYS, "test", false, true, EbpfMonitor.MAP_CAPACITY,
                EbpfMonitor.Attach.RAW_TRACEPOINT, true, cut)) {
            assertEquals(EbpfMonitor.Attach.PERF_EVENT, m.attach());
            assertTrue(m.identityUnknownWhy().startsWith("interfaces and namespaces are unknown: no usable BTF: "
                    + cut + ": BTF truncated: type section"), m.identityUnknownWhy());
        }
    }
}
