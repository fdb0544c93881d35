package dev.dropscope.ui;

import com.googlecode.lanterna.TerminalTextUtils;

import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.Delta;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.FeatureState;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SoftnetCpu;
import dev.dropscope.ui.Canvas.Seg;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** What Enter opens over the panes: everything about the selected row, scrollable; also the help. */
final class DetailView {
    private static final int KEY = 16;
    /** Counters listed in a detail view at most, busiest first. */
    private static final int MOST = 40;

    private DetailView() {
    }

    /** The title and lines of the detail of the focused pane's selected row. */
    record Content(String title, List<List<Seg>> lines) {
    }

    static Content of(TopModel m, TopState s, int width, Theme theme) {
        return switch (s.focus()) {
            case DROP_SITES -> site(m, s, theme);
            case INTERFACES -> iface(m, s);
            case SYSTEM -> system(m);
            case FINDINGS -> finding(m, s, width);
        };
    }

    static void draw(Canvas c, Rect r, Content content, int scroll) {
        c.title(r.col(), r.row(), r.width(), content.title(), true, "Esc: back  arrows: scroll");
        int rows = r.height() - 1;
        List<List<Seg>> lines = content.lines();
        for (int i = 0; i < rows && scroll + i < lines.size(); i++) {
            c.line(r.col() + 1, r.row() + 1 + i, r.width() - 2, lines.get(scroll + i));
        }
    }

    private static List<Seg> kv(String key, String value) {
        return kv(key, value, Theme.Role.TEXT);
    }

    private static List<Seg> kv(String key, String value, Theme.Role role) {
        return List.of(new Seg(String.format("%-" + KEY + "s", key), Theme.Role.LABEL), new Seg(value, role));
    }

    private static List<Seg> heading(String text) {
        return List.of(new Seg(text, Theme.Role.COLUMN));
    }

    private static List<Seg> text(String text) {
        return List.of(new Seg(text, Theme.Role.TEXT));
    }

    private static List<Seg> blank() {
        return List.of();
    }

    // ------------------------------------------------------------------ drop site

    private static Content site(TopModel m, TopState s, Theme theme) {
        List<ResolvedDropSite> rows = DropSitesPane.rows(m, s);
        if (rows.isEmpty()) {
            return new Content("Drop site", List.of(text("no drop site to show")));
        }
        ResolvedDropSite site = rows.get(Math.min(s.selected(Pane.DROP_SITES), rows.size() - 1));
        List<List<Seg>> l = new ArrayList<>();
        l.add(kv("location", site.location()));
        if (site.address() != 0) {
            l.add(kv("address", String.format("0x%016x", site.address())));
        }
        l.add(kv("module", site.module() == null ? (site.other() ? "-" : "the core kernel") : site.module()));
        l.add(kv("reason", site.reason() == null ? "not given by " + m.header().source() : site.reason()));
        l.add(kv("origin", site.origin().name().toLowerCase(Locale.ROOT)));
        l.add(kv("interface", site.interfaceName() != null ? site.interfaceName()
                : site.ifindex() >= 0 ? "ifindex " + site.ifindex() : "not given by " + m.header().source()));
        if (site.netns() != null) {
            l.add(kv("namespace", site.netns().label() + (site.netns().container() == null ? ""
                    : " (pid " + site.netns().container().pid() + " " + site.netns().container().command() + ")")
                    + "  inode " + site.netns().inode()));
        }
        l.add(kv("rate", Numbers.si(site.ratePerSecond()) + "/s (" + site.delta() + " in the last interval, "
                + Numbers.percent(DropSitesPane.share(site, m.drops(), TopState.SiteSort.RATE)) + " of all)"));
        l.add(kv("total", site.count() + " since the start ("
                + Numbers.percent(DropSitesPane.share(site, m.drops(), TopState.SiteSort.COUNT)) + " of all)"));
        List<Double> h = m.history().getOrDefault(TopModel.siteKey(site), List.of());
        double peak = h.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        l.add(kv("history", "peak " + Numbers.si(peak) + "/s over the last " + h.size() + " intervals"));
        l.add(List.of(new Seg(" ".repeat(KEY), Theme.Role.TEXT),
                new Seg(Sparkline.of(h, SiteHistory.SAMPLES, theme.sparkLevels()), Theme.Role.SPARK)));
        if (site.benign()) {
            l.add(blank());
            l.add(text("~ expected in a healthy system (queues purged when sockets close): not a fault by itself"));
        }
        if (site.symbol() != null) {
            List<Finding> related = m.findings().stream().filter(f -> mentions(f, site.symbol())).toList();
            if (!related.isEmpty()) {
                l.add(blank());
                l.add(heading("Findings about " + site.symbol()));
                for (Finding f : related) {
                    l.add(List.of(new Seg(FindingsPane.label(f.severity()) + " ", FindingsPane.role(f.severity())),
                            new Seg(f.title(), Theme.Role.TEXT)));
                }
            }
        }
        return new Content("Drop site " + (site.symbol() == null ? "" : site.symbol()), l);
    }

