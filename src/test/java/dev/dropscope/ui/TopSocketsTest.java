package dev.dropscope.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.dropscope.model.Delta;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.FirewallRuleset;
import dev.dropscope.model.Severity;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SocketStats;
import dev.dropscope.ui.TopFixtures.Frame;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

/** The Sockets view ('k') and the sockets and rules in a finding's detail, drawn onto a virtual terminal. */
class TopSocketsTest {
    private static final Theme COLOUR = Theme.colour(true);

    private static TopState keys(Object... keys) {
        TopState s = TopState.initial();
        for (Object k : keys) {
            s = s.onKey(k instanceof Character c ? new KeyStroke(c, false, false) : new KeyStroke((KeyType) k));
        }
        return s;
    }

    static SocketStats.Entry udp(long cookie, int port, long rqueue, long drops, int pid, String command, String container) {
        return new SocketStats.Entry("udp", 4, "UNCONN", "10.0.0.1", port, "0.0.0.0", 0, cookie, 1000 + cookie, 0,
                rqueue, 0, rqueue, 212_992, drops, -1, -1, -1, -1, pid, command, container);
    }

    static SocketStats.Entry tcp(long cookie, int remotePort, long rqueue, int pid, String command) {
        return new SocketStats.Entry("tcp", 4, "ESTAB", "10.0.0.1", 8080, "10.0.0.2", remotePort, cookie, 2000 + cookie,
                0, rqueue, 0, 131_072, 131_072, 0, 500_000, 4800, 0, 65_535, pid, command, null);
    }

    static SocketStats.Entry listener(long cookie, long queued, long backlog, long drops) {
        return new SocketStats.Entry("tcp", 6, "LISTEN", "::", 443, "::", 0, cookie, 3000 + cookie, 0, queued, backlog,
                0, 131_072, drops, -1, -1, -1, -1, 77, "nginx", null);
    }

    static Snapshot with(Snapshot s, SocketStats sockets, FirewallRuleset firewall) {
        return new Snapshot(s.takenAtMillis(), s.monotonicNanos(), s.host(), s.kernelRelease(), s.netns(), s.interfaces(),
                s.snmp(), s.softnet(), s.rpFilter(), s.conntrack(), s.sysctl(), s.neighbour(), s.qdiscs(), s.sockstat(),
                s.errors(), sockets, firewall);
    }

    /** The fixture model (one second between samples) with these sockets and rulesets in its two samples. */
    static TopModel model(SocketStats before, SocketStats after, FirewallRuleset fwBefore, FirewallRuleset fwAfter,
                          List<Finding> findings) {
        TopModel m = TopFixtures.model();
        Snapshot b = with(m.delta().before(), before, fwBefore);
        Snapshot a = with(m.snapshot(), after, fwAfter);
        return new TopModel(m.header(), m.timeMillis(), m.drops(), a, Delta.between(b, a), findings, m.history(),
                m.monitorHealth());
    }

    static final String CJK = "数据接收器\u0085x";

    /** Before: the DNS server had 100 drops, the CJK-named one 0; a second later 400 and 50; a stalled reader; a quiet one. */
    static TopModel busy(List<Finding> findings) {
        SocketStats before = new SocketStats(500, 2, true, List.of(udp(1, 53, 0, 100, 4242, "dnsd", null),
                udp(2, 5353, 0, 10, 5151, CJK, "docker:0123456789abcdef0123")), null);
        SocketStats after = new SocketStats(500, 3, true, List.of(udp(1, 53, 1000, 400, 4242, "dnsd", null),
                udp(2, 5353, 0, 60, 5151, CJK, "docker:0123456789abcdef0123"), tcp(3, 40000, 127_000, 999, "stuck"),
                udp(4, 9999, 0, 0, 1, "quiet", null), listener(5, 129, 128, 7)), "3 processes' fds not readable");
        return model(before, after, null, null, findings);
    }

    @Test
    void socketsAreListedByDropRateWithTheirProcesses() {
        Frame f = Frame.draw(busy(List.of()), keys('k'), 120, 40, COLOUR);
        String t = f.text();
        assertTrue(f.line(2).startsWith("─ Sockets ─ sort: drops/s  4 shown of 500 sockets, 3 with drops "), t);
        int header = f.rowOf("PROTO");
        String h = f.line(header);
        for (String col : List.of("LOCAL", "REMOTE", "STATE", "RECV-Q", "RCVBUF", "DROPS/S", "PID/COMMAND")) {
            assertTrue(h.contains(col), h);
        }
        // 300 drops in the second between the samples, then 50; the listener (no earlier sample, every
        // socket with drops listed then) 7; the stalled reader none
        assertTrue(f.line(header + 1).matches(" udp +10\\.0\\.0\\.1:53 +\\* +UNCONN +1\\.0k +213k +300 +4242 dnsd +"), f.line(header + 1));
        assertTrue(f.line(header + 2).contains("10.0.0.1:5353"), t);
        assertTrue(f.line(header + 2).contains(" 50 "), f.line(header + 2));
        assertTrue(f.line(header + 3).contains("[::]:443") && f.line(header + 3).contains("129/128")
                && f.line(header + 3).contains(" 7 "), f.line(header + 3));
        assertTrue(f.line(header + 4).contains("10.0.0.2:40000") && f.line(header + 4).contains("127k")
                && f.line(header + 4).contains("999 stuck"), f.line(header + 4));
        assertFalse(t.contains("quiet"), "a socket with neither drops nor a queue is left out");
        assertTrue(f.line(38).contains("owners: 3 processes' fds not readable"), t);
        assertEquals("Esc back  s sort  ↑↓ scroll  p pause  e export  q quit", f.line(39).stripTrailing());
    }

