package dev.dropscope.collect;

import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropSite;
import dev.dropscope.model.DropSiteStats;
import dev.dropscope.model.DropSnapshot;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DropAggregatorTest {
    private static final int CPUS = 4;

    /** The obvious implementation, boxed and unbounded except for the same cap rule. */
    private static final class Reference {
        final int cap;
        final Map<DropSite, long[]> sites = new LinkedHashMap<>(); // count, first, last, cpu0..cpu3
        final Map<DropSite, Long> atSnapshot = new HashMap<>();
        long other;
        long total;

        Reference(int cap) {
            this.cap = cap;
        }

        void add(DropSite s, int cpu, long t, long n) {
            total += n;
            long[] v = sites.get(s);
            if (v == null) {
                if (sites.size() == cap) {
                    other += n;
                    return;
                }
                v = new long[] {0, t, t, 0, 0, 0, 0};
                sites.put(s, v);
            }
            v[0] += n;
            v[1] = Math.min(v[1], t);
            v[2] = Math.max(v[2], t);
            if (cpu >= 0) {
                v[3 + cpu] += n;
            }
        }
    }

    private static DropSite randomSite(SplittableRandom r, int distinct) {
        int k = r.nextInt(distinct);
        // few locations, several reasons and interfaces each: keys that differ in one field only
        return new DropSite(0xffffffff82046290L + (k % 7) * 0x40, 2 + (k / 7) % 5,
                k % 11 == 0 ? DropOrigin.HARDWARE : DropOrigin.SOFTWARE, k % 3 == 0 ? -1 : k / 35);
    }

    @Test
    void agreesWithTheObviousImplementationUnderAndOverTheCap() {
        agreesWithReference(1);
    }

    @Test
    void agreesWithTheObviousImplementationForRunsAtOneSite() {
        // a drop storm: the same key many times in a row (the aggregator's shortcut), then a key that
        // may differ from it in one field only, on any CPU, with time going back now and then
        agreesWithReference(40);
    }

    private static void agreesWithReference(int longestRun) {
        for (int cap : new int[] {1, 7, 64, 4096}) {
            SplittableRandom r = new SplittableRandom(cap);
            DropAggregator agg = new DropAggregator(cap, CPUS, 0);
            Reference ref = new Reference(cap);
            long t = 1_000;
            DropSite s = null;
            int runLeft = 0;
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 20_000; i++) {
                    if (runLeft-- <= 0) {
                        s = randomSite(r, 300);
                        runLeft = r.nextInt(longestRun);
                    }
                    int cpu = r.nextInt(CPUS + 1) - 1; // -1: source without a CPU
                    long n = 1 + r.nextInt(3);
                    t += r.nextInt(1000) - 200; // per-CPU batches: time goes backwards sometimes
                    agg.add(s.location(), s.reason(), s.origin(), s.ifindex(), cpu, t, n);
                    ref.add(s, cpu, t, n);
                }
                DropSnapshot snap = agg.snapshot(t);
                assertEquals(ref.total, snap.total(), "total, cap " + cap);
                assertEquals(ref.sites.size(), snap.sites().size(), "tracked sites, cap " + cap);
                assertEquals(ref.other, snap.other().count(), "other, cap " + cap);
                long sum = snap.other().count();
                for (DropSiteStats st : snap.sites()) {
                    long[] v = ref.sites.get(st.site());
                    assertEquals(v[0], st.count(), st.site().toString());
                    assertEquals(v[0] - ref.atSnapshot.getOrDefault(st.site(), 0L), st.delta());
                    assertEquals(v[1], st.firstSeenNs());
                    assertEquals(v[2], st.lastSeenNs());
                    assertArrayEquals(new long[] {v[3], v[4], v[5], v[6]}, st.perCpu());
                    ref.atSnapshot.put(st.site(), v[0]);
                    sum += st.count();
                }
                assertEquals(snap.total(), sum, "sites + other = total, exactly");
                // the order of first appearance is kept
                assertEquals(List.copyOf(ref.sites.keySet()), snap.sites().stream().map(DropSiteStats::site).toList());
            }
        }
    }

    @Test
    void sitesBeyondTheCapGoToOtherAndTheTotalStaysExact() {
        DropAggregator agg = new DropAggregator(2, 2, 0);
        agg.add(0x10, 3, DropOrigin.SOFTWARE, -1, 0, 100, 5);
        agg.add(0x20, 3, DropOrigin.SOFTWARE, -1, 1, 110, 1);
        agg.add(0x30, 3, DropOrigin.SOFTWARE, -1, 1, 120, 7); // third site: other
        agg.add(0x10, 4, DropOrigin.SOFTWARE, -1, 0, 90, 2);  // same location, other reason: other
        agg.add(0x10, 3, DropOrigin.SOFTWARE, -1, 1, 130, 1); // a tracked site still counts
        DropSnapshot s = agg.snapshot(1_000_000_000L);
        assertEquals(16, s.total());
        assertEquals(2, s.sites().size());
        assertEquals(6, s.sites().get(0).count());
        assertArrayEquals(new long[] {5, 1}, s.sites().get(0).perCpu());
        assertTrue(s.other().isOther());
        assertNull(s.other().site());
        assertEquals(9, s.other().count());
        assertEquals(90, s.other().firstSeenNs());
        assertEquals(120, s.other().lastSeenNs());
        assertArrayEquals(new long[] {2, 7}, s.other().perCpu());
        assertEquals(2, agg.distinctSites());
    }

    @Test
    void deltasRatesAndTopN() {
        DropAggregator agg = new DropAggregator(16, 1, 0);
        agg.add(1, 2, DropOrigin.SOFTWARE, -1, 0, 1, 100);
        agg.add(2, 2, DropOrigin.SOFTWARE, -1, 0, 1, 10);
        agg.add(3, 2, DropOrigin.SOFTWARE, -1, 0, 1, 1);
        agg.addLost(4);
        DropSnapshot first = agg.snapshot(2_000_000_000L);
        assertEquals(2_000_000_000L, first.intervalNs());
        assertEquals(111, first.totalDelta());
        assertEquals(55.5, first.totalRatePerSecond(), 1e-9);
        assertEquals(4, first.lost());
        assertEquals(List.of(1L, 2L), first.topByCount(2).stream().map(x -> x.site().location()).toList());

        agg.add(3, 2, DropOrigin.SOFTWARE, -1, 0, 5, 500);
        agg.add(2, 2, DropOrigin.SOFTWARE, -1, 0, 5, 1);
        DropSnapshot second = agg.snapshot(3_000_000_000L);
        assertEquals(1_000_000_000L, second.intervalNs());
        assertEquals(0, second.lostDelta());
        assertEquals(4, second.lost());
        assertEquals(612, second.total());
        assertEquals(501, second.totalDelta());
        // by count site 3 (501) leads; by rate only the sites that dropped in this interval, 3 then 2
        assertEquals(List.of(3L, 1L, 2L), second.topByCount(3).stream().map(x -> x.site().location()).toList());
        assertEquals(List.of(3L, 2L), second.topByRate(3).stream().map(x -> x.site().location()).toList());
        assertEquals(500.0, second.topByRate(1).get(0).ratePerSecond(second.intervalNs()), 1e-9);
    }

    @Test
    void snapshotsAreImmutable() {
        DropAggregator agg = new DropAggregator(4, 2, 0);
        agg.add(1, 2, DropOrigin.SOFTWARE, -1, 1, 1, 3);
        DropSnapshot s = agg.snapshot(1);
        long[] cpus = s.sites().get(0).perCpu();
        cpus[1] = 99;
        agg.add(1, 2, DropOrigin.SOFTWARE, -1, 1, 2, 3);
        assertEquals(3, s.sites().get(0).onCpu(1));
        assertEquals(3, s.sites().get(0).count());
        assertFalse(s.sites().isEmpty());
    }

    /** The per-drop path must not allocate: a million drops at full rate would be a million objects. */
    @Test
    void addingDropsAllocatesNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        DropAggregator agg = new DropAggregator(4096, CPUS, 0);
        for (int i = 0; i < 100_000; i++) { // warm-up, and the table's own growth (none) happens here
            agg.add(0xffffffff81000000L + (i % 5000) * 16, i % 7, DropOrigin.SOFTWARE, -1, i % CPUS, i, 1);
        }
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 1_000_000; i++) {
            agg.add(0xffffffff81000000L + (i % 5000) * 16, i % 7, DropOrigin.SOFTWARE, -1, i % CPUS, i, 1);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertEquals(1_100_000, agg.total());
        assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes for 1 M drops");
    }
}
