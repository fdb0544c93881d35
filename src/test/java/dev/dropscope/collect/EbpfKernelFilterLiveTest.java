package dev.dropscope.collect;

import static dev.dropscope.collect.EbpfIdentityLiveTest.ifindex;
import static dev.dropscope.collect.EbpfIdentityLiveTest.inode;
import static dev.dropscope.collect.EbpfIdentityLiveTest.noPorts;
import static dev.dropscope.collect.EbpfIdentityLiveTest.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.bpf.DropPrograms;
import dev.dropscope.btf.KernelBtf;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Needs;
import dev.dropscope.testutil.Netns;

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
 * The in-kernel filter on the real kernel: two namespace pairs (as in {@link EbpfIdentityLiveTest}) drop
 * UDP to a closed port at the same time; a program filtering on one receiving namespace must count exactly
 * that namespace's {@code Udp NoPorts} delta, and its map (or ring) must hold nothing of any other
 * namespace: neither the other pair's drops nor the drops other processes on this machine make meanwhile.
 * The filter is a map the program looks up (by namespace, or by (namespace, ifindex)), filled here to its
 * capacity, on both attaches and in packet mode; its keys change while the program runs.
 */
@Needs(root = true, tools = {"ip"})
class EbpfKernelFilterLiveTest {
    private static final Syscalls SYS = Syscalls.get();
    private static Netns a1;
    private static Netns a2;
    private static Netns b1;
    private static Netns b2;

    @BeforeAll
    static void namespaces() throws Exception {
        Netns[] a = Netns.vethPair("fsend", "frecv");
        a1 = a[0];
        a2 = a[1];
        Netns[] b = Netns.vethPair("fsend", "frecv");
        b1 = b[0];
        b2 = b[1];
    }

    @AfterAll
    static void cleanup() throws Exception {
        Netns.closeAll(a1, a2, b1, b2);
    }

    /** Every drop delivered, per (netns, ifindex), whatever its reason; NO_SOCKET ones apart. */
    static final class Everything implements DropSink {
        final int noSocket;
        final Map<List<Long>, Long> all = new HashMap<>();
        final Map<List<Long>, Long> noSockets = new HashMap<>();
        long packets;

        Everything(int noSocket) {
            this.noSocket = noSocket;
        }

