package dev.dropscope.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class SiteCountersTest {

    @Test
    void aSiteKeepsItsIndexAndItsCountersThroughGrowth() {
        SiteCounters t = new SiteCounters(3, 4);
        Map<List<Long>, Integer> expected = new HashMap<>();
        Random r = new Random(7);
        for (int i = 0; i < 5000; i++) {
            // kernel-like addresses, few reasons, and some repeats
            long loc = 0xffffffff81000000L + (r.nextInt(3000) << 4);
            int why = r.nextInt(4);
            int s = t.site(loc, why);
            Integer before = expected.putIfAbsent(List.of(loc, (long) why), s);
            if (before != null) {
                assertEquals(before, s, "the same site, the same index");
            } else {
                assertEquals(expected.size() - 1, s, "new sites are numbered in order");
                t.counts()[s * 3 + 2] = loc + why;   // a counter value to find again after the table grows
            }
        }
        assertEquals(expected.size(), t.sites());
        for (Map.Entry<List<Long>, Integer> e : expected.entrySet()) {
            long loc = e.getKey().get(0);
            int why = (int) (long) e.getKey().get(1);
            assertEquals(e.getValue(), t.site(loc, why));
            assertEquals(loc + why, t.counts()[e.getValue() * 3 + 2]);
            assertEquals(0, t.counts()[e.getValue() * 3]);
        }
        assertEquals(expected.size(), t.sites(), "looking up known sites added none");
    }

    @Test
    void sameLocationOtherReasonIsAnotherSite() {
        SiteCounters t = new SiteCounters(1, 1);
        assertEquals(0, t.site(0x1000, 2));
        assertEquals(1, t.site(0x1000, 3));
        assertEquals(2, t.site(0x2000, 2));
        assertEquals(0, t.site(0x1000, 2));
    }

    @Test
    void lookingUpAKnownSiteKeepsTheArray() {
        SiteCounters t = new SiteCounters(2, 2);
        t.site(1, 1);
        long[] a = t.counts();
        t.site(1, 1);
        t.site(2, 1);
        assertSame(a, t.counts(), "no growth while there is room");
        t.site(3, 1);
        assertNotSame(a, t.counts(), "a third site grows the arrays");
    }

    @Test
    void refusesNonsenseSizes() {
        assertThrows(IllegalArgumentException.class, () -> new SiteCounters(0, 4));
        assertThrows(IllegalArgumentException.class, () -> new SiteCounters(2, 0));
    }
}
