package dev.dropscope.export;

import dev.dropscope.model.CollectorError;
import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.Delta;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.FirewallRuleset;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.NeighbourTableStats;
import dev.dropscope.model.QdiscStats;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SocketStats;
import dev.dropscope.model.SoftnetCpu;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A snapshot as a report a person reads or pastes into a ticket: the findings first with their fixes,
 * then the evidence tables (drop sites, interfaces, softnet, SNMP highlights, conntrack, neighbour
 * tables, qdiscs, sysctls, the monitor's health). Plain text or Markdown, the same facts in both.
 */
public final class SnapshotReport {
    /** Protocol counters that count drops or their usual causes, shown even when they did not move. */
    static final List<String> SNMP_HIGHLIGHTS = List.of("Ip.InDiscards", "Ip.InHdrErrors", "Ip.InAddrErrors",
            "Ip.OutDiscards", "Ip.OutNoRoutes", "Ip.ReasmFails", "Udp.InErrors", "Udp.RcvbufErrors", "Udp.SndbufErrors",
            "Udp.NoPorts", "Udp.InCsumErrors", "Udp6.InErrors", "Udp6.RcvbufErrors", "Udp6.NoPorts",
            "Tcp.InErrs", "Tcp.InCsumErrors", "TcpExt.ListenOverflows", "TcpExt.ListenDrops", "TcpExt.TCPBacklogDrop",
            "TcpExt.TCPRcvQDrop", "TcpExt.TCPZeroWindowDrop", "TcpExt.PFMemallocDrop", "TcpExt.TCPMinTTLDrop",
            "TcpExt.TCPReqQFullDrop", "TcpExt.TCPTimeouts", "TcpExt.TCPRetransFail");
    /** Other counters whose names say they count losses: shown when they moved. */
    private static final Pattern LOSSY = Pattern.compile(".*(Drop|Err|Fail|Overflow|Discard|Prune).*");

    private SnapshotReport() {
    }

    /** Plain text. */
    public static String text(SnapshotDocument d) {
        return render(d, ReportWriter.Style.TEXT);
    }

    /** GitHub-flavoured Markdown. */
    public static String markdown(SnapshotDocument d) {
        return render(d, ReportWriter.Style.MARKDOWN);
    }

    static String render(SnapshotDocument d, ReportWriter.Style style) {
        ReportWriter w = new ReportWriter(style);
        Snapshot s = d.snapshot();
        Delta delta = d.delta();
        w.title("dropscope snapshot of " + nz(s.host()) + (s.netns() == null ? "" : " (netns " + s.netns() + ")"));
        w.item("Taken", Instant.ofEpochMilli(s.takenAtMillis()).toString()
                + (delta == null ? "" : String.format(Locale.ROOT, ", rates over %.1f s", delta.seconds())));
        w.item("Kernel", nz(s.kernelRelease()));
        DropReport r = d.drops().report();
        w.item("Drop source", r == null ? "none: " + nz(d.drops().why()) : r.source() + ": " + nz(d.drops().why()));
        w.item("Schema", d.schema());
        w.endItems();

        findings(w, d.findings());
        drops(w, d.drops(), s.netns() != null);
        interfaces(w, s, delta);
        softnet(w, s, delta);
        snmp(w, s, delta);
        conntrack(w, s.conntrack(), delta);
        neighbour(w, s, delta);
        qdiscs(w, s, delta);
        if (s.sockets() != null) {
            sockets(w, s.sockets());
        }
        if (s.firewall() != null) {
            firewall(w, s.firewall());
        }
        sysctls(w, s);
        monitor(w, d.drops(), s.errors());
        return w.toString();
    }

    private static void findings(ReportWriter w, List<Finding> findings) {
        w.heading("Findings (" + findings.size() + ")");
        if (findings.isEmpty()) {
            w.line("No findings: nothing in the counters or drop sites points at a problem.");
            if (!w.markdown()) {
                w.blank();
            }
            return;
        }
        for (Finding f : findings) {
            w.subheading("[" + f.severity().label() + "] " + f.title() + " (" + f.id() + ")");
            for (Evidence e : f.evidence()) {
                w.item(e.name(), e.value());
            }
            if (f.explanation() != null) {
                w.item("Why it matters", f.explanation());
            }
            int n = 1;
            for (Fix x : f.fixes()) {
                String label = f.fixes().size() == 1 ? "Fix" : "Fix " + n++;
                w.command(label, x.command());
                if (x.persist() != null) {
                    w.subcommand("to keep it (/etc/sysctl.d/)", x.persist());
                }
                if (x.risk() != null) {
                    w.subitem("risk", x.risk());
                }
            }
            w.endItems();
        }
    }

    private static void drops(ReportWriter w, SnapshotJson.Drops drops, boolean namedNetns) {
        DropReport r = drops.report();
        if (r == null) {
            w.heading("Drop sites");
            String why = drops.why() == null || drops.why().isEmpty() ? "not watched" : drops.why();
            w.line(Character.toUpperCase(why.charAt(0)) + why.substring(1));
            if (!w.markdown()) {
                w.blank();
            }
            return;
        }
        w.heading(String.format(Locale.ROOT, "Drop sites (%s drops in %.1f s, %s lost, from %s)",
                ReportWriter.count(r.total()), r.elapsedNs() / 1e9, ReportWriter.count(r.lost()), r.source()));
        if (namedNetns && !drops.identityKnown()) {
            w.line("Machine-wide: the drop source sees every namespace, not only this one.");
        }
        if (r.symbolsNote() != null) {
            w.line("Note: " + r.symbolsNote());
        }
        // a Namespace column only when the source named them: reports of other sources stay as they were
        boolean netns = r.sites().stream().anyMatch(x -> x.netns() != null);
        List<List<String>> rows = new ArrayList<>();
        for (ResolvedDropSite x : r.sites()) {
            List<String> row = new ArrayList<>(List.of(x.location(), nz(x.reason()),
                    x.origin().name().toLowerCase(Locale.ROOT), nz(x.interfaceName())));
            if (netns) {
                row.add(x.netns() == null ? "-" : x.netns().label());
            }
            row.addAll(List.of(ReportWriter.count(x.count()), ReportWriter.rate(x.ratePerSecond()),
                    x.benign() ? "yes" : ""));
            rows.add(row);
        }
        if (netns) {
            w.table(List.of("Location", "Reason", "Origin", "Interface", "Namespace", "Count", "/s", "Benign"), rows,
                    new boolean[] {false, false, false, false, false, true, true, false}, "No drops seen in the window.");
        } else {
            w.table(List.of("Location", "Reason", "Origin", "Interface", "Count", "/s", "Benign"), rows,
                    new boolean[] {false, false, false, false, true, true, false}, "No drops seen in the window.");
        }
    }

    private static void interfaces(ReportWriter w, Snapshot s, Delta delta) {
        w.heading("Interfaces");
        List<List<String>> rows = new ArrayList<>();
        for (InterfaceStats i : s.interfaces()) {
            Map<String, Double> r = delta == null || delta.interfaces().get(i.name()) == null ? Map.of()
                    : delta.interfaces().get(i.name()).stats64();
            String driver = i.driver() == null ? "-" : i.driver().isPresent() ? i.driver().value() : "-";
            Integer rp = s.rpFilter() == null ? null : s.rpFilter().effective().get(i.name());
            String ring = i.ring() != null && i.ring().isPresent() && i.ring().value().containsKey("rx")
                    ? i.ring().value().get("rx") + "/" + i.ring().value().getOrDefault("rx_max", 0L) : "-";
            rows.add(List.of(i.name(), Integer.toString(i.ifindex()), driver, nz(i.operstate()),
                    ReportWriter.rate(r.get("rx_packets")), ReportWriter.rate(r.get("tx_packets")),
                    ReportWriter.count(i.stats64().get("rx_dropped")), ReportWriter.rate(r.get("rx_dropped")),
                    ReportWriter.count(i.stats64().get("rx_missed_errors")), ReportWriter.count(i.stats64().get("tx_dropped")),
                    ring, rp == null ? "-" : rp.toString()));
        }
        w.table(List.of("Name", "Ifindex", "Driver", "State", "rx pkt/s", "tx pkt/s", "rx_dropped", "/s",
                        "rx_missed", "tx_dropped", "rx ring", "rp_filter"), rows,
                new boolean[] {false, true, false, false, true, true, true, true, true, true, true, true},
                "No interfaces.");
    }

    private static void softnet(ReportWriter w, Snapshot s, Delta delta) {
        w.heading("Softnet (per CPU)");
        List<List<String>> rows = new ArrayList<>();
        for (SoftnetCpu c : s.softnet()) {
            Map<String, Double> r = delta == null ? null : delta.softnet().get(c.cpu());
            r = r == null ? Map.of() : r;
            rows.add(List.of(Integer.toString(c.cpu()), ReportWriter.rate(r.get("processed")),
                    ReportWriter.count(c.counters().get("dropped")), ReportWriter.rate(r.get("dropped")),
                    ReportWriter.count(c.counters().get("time_squeeze")), ReportWriter.rate(r.get("time_squeeze"))));
        }
        w.table(List.of("CPU", "processed/s", "dropped", "dropped/s", "time_squeeze", "time_squeeze/s"), rows,
                new boolean[] {true, true, true, true, true, true}, "No softnet statistics.");
    }

    private static void snmp(ReportWriter w, Snapshot s, Delta delta) {
        w.heading("Protocol counters (drops and errors)");
        Map<String, Double> rates = delta == null ? Map.of() : delta.snmp();
        List<List<String>> rows = new ArrayList<>();
        for (String k : SNMP_HIGHLIGHTS) {
            Double r = rates.get(k);
            if (s.snmp().containsKey(k) && (s.snmp().get(k) != 0 || (r != null && r > 0))) {
                rows.add(List.of(k, Long.toString(s.snmp().get(k)), ReportWriter.rate(rates.get(k))));
            }
        }
        for (Map.Entry<String, Long> e : s.snmp().entrySet()) {
            Double r = rates.get(e.getKey());
            if (!SNMP_HIGHLIGHTS.contains(e.getKey()) && r != null && r > 0 && LOSSY.matcher(e.getKey()).matches()) {
                rows.add(List.of(e.getKey(), Long.toString(e.getValue()), ReportWriter.rate(r)));
            }
        }
        w.table(List.of("Counter", "Value", "/s"), rows, new boolean[] {false, true, true},
                "No drop or error counter is above zero.");
    }

    private static void conntrack(ReportWriter w, ConntrackState ct, Delta delta) {
        w.heading("Conntrack");
        if (ct == null) {
            w.line("Not collected (see the collector errors).");
            if (!w.markdown()) {
                w.blank();
            }
            return;
        }
        if (!ct.loaded()) {
            w.line("Not loaded: no connection tracking, nothing dropped by it.");
            if (!w.markdown()) {
                w.blank();
            }
            return;
        }
        Map<String, Double> r = delta == null ? Map.of() : delta.conntrack();
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("entries", ReportWriter.count(ct.count()) + " of max " + ReportWriter.count(ct.max()), "-"));
        rows.add(List.of("buckets", ReportWriter.count(ct.buckets()), "-"));
        for (String k : List.of("drop", "early_drop", "insert_failed", "invalid", "error", "chain_toolong")) {
            if (ct.stats().containsKey(k)) {
                rows.add(List.of(k, ReportWriter.count(ct.stats().get(k)), ReportWriter.rate(r.get(k))));
            }
        }
        w.table(List.of("Counter", "Value", "/s"), rows, new boolean[] {false, true, true}, "");
    }

    private static void neighbour(ReportWriter w, Snapshot s, Delta delta) {
        w.heading("Neighbour tables");
        List<List<String>> rows = new ArrayList<>();
        for (NeighbourTableStats t : s.neighbour()) {
            Map<String, Double> r = delta == null ? null : delta.neighbour().get(t.key());
            r = r == null ? Map.of() : r;
            rows.add(List.of(t.key(), ReportWriter.count(t.entries()),
                    t.gcThresh1() + "/" + t.gcThresh2() + "/" + t.gcThresh3(),
                    ReportWriter.count(t.stats().get("table_fulls")), ReportWriter.rate(r.get("table_fulls")),
                    ReportWriter.count(t.stats().get("forced_gc_runs"))));
        }
        w.table(List.of("Table", "Entries", "gc_thresh1/2/3", "table_fulls", "/s", "forced_gc_runs"), rows,
                new boolean[] {false, true, true, true, true, true}, "No neighbour tables.");
    }

    private static void qdiscs(ReportWriter w, Snapshot s, Delta delta) {
        w.heading("Qdiscs");
        List<List<String>> rows = new ArrayList<>();
        for (QdiscStats q : s.qdiscs()) {
            Map<String, Double> r = delta == null ? null : delta.qdiscs().get(q.key());
            r = r == null ? Map.of() : r;
            rows.add(List.of(q.dev() == null ? "#" + q.ifindex() : q.dev(), nz(q.kind()), nz(q.handle()), nz(q.parent()),
                    ReportWriter.count(q.stats().get("drops")), ReportWriter.rate(r.get("drops")),
                    ReportWriter.count(q.stats().get("overlimits")), ReportWriter.count(q.stats().get("backlog")),
                    ReportWriter.count(q.stats().get("qlen"))));
        }
        w.table(List.of("Dev", "Kind", "Handle", "Parent", "drops", "/s", "overlimits", "backlog", "qlen"), rows,
                new boolean[] {false, false, false, false, true, true, true, true, true}, "No qdiscs.");
    }

    /** Sockets shown per table: enough to name the culprits, short enough to read. */
    static final int TOP_SOCKETS = 10;

    private static void sockets(ReportWriter w, SocketStats st) {
        w.heading("Sockets (" + st.total() + " in all, " + st.withDrops() + " with drops)");
        if (st.ownersNote() != null) {
            w.line("Owners: " + st.ownersNote());
            if (!w.markdown()) {
                w.blank();
            }
        }
        List<SocketStats.Entry> byDrops = st.sockets().stream().filter(e -> e.drops() > 0)
                .sorted(Comparator.comparingLong(SocketStats.Entry::drops).reversed()).limit(TOP_SOCKETS).toList();
        w.subheading("By drops");
        socketTable(w, byDrops, "No socket dropped anything.");
        // listeners' rqueue counts connections, not bytes: they are not unread data
        List<SocketStats.Entry> byQueue = st.sockets().stream().filter(e -> !e.isListener() && e.rqueue() > 0)
                .sorted(Comparator.comparingLong(SocketStats.Entry::rqueue).reversed()).limit(TOP_SOCKETS).toList();
        w.subheading("By unread queue");
        socketTable(w, byQueue, "No socket has unread data.");
        List<SocketStats.Entry> listeners = st.sockets().stream().filter(e -> e.isListener() && e.rqueue() > 0)
                .sorted(Comparator.comparingLong(SocketStats.Entry::rqueue).reversed()).limit(TOP_SOCKETS).toList();
        if (!listeners.isEmpty()) {
            w.subheading("Listeners with connections waiting (queue of backlog)");
            socketTable(w, listeners, "");
        }
    }

    private static void socketTable(ReportWriter w, List<SocketStats.Entry> l, String empty) {
        if (!w.markdown()) {
            w.blank();
        }
        List<List<String>> rows = new ArrayList<>();
        for (SocketStats.Entry e : l) {
            rows.add(List.of(e.protocol(), e.local(), e.remote(), nz(e.state()), num(e.rqueue()), num(e.wqueue()),
                    num(e.rcvbuf()), num(e.drops()), e.pid() == 0 ? "-" : Integer.toString(e.pid()), nz(e.command()),
                    nz(e.container())));
        }
        w.table(List.of("Proto", "Local", "Remote", "State", "Recv-Q", "Send-Q", "rcvbuf", "drops", "PID", "Command",
                "Container"), rows, new boolean[] {false, false, false, false, true, true, true, true, true, false, false},
                empty);
    }

    private static void firewall(ReportWriter w, FirewallRuleset fw) {
        w.heading("Firewall (" + plural(fw.chains().size(), "chain") + ", " + plural(fw.rules().size(), "rule")
                + (fw.truncated() ? ", more not read" : "") + ")");
        List<List<String>> rows = new ArrayList<>();
        for (FirewallRuleset.Chain c : fw.chains()) {
            if (c.isBase() && "drop".equals(c.policy())) {
                rows.add(List.of(c.path(), c.hook(), Integer.toString(c.priority()), nz(c.type())));
            }
        }
        w.subheading("Base chains with policy drop");
        if (!w.markdown()) {
            w.blank();
        }
        w.table(List.of("Chain", "Hook", "Priority", "Type"), rows, new boolean[] {false, false, true, false},
                "None: every base chain accepts what no rule drops.");
        rows = new ArrayList<>();
        for (FirewallRuleset.Rule r : fw.rules()) {
            boolean counted = r.packets() != null && r.packets() != 0;
            if (counted || r.drops()) {
                rows.add(List.of(r.family(), r.table(), r.chain(), Long.toString(r.handle()), r.text(),
                        ReportWriter.count(r.packets()), ReportWriter.count(r.bytes())));
            }
        }
        w.subheading("Rules that counted packets or drop");
        if (!w.markdown()) {
            w.blank();
        }
        w.table(List.of("Family", "Table", "Chain", "Handle", "Rule", "Packets", "Bytes"), rows,
                new boolean[] {false, false, false, true, false, true, true},
                "No rule counted a packet and none drops.");
    }

    private static String plural(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** A kernel number, "-" when the kernel did not send it (-1). */
    private static String num(long v) {
        return v < 0 ? "-" : Long.toString(v);
    }

    private static void sysctls(ReportWriter w, Snapshot s) {
        w.heading("Sysctls");
        List<List<String>> rows = new ArrayList<>();
        s.sysctl().forEach((k, v) -> rows.add(List.of(k, v)));
        w.table(List.of("Name", "Value"), rows, new boolean[] {false, false}, "No sysctls.");
    }

    private static void monitor(ReportWriter w, SnapshotJson.Drops drops, List<CollectorError> errors) {
        w.heading("Monitor health");
        DropReport r = drops.report();
        List<List<String>> rows = new ArrayList<>();
        if (r != null) {
            rows.add(List.of("lost events", ReportWriter.count(r.lost())));
        }
        drops.health().forEach((k, v) -> rows.add(List.of(k, ReportWriter.count(v))));
        for (CollectorError e : errors) {
            rows.add(List.of("collector error: " + e.collector(), e.message()));
        }
        w.table(List.of("What", "Value"), rows, new boolean[] {false, false},
                "No drop source ran and every collector answered.");
    }

    private static String nz(String s) {
        return s == null ? "-" : s;
    }
}
