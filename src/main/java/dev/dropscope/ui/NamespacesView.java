package dev.dropscope.ui;

import dev.dropscope.model.Delta;
import dev.dropscope.model.NetnsCounters;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.model.ResolvedDropSite;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Namespaces view ('n'): drops per network namespace, each beside that namespace's own counters
 * (its NoPorts, RcvbufErrors, rx_dropped...), so our own namespace's 0/s is never read as the whole
 * machine's next to a container dropping 850/s. Our own row takes its rates from the snapshot (the System
 * pane's), the others from {@link TopModel.Namespaces}.
 */
final class NamespacesView {
    private static final int NUMBER = 8;

    private NamespacesView() {
    }

    /**
     * One namespace.
     *
     * @param label  its name (ours: "host (own)")
     * @param kind   ours, another, or the drops that came without a namespace
     * @param rate   drops per second in the last interval; null when drops carry no namespace (ours, then)
     * @param rates  its own counters per second by {@link NetnsCounters} key; null when not known (yet)
     * @param note   why its counters are missing or old, or null
     */
    record Row(String label, Kind kind, Double rate, long total, String topReason, Map<String, Double> rates,
               String note) {
    }

    enum Kind { OWN, OTHER, UNKNOWN }

    /** A counter column: header, the keys added up (IPv4 and IPv6), its rank when space is short (0 first). */
    private record Counter(String header, List<String> keys, int rank) {
    }

    private static final List<Counter> COUNTERS = List.of(
            new Counter("NoPorts", List.of("Udp.NoPorts", "Udp6.NoPorts"), 1),
            new Counter("RcvbufErrors", List.of("Udp.RcvbufErrors", "Udp6.RcvbufErrors"), 1),
            new Counter("InErrors", List.of("Udp.InErrors", "Udp6.InErrors"), 4),
            new Counter("ListenDrops", List.of("TcpExt.ListenDrops"), 5),
            new Counter("rx_dropped", List.of("dev.rx_dropped"), 3));

    /** Whether any drop carries its namespace. */
    static boolean identityKnown(TopModel m) {
        return m.drops() != null && m.drops().sites().stream().anyMatch(s -> s.netns() != null);
    }

