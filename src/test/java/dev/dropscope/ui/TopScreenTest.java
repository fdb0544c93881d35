package dev.dropscope.ui;

import static dev.dropscope.ui.TopFixtures.UDP_NO_PORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.ui.TopFixtures.Frame;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

/** Each pane drawn from fixed models onto a virtual terminal, checked cell by cell: text, colours, layout. */
class TopScreenTest {
    private static final Theme COLOUR = Theme.colour(true);
    private static final Theme MONO = Theme.monochrome(true);

    private static TopState keys(Object... keys) {
        TopState s = TopState.initial();
        for (Object k : keys) {
            s = s.onKey(k instanceof Character c ? new KeyStroke(c, false, false) : new KeyStroke((KeyType) k));
        }
        return s;
    }

    /** The text of {@code frame}'s row {@code row} from column {@code col}, {@code n} cells. */
    private static String at(Frame f, int col, int row, int n) {
        return f.line(row).substring(col, col + n);
    }

    private static void assertRole(TextCharacter c, TextColor fg, TextColor bg, SGR... sgr) {
        assertEquals(fg, c.getForegroundColor(), c.toString());
        assertEquals(bg, c.getBackgroundColor(), c.toString());
        assertEquals(sgr.length == 0 ? java.util.EnumSet.noneOf(SGR.class) : java.util.EnumSet.of(sgr[0], sgr),
                c.getModifiers(), c.toString());
    }

    @Test
    void at120x40AllFourPanesAreStackedUnderTheHeaderWithTheirExactTitles() {
        Frame f = Frame.draw(TopFixtures.model(), TopState.initial(), 120, 40, COLOUR);
        assertEquals("dropscope  host web-1  kernel 6.18.44-fc  source tracepoint (auto: reasons, CPUs, exact counts) ",
                f.line(0).substring(0, 96));
        assertEquals("12:34:56", at(f, 112, 0, 8), "the clock ends at the right edge");
        assertTrue(f.line(1).startsWith("drops 2.2k/s  total 991k  lost 5 (+5/s)  every 1s  live "), f.line(1));

        int sites = f.rowOf("─ Drop sites ─");
        int ifs = f.rowOf("─ Interfaces ─");
        int sys = f.rowOf("─ System ─");
        int findings = f.rowOf("─ Findings ─");
        assertEquals(2, sites);
        assertTrue(sites < ifs && ifs < sys && sys < findings, sites + " " + ifs + " " + sys + " " + findings);
        for (int row : new int[] {sites, ifs, sys, findings}) {
            assertEquals('─', f.cell(0, row).getCharacter());
            assertEquals('─', f.cell(119, row).getCharacter(), "a title rule spans the width");
        }
        assertTrue(f.line(39).startsWith("Tab pane  ↑↓ select  Enter detail  s sort  / filter  p pause  e export  ? help  q quit"),
                f.line(39));
    }

    @Test
    void whileTheDropSourceOpensTheHeaderAndDropSitesSaySoAndTheRestIsDrawn() {
        TopModel.Header opening = TopModel.Header.opening("web-1", "6.18.44-fc", "--source auto", 1000);
        Frame f = Frame.draw(TopModel.starting(opening, TopFixtures.NOW), TopState.initial(), 120, 40, COLOUR);
        assertEquals("dropscope  host web-1  kernel 6.18.44-fc  source opening... (--source auto) ",
                f.line(0).substring(0, 76));
        assertRole(f.cell(49, 0), TextColor.ANSI.YELLOW, TextColor.ANSI.DEFAULT);
        assertEquals(" opening the drop source...", f.line(f.rowOf("─ Drop sites ─") + 1).substring(0, 27));
        for (String title : List.of("─ Interfaces ─", "─ System ─", "─ Findings ─")) {
            assertTrue(f.rowOf(title) > 2, title + "\n" + f.text());
        }

        // the System detail can be opened meanwhile: it says the monitor is still opening
        TopModel sampled = new TopModel(opening, TopFixtures.NOW, null, TopFixtures.snapshot(1), null, List.of(), Map.of(),
                Map.of());
        Frame detail = Frame.draw(sampled, keys(KeyType.Tab, KeyType.Tab, KeyType.Enter), 120, 40, COLOUR);
        assertTrue(detail.text().contains("The drop monitor itself (still opening)"), detail.text());
        assertFalse(detail.text().contains("null"), detail.text());

        // once open, the header names the source as it always did
        TopModel open = TopModel.starting(opening.opened("tracepoint", "auto: no NET_DM"), TopFixtures.NOW);
        Frame g = Frame.draw(open, TopState.initial(), 120, 40, COLOUR);
        assertEquals("dropscope  host web-1  kernel 6.18.44-fc  source tracepoint (auto: no NET_DM)",
                g.line(0).substring(0, 100).strip());
        assertEquals(" waiting for the first drop interval...", g.line(g.rowOf("─ Drop sites ─") + 1).substring(0, 39));
    }

