package dev.dropscope.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.NetnsCounters;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.ui.TopFixtures.Frame;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Drops from other network namespaces on the top screen: the IFACE and NETNS columns of Drop sites, the
 * Namespaces view ('n') with each namespace's own counters beside its drops, the System pane saying its
 * counters are the host's only, and the header saying why namespaces are unknown. Drawn through Lanterna
 * onto a virtual terminal at the sizes operators use, 80x24 without Unicode included.
 */
class TopNamespacesTest {
    private static final Theme COLOUR = Theme.colour(true);
    private static final Theme ASCII = Theme.monochrome(false);
    static final long OWN = 4026531840L;
    static final long NS_A = 4026532001L;
    static final long NS_C = 4026532002L;
    static final NetnsIdentity A = new NetnsIdentity(NS_A, "ds-a", null);
    static final NetnsIdentity C = new NetnsIdentity(NS_C, null,
            new NetnsIdentity.Container("docker", "0123456789abcdef0123456789abcdef", 4242, "nginx"));
    static final NetnsIdentity HOST = NetnsIdentity.of(OWN);

    static ResolvedDropSite site(String symbol, long offset, String reason, int ifindex, String iface, NetnsIdentity ns,
                                 long delta, long count, boolean benign) {
        return new ResolvedDropSite(0xffffffff81000000L + offset + symbol.hashCode() % 4096 * 4096L, symbol, offset,
                0x440, null, reason, DropOrigin.SOFTWARE, ifindex, iface, count, delta, delta, benign, false, ns);
    }

    static final ResolvedDropSite A_NO_PORT = site("__udp4_lib_rcv", 0x4bc, "NO_SOCKET", 2, "ds1", A, 850, 51_000, false);
    static final ResolvedDropSite C_RCVBUF = site("__udp_enqueue_schedule_skb", 0x7e, "SOCKET_RCVBUFF", 5, null, C, 300,
            9_000, false);
    static final ResolvedDropSite HOST_PURGE = site("skb_queue_purge_reason", 0x1d, "QUEUE_PURGE", 0, null, HOST, 4,
            900, true);

    static NetnsCounters counters(NetnsIdentity id, long noPorts, long rcvbuf, long rxDropped, boolean gone) {
        Map<String, Long> c = new LinkedHashMap<>();
        c.put("Udp.NoPorts", noPorts * 60);
        c.put("Udp.RcvbufErrors", rcvbuf * 60);
        c.put("dev.rx_dropped", rxDropped * 60);
        Map<String, Double> r = new LinkedHashMap<>();
        if (!gone) {
            r.put("Udp.NoPorts", (double) noPorts);
            r.put("Udp.RcvbufErrors", (double) rcvbuf);
            r.put("dev.rx_dropped", (double) rxDropped);
        }
        return new NetnsCounters(id, 1, c, r, gone, gone ? "its process 4242 ended" : null);
    }

    /** ds-a drops 850/s to a closed port; the container's namespace (gone since) 300/s on full buffers. */
    static TopModel model(TopModel.Header header) {
        TopModel m = TopFixtures.model(TopFixtures.report(A_NO_PORT, C_RCVBUF, HOST_PURGE));
        TopModel.Namespaces ns = new TopModel.Namespaces(OWN, "host",
                Map.of(NS_A, counters(A, 850, 0, 7, false), NS_C, counters(C, 0, 300, 0, true)));
        return new TopModel(header, m.timeMillis(), m.drops(), m.snapshot(), m.delta(), m.findings(), m.history(),
                m.monitorHealth(), ns);
    }

    static TopModel model() {
        return model(new TopModel.Header("web-1", "6.18.44-fc", "ebpf", "auto: the cheapest exact source", 1000));
    }

    private static TopState keys(Object... keys) {
        TopState s = TopState.initial();
        for (Object k : keys) {
            s = s.onKey(k instanceof Character c ? new KeyStroke(c, false, false) : new KeyStroke((KeyType) k));
        }
        return s;
    }

    private static void allLinesFit(Frame f) {
        for (int r = 0; r < f.height; r++) {
            assertEquals(f.width, f.line(r).length(), "row " + r);
        }
    }

    @Test
    void dropSitesNameTheInterfaceAndTheNamespace() {
        Frame f = Frame.draw(model(), TopState.initial(), 120, 40, COLOUR);
        String header = f.line(f.rowOf("LOCATION"));
        assertTrue(header.contains(" IFACE ") && header.contains(" NETNS "), header);
        assertTrue(header.indexOf("IFACE") < header.indexOf("NETNS"), header);
        String a = f.line(f.rowOf("__udp4_lib_rcv+0x4bc"));
        assertTrue(a.matches(".*NO_SOCKET +ds1 +ds-a +850 .*"), a);
        String c = f.line(f.rowOf("__udp_enqueue_schedule_skb"));
        // the container's device has no name here: its ifindex, and the container as the namespace
        assertTrue(c.matches(".*SOCKET_RCVBUFF +if5 +docker:0123456789ab +300 .*"), c);
        // our own namespace by the name the System pane uses
        String h = f.line(f.rowOf("skb_queue_purge_reason"));
        assertTrue(h.matches(".*QUEUE_PURGE +- +host +4 .*"), h);
        assertTrue(f.line(f.height - 1).contains("n netns"), f.line(f.height - 1));
    }

