package dev.dropscope.export;

import static dev.dropscope.export.GoldenOutputsTest.golden;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.FirewallRuleset;
import dev.dropscope.model.FirewallRuleset.Chain;
import dev.dropscope.model.FirewallRuleset.Rule;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SocketStats;
import dev.dropscope.model.SocketStats.Entry;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * The sockets and firewall sections of report, diff and the Prometheus exposition, pinned byte for byte on
 * the recorded lab snapshots with sockets and a ruleset added (values as the collectors build them), and
 * the cap of the per-socket and per-rule series: the first label sets keep a series, the rest fold into
 * "other", and no series falls when a socket closes.
 */
class SocketsFirewallOutputsTest {

    static Entry tcp(long cookie, String state, String local, int lport, String remote, int rport, long rq, long wq,
                     long rcvbuf, long drops, int pid, String command, String container) {
        return new Entry("tcp", 4, state, local, lport, remote, rport, cookie, 1000 + cookie, 1000, rq, wq, rq,
                rcvbuf, drops, rq, 4000, 0, 64_000, pid, command, container);
    }

    static Entry udp6(long cookie, String local, int lport, long rq, long rcvbuf, long drops, int pid, String command) {
        return new Entry("udp", 6, "UNCONN", local, lport, "::", 0, cookie, 2000 + cookie, 0, rq, 0, rq, rcvbuf,
                drops, -1, -1, -1, -1, pid, command, null);
    }

    static SocketStats socketsA() {
        return new SocketStats(812, 2, true, List.of(
                udp6(11, "::", 5353, 212_992, 212_992, 3535, 4242, "udp_sink"),
                tcp(12, "ESTAB", "10.0.0.1", 8080, "10.0.0.2", 40_001, 130_000, 0, 131_072, 7, 4243, "myserver",
                        "docker:0123456789ab"),
                tcp(13, "ESTAB", "10.0.0.1", 8080, "10.0.0.2", 40_002, 127_000, 0, 131_072, 0, 4243, "myserver",
                        "docker:0123456789ab"),
                tcp(14, "LISTEN", "0.0.0.0", 8080, "0.0.0.0", 0, 3, 128, -1, 0, 4243, "myserver",
                        "docker:0123456789ab")),
                "3 processes' fds not readable without CAP_SYS_PTRACE");
    }

    static SocketStats socketsB() {
        return new SocketStats(815, 3, true, List.of(
                udp6(11, "::", 5353, 212_992, 212_992, 5000, 4242, "udp_sink"),
                tcp(12, "ESTAB", "10.0.0.1", 8080, "10.0.0.2", 40_001, 0, 0, 131_072, 7, 4243, "myserver",
                        "docker:0123456789ab"),
                tcp(15, "ESTAB", "127.0.0.1", 9000, "127.0.0.1", 50_000, 100, 0, 65_536, 2, 0, null, null),
                tcp(14, "LISTEN", "0.0.0.0", 8080, "0.0.0.0", 0, 0, 128, -1, 0, 4243, "myserver",
                        "docker:0123456789ab"),
                tcp(16, "LISTEN", "127.0.0.1", 9000, "0.0.0.0", 0, 1, 4096, -1, 0, 777, "sidecar", null)),
                null);
    }

    static List<Chain> chains() {
        return List.of(new Chain("inet", "filter", "input", "input", 0, "accept", "filter"),
                new Chain("ip", "filter", "FORWARD", "forward", 0, "drop", "filter"),
                new Chain("inet", "filter", "udp_ports", null, 0, null, null));
    }

    static FirewallRuleset firewallA() {
        return new FirewallRuleset(chains(), List.of(
                new Rule("inet", "filter", "input", 4, "ct state established,related accept", null, null, "accept"),
                new Rule("inet", "filter", "input", 7, "udp dport 12345 counter drop", 3535L, 190_890L, "drop"),
                new Rule("inet", "filter", "input", 8, "tcp dport 2222 drop", null, null, "drop"),
                new Rule("inet", "filter", "input", 9, "counter jump udp_ports", 0L, 0L, "jump udp_ports"),
                new Rule("ip", "filter", "FORWARD", 2, "xt match \"conntrack\" counter xt target \"ACCEPT\"", 12L, 720L,
                        "accept")), false);
    }