    @Test
    void dropSitesShowLocationReasonRateTotalShareAndTheLastMinuteBusiestFirst() {
        Frame f = Frame.draw(TopFixtures.model(), TopState.initial(), 120, 40, COLOUR);
        assertEquals("─ Drop sites ─ sort: rate  4 sites ──", f.line(2).substring(0, 37));
        assertEquals("  LOCATION                        REASON            RATE/s   TOTAL  SHARE LAST 46s", f.line(3).stripTrailing());
        assertEquals("  __udp_enqueue_schedule_skb+0x7e SOCKET_RCVBUFF      1.2k   30000  54.4%", f.line(4).stripTrailing());
        // 1000 of 2204 drops this interval; the sparkline ends with the last two samples, 500 and 1000 of a 1000 peak
        assertEquals("  __udp4_lib_rcv+0x4bc            NO_SOCKET           1.0k   61000  45.4%", f.line(5).substring(0, 73));
        assertTrue(f.line(5).endsWith(" ▄█"), f.line(5));
        assertEquals(" ~skb_queue_purge_reason+0x1d     QUEUE_PURGE            4    900k   0.2%", f.line(6).stripTrailing());
        assertEquals("  tcp_validate_incoming+0x15b     TCP_OLD_SEQUENCE       0      12   0.0%", f.line(7).stripTrailing());

        // the focused pane's title stands out; the selected (first) row is highlighted
        assertRole(f.cellAt(" Drop sites "), TextColor.ANSI.BLACK, TextColor.ANSI.CYAN, SGR.BOLD);
        assertRole(f.cell(2, 4), TextColor.ANSI.WHITE_BRIGHT, TextColor.ANSI.BLUE);
        assertRole(f.cell(119, 4), TextColor.ANSI.WHITE_BRIGHT, TextColor.ANSI.BLUE);
        // benign drops are dimmed, other rows are plain and their sparkline green
        assertRole(f.cell(2, 6), TextColor.ANSI.BLACK_BRIGHT, TextColor.ANSI.DEFAULT);
        assertRole(f.cell(2, 5), TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT);
        assertRole(f.cell(119, 5), TextColor.ANSI.GREEN, TextColor.ANSI.DEFAULT);
    }