        @Override
        public void onDrops(long location, int reason, DropOrigin origin, int ifindex, long netns, int cpu, long timeNs,
                            long count) {
            all.merge(List.of(netns, (long) ifindex), count, Long::sum);
            if (reason == noSocket) {
                noSockets.merge(List.of(netns, (long) ifindex), count, Long::sum);
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

        @Override
        public void onPacket(dev.dropscope.model.DropPacket packet) {
            packets++;
        }
    }

    /** {@code keep}, then made-up inodes up to a full filter map (no real namespace has inode 1..1023). */
    static DropPrograms.Filter paddedNetns(long keep) {
        long[] v = new long[DropPrograms.Filter.CAPACITY];
        v[0] = keep;
        for (int i = 1; i < v.length; i++) {
            v[i] = i;
        }
        return DropPrograms.Filter.netns(v);
    }

    /** {@code (keep, ifindex)}, then made-up pairs (other ifindexes there, made-up namespaces) up to a full map. */
    static DropPrograms.Filter paddedInterfaces(long keep, int ifindex) {
        java.util.List<DropPrograms.Filter.Key> k = new java.util.ArrayList<>();
        k.add(new DropPrograms.Filter.Key(keep, ifindex));
        k.add(new DropPrograms.Filter.Key(keep, 1)); // its loopback: nothing drops there in this test
        for (int i = 1; k.size() < DropPrograms.Filter.CAPACITY; i++) {
            k.add(new DropPrograms.Filter.Key(i, ifindex));
        }
        return DropPrograms.Filter.interfaces(k);
    }

    /** Both pairs drop at once; returns the kept namespace's NoPorts delta and what the monitor delivered. */
    private static long dropBoth(EbpfMonitor m, Everything sink, Netns kept) throws Exception {
        m.collect(sink); // drops from before our start: not compared
        sink.all.clear();
        sink.noSockets.clear();
        sink.packets = 0;
        long k0 = noPorts(kept);
        long a0 = noPorts(a2);
        long b0 = noPorts(b2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> fa = pool.submit(() -> {
                send(a1, 2500);
                return null;
            });
            Future<?> fb = pool.submit(() -> {
                send(b1, 1300);
                return null;
            });
            fa.get();
            fb.get();
        } finally {
            pool.shutdownNow();
        }
        assertTrue(noPorts(a2) - a0 > 0 && noPorts(b2) - b0 > 0, "both namespaces dropped");
        long delta = noPorts(kept) - k0;
        m.collect(sink);
        return delta;
    }

    private void keepsOnlyTheChosenNamespace(EbpfMonitor.Attach attach, boolean packetMode, DropPrograms.Filter f)
            throws Exception {
        long keep = inode(b2);
        try (EbpfMonitor m = EbpfMonitor.open(SYS, "test", packetMode, true, EbpfMonitor.MAP_CAPACITY, attach, true,
                KernelBtf.VMLINUX, null, f)) {
            assertNull(m.identityUnknownWhy());
            assertEquals(attach, m.attach());
            assertEquals(f.toString(), m.kernelFilter().toString());
            assertEquals(f.keys(), m.filterMapKeys(), "the kernel's filter map holds exactly the filter's keys");
            Everything sink = new Everything(m.reasons().code("NO_SOCKET"));
            long delta = dropBoth(m, sink, b2);
            List<Long> b = List.of(keep, (long) ifindex(b2, "ds1"));
            assertEquals(delta, sink.noSockets.getOrDefault(b, 0L), "kept namespace: " + sink.noSockets);
            // nothing else at all: not pair a's drops, not any other process's, not even b2's on lo
            assertEquals(java.util.Set.of(b), sink.all.keySet(), "the map or ring holds only the kept (namespace, interface)");
            if (packetMode) {
                assertEquals(delta, sink.packets);
            }
        }
    }

    @Test
    void rawTracepointSummaryCountsOnlyTheChosenNamespace() throws Exception {
        keepsOnlyTheChosenNamespace(EbpfMonitor.Attach.RAW_TRACEPOINT, false, paddedNetns(inode(b2)));
        keepsOnlyTheChosenNamespace(EbpfMonitor.Attach.RAW_TRACEPOINT, false,
                paddedInterfaces(inode(b2), ifindex(b2, "ds1")));
    }

    @Test
    void perfEventSummaryCountsOnlyTheChosenNamespace() throws Exception {
        keepsOnlyTheChosenNamespace(EbpfMonitor.Attach.PERF_EVENT, false, paddedNetns(inode(b2)));
        keepsOnlyTheChosenNamespace(EbpfMonitor.Attach.PERF_EVENT, false,
                paddedInterfaces(inode(b2), ifindex(b2, "ds1")));
    }

    @Test
    void packetModeCapturesOnlyTheChosenNamespace() throws Exception {
        keepsOnlyTheChosenNamespace(EbpfMonitor.Attach.PERF_EVENT, true, paddedNetns(inode(b2)));
        keepsOnlyTheChosenNamespace(EbpfMonitor.Attach.PERF_EVENT, true,
                paddedInterfaces(inode(b2), ifindex(b2, "ds1")));
    }

    /**
     * The filter follows its map: the running program keeps a2, then (after an update) b2 alone, then
     * nothing; the map holds exactly the keys of each step, and the counts match the kept namespace's.
     */
    private void theMapsKeysDecideWhileTheProgramRuns(EbpfMonitor.Attach attach, boolean packetMode) throws Exception {
        try (EbpfMonitor m = EbpfMonitor.open(SYS, "test", packetMode, true, EbpfMonitor.MAP_CAPACITY, attach, true,
                KernelBtf.VMLINUX, null, DropPrograms.Filter.netns(inode(a2)))) {
            Everything sink = new Everything(m.reasons().code("NO_SOCKET"));
            long delta = dropBoth(m, sink, a2);
            assertEquals(java.util.Set.of(List.of(inode(a2), (long) ifindex(a2, "ds1"))), sink.all.keySet());
            assertEquals(delta, sink.noSockets.get(List.of(inode(a2), (long) ifindex(a2, "ds1"))));

            m.updateFilter(DropPrograms.Filter.netns(inode(b2)));
            assertEquals(DropPrograms.Filter.netns(inode(b2)).keys(), m.filterMapKeys());
            delta = dropBoth(m, sink, b2);
            assertEquals(java.util.Set.of(List.of(inode(b2), (long) ifindex(b2, "ds1"))), sink.all.keySet());
            assertEquals(delta, sink.noSockets.get(List.of(inode(b2), (long) ifindex(b2, "ds1"))));

            m.updateFilter(DropPrograms.Filter.netns());
            assertTrue(m.filterMapKeys().isEmpty());
            dropBoth(m, sink, b2);
            assertEquals(Map.of(), sink.all, "an empty filter keeps nothing");
            assertEquals(0, sink.packets);
            assertThrows(IllegalArgumentException.class, () -> m.updateFilter(DropPrograms.Filter.NONE),
                    "a filter program cannot become an unfiltered one");
        }
    }

    @Test
    void rawTracepointFollowsTheFilterMap() throws Exception {
        theMapsKeysDecideWhileTheProgramRuns(EbpfMonitor.Attach.RAW_TRACEPOINT, false);
    }

    @Test
    void perfEventFollowsTheFilterMap() throws Exception {
        theMapsKeysDecideWhileTheProgramRuns(EbpfMonitor.Attach.PERF_EVENT, false);
    }

    @Test
    void packetModeFollowsTheFilterMap() throws Exception {
        theMapsKeysDecideWhileTheProgramRuns(EbpfMonitor.Attach.PERF_EVENT, true);
    }

    @Test
    void anIfindexNotInTheFilterIsNotCounted() throws Exception {
        // the chosen namespace, but its loopback only: the datagrams arrive on ds1, so none may count
        DropPrograms.Filter f = DropPrograms.Filter.interfaces(List.of(new DropPrograms.Filter.Key(inode(a2), 1)));
        try (EbpfMonitor m = EbpfMonitor.open(SYS, "test", false, true, EbpfMonitor.MAP_CAPACITY,
                EbpfMonitor.Attach.RAW_TRACEPOINT, true, KernelBtf.VMLINUX, null, f)) {
            Everything sink = new Everything(m.reasons().code("NO_SOCKET"));
            long delta = dropBoth(m, sink, a2);
            assertTrue(delta > 0);
            for (List<Long> k : sink.all.keySet()) {
                assertEquals(List.of(inode(a2), 1L), k, "only a2's loopback may be counted: " + sink.all);
            }
            assertEquals(0L, sink.noSockets.getOrDefault(List.of(inode(a2), (long) ifindex(a2, "ds1")), 0L));
        }
    }

    @Test
    void withoutAFilterBothNamespacesCount() throws Exception {
        // the same run unfiltered sees both: the filtered runs' silence is the filter's doing
        try (EbpfMonitor m = EbpfMonitor.open(SYS, "test", false, true, EbpfMonitor.MAP_CAPACITY,
                EbpfMonitor.Attach.RAW_TRACEPOINT, true, KernelBtf.VMLINUX, null, DropPrograms.Filter.NONE)) {
            Everything sink = new Everything(m.reasons().code("NO_SOCKET"));
            dropBoth(m, sink, a2);
            assertTrue(sink.noSockets.getOrDefault(List.of(inode(a2), (long) ifindex(a2, "ds1")), 0L) > 0);
            assertTrue(sink.noSockets.getOrDefault(List.of(inode(b2), (long) ifindex(b2, "ds1")), 0L) > 0);
        }
    }
}