    @Test
    void sortingByQueuePutsTheFullestFirst() {
        TopState s = keys('k', 's');
        assertEquals("Sockets sorted by recv-Q", s.message());
        List<SocketsView.Row> rows = SocketsView.rows(busy(List.of()), s.socketSort());
        assertEquals(List.of(3L, 1L, 5L, 2L), rows.stream().map(r -> r.socket().cookie()).toList());
        Frame f = Frame.draw(busy(List.of()), s.withMessage(null), 120, 40, COLOUR);
        assertTrue(f.line(2).contains("sort: recv-Q"), f.text());
        assertTrue(f.line(f.rowOf("PROTO") + 1).contains("999 stuck"), f.text());
        assertFalse(keys('k', 's', 's').socketsOpen() && keys('k', 's', 's').socketSort() != TopState.SocketSort.DROPS);
    }

    @Test
    void aSocketMissingFromAnIncompleteEarlierSampleHasNoRateYet() {
        SocketStats before = new SocketStats(10, 1, false, List.of(), null);
        SocketStats after = new SocketStats(10, 1, true, List.of(udp(1, 53, 0, 400, 1, "dnsd", null)), null);
        List<SocketsView.Row> rows = SocketsView.rows(model(before, after, null, null, List.of()), TopState.SocketSort.DROPS);
        assertEquals(1, rows.size());
        assertEquals(null, rows.get(0).dropRate());
        Frame f = Frame.draw(model(before, after, null, null, List.of()), keys('k'), 120, 40, COLOUR);
        assertTrue(f.line(f.rowOf("PROTO") + 1).contains(" ? "), f.text());
    }

    @Test
    void aCjkProcessNameWithAControlCharacterKeepsTheColumns() {
        Frame f = Frame.draw(busy(List.of()), keys('k'), 140, 40, COLOUR);
        TerminalPosition at = f.find("5151 ");
        assertNotNull(at, f.text());
        assertEquals("数", f.cell(at.getColumn() + 5, at.getRow()).getCharacterString());
        assertEquals("据", f.cell(at.getColumn() + 7, at.getRow()).getCharacterString());
        assertEquals("?", f.cell(at.getColumn() + 15, at.getRow()).getCharacterString(), "the C1 control is shown as '?'");
        assertEquals("x", f.cell(at.getColumn() + 16, at.getRow()).getCharacterString());
        assertEquals("docker:0123456789ab", f.line(at.getRow()).substring(at.getColumn() + 18).strip()
                .replace("…", ""), f.line(at.getRow()));
        // the numbers before the name sit where an ASCII row's do
        int drops = f.line(f.rowOf("PROTO")).indexOf("DROPS/S") + "DROPS/S".length();
        assertEquals(' ', f.line(at.getRow()).charAt(drops - 3));
        assertEquals("50", f.line(at.getRow()).substring(drops - 2, drops));
        for (int r = 0; r < f.height; r++) {
            for (int c = 0; c < f.width; c++) {
                String cell = f.cell(c, r).getCharacterString();
                assertFalse(cell.chars().anyMatch(Character::isISOControl), "cell " + c + "," + r + ": " + cell);
            }
        }
        // cut at 80 columns: the name ends in an ellipsis inside the row, nothing past the edge
        Frame narrow = Frame.draw(busy(List.of()), keys('k'), 80, 24, COLOUR);
        String row = narrow.line(narrow.rowOf("5151 "));
        assertTrue(row.contains("…"), row);
    }

    @Test
    void theEmptyStatesSayWhy() {
        Frame none = Frame.draw(TopFixtures.model(), keys('k'), 120, 40, COLOUR);
        assertEquals(" sockets not collected in this sample", none.line(3).stripTrailing(), none.text());
        SocketStats quiet = new SocketStats(42, 0, true, List.of(udp(4, 9999, 0, 0, 1, "quiet", null)), null);
        Frame q = Frame.draw(model(quiet, quiet, null, null, List.of()), keys('k'), 120, 40, COLOUR);
        assertEquals(" no sockets with drops or unread data (42 TCP and UDP sockets looked at)", q.line(3).stripTrailing(),
                q.text());
        TopModel starting = TopModel.starting(TopFixtures.header(), TopFixtures.NOW);
        assertEquals(" waiting for the first sample...",
                Frame.draw(starting, keys('k'), 120, 40, COLOUR).line(3).stripTrailing());
    }