    @Test
    void sortByTotalAndFilterBySymbolReasonOrInterface() {
        Frame byTotal = Frame.draw(TopFixtures.model(), keys('s'), 120, 40, COLOUR);
        assertTrue(byTotal.line(2).startsWith("─ Drop sites ─ sort: total  4 sites ─"), byTotal.line(2));
        assertTrue(byTotal.line(4).startsWith(" ~skb_queue_purge_reason+0x1d"), byTotal.line(4));
        assertTrue(byTotal.line(5).startsWith("  __udp4_lib_rcv+0x4bc"), byTotal.line(5));
        assertTrue(byTotal.line(4).contains(" 90.8%"), "share of all drops since the start: " + byTotal.line(4));
        assertEquals("Drop sites sorted by total", byTotal.line(39).stripTrailing());

        Frame tcp = Frame.draw(TopFixtures.model(), keys('/', 't', 'c', 'p', KeyType.Enter), 120, 40, COLOUR);
        assertTrue(tcp.line(2).startsWith("─ Drop sites ─ sort: rate  1 site  filter: tcp ─"), tcp.line(2));
        assertTrue(tcp.line(4).startsWith("  tcp_validate_incoming+0x15b"), tcp.line(4));
        assertEquals("", tcp.line(5).strip());

        Frame reason = Frame.draw(TopFixtures.model(), keys('/', 'r', 'c', 'v', 'b', 'u', 'f', 'f', KeyType.Enter), 120, 40, COLOUR);
        assertTrue(reason.line(4).startsWith("  __udp_enqueue_schedule_skb"), reason.line(4));

        ResolvedDropSite onEth0 = new ResolvedDropSite(0, "rx_fifo", -1, -1, null, null, DropOrigin.HARDWARE, 2, "eth0",
                7, 7, 7, false, false);
        TopModel m = TopFixtures.model(TopFixtures.report(UDP_NO_PORT, onEth0));
        Frame iface = Frame.draw(m, keys('/', 'e', 't', 'h', '0', KeyType.Enter), 120, 40, COLOUR);
        assertTrue(iface.line(3).contains(" IFACE "), "an interface column when a site has one: " + iface.line(3));
        assertTrue(iface.line(4).startsWith("  rx_fifo "), iface.line(4));
        assertTrue(iface.line(4).contains(" eth0 "), iface.line(4));

        Frame none = Frame.draw(TopFixtures.model(), keys('/', 'x', 'y', 'z', KeyType.Enter), 120, 40, COLOUR);
        assertEquals(" no drop site matches the filter 'xyz' (Esc clears it)", none.line(3).stripTrailing());
    }

    @Test
    void theFilterAlsoNarrowsInterfacesByNameOrByTheirMatchingDropSites() {
        Frame all = Frame.draw(TopFixtures.model(), TopState.initial(), 120, 40, COLOUR);
        int t = all.rowOf("─ Interfaces ─ sort: drops+errors ─");
        assertTrue(all.line(t + 2).startsWith(" eth0 "), all.line(t + 2));
        assertTrue(all.line(t + 3).startsWith(" lo "), all.line(t + 3));

        Frame byName = Frame.draw(TopFixtures.model(), keys('/', 'E', 'T', 'H', KeyType.Enter), 120, 40, COLOUR);
        int n = byName.rowOf("─ Interfaces ─ sort: drops+errors  filter: ETH ─");
        assertTrue(byName.line(n + 2).startsWith(" eth0 "), byName.line(n + 2));
        assertFalse(byName.line(n + 3).startsWith(" lo "), "lo does not match: " + byName.line(n + 3));

        // a reason matches no interface name, but the site it selects was dropped on eth0
        ResolvedDropSite onEth0 = new ResolvedDropSite(0, "rx_fifo", -1, -1, null, null, DropOrigin.HARDWARE, 2, "eth0",
                7, 7, 7, false, false);
        TopModel m = TopFixtures.model(TopFixtures.report(UDP_NO_PORT, onEth0));
        Frame bySite = Frame.draw(m, keys('/', 'f', 'i', 'f', 'o', KeyType.Enter), 120, 40, COLOUR);
        int b = bySite.rowOf("─ Interfaces ─ sort: drops+errors  filter: fifo ─");
        assertTrue(bySite.line(b + 2).startsWith(" eth0 "), bySite.line(b + 2));
        assertFalse(bySite.line(b + 3).startsWith(" lo "), bySite.line(b + 3));

        Frame none = Frame.draw(TopFixtures.model(), keys('/', 'x', 'y', 'z', KeyType.Enter), 120, 40, COLOUR);
        int z = none.rowOf("─ Interfaces ─ sort: drops+errors  filter: xyz ─");
        assertEquals(" no interface matches the filter 'xyz' (Esc clears it)", none.line(z + 1).stripTrailing());

        // Esc clears the filter for both panes
        Frame cleared = Frame.draw(TopFixtures.model(), keys('/', 'x', 'y', 'z', KeyType.Enter, KeyType.Escape),
                120, 40, COLOUR);
        int c = cleared.rowOf("─ Interfaces ─ sort: drops+errors ─");
        assertTrue(cleared.line(c + 3).startsWith(" lo "), cleared.line(c + 3));
    }

