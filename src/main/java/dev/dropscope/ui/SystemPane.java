package dev.dropscope.ui;

import dev.dropscope.model.CollectorError;
import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SoftnetCpu;
import dev.dropscope.ui.Canvas.Seg;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The "System" pane: softnet per CPU, the conntrack table, UDP buffers, TCP listen queues, checksums. */
final class SystemPane {
    private static final int LABEL = 10;
    private static final int GAUGE = 12;
    private static final List<String> CHECKSUM_COUNTERS = List.of("Tcp.InCsumErrors", "Udp.InCsumErrors",
            "Udp6.InCsumErrors", "UdpLite.InCsumErrors", "Icmp.InCsumErrors", "Icmp6.InCsumErrors");

    private SystemPane() {
    }

    /** Content lines: softnet, conntrack, udp, tcp, and collector errors when there are some. */
    static int lines(TopModel m) {
        return m.snapshot() != null && !m.snapshot().errors().isEmpty() ? 5 : 4;
    }

    static void draw(Canvas c, Rect r, TopModel m, boolean focused) {
        c.title(r.col(), r.row(), r.width(), Pane.SYSTEM.title(), focused, note(m));
        int x = r.col() + 1;
        int w = r.width() - 1;
        int y = r.row() + 1;
        if (r.height() < 2) {
            return;
        }
        Snapshot s = m.snapshot();
        if (s == null) {
            c.text(x, y, w, "waiting for the first sample...", Theme.Role.TEXT);
            return;
        }
        List<List<Seg>> lines = List.of(softnet(m, w), conntrack(m, c.theme()), udp(m), tcp(m), errors(s));
        for (int i = 0; i < lines.size() && i < r.height() - 1; i++) {
            c.line(x, y + i, w, lines.get(i));
        }
    }

    /** Whose counters these are, once drops come from other namespaces too: ours only. */
    static String note(TopModel m) {
        boolean others = NamespacesView.rows(m).stream().anyMatch(r -> r.kind() == NamespacesView.Kind.OTHER);
        if (!others) {
            return "rates per second";
        }
        String own = m.namespaces() == null ? "host" : m.namespaces().ownLabel();
        return "rates per second, " + own + " namespace only (n: per namespace)";
    }

    private static Seg label(String text) {
        return new Seg(String.format("%-" + LABEL + "s", text), Theme.Role.LABEL);
    }

    private static Seg plain(String text) {
        return new Seg(text, Theme.Role.TEXT);
    }

    /** A rate, in ALERT when {@code bad} and above zero. */
    private static Seg rate(Map<String, Double> rates, String key, boolean bad) {
        if (rates == null) {
            return plain("-");
        }
        double v = rates.getOrDefault(key, 0.0);
        return new Seg(Numbers.si(v) + "/s", bad && v > 0 ? Theme.Role.ALERT : Theme.Role.TEXT);
    }

    static List<Seg> softnet(TopModel m, int width) {
        List<Seg> out = new ArrayList<>(List.of(label("softnet"), plain("dropped/squeezed")));
        if (m.delta() == null) {
            out.add(plain(" (rates after the second sample)"));
            return out;
        }
        List<SoftnetCpu> cpus = new ArrayList<>(m.snapshot().softnet());
        Map<Integer, Map<String, Double>> rates = m.delta().softnet();
        // with many CPUs the busiest come first: they are the ones that can be out of budget
        cpus.sort(Comparator.comparingDouble((SoftnetCpu cpu) -> trouble(rates.get(cpu.cpu()))).reversed()
                .thenComparingInt(SoftnetCpu::cpu));
        int used = LABEL + 16;
        int shown = 0;
        for (SoftnetCpu cpu : cpus) {
            Map<String, Double> r = rates.getOrDefault(cpu.cpu(), Map.of());
            double dropped = r.getOrDefault("dropped", 0.0);
            double squeezed = r.getOrDefault("time_squeeze", 0.0);
            String cell = "  cpu" + cpu.cpu() + " " + Numbers.si(dropped) + "/" + Numbers.si(squeezed);
            int rest = cpus.size() - shown - 1;
            if (used + cell.length() + (rest > 0 ? 9 : 0) > width) {
                out.add(plain(" +" + (cpus.size() - shown) + " more"));
                return out;
            }
            out.add(new Seg(cell, dropped > 0 ? Theme.Role.ALERT : squeezed > 0 ? Theme.Role.WARNING : Theme.Role.TEXT));
            used += cell.length();
            shown++;
        }
        return out;
    }