    static FirewallRuleset firewallB() {
        return new FirewallRuleset(chains(), List.of(
                new Rule("inet", "filter", "input", 4, "ct state established,related accept", null, null, "accept"),
                new Rule("inet", "filter", "input", 7, "udp dport 12345 counter drop", 7070L, 381_780L, "drop"),
                new Rule("inet", "filter", "input", 9, "counter jump udp_ports", 5L, 300L, "jump udp_ports"),
                new Rule("inet", "filter", "input", 10, "tcp dport 2222 counter reject", 1L, 60L, "reject"),
                new Rule("ip", "filter", "FORWARD", 2, "xt match \"conntrack\" counter xt target \"ACCEPT\"", 12L, 720L,
                        "accept")), true);
    }

    static Snapshot with(Snapshot s, SocketStats sockets, FirewallRuleset fw) {
        return new Snapshot(s.takenAtMillis(), s.monotonicNanos(), s.host(), s.kernelRelease(), s.netns(), s.interfaces(),
                s.snmp(), s.softnet(), s.rpFilter(), s.conntrack(), s.sysctl(), s.neighbour(), s.qdiscs(), s.sockstat(),
                s.errors(), sockets, fw);
    }

    static SnapshotDocument doc(SnapshotDocument d, SocketStats sockets, FirewallRuleset fw) {
        return new SnapshotDocument(d.schema(), with(d.snapshot(), sockets, fw), d.delta(), d.findings(), d.drops());
    }

    static SnapshotDocument a() throws Exception {
        return doc(SnapshotReader.read(SnapshotFormatsTest.BEFORE), socketsA(), firewallA());
    }

    static SnapshotDocument b() throws Exception {
        return doc(SnapshotReader.read(SnapshotFormatsTest.AFTER), socketsB(), firewallB());
    }

    @Test
    void reportShowsSocketsAndFirewall() throws Exception {
        SnapshotDocument d = a();
        String text = SnapshotReport.text(d);
        golden("report-sockets-firewall.txt", text);
        golden("report-sockets-firewall.md", SnapshotReport.markdown(d));
        assertTrue(text.contains("Sockets (812 in all, 2 with drops)"), text);
        // a rule without counter that does not drop (handle 4) and one whose counter is zero (handle 9) are left out
        assertFalse(text.contains("ct state established"), text);
        assertFalse(text.contains("jump udp_ports"), text);
        assertTrue(text.contains("tcp dport 2222 drop"), text);
    }

    @Test
    void reportOfSocketsWithoutDropsAndARulesetWithoutCounters() throws Exception {
        SnapshotDocument d = doc(SnapshotReader.read(SnapshotFormatsTest.AFTER),
                new SocketStats(3, 0, true, List.of(), null),
                new FirewallRuleset(List.of(chains().get(0)), List.of(firewallA().rules().get(0)), false));
        golden("report-sockets-firewall-quiet.txt", SnapshotReport.text(d));
    }

    @Test
    void diffShowsRulesAndSockets() throws Exception {
        SnapshotDiff.Result r = SnapshotDiff.compare(a(), b());
        golden("diff-sockets-firewall.txt", SnapshotDiff.text(r, "a.json", "b.json"));
        golden("diff-sockets-firewall.md", SnapshotDiff.markdown(r, "a.json", "b.json"));
        golden("diff-sockets-firewall.json", SnapshotDiff.json(r, "a.json", "b.json"));
        List<String> sockets = r.sockets().stream().map(c -> c.change() + " " + c.socket().cookie()).toList();
        // 11 rose 3535 -> 5000; 12 kept its 7 drops; 15 is new with drops and A listed every socket with drops;
        // the listener on 127.0.0.1:9000 is new, the one on 0.0.0.0:8080 is not
        assertEquals(List.of("rose 11", "stopped 12", "rose 15", "listening 16"), sockets);
        List<String> rules = r.rules().stream().map(c -> c.change() + " " + c.rule().handle()).toList();
        assertEquals(List.of("appeared 10", "disappeared 8"), rules);
    }