    @Test
    void interfacesShowRatesTheCounterThatDropsRingOffloadsAndRpFilter() {
        Frame f = Frame.draw(TopFixtures.model(), TopState.initial(), 120, 40, COLOUR);
        int title = f.rowOf("─ Interfaces ─ sort: drops+errors ─");
        assertEquals(" IFACE  RX pk/s TX pk/s DROPS/s                  ERRORS/s                 RX RING     RPF    OFFLOADS",
                f.line(title + 1).stripTrailing());
        assertEquals(" eth0       50k     25k 120 rx_missed_errors     120 rx_errors            512/4096    loose  tso gso gro -lro rxc txc",
                f.line(title + 2).stripTrailing());
        assertEquals(" lo          10       5 0                        0                        n/a         loose  tso gso gro -lro rxc txc",
                f.line(title + 3).stripTrailing());
        assertRole(f.cell(24, title + 2), TextColor.ANSI.RED, TextColor.ANSI.DEFAULT, SGR.BOLD);
        assertRole(f.cell(24, title + 3), TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT);
    }

    @Test
    void systemShowsSoftnetPerCpuConntrackGaugeUdpTcpAndChecksums() {
        Frame f = Frame.draw(TopFixtures.model(), TopState.initial(), 120, 40, COLOUR);
        int title = f.rowOf("─ System ─ rates per second ─");
        assertEquals(" softnet   dropped/squeezed  cpu0 5/30  cpu1 0/0", f.line(title + 1).stripTrailing());
        assertEquals(" conntrack [███████████░] 240k/262k 91.6%  drop 3/s  early_drop 0/s  insert_failed 0/s",
                f.line(title + 2).stripTrailing());
        assertEquals(" udp       RcvbufErrors 1.2k/s  SndbufErrors 0/s  NoPorts 1.0k/s", f.line(title + 3).stripTrailing());
        assertEquals(" tcp       ListenOverflows 0/s  ListenDrops 0/s  checksum errors 0/s", f.line(title + 4).stripTrailing());
        // a CPU that drops, a table over 90% and a full UDP buffer are alerts; NoPorts is not
        assertRole(f.cell(f.line(title + 1).indexOf("cpu0"), title + 1), TextColor.ANSI.RED, TextColor.ANSI.DEFAULT, SGR.BOLD);
        assertRole(f.cell(11, title + 2), TextColor.ANSI.RED, TextColor.ANSI.DEFAULT, SGR.BOLD);
        assertRole(f.cell(f.line(title + 3).indexOf("1.2k"), title + 3), TextColor.ANSI.RED, TextColor.ANSI.DEFAULT, SGR.BOLD);
        assertRole(f.cell(f.line(title + 3).indexOf("1.0k"), title + 3), TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT);
        assertEquals(TextColor.ANSI.CYAN, f.cell(1, title + 1).getForegroundColor(), "labels");
    }

    @Test
    void findingsAreColouredBySeverity() {
        Frame f = Frame.draw(TopFixtures.model(), TopState.initial(), 120, 40, COLOUR);
        int title = f.rowOf("─ Findings ─ 3 findings  Enter: evidence and fix ─");
        assertEquals(" CRIT  Conntrack table 92% full: new flows dropped (3/s)", f.line(title + 1).stripTrailing());
        assertEquals(" WARN  UDP receive buffers overflow (1200 drops/s)", f.line(title + 2).stripTrailing());
        assertEquals(" INFO  UDP to closed ports (1000/s)", f.line(title + 3).stripTrailing());
        for (int col = 1; col <= 4; col++) {
            assertRole(f.cell(col, title + 1), TextColor.ANSI.RED, TextColor.ANSI.DEFAULT, SGR.BOLD);
            assertRole(f.cell(col, title + 2), TextColor.ANSI.YELLOW, TextColor.ANSI.DEFAULT);
            assertRole(f.cell(col, title + 3), TextColor.ANSI.CYAN, TextColor.ANSI.DEFAULT);
        }
        assertRole(f.cell(7, title + 1), TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT);
    }