    private static boolean mentions(Finding f, String symbol) {
        return f.title().contains(symbol) || f.evidence().stream().anyMatch(e -> e.name().contains(symbol)
                || e.value().contains(symbol));
    }

    // ------------------------------------------------------------------ interface

    private static Content iface(TopModel m, TopState s) {
        List<InterfacesPane.Row> rows = InterfacesPane.rows(m, s);
        if (rows.isEmpty()) {
            return new Content("Interface", List.of(text("no interface to show")));
        }
        InterfacesPane.Row row = rows.get(Math.min(s.selected(Pane.INTERFACES), rows.size() - 1));
        InterfaceStats i = row.stats();
        List<List<Seg>> l = new ArrayList<>();
        l.add(kv("ifindex", Integer.toString(i.ifindex())));
        l.add(kv("kind", i.kind() == null ? "physical" : i.kind()));
        l.add(kv("driver", i.driver().isPresent() ? i.driver().value() : i.driver().unavailable()));
        l.add(kv("state", i.operstate() + "  mtu " + i.mtu() + "  txqueuelen " + i.txqueuelen()
                + (i.master() == null ? "" : "  master " + i.master())));
        l.add(kv("rp_filter", InterfacesPane.rpFilter(m.snapshot(), i.name()) + " (effective: the larger of "
                + "conf/all and conf/" + i.name() + ")"));
        l.add(kv("ring", i.ring().isPresent() ? nowOfMax(i.ring().value()) : i.ring().unavailable()));
        l.add(kv("channels", i.channels().isPresent() ? nowOfMax(i.channels().value()) : i.channels().unavailable()));
        if (i.features().isPresent()) {
            StringBuilder b = new StringBuilder();
            for (String[] o : InterfacesPane.OFFLOADS) {
                Boolean on = InterfacesPane.active(i.features().value(), o[1]);
                b.append(o[0]).append(' ').append(on == null ? "n/a" : on ? "on" : "off").append("  ");
            }
            long fixed = i.features().value().values().stream().filter(FeatureState::fixed).count();
            l.add(kv("offloads", b.toString().strip() + "  (" + fixed + " features fixed by the driver)"));
        } else {
            l.add(kv("offloads", i.features().unavailable()));
        }
        Delta.InterfaceRates r = row.rates();
        l.add(blank());
        l.add(heading("Counters per second (rtnl_link_stats64, non-zero)"));
        rates(l, r == null ? null : r.stats64());
        if (r != null && !r.nicStats().isEmpty()) {
            l.add(blank());
            l.add(heading("Driver counters per second (ethtool -S, non-zero)"));
            rates(l, r.nicStats());
        }
        return new Content("Interface " + i.name(), l);
    }

    /** ethtool -g/-l values as "rx 512/4096  tx 512/4096": each setting over its maximum ("rx_count" over "rx_max"). */
    static String nowOfMax(Map<String, Long> values) {
        StringBuilder b = new StringBuilder();
        for (String k : new TreeSet<>(values.keySet())) {
            if (k.endsWith("_max")) {
                continue;
            }
            String name = k.endsWith("_count") ? k.substring(0, k.length() - "_count".length()) : k;
            Long max = values.get(name + "_max");
            b.append(b.length() == 0 ? "" : "  ").append(name).append(' ').append(values.get(k))
                    .append(max == null ? "" : "/" + max);
        }
        return b.toString();
    }