    private static double trouble(Map<String, Double> r) {
        return r == null ? 0 : r.getOrDefault("dropped", 0.0) * 1000 + r.getOrDefault("time_squeeze", 0.0);
    }

    static List<Seg> conntrack(TopModel m, Theme theme) {
        ConntrackState ct = m.snapshot().conntrack();
        List<Seg> out = new ArrayList<>(List.of(label("conntrack")));
        if (ct == null) {
            out.add(plain("unknown (see the collector errors)"));
            return out;
        }
        if (!ct.loaded()) {
            out.add(plain("not loaded: no table that can fill up"));
            return out;
        }
        if (ct.count() != null && ct.max() != null && ct.max() > 0) {
            double used = (double) ct.count() / ct.max();
            int full = (int) Math.round(Math.min(1, used) * GAUGE);
            Theme.Role role = used >= 0.9 ? Theme.Role.ALERT : used >= 0.75 ? Theme.Role.WARNING : Theme.Role.TEXT;
            out.add(new Seg("[" + String.valueOf(theme.gaugeFull()).repeat(full)
                    + String.valueOf(theme.gaugeEmpty()).repeat(GAUGE - full) + "]", role));
            out.add(new Seg(" " + Numbers.count(ct.count()) + "/" + Numbers.count(ct.max()) + " " + Numbers.percent(used),
                    role));
        } else {
            out.add(plain("count " + (ct.count() == null ? "?" : Numbers.count(ct.count())) + " max "
                    + (ct.max() == null ? "?" : Numbers.count(ct.max()))));
        }
        Map<String, Double> r = m.delta() == null ? null : m.delta().conntrack();
        for (String k : List.of("drop", "early_drop", "insert_failed")) {
            out.add(plain("  " + k + " "));
            out.add(rate(r, k, true));
        }
        return out;
    }

    static List<Seg> udp(TopModel m) {
        Map<String, Double> snmp = m.delta() == null ? null : m.delta().snmp();
        Map<String, Double> both = snmp == null ? null : ipv4AndIpv6(snmp, "Udp", "RcvbufErrors", "SndbufErrors", "NoPorts");
        return List.of(label("udp"), plain("RcvbufErrors "), rate(both, "RcvbufErrors", true), plain("  SndbufErrors "),
                rate(both, "SndbufErrors", true), plain("  NoPorts "), rate(both, "NoPorts", false));
    }

    /** IPv4 and IPv6 counters of {@code group} added up under the field name. */
    private static Map<String, Double> ipv4AndIpv6(Map<String, Double> snmp, String group, String... fields) {
        Map<String, Double> out = new HashMap<>();
        for (String f : fields) {
            out.put(f, snmp.getOrDefault(group + "." + f, 0.0) + snmp.getOrDefault(group + "6." + f, 0.0));
        }
        return out;
    }

    static List<Seg> tcp(TopModel m) {
        Map<String, Double> snmp = m.delta() == null ? null : m.delta().snmp();
        List<Seg> out = new ArrayList<>(List.of(label("tcp"), plain("ListenOverflows "),
                rate(snmp, "TcpExt.ListenOverflows", true), plain("  ListenDrops "), rate(snmp, "TcpExt.ListenDrops", true),
                plain("  checksum errors ")));
        if (snmp == null) {
            out.add(plain("-"));
            return out;
        }
        double sum = 0;
        String top = null;
        double best = 0;
        for (String k : CHECKSUM_COUNTERS) {
            double v = snmp.getOrDefault(k, 0.0);
            sum += v;
            if (v > best) {
                best = v;
                top = k;
            }
        }
        out.add(new Seg(Numbers.si(sum) + "/s" + (top == null ? "" : " " + top), sum > 0 ? Theme.Role.ALERT : Theme.Role.TEXT));
        return out;
    }

    static List<Seg> errors(Snapshot s) {
        if (s.errors().isEmpty()) {
            return List.of();
        }
        StringBuilder b = new StringBuilder();
        for (CollectorError e : s.errors()) {
            b.append(b.length() == 0 ? "" : "; ").append(e);
        }
        return List.of(label("not read"), new Seg(b.toString(), Theme.Role.WARNING));
    }
}