    @Test
    void selectingAFindingShowsItsEvidenceExplanationAndFixCommands() {
        Frame f = Frame.draw(TopFixtures.model(),
                keys(KeyType.Tab, KeyType.Tab, KeyType.Tab, KeyType.ArrowDown), 120, 40, COLOUR);
        int row = f.rowOf("WARN  UDP receive buffers overflow");
        assertRole(f.cell(10, row), TextColor.ANSI.WHITE_BRIGHT, TextColor.ANSI.BLUE);
        assertRole(f.cellAt(" Findings "), TextColor.ANSI.BLACK, TextColor.ANSI.CYAN, SGR.BOLD);

        Frame d = Frame.draw(TopFixtures.model(),
                keys(KeyType.Tab, KeyType.Tab, KeyType.Tab, KeyType.ArrowDown, KeyType.Enter), 120, 40, COLOUR);
        List<String> lines = d.text().lines().map(String::stripTrailing).toList();
        assertEquals("─ Finding ─ Esc: back  arrows: scroll ─", lines.get(2).substring(0, 39));
        assertEquals(List.of(
                " WARN UDP receive buffers overflow (1200 drops/s)",
                " id udp_rcvbuf_errors",
                "",
                " Evidence",
                "   Udp.RcvbufErrors                                      1200/s",
                "   net.core.rmem_max                                     212992",
                "   drops at __udp_enqueue_schedule_skb (SOCKET_RCVBUFF)  1200/s",
                "",
                " Why it matters",
                "   A UDP socket receives faster than its application reads.",
                "",
                " What to do (dropscope runs nothing itself)",
                "   $ sysctl -w net.core.rmem_max=8388608",
                "     to keep it: net.core.rmem_max = 8388608",
                "     risk: more memory per socket that asks for it"), lines.subList(3, 18));
        assertRole(d.cell(1, 3), TextColor.ANSI.YELLOW, TextColor.ANSI.DEFAULT);
        assertNull(d.find("─ Drop sites ─"), "the detail covers the panes");
        assertTrue(lines.get(39).startsWith("Esc back  ↑↓ scroll  p pause  e export  q quit"), lines.get(39));
    }

    @Test
    void detailOfADropSiteAnInterfaceAndTheSystem() {
        Frame site = Frame.draw(TopFixtures.model(), keys(KeyType.ArrowDown, KeyType.Enter), 120, 40, COLOUR);
        String t = site.text();
        assertTrue(t.contains("─ Drop site __udp4_lib_rcv ─"), t);
        assertTrue(t.contains(" location        __udp4_lib_rcv+0x4bc/0x440\n".replace("\n", "")), t);
        assertTrue(t.contains(" rate            1.0k/s (1000 in the last interval, 45.4% of all)"), t);
        assertTrue(t.contains(" total           61000 since the start (6.2% of all)"), t);
        assertTrue(t.contains(" history         peak 1.0k/s over the last 60 intervals"), t);

        Frame iface = Frame.draw(TopFixtures.model(), keys(KeyType.Tab, KeyType.Enter), 120, 40, COLOUR);
        t = iface.text();
        assertTrue(t.contains("─ Interface eth0 ─"), t);
        assertTrue(t.contains(" ring            rx 512/4096  tx 512/4096"), t);
        assertTrue(t.contains(" offloads        tso on  gso on  gro on  lro off  rxc on  txc on  (2 features fixed by the driver)"), t);
        assertTrue(t.contains(" rx_missed_errors            120/s"), t);

        Frame sys = Frame.draw(TopFixtures.model(), keys(KeyType.Tab, KeyType.Tab, KeyType.Enter), 120, 40, COLOUR);
        t = sys.text();
        assertTrue(t.contains(" cpu0   processed    9.0k/s  dropped     5/s (10)  time_squeeze    30/s (60)"), t);
        assertTrue(t.contains(" entries         240000 of max 262144, 65536 buckets (counters from ctnetlink)"), t);
        assertTrue(t.contains(" Udp.RcvbufErrors            1.2k/s"), t);
        assertTrue(t.contains(" lost events     5 since the start"), t);
        assertTrue(t.contains(" perf_lost       5"), t);
    }