    private static void rates(List<List<Seg>> l, Map<String, Double> rates) {
        if (rates == null) {
            l.add(text("rates after the second sample"));
            return;
        }
        List<Map.Entry<String, Double>> moving = rates.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(MOST).toList();
        if (moving.isEmpty()) {
            l.add(text("all zero"));
        }
        for (Map.Entry<String, Double> e : moving) {
            boolean bad = e.getKey().contains("drop") || e.getKey().contains("err") || e.getKey().contains("miss");
            l.add(List.of(new Seg(String.format("%-28s", e.getKey()), Theme.Role.LABEL),
                    new Seg(Numbers.si(e.getValue()) + "/s", bad ? Theme.Role.ALERT : Theme.Role.TEXT)));
        }
    }

    // ------------------------------------------------------------------ system

    private static Content system(TopModel m) {
        Snapshot s = m.snapshot();
        if (s == null) {
            return new Content("System", List.of(text("waiting for the first sample...")));
        }
        List<List<Seg>> l = new ArrayList<>();
        l.add(heading("softnet per CPU (/proc/net/softnet_stat): per second, and totals"));
        Map<Integer, Map<String, Double>> rates = m.delta() == null ? Map.of() : m.delta().softnet();
        for (SoftnetCpu cpu : s.softnet()) {
            Map<String, Double> r = rates.getOrDefault(cpu.cpu(), Map.of());
            Map<String, Long> c = cpu.counters();
            l.add(List.of(new Seg(String.format("cpu%-4d", cpu.cpu()), Theme.Role.LABEL),
                    new Seg(String.format("processed %7s/s  dropped %5s/s (%d)  time_squeeze %5s/s (%d)",
                            Numbers.si(r.getOrDefault("processed", 0.0)), Numbers.si(r.getOrDefault("dropped", 0.0)),
                            c.getOrDefault("dropped", 0L), Numbers.si(r.getOrDefault("time_squeeze", 0.0)),
                            c.getOrDefault("time_squeeze", 0L)), Theme.Role.TEXT)));
        }
        for (String k : List.of("net.core.netdev_max_backlog", "net.core.netdev_budget", "net.core.netdev_budget_usecs",
                "net.core.rmem_max", "net.core.rmem_default")) {
            if (s.sysctl().containsKey(k)) {
                l.add(kv(k, s.sysctl().get(k)));
            }
        }
        ConntrackState ct = s.conntrack();
        l.add(blank());
        l.add(heading("conntrack"));
        if (ct == null || !ct.loaded()) {
            l.add(text(ct == null ? "unknown" : "not loaded"));
        } else {
            l.add(kv("entries", (ct.count() == null ? "?" : ct.count()) + " of max " + (ct.max() == null ? "?" : ct.max())
                    + ", " + (ct.buckets() == null ? "?" : ct.buckets()) + " buckets (counters from " + ct.statsSource() + ")"));
            Map<String, Double> r = m.delta() == null ? Map.of() : m.delta().conntrack();
            for (Map.Entry<String, Long> e : ct.stats().entrySet()) {
                l.add(kv(e.getKey(), e.getValue() + (r.containsKey(e.getKey()) ? "  (" + Numbers.si(r.get(e.getKey())) + "/s)" : "")));
            }
        }
        l.add(blank());
        l.add(heading("Protocol counters per second (nstat names, non-zero)"));
        rates(l, m.delta() == null ? null : m.delta().snmp());
        l.add(blank());
        l.add(heading("The drop monitor itself (" + (m.header().opening() ? "still opening" : m.header().source()) + ")"));
        if (m.drops() != null) {
            l.add(kv("lost events", m.drops().lost() + " since the start: drops that happened but were not delivered",
                    m.drops().lost() > 0 ? Theme.Role.ALERT : Theme.Role.TEXT));
        }
        new TreeMap<>(m.monitorHealth()).forEach((k, v) -> l.add(kv(k, Long.toString(v))));
        if (!s.errors().isEmpty()) {
            l.add(blank());
            l.add(heading("Not read this time"));
            s.errors().forEach(e -> l.add(List.of(new Seg(e.toString(), Theme.Role.WARNING))));
        }
        return new Content("System", l);
    }

    // ------------------------------------------------------------------ finding