    @Test
    void theFilterMatchesTheNamespace() {
        TopState s = keys('/', 'd', 's', '-', 'a', KeyType.Enter);
        assertEquals(List.of(A_NO_PORT), DropSitesPane.rows(model(), s));
        assertEquals(List.of(C_RCVBUF), DropSitesPane.rows(model(), keys('/', 'd', 'o', 'c', 'k', KeyType.Enter)));
    }

    @Test
    void at80x24InAsciiTheNamespaceStaysAndTheSparklineGoes() {
        Frame f = Frame.draw(model(), TopState.initial(), 80, 24, ASCII);
        allLinesFit(f);
        for (int r = 0; r < f.height; r++) {
            assertTrue(f.line(r).chars().allMatch(ch -> ch < 128), "not ASCII: " + f.line(r));
        }
        String header = f.line(f.rowOf("LOCATION"));
        assertTrue(header.contains("NETNS") && header.contains("RATE/s") && header.contains("REASON"), header);
        assertTrue(f.line(f.rowOf("__udp4_lib_rcv")).contains("ds-a"), f.text());
        String status = f.line(23);
        assertTrue(status.contains("? help") && status.contains("q quit"), status);
    }

    @Test
    void narrowTerminalsDropTheNewColumnsFirst() {
        Frame f = Frame.draw(model(), TopState.initial(), 50, 12, COLOUR);
        allLinesFit(f);
        String header = f.line(f.rowOf("LOCATION"));
        assertFalse(header.contains("NETNS") || header.contains("IFACE"), header);
        assertTrue(header.contains("RATE/s"), header);
        assertTrue(f.line(f.rowOf("__udp4_lib_rcv")).contains("850"), f.text());
        assertTrue(f.line(11).contains("? help") && f.line(11).contains("q quit"), f.line(11));
    }

    @Test
    void theNamespacesViewPutsEachNamespacesCountersBesideItsDrops() {
        Frame f = Frame.draw(model(), keys('n'), 120, 40, COLOUR);
        String t = f.text();
        assertTrue(f.line(2).startsWith("─ Namespaces ─ drops beside each namespace's own counters, per second  2 others"),
                f.line(2));
        String header = f.line(3);
        for (String col : List.of("NAMESPACE", "DROPS/s", "TOTAL", "TOP REASON", "NoPorts", "RcvbufErrors", "InErrors",
                "ListenDrops", "rx_dropped")) {
            assertTrue(header.contains(col), header);
        }
        // busiest first: ds-a's 850 drops/s beside its own NoPorts 850/s and rx_dropped 7/s
        assertTrue(f.line(4).matches("  ds-a +850 +51000 +NO_SOCKET +850 +0 +0 +0 +7 *"), f.line(4));
        // the container's namespace is gone: its drops, its last counts kept but no rates
        assertTrue(f.line(5).matches("  docker:0123456789ab +300 +9000 +SOCKET_RCVBUFF +- +- +- +- +- *"), f.line(5));
        // our own: the snapshot's rates (the fixture's 1000/s NoPorts, 1200/s RcvbufErrors, eth0's 120/s
        // rx_missed_errors, which /proc/net/dev's drop column counts as well)
        assertTrue(f.line(6).matches(" \\*host \\(own\\) +4 +900 +QUEUE_PURGE +1\\.0k +1\\.2k +0 +0 +120 *"), f.line(6));
        assertTrue(t.contains("docker:0123456789ab: gone: its last counts (its process 4242 ended)"), t);
        assertEquals(Theme.Role.ALERT, roleOf(f, 4, "850"));
        assertEquals("Esc back  ↑↓ scroll  p pause  e export  q quit", f.line(39).stripTrailing());
        // with sockets in the sample too: 'k' is no key of this view, so its hint is not shown
        TopModel withSockets = TopSocketsTest.busy(List.of());
        Frame k = Frame.draw(withSockets, keys('n'), 120, 40, COLOUR);
        assertEquals("Esc back  ↑↓ scroll  p pause  e export  q quit", k.line(39).stripTrailing());
        assertTrue(Frame.draw(withSockets, TopState.initial(), 120, 40, COLOUR).line(39).contains("k sockets"));
    }