    @Test
    void at80x24DropSitesAndFindingsShareTheScreenAndTabBringsTheOthers() {
        Frame f = Frame.draw(TopFixtures.model(), TopState.initial(), 80, 24, COLOUR);
        assertEquals("dropscope  host web-1  kernel 6.18.44-fc  source tracepoint (auto: rea… 12:34:56", f.line(0));
        assertEquals(2, f.rowOf("─ Drop sites ─"));
        assertEquals("  __udp4_lib_rcv+0x4bc        NO_SOCKET           1.0k   61000  45.4%         ▄█", f.line(5));
        int findings = f.rowOf("─ Findings ─");
        assertEquals(" CRIT  Conntrack table 92% full: new flows dropped (3/s)", f.line(findings + 1).stripTrailing());
        assertNull(f.find("Interfaces"));
        assertNull(f.find("─ System ─"));
        assertEquals("Tab pane ↑↓ select Enter detail s sort / filter p pause e export ? help q quit", f.line(23).stripTrailing());

        Frame ifs = Frame.draw(TopFixtures.model(), keys(KeyType.Tab), 80, 24, COLOUR);
        int row = ifs.rowOf("─ Interfaces ─");
        assertEquals(findings, row, "the lower half shows the focused pane");
        assertEquals(" eth0       50k     25k 120 rx_missed_errors     120 rx_errors", ifs.line(row + 2).stripTrailing());
        assertNull(ifs.find("─ Findings ─"));

        Frame sys = Frame.draw(TopFixtures.model(), keys(KeyType.Tab, KeyType.Tab), 80, 24, COLOUR);
        assertEquals(findings, sys.rowOf("─ System ─"));
    }

    @Test
    void noColourUsesBoldAndReverseOnly() {
        Frame f = Frame.draw(TopFixtures.model(), TopState.initial(), 120, 40, MONO);
        for (int r = 0; r < 40; r++) {
            for (int c = 0; c < 120; c++) {
                assertEquals(TextColor.ANSI.DEFAULT, f.cell(c, r).getForegroundColor(), c + "," + r);
                assertEquals(TextColor.ANSI.DEFAULT, f.cell(c, r).getBackgroundColor(), c + "," + r);
            }
        }
        int findings = f.rowOf("─ Findings ─");
        assertRole(f.cell(1, findings + 1), TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT, SGR.BOLD, SGR.REVERSE);
        assertRole(f.cell(1, findings + 2), TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT, SGR.BOLD);
        assertRole(f.cell(1, findings + 3), TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT);
        assertRole(f.cellAt(" Drop sites "), TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT, SGR.BOLD, SGR.REVERSE);
        assertRole(f.cell(5, 4), TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT, SGR.REVERSE);
        // benign rows cannot be dimmed: their '~' says it
        assertEquals('~', f.cell(1, 6).getCharacter());

        Frame paused = Frame.draw(TopFixtures.model(), keys('p'), 120, 40, MONO);
        assertRole(paused.cellAt("PAUSED"), TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT, SGR.BOLD, SGR.REVERSE);
    }