    @Test
    void theKeyShowsInTheFooterOnceSocketsAreCollectedAndEscLeaves() {
        Frame f = Frame.draw(busy(List.of()), TopState.initial(), 120, 40, COLOUR);
        assertEquals("Tab pane  ↑↓ select  Enter detail  s sort  / filter  k sockets  p pause  e export  ? help  q quit",
                f.line(39).stripTrailing());
        assertFalse(keys('k', KeyType.Escape).socketsOpen());
        assertFalse(keys('k', 'k').socketsOpen());
        assertTrue(keys('k', KeyType.ArrowDown, KeyType.Enter).socketsOpen());
        assertEquals(1, keys('k', KeyType.ArrowDown).detailScroll());
        Frame help = Frame.draw(busy(List.of()), keys('?'), 120, 40, COLOUR);
        assertTrue(help.text().contains("\n k               Sockets view"), help.text());
    }

    static final Finding UDP = new Finding("udp_rcvbuf_errors", Severity.WARNING,
            "UDP receive buffers overflow (350 drops/s)", List.of(new Evidence("socket udp 10.0.0.1:53 of pid 4242 (dnsd)",
                    "+300 drops")), "A UDP socket receives faster than its application reads.", List.of());
    static final Finding STALLED = new Finding("stalled_reader", Severity.WARNING,
            "pid 999 (stuck) has 1 TCP connection on 10.0.0.1:8080 with full receive queues", List.of(),
            "An application that stops reading.", List.of());
    static final Finding NETFILTER = new Finding("netfilter_drops", Severity.WARNING, "Firewall drops (3535/s)",
            List.of(), "A rule drops.", List.of());

    @Test
    void aSocketFindingsDetailListsItsSockets() {
        Frame f = Frame.draw(busy(List.of(UDP, STALLED)), keys(KeyType.Tab, KeyType.Tab, KeyType.Tab, KeyType.Enter),
                120, 40, COLOUR);
        String t = f.text();
        int at = f.rowOf("Sockets (1)");
        assertTrue(f.line(at + 1).contains("udp 10.0.0.1:53  UNCONN  Recv-Q 1.0k of rcvbuf 213k  300 drops/s  4242 dnsd"),
                t);
        assertFalse(t.contains(":5353"), "only the socket the finding names");

        Frame s = Frame.draw(busy(List.of(UDP, STALLED)),
                keys(KeyType.Tab, KeyType.Tab, KeyType.Tab, KeyType.ArrowDown, KeyType.Enter), 120, 40, COLOUR);
        int row = s.rowOf("Sockets (1)");
        assertTrue(s.line(row + 1).contains("tcp 10.0.0.1:8080 <- 10.0.0.2:40000  ESTAB  Recv-Q 127k of rcvbuf 131k"), s.text());
        assertTrue(s.line(row + 1).contains("999 stuck"), s.text());
    }

    @Test
    void aFindingsDetailWithoutSocketsStaysAsItWas() {
        TopState s = keys(KeyType.Tab, KeyType.Tab, KeyType.Tab, KeyType.ArrowDown, KeyType.Enter);
        Frame plain = Frame.draw(TopFixtures.model(), s, 120, 40, COLOUR);
        assertFalse(plain.text().contains("Sockets ("), plain.text());
    }

    static FirewallRuleset ruleset(long dropped, long accepted) {
        return new FirewallRuleset(
                List.of(new FirewallRuleset.Chain("inet", "filter", "input", "input", 0, "accept", "filter")),
                List.of(new FirewallRuleset.Rule("inet", "filter", "input", 7, "udp dport 12345 counter drop", dropped,
                                dropped * 100, "drop"),
                        new FirewallRuleset.Rule("inet", "filter", "input", 8, "tcp dport 22 accept", accepted, 0L,
                                "accept"),
                        new FirewallRuleset.Rule("inet", "filter", "input", 9, "tcp dport 9 drop", null, null, "drop")),
                false);
    }

    @Test
    void aNetfilterFindingsDetailNamesTheRulesWhoseCountersRose() {
        TopModel m = model(null, null, ruleset(100, 5), ruleset(3635, 5), List.of(NETFILTER));
        Frame f = Frame.draw(m, keys(KeyType.Tab, KeyType.Tab, KeyType.Tab, KeyType.Enter), 120, 40, COLOUR);
        int at = f.rowOf("Rules whose counters rose");
        assertEquals("   inet filter input handle 7: udp dport 12345 counter drop (+3535 packets in 1s)",
                f.line(at + 1).stripTrailing(), f.text());
        assertFalse(f.text().contains("handle 8"), "a rule whose counter stayed is not listed");

        TopModel still = model(null, null, ruleset(100, 5), ruleset(100, 5), List.of(NETFILTER));
        Frame g = Frame.draw(still, keys(KeyType.Tab, KeyType.Tab, KeyType.Tab, KeyType.Enter), 120, 40, COLOUR);
        int row = g.rowOf("No rule's counter rose");
        assertTrue(g.line(row + 1).contains("handle 7: udp dport 12345 counter drop (100 packets)"), g.text());
        assertTrue(g.line(row + 2).contains("handle 9: tcp dport 9 drop (no counter)"), g.text());
    }
}