    @Test
    void diffSaysWhenOneSideHasNoSockets() throws Exception {
        SnapshotDocument plainA = SnapshotReader.read(SnapshotFormatsTest.BEFORE);
        SnapshotDiff.Result r = SnapshotDiff.compare(plainA, b());
        assertTrue(r.sockets().isEmpty() && r.rules().isEmpty());
        golden("diff-sockets-firewall-one-side.txt", SnapshotDiff.text(r, "a.json", "b.json"));
    }

    static PrometheusMetrics.Input input(Snapshot s) {
        return new PrometheusMetrics.Input(s, null, "none", null, null, null, 1, "0.1.0");
    }

    @Test
    void prometheusExportsSocketAndRuleCountersUnderTheCap() throws Exception {
        PrometheusMetrics m = new PrometheusMetrics(2);
        Snapshot s = b().snapshot();
        String text = PrometheusMetrics.text(m.collect(input(s)));
        golden("sockets-firewall.prom", text);
        Promtool.Result p = Promtool.run(text, "check", "metrics");
        assertEquals(0, p.exit(), p.output());
        assertEquals("", p.output().strip(), "no lint warnings");
    }

    static double value(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return Double.NaN;
    }

    @Test
    void seriesNeverFallWhenSocketsCloseOrRulesGo() throws Exception {
        PrometheusMetrics m = new PrometheusMetrics(1);
        Snapshot base = a().snapshot();
        // sample 1: the UDP socket (3535) takes the only slot, the TCP one (7) folds into other
        String one = PrometheusMetrics.text(m.collect(input(base)));
        String udp = "dropscope_socket_drops_total{command=\"udp_sink\",local=\"[::]:5353\",pid=\"4242\",protocol=\"udp\"}";
        String other = "dropscope_socket_drops_total{command=\"other\",local=\"\",pid=\"\",protocol=\"\"}";
        assertEquals(3535, value(one, udp), one);
        assertEquals(7, value(one, other), one);
        // sample 2: the TCP socket closed, a new one on another port drops 2, the UDP socket rose to 4000
        List<Entry> next = new ArrayList<>();
        next.add(udp6(11, "::", 5353, 0, 212_992, 4000, 4242, "udp_sink"));
        next.add(tcp(99, "ESTAB", "10.0.0.1", 8081, "10.0.0.3", 1, 0, 0, 1, 2, 4243, "myserver", null));
        String two = PrometheusMetrics.text(m.collect(input(with(base, new SocketStats(3, 2, true, next, null),
                new FirewallRuleset(List.of(), List.of(), false)))));
        assertEquals(4000, value(two, udp), two);
        assertEquals(9, value(two, other), two);
        // the same sample scraped again adds nothing
        String three = PrometheusMetrics.text(m.collect(input(with(base, new SocketStats(3, 2, true, next, null),
                new FirewallRuleset(List.of(), List.of(), false)))));
        assertEquals(9, value(three, other), three);
        // the rule with the most packets (handle 7) took the only rule slot and keeps its value once the rules are gone
        String rule = "dropscope_firewall_rule_packets_total{chain=\"input\",family=\"inet\",handle=\"7\",table=\"filter\"}";
        assertEquals(3535, value(one, rule), one);
        assertEquals(3535, value(three, rule), three);
    }

    @Test
    void nothingNewWhenBothAreNull() throws Exception {
        SnapshotDocument plain = SnapshotReader.read(SnapshotFormatsTest.AFTER);
        String text = PrometheusMetrics.text(new PrometheusMetrics(3).collect(input(plain.snapshot())));
        assertFalse(text.contains("dropscope_socket_drops") || text.contains("dropscope_firewall_rule"), text);
        assertFalse(SnapshotReport.text(plain).contains("Sockets ("));
    }
}