    @Test
    void anAsciiTerminalGetsAsciiRulesSparklinesAndGauges() {
        Frame f = Frame.draw(TopFixtures.model(), TopState.initial(), 120, 40, Theme.colour(false));
        for (int r = 0; r < 40; r++) {
            for (char ch : f.line(r).toCharArray()) {
                assertTrue(ch < 128, "row " + r + ": " + f.line(r));
            }
        }
        assertTrue(f.line(2).startsWith("- Drop sites - sort: rate"), f.line(2));
        assertTrue(f.line(5).endsWith(" =@"), f.line(5));
        assertTrue(f.text().contains(" conntrack [###########.] 240k/262k"), f.text());
        assertTrue(f.line(39).startsWith("Tab pane  Up/Dn select"), f.line(39));
        Frame narrow = Frame.draw(TopFixtures.model(), TopState.initial(), 80, 24, Theme.colour(false));
        assertEquals("Tab pane Up/Dn select Enter detail s sort / filter p pause ? help q quit",
                narrow.line(23).stripTrailing(), "what does not fit is in the help, and quit always shows");
    }

    @Test
    void beforeTheFirstSampleEachPaneSaysWhatItWaitsFor() {
        TopModel m = TopModel.starting(TopFixtures.header(), TopFixtures.NOW);
        Frame f = Frame.draw(m, TopState.initial(), 120, 40, COLOUR);
        assertEquals(" waiting for the first drop interval...", f.line(3).stripTrailing());
        assertEquals(" waiting for the first sample...", f.line(f.rowOf("─ Interfaces ─") + 1).stripTrailing());
        assertEquals(" waiting for the first sample...", f.line(f.rowOf("─ System ─") + 1).stripTrailing());
        assertEquals(" waiting for the first interval...", f.line(f.rowOf("─ Findings ─") + 1).stripTrailing());
        assertTrue(f.line(1).startsWith("drops -  total -  lost -  every 1s  live"), f.line(1));

        TopModel quiet = new TopModel(TopFixtures.header(), TopFixtures.NOW, TopFixtures.report(), TopFixtures.snapshot(1),
                null, List.of(), Map.of(), Map.of());
        Frame q = Frame.draw(quiet, TopState.initial(), 120, 40, COLOUR);
        assertEquals(" no drops since the start (tracepoint is watching)", q.line(3).stripTrailing());
        assertEquals(" softnet   dropped/squeezed (rates after the second sample)",
                q.line(q.rowOf("─ System ─") + 1).stripTrailing());
        assertEquals(" no findings: nothing in the drops or counters points at a problem",
                q.line(q.rowOf("─ Findings ─") + 1).stripTrailing());
        assertTrue(q.text().contains(" eth0         -       - -                        -"), q.text());
    }

    @Test
    void longNamesAreCutWithAnEllipsisAndNeverSpillIntoTheNextColumn() {
        ResolvedDropSite longName = new ResolvedDropSite(0xffffffffc0a01234L,
                "a_very_long_function_name_inside_some_module_that_goes_on_and_on_forever", 0x1234, 0x2000, "nf_conntrack",
                "NETFILTER_DROP", DropOrigin.SOFTWARE, -1, null, 10, 10, 10, false, false);
        Frame f = Frame.draw(TopFixtures.model(TopFixtures.report(longName)), TopState.initial(), 80, 24, COLOUR);
        assertEquals("  a_very_long_function_name_in… NETFILTER_DROP ", f.line(4).substring(0, 47));
        Frame wide = Frame.draw(TopFixtures.model(TopFixtures.report(longName)), TopState.initial(), 120, 40, COLOUR);
        assertTrue(wide.line(4).startsWith("  a_very_long_function_name_inside_some_module_that_goes_on_a… NETFILTER_DROP"),
                wide.line(4));
    }

