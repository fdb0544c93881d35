package dev.dropscope.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.ResolvedDropSite;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The sparkline history, the sparkline itself, and the short numbers the panes print. */
class SiteHistoryTest {

    private static ResolvedDropSite site(long address, String reason, double rate) {
        return new ResolvedDropSite(address, "f", 1, 2, null, reason, DropOrigin.SOFTWARE, -1, null, 100, (long) rate, rate,
                false, false);
    }

    @Test
    void keepsTheLastMinuteOfEachSiteAndForgetsSitesThatLeaveTheReport() {
        SiteHistory h = new SiteHistory();
        ResolvedDropSite a = site(0x10, "NO_SOCKET", 0);
        for (int i = 1; i <= 70; i++) {
            h.record(TopFixtures.report(site(0x10, "NO_SOCKET", i), site(0x20, "NO_SOCKET", 1)));
        }
        Map<String, List<Double>> snap = h.snapshot();
        List<Double> expected = new ArrayList<>();
        for (int i = 11; i <= 70; i++) {
            expected.add((double) i);
        }
        assertEquals(expected, snap.get(TopModel.siteKey(a)));
        assertEquals(2, snap.size());
        // same address, another reason: another site
        assertEquals(List.of(5.0), snapWith(h, site(0x10, "SOCKET_RCVBUFF", 5)).get(TopModel.siteKey(site(0x10, "SOCKET_RCVBUFF", 0))));
        assertEquals(1, h.snapshot().size(), "sites not in the latest report are forgotten");
        assertThrows(UnsupportedOperationException.class, () -> h.snapshot().get(TopModel.siteKey(site(0x10, "SOCKET_RCVBUFF", 0))).add(1.0));
    }

    private static Map<String, List<Double>> snapWith(SiteHistory h, ResolvedDropSite s) {
        h.record(TopFixtures.report(s));
        return h.snapshot();
    }

    @Test
    void siteKeysFollowTheAggregatorsKey() {
        ResolvedDropSite hwEth0 = new ResolvedDropSite(0, "rx_fifo", -1, -1, null, null, DropOrigin.HARDWARE, 2, "eth0", 1, 1,
                1, false, false);
        ResolvedDropSite hwEth1 = new ResolvedDropSite(0, "rx_fifo", -1, -1, null, null, DropOrigin.HARDWARE, 3, "eth1", 1, 1,
                1, false, false);
        ResolvedDropSite otherTrap = new ResolvedDropSite(0, "ttl_error", -1, -1, null, null, DropOrigin.HARDWARE, 2, "eth0",
                1, 1, 1, false, false);
        assertEquals(3, java.util.Set.of(TopModel.siteKey(hwEth0), TopModel.siteKey(hwEth1), TopModel.siteKey(otherTrap)).size());
        ResolvedDropSite other = new ResolvedDropSite(0, null, -1, -1, null, null, DropOrigin.SOFTWARE, -1, null, 1, 1, 1,
                false, true);
        assertEquals("other", TopModel.siteKey(other));
    }

    @Test
    void sparklinesScaleToTheirPeakAndKeepZeroBlank() {
        String levels = " ▁▂▃▄▅▆▇█";
        assertEquals("   ▁▄█ ", Sparkline.of(List.of(1.0, 50.0, 100.0, 0.0), 7, levels));
        assertEquals("▄█", Sparkline.of(List.of(1.0, 50.0, 100.0), 2, levels), "the newest samples when narrow");
        assertEquals("   ", Sparkline.of(List.of(0.0, 0.0), 3, levels));
        assertEquals("    ", Sparkline.of(List.of(), 4, levels));
    }

    @Test
    void numbersStayShort() {
        assertEquals("0", Numbers.si(0));
        assertEquals("3.5", Numbers.si(3.5));
        assertEquals("4", Numbers.si(4.0));
        assertEquals("120", Numbers.si(120.4));
        assertEquals("1.2k", Numbers.si(1234));
        assertEquals("12k", Numbers.si(12_345));
        assertEquals("1.0M", Numbers.si(999_999));
        assertEquals("2.5G", Numbers.si(2.5e9));
        assertEquals("-", Numbers.si(Double.NaN));
        assertEquals("99999", Numbers.count(99_999));
        assertEquals("100k", Numbers.count(100_000));
        assertEquals("45.4%", Numbers.percent(0.4537));
        assertEquals("1s", Numbers.interval(1000));
        assertEquals("250ms", Numbers.interval(250));
        assertEquals("1.5s", Numbers.interval(1500));
        assertEquals("1m", Numbers.interval(60_000));
    }
}