    static List<Row> rows(TopModel m) {
        if (m.drops() == null && m.snapshot() == null) {
            return List.of();
        }
        TopModel.Namespaces ns = m.namespaces();
        long own = ns == null ? -1 : ns.ownInode();
        boolean known = identityKnown(m);
        Map<Long, List<ResolvedDropSite>> groups = new LinkedHashMap<>();
        List<ResolvedDropSite> ownSites = new ArrayList<>();
        List<ResolvedDropSite> unknown = new ArrayList<>();
        if (m.drops() != null) {
            for (ResolvedDropSite s : m.drops().sites()) {
                if (s.netns() == null) {
                    unknown.add(s);
                } else if (s.netns().inode() == own) {
                    ownSites.add(s);
                } else {
                    groups.computeIfAbsent(s.netns().inode(), k -> new ArrayList<>()).add(s);
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        rows.add(new Row((ns == null ? "host" : ns.ownLabel()) + " (own)", Kind.OWN, known ? rate(ownSites) : null,
                total(ownSites), topReason(ownSites), ownRates(m.delta()), m.delta() == null ? "rates after the second sample" : null));
        for (Map.Entry<Long, List<ResolvedDropSite>> e : groups.entrySet()) {
            List<ResolvedDropSite> sites = e.getValue();
            NetnsCounters c = ns == null ? null : ns.counters().get(e.getKey());
            String note = c == null ? "its counters are not read (beyond the namespaces read each interval)"
                    : c.gone() ? "gone: its last counts" + (c.problem() == null ? "" : " (" + c.problem() + ")")
                    : c.problem() != null && c.rates().isEmpty() ? c.problem()
                    : c.rates().isEmpty() ? "rates after the second reading" : null;
            rows.add(new Row(label(m, sites.get(0).netns()), Kind.OTHER, rate(sites), total(sites), topReason(sites),
                    c == null || c.rates().isEmpty() ? null : c.rates(), note));
        }
        if (!unknown.isEmpty()) {
            String why = m.header().identityWhy() != null ? m.header().identityWhy()
                    : known ? "drops with no device and no socket, and sites beyond the tracked maximum"
                    : "the " + m.header().source() + " source does not say";
            rows.add(new Row(known ? "(none)" : "(not known)", Kind.UNKNOWN, rate(unknown), total(unknown),
                    topReason(unknown), null, why));
        }
        Comparator<Row> byRate = Comparator.comparingDouble(r -> r.rate() == null ? -1 : r.rate());
        rows.sort(byRate.thenComparingLong(Row::total).reversed().thenComparing(Row::label));
        return rows;
    }

    /** A namespace's name as top shows it: ours by {@link TopModel.Namespaces#ownLabel}, others by their label. */
    static String label(TopModel m, NetnsIdentity n) {
        if (n == null) {
            return null;
        }
        return m.namespaces() != null && n.inode() == m.namespaces().ownInode() ? m.namespaces().ownLabel() : n.label();
    }

    private static double rate(List<ResolvedDropSite> sites) {
        return sites.stream().mapToDouble(ResolvedDropSite::ratePerSecond).sum();
    }

    private static long total(List<ResolvedDropSite> sites) {
        return sites.stream().mapToLong(ResolvedDropSite::count).sum();
    }

    /** The reason (else the function) of the busiest site, "-" for none. */
    private static String topReason(List<ResolvedDropSite> sites) {
        return sites.stream().filter(s -> s.count() > 0)
                .max(Comparator.comparingDouble(ResolvedDropSite::ratePerSecond).thenComparingLong(ResolvedDropSite::count))
                .map(s -> s.reason() != null ? s.reason() : s.symbol() != null ? s.symbol() : s.location()).orElse("-");
    }

    /** Our own namespace's rates under the keys {@link NetnsCounters} uses, from the snapshot's delta. */
    static Map<String, Double> ownRates(Delta d) {
        if (d == null) {
            return null;
        }
        Map<String, Double> out = new LinkedHashMap<>(d.snmp());
        double rxDropped = 0;
        for (Delta.InterfaceRates r : d.interfaces().values()) {
            // /proc/net/dev's "drop" column, which the other namespaces' value is read from
            rxDropped += r.stats64().getOrDefault("rx_dropped", 0.0) + r.stats64().getOrDefault("rx_missed_errors", 0.0);
        }
        out.put("dev.rx_dropped", rxDropped);
        return out;
    }

    static String value(Map<String, Double> rates, List<String> keys) {
        if (rates == null) {
            return "-";
        }
        double v = 0;
        for (String k : keys) {
            v += rates.getOrDefault(k, 0.0);
        }
        return Numbers.si(v);
    }

    private static boolean any(Map<String, Double> rates, List<String> keys) {
        return rates != null && keys.stream().anyMatch(k -> rates.getOrDefault(k, 0.0) > 0);
    }

    /** The columns that fit in {@code width}: label, drops/s always; then by rank. */
    record Columns(int label, int reason, boolean total, List<Counter> counters) {
        static Columns of(int width, List<Row> rows) {
            int labelWanted = 10;
            int reasonWanted = 10;
            for (Row r : rows) {
                labelWanted = Math.max(labelWanted, Canvas.width(r.label()));
                reasonWanted = Math.max(reasonWanted, Canvas.width(r.topReason()));
            }
            labelWanted = Math.min(labelWanted, 28);
            reasonWanted = Math.min(reasonWanted, 20);
            int budget = width - 2 - 11 - (NUMBER + 1);
            boolean[] take = new boolean[COUNTERS.size()];
            int reason = 0;
            boolean total = false;
            int label = 10;
            for (int rank = 1; rank <= 6; rank++) {
                for (int i = 0; i < COUNTERS.size(); i++) {
                    Counter c = COUNTERS.get(i);
                    int w = Math.max(NUMBER, c.header().length()) + 1;
                    if (c.rank() == rank && budget >= w) {
                        take[i] = true;
                        budget -= w;
                    }
                }
                if (rank == 1) {
                    // names before the rest: "docker:" and 12 hex digits whole at 80 columns
                    int grow = Math.max(0, Math.min(budget - 10, Math.min(labelWanted, 20) - label));
                    label += grow;
                    budget -= grow;
                }
                if (rank == 2 && budget >= 10) {
                    reason = Math.min(reasonWanted, budget - 1);
                    budget -= reason + 1;
                }
                if (rank == 6 && budget >= NUMBER + 1) {
                    total = true;
                    budget -= NUMBER + 1;
                }
            }
            List<Counter> counters = new ArrayList<>();
            for (int i = 0; i < take.length; i++) {
                if (take[i]) {
                    counters.add(COUNTERS.get(i));
                }
            }
            return new Columns(label + Math.max(0, Math.min(budget, labelWanted - label)), reason, total, counters);
        }
    }

    static void draw(Canvas c, Rect r, TopModel m, TopState s) {
        List<Row> rows = rows(m);
        long others = rows.stream().filter(x -> x.kind() == Kind.OTHER).count();
        c.title(r.col(), r.row(), r.width(), "Namespaces", true, "drops beside each namespace's own counters, per second"
                + (others == 0 ? "" : "  " + others + (others == 1 ? " other" : " others")));
        if (r.height() < 2) {
            return;
        }
        int top = r.row() + 1;
        if (rows.isEmpty()) {
            c.text(r.col() + 1, top, r.width() - 1, "waiting for the first sample...", Theme.Role.TEXT);
            return;
        }
        List<String> notes = new ArrayList<>();
        if (!identityKnown(m) && m.drops() != null) {
            notes.add("namespaces unknown: " + (m.header().identityWhy() != null ? m.header().identityWhy()
                    : "the " + m.header().source() + " source does not say"));
        }
        for (Row row : rows) {
            if (row.note() != null && row.kind() != Kind.UNKNOWN) {
                notes.add(row.label() + ": " + row.note());
            }
        }
        Columns k = Columns.of(r.width(), rows);
        int x = r.col() + 1;
        int at = x + 1;
        c.text(at, top, k.label(), "NAMESPACE", Theme.Role.COLUMN);
        at += k.label() + 1;
        c.textRight(at, top, NUMBER, "DROPS/s", Theme.Role.COLUMN);
        at += NUMBER + 1;
        if (k.total()) {
            c.textRight(at, top, NUMBER, "TOTAL", Theme.Role.COLUMN);
            at += NUMBER + 1;
        }
        if (k.reason() > 0) {
            c.text(at, top, k.reason(), "TOP REASON", Theme.Role.COLUMN);
            at += k.reason() + 1;
        }
        for (Counter ct : k.counters()) {
            int w = Math.max(NUMBER, ct.header().length());
            c.textRight(at, top, w, ct.header(), Theme.Role.COLUMN);
            at += w + 1;
        }
        // the notes take the rows the table leaves, at least one when there are any
        int avail = r.height() - 2;
        int noteRows = Math.min(notes.size(), Math.max(notes.isEmpty() ? 0 : 1, avail - rows.size()));
        int visible = Math.max(0, avail - noteRows);
        int first = Math.max(0, Math.min(s.detailScroll(), rows.size() - visible));
        int y = top + 1;
        for (int i = 0; i < visible && first + i < rows.size(); i++, y++) {
            Row row = rows.get(first + i);
            Theme.Role role = row.kind() == Kind.OWN ? Theme.Role.LABEL : Theme.Role.TEXT;
            c.text(x, y, 1, row.kind() == Kind.OWN ? "*" : " ", role);
            at = x + 1;
            c.text(at, y, k.label(), row.label(), role);
            at += k.label() + 1;
            c.textRight(at, y, NUMBER, row.rate() == null ? "-" : Numbers.si(row.rate()),
                    row.rate() != null && row.rate() > 0 ? Theme.Role.ALERT : Theme.Role.TEXT);
            at += NUMBER + 1;
            if (k.total()) {
                c.textRight(at, y, NUMBER, Numbers.count(row.total()), Theme.Role.TEXT);
                at += NUMBER + 1;
            }
            if (k.reason() > 0) {
                c.text(at, y, k.reason(), row.topReason(), Theme.Role.TEXT);
                at += k.reason() + 1;
            }
            for (Counter ct : k.counters()) {
                int w = Math.max(NUMBER, ct.header().length());
                c.textRight(at, y, w, value(row.rates(), ct.keys()), any(row.rates(), ct.keys())
                        ? Theme.Role.ALERT : Theme.Role.TEXT);
                at += w + 1;
            }
        }
        for (int i = 0; i < notes.size() && y < r.row() + r.height(); i++, y++) {
            c.text(x, y, r.width() - 1, notes.get(i), Theme.Role.WARNING);
        }
    }
}