    /**
     * An interface name with CJK (two columns each), a C1 control (U+0085, a terminal's NEL) and an emoji
     * (a surrogate pair, two columns) takes the columns a terminal gives it: the rest of its row lines up
     * exactly as for an ASCII name of the same width, the control is shown as '?', the pair stays whole.
     */
    @Test
    void wideAndControlCharactersInAnInterfaceNameKeepTheColumns() {
        String hostile = "网卡\u0085x\uD83D\uDE00";
        String same = "abcd?xAB"; // the columns it takes: 2 + 2, '?', x, 2
        Frame f = Frame.draw(TopFixtures.model(TopFixtures.report(UDP_NO_PORT), hostile), TopState.initial(), 120, 40, COLOUR);
        Frame ascii = Frame.draw(TopFixtures.model(TopFixtures.report(UDP_NO_PORT), same), TopState.initial(), 120, 40, COLOUR);
        TerminalPosition at = ascii.find(same);
        assertNotNull(at, ascii.text());
        String rest = line(f, at.getRow(), at.getColumn() + same.length());
        assertEquals(line(ascii, at.getRow(), at.getColumn() + same.length()), rest,
                "the columns after the name line up:\n" + ascii.line(at.getRow()) + "\n" + f.line(at.getRow()));
        assertEquals("网", f.cell(at.getColumn(), at.getRow()).getCharacterString());
        assertEquals("卡", f.cell(at.getColumn() + 2, at.getRow()).getCharacterString());
        assertEquals("?", f.cell(at.getColumn() + 4, at.getRow()).getCharacterString(), "the C1 control is shown as '?'");
        assertEquals("x", f.cell(at.getColumn() + 5, at.getRow()).getCharacterString());
        assertEquals("\uD83D\uDE00", f.cell(at.getColumn() + 6, at.getRow()).getCharacterString(), "the pair stays whole");
        for (int r = 0; r < f.height; r++) {
            for (int c = 0; c < f.width; c++) {
                String cell = f.cell(c, r).getCharacterString();
                assertFalse(cell.chars().anyMatch(ch -> Character.isISOControl(ch)
                        || (Character.isSurrogate((char) ch) && cell.length() == 1)), "cell " + c + "," + r + ": " + cell);
            }
        }
    }

    /** The detail view's word wrap counts columns: two CJK characters take four, so the line breaks before them. */
    @Test
    void wrappingCountsWideCharactersAsTwoColumns() {
        assertEquals(List.of("drops on", "网卡网卡", "at the", "ring"), DetailView.wrap("drops on 网卡网卡 at  the ring", 10));
        for (String line : DetailView.wrap("aaaa 网卡网卡 bb", 10)) {
            assertTrue(com.googlecode.lanterna.TerminalTextUtils.getColumnWidth(line) <= 10, line);
        }
        assertEquals(List.of("a finding that wraps", "at twenty columns"), DetailView.wrap("a finding that wraps at twenty columns", 20));
    }

    /** Row {@code r} from column {@code from}, cell by cell. */
    private static String line(Frame f, int r, int from) {
        StringBuilder b = new StringBuilder();
        for (int c = from; c < f.width; c++) {
            b.append(f.cell(c, r).getCharacterString());
        }
        return b.toString();
    }

    @Test
    void helpListsEveryKey() {
        Frame f = Frame.draw(TopFixtures.model(), keys('?'), 120, 40, COLOUR);
        String t = f.text();
        assertTrue(t.contains("─ Help ─"), t);
        for (String key : List.of(" Tab  Shift-Tab ", " Enter ", " s ", " / ", " p ", " e ", " ? ", " q  Ctrl-C ")) {
            assertTrue(t.contains("\n" + key), key + "\n" + t);
        }
        assertEquals(SGR.BOLD, f.cellAt("Enter ").getModifiers().iterator().next());
    }

    @Test
    void aTerminalTooSmallSaysSo() {
        Frame f = Frame.draw(TopFixtures.model(), TopState.initial(), 39, 12, COLOUR);
        assertEquals("dropscope: the terminal is 39x12; it n…", f.line(0));
        assertEquals("", f.line(1).strip());
    }

    @Test
    void theFilterBeingTypedShowsInTheStatusLine() {
        Frame f = Frame.draw(TopFixtures.model(), keys('/', 'u', 'd'), 120, 40, COLOUR);
        assertEquals("filter: ud_   Enter apply  Esc cancel  (matches function, reason, interface, namespace)", f.line(39).stripTrailing());
        TerminalPosition p = f.find("filter: ");
        assertNotNull(p);
        assertFalse(f.line(2).contains("filter:"), "not applied while typing");
    }
}