    private static Content finding(TopModel m, TopState s, int width) {
        List<Finding> rows = FindingsPane.rows(m);
        if (rows.isEmpty()) {
            return new Content("Finding", List.of(text("no finding to show")));
        }
        Finding f = rows.get(Math.min(s.selected(Pane.FINDINGS), rows.size() - 1));
        List<List<Seg>> l = new ArrayList<>();
        l.add(List.of(new Seg(FindingsPane.label(f.severity()), FindingsPane.role(f.severity())),
                new Seg(" " + f.title(), Theme.Role.COLUMN)));
        l.add(List.of(new Seg("id " + f.id(), Theme.Role.LABEL)));
        l.add(blank());
        l.add(heading("Evidence"));
        int nameWidth = f.evidence().stream().mapToInt(e -> e.name().length()).max().orElse(0);
        nameWidth = Math.min(nameWidth, Math.max(10, width / 2));
        for (Evidence e : f.evidence()) {
            l.add(List.of(new Seg("  " + pad(e.name(), nameWidth) + "  ", Theme.Role.LABEL), new Seg(e.value(), Theme.Role.TEXT)));
        }
        l.add(blank());
        l.add(heading("Why it matters"));
        for (String line : wrap(f.explanation(), width - 4)) {
            l.add(text("  " + line));
        }
        l.add(blank());
        l.add(heading(f.fixes().isEmpty() ? "No command fixes this" : "What to do (dropscope runs nothing itself)"));
        for (Fix fix : f.fixes()) {
            l.add(List.of(new Seg("  $ ", Theme.Role.LABEL), new Seg(fix.command(), Theme.Role.KEY)));
            if (fix.persist() != null) {
                l.add(List.of(new Seg("    to keep it: ", Theme.Role.LABEL), new Seg(fix.persist(), Theme.Role.TEXT)));
            }
            if (fix.risk() != null) {
                for (String line : wrap("risk: " + fix.risk(), width - 8)) {
                    l.add(text("    " + line));
                }
            }
        }
        FindingSockets.add(l, m, f);
        return new Content("Finding", l);
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    /**
     * {@code text} broken at spaces into lines of at most {@code width} columns (at least 10), by Lanterna's
     * word wrap, which counts a wide character as two columns; runs of white space become one space.
     */
    static List<String> wrap(String text, int width) {
        if (text == null || text.isBlank()) {
            return new ArrayList<>();
        }
        String words = String.join(" ", text.strip().split("\\s+"));
        List<String> out = new ArrayList<>();
        for (String line : TerminalTextUtils.getWordWrappedText(Math.max(10, width), words)) {
            out.add(line.stripTrailing()); // Lanterna keeps the space it broke at
        }
        return out;
    }

    // ------------------------------------------------------------------ help

    static Content help(boolean colour) {
        List<List<Seg>> l = new ArrayList<>();
        String[][] keys = {
            {"Tab  Shift-Tab", "next / previous pane (also Right / Left)"},
            {"Up  Down", "select a row (PgUp PgDn Home End)"},
            {"Enter", "details of the selected row: a finding's evidence, explanation and fix commands"},
            {"Esc", "back from details; clear the filter"},
            {"s", "sort: Drop sites by rate or total, Interfaces by drops+errors, packets or name"},
            {"k", "Sockets view: sockets with drops or unread data and their processes (s sorts, Esc back)"},
            {"n", "Namespaces view: drops per network namespace beside each one's own counters (Esc back)"},
            {"/", "filter Drop sites by function, reason, interface or namespace, and Interfaces by name (Enter applies, Esc cancels)"},
            {"p", "pause / resume the display (sampling goes on, nothing is lost)"},
            {"e", "export the shown snapshot as JSON to ./dropscope-snapshot-<time>.json"},
            {"?", "this help"},
            {"q  Ctrl-C", "quit (the kernel's drop monitoring is switched off again)"}};
        for (String[] k : keys) {
            l.add(List.of(new Seg(pad(k[0], KEY), Theme.Role.KEY), new Seg(k[1], Theme.Role.TEXT)));
        }
        l.add(blank());
        l.add(heading("Reading the screen"));
        l.add(text("~ before a drop site: expected in a healthy system (sockets closing), not a fault by itself"
                + (colour ? "; shown dimmed" : "")));
        l.add(text("+ before a drop site: all sites beyond the tracked maximum, added up"));
        l.add(text("-lro in OFFLOADS: that offload is off; RPF: the rp_filter the kernel applies (off/strict/loose)"));
        l.add(text("softnet a/b: packets dropped / time_squeeze events per second on that CPU"));
        l.add(text("Severity: CRIT fix now, WARN packets are being lost, INFO worth knowing"));
        l.add(text("NO_COLOR=1 in the environment switches colours off"));
        l.add(blank());
        l.add(text("Any key closes this help."));
        return new Content("Help", l);
    }
}