    private static Theme.Role roleOf(Frame f, int row, String s) {
        int col = f.line(row).indexOf(s);
        assertTrue(col >= 0, f.line(row));
        Theme.Style alert = COLOUR.style(Theme.Role.ALERT);
        return f.cell(col, row).getForegroundColor().equals(alert.foreground()) ? Theme.Role.ALERT : Theme.Role.TEXT;
    }

    @Test
    void theNamespacesViewFitsAt80x24InAscii() {
        Frame f = Frame.draw(model(), keys('n'), 80, 24, ASCII);
        allLinesFit(f);
        String header = f.line(3);
        for (String col : List.of("NAMESPACE", "DROPS/s", "TOP REASON", "NoPorts", "RcvbufErrors", "rx_dropped")) {
            assertTrue(header.contains(col), header);
        }
        assertTrue(f.line(4).contains("ds-a") && f.line(4).contains("850"), f.text());
        assertTrue(f.line(5).contains("docker:0123456789ab "), "the container's name whole: " + f.line(5));
        assertNotNull(f.find("host (own)"), f.text());
        for (int r = 0; r < f.height; r++) {
            assertTrue(f.line(r).chars().allMatch(ch -> ch < 128), "not ASCII: " + f.line(r));
        }
        Frame narrow = Frame.draw(model(), keys('n'), 40, 10, ASCII);
        allLinesFit(narrow);
        assertTrue(narrow.line(3).contains("NoPorts") && !narrow.line(3).contains("ListenDrops"), narrow.text());
    }

    @Test
    void nOpensAndEscOrNClosesTheView() {
        assertTrue(keys('n').namespacesOpen());
        assertFalse(keys('n', KeyType.Escape).namespacesOpen());
        assertFalse(keys('n', 'n').namespacesOpen());
        assertTrue(keys('n', 'p').paused() && keys('n', 'p').namespacesOpen());
        assertEquals(1, keys('n', KeyType.ArrowDown).detailScroll());
        assertTrue(keys('n', 'q').exit() == TopState.Exit.QUIT);
    }

    @Test
    void theSystemPaneSaysItsCountersAreTheHostsOnly() {
        Frame f = Frame.draw(model(), TopState.initial(), 120, 40, COLOUR);
        assertTrue(f.line(f.rowOf("─ System ─")).contains("rates per second, host namespace only (n: per namespace)"),
                f.text());
        // no drops elsewhere: as before
        Frame plain = Frame.draw(TopFixtures.model(), TopState.initial(), 120, 40, COLOUR);
        assertTrue(plain.line(plain.rowOf("─ System ─")).startsWith("─ System ─ rates per second ─"), plain.text());
    }

    @Test
    void theHeaderSaysWhyNamespacesAreUnknownAndTheViewSaysSo() {
        TopModel.Header h = new TopModel.Header("web-1", "6.18.44-fc", "ebpf", "auto", 1000,
                "interfaces and namespaces are unknown: no BTF: the kernel was built without CONFIG_DEBUG_INFO_BTF");
        TopModel m = TopFixtures.model();
        TopModel unknown = new TopModel(h, m.timeMillis(), m.drops(), m.snapshot(), m.delta(), m.findings(), m.history(),
                m.monitorHealth(), new TopModel.Namespaces(OWN, "host", Map.of()));
        Frame f = Frame.draw(unknown, TopState.initial(), 160, 40, COLOUR);
        assertTrue(f.line(1).contains("  iface/netns unknown: no BTF: the kernel was built without CONFIG_DEBUG_INFO_BTF"),
                f.line(1));
        assertFalse(f.line(f.rowOf("LOCATION")).contains("NETNS"), "no column without namespaces");
        Frame v = Frame.draw(unknown, keys('n'), 120, 40, COLOUR);
        String t = v.text();
        assertTrue(t.contains("(not known)"), t);
        assertTrue(v.line(v.rowOf("host (own)")).matches(" \\*host \\(own\\) +- .*"), "no drops claimed for the host: " + v.line(v.rowOf("host (own)")));
        assertTrue(t.contains("namespaces unknown: interfaces and namespaces are unknown: no BTF"), t);
        // the tracepoint source says it briefly too; a known identity says nothing
        assertEquals("netns unknown: the tracepoint source does not report them",
                TopScreen.identityNote("network namespaces are unknown: the tracepoint source does not report them"));
        assertFalse(Frame.draw(model(), TopState.initial(), 160, 40, COLOUR).line(1).contains("unknown"));
    }

    @Test
    void theHelpAndTheDetailMentionNamespaces() {
        Frame help = Frame.draw(model(), keys('?'), 120, 40, COLOUR);
        assertTrue(help.text().contains("Namespaces view: drops per network namespace"), help.text());
        Frame detail = Frame.draw(model(), keys(KeyType.Enter), 120, 40, COLOUR);
        assertTrue(detail.text().contains("ds-a  inode 4026532001"), detail.text());
        assertNull(TopFixtures.model().namespaces());
    }
}
