package dev.dropscope.ui;

import dev.dropscope.model.Delta;
import dev.dropscope.model.FeatureState;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.Reading;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The "Interfaces" pane: traffic, drops and errors per second (naming the counter), ring, offloads, rp_filter. */
final class InterfacesPane {
    /** Counters of packets an interface dropped (rtnl_link_stats64); the errors are counted apart. */
    static final List<String> DROP_COUNTERS = List.of("rx_dropped", "tx_dropped", "rx_missed_errors", "rx_nohandler",
            "rx_otherhost_dropped");
    /** rx_errors and tx_errors are totals; the others say which kind, so they name the cause when non-zero. */
    static final List<String> ERROR_TOTALS = List.of("rx_errors", "tx_errors");
    static final List<String> ERROR_KINDS = List.of("rx_crc_errors", "rx_frame_errors", "rx_length_errors",
            "rx_fifo_errors", "rx_over_errors", "tx_aborted_errors", "tx_carrier_errors", "tx_fifo_errors",
            "tx_heartbeat_errors", "tx_window_errors");
    /** The offloads shown, short name to ethtool feature name; tx checksumming has several features. */
    static final List<String[]> OFFLOADS = List.of(new String[] {"tso", "tx-tcp-segmentation"},
            new String[] {"gso", "tx-generic-segmentation"}, new String[] {"gro", "rx-gro"},
            new String[] {"lro", "rx-lro"}, new String[] {"rxc", "rx-checksum"}, new String[] {"txc", "tx-checksum-"});

    private static final int RATE = 7;
    private static final int COUNTER = 24;
    private static final int RING = 11;
    private static final int OFFLOAD = 24;
    private static final int RPF = 6;

    private InterfacesPane() {
    }

    /** One interface with what the pane shows of it. */
    record Row(InterfaceStats stats, Delta.InterfaceRates rates, Rate drops, Rate errors, double packets) {
    }

    /** A per-second sum and the counter that contributes most to it; {@code NaN} before the second sample. */
    record Rate(double perSecond, String counter) {
        String text() {
            if (Double.isNaN(perSecond)) {
                return "-";
            }
            return perSecond == 0 ? "0" : Numbers.si(perSecond) + " " + counter;
        }
    }

    static List<Row> rows(TopModel m, TopState s) {
        Snapshot snap = m.snapshot();
        if (snap == null) {
            return List.of();
        }
        String f = s.filter().toLowerCase(Locale.ROOT);
        Set<String> withMatchingSites = new HashSet<>();
        if (!f.isEmpty()) {
            for (ResolvedDropSite site : DropSitesPane.rows(m, s)) {
                if (site.interfaceName() != null) {
                    withMatchingSites.add(site.interfaceName());
                }
            }
        }
        List<Row> out = new ArrayList<>();
        for (InterfaceStats i : snap.interfaces()) {
            // the filter: the name, or a drop site the filter shows is on this interface
            if (!f.isEmpty() && !i.name().toLowerCase(Locale.ROOT).contains(f)
                    && !withMatchingSites.contains(i.name())) {
                continue;
            }
            Delta.InterfaceRates r = m.delta() == null ? null : m.delta().interfaces().get(i.name());
            Map<String, Double> st = r == null ? null : r.stats64();
            double packets = st == null ? 0 : st.getOrDefault("rx_packets", 0.0) + st.getOrDefault("tx_packets", 0.0);
            out.add(new Row(i, r, sum(st, DROP_COUNTERS, DROP_COUNTERS), sum(st, ERROR_TOTALS, ERROR_KINDS), packets));
        }
        Comparator<Row> byName = Comparator.comparing(row -> row.stats().name());
        Comparator<Row> byTraffic = Comparator.comparingDouble(Row::packets).reversed();
        Comparator<Row> byTrouble = Comparator.comparingDouble(
                (Row row) -> nanToZero(row.drops().perSecond()) + nanToZero(row.errors().perSecond())).reversed();
        out.sort(switch (s.interfaceSort()) {
            case DROPS -> byTrouble.thenComparing(byTraffic).thenComparing(byName);
            case TRAFFIC -> byTraffic.thenComparing(byName);
            case NAME -> byName;
        });
        return out;
    }

    private static double nanToZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    /** The sum of {@code summed}, named after the largest of {@code named} (or of {@code summed} if none moved). */
    static Rate sum(Map<String, Double> rates, List<String> summed, List<String> named) {
        if (rates == null) {
            return new Rate(Double.NaN, null);
        }
        double total = 0;
        for (String k : summed) {
            total += rates.getOrDefault(k, 0.0);
        }
        String top = largest(rates, named);
        if (top == null) {
            top = largest(rates, summed);
        }
        return new Rate(total, top);
    }

    private static String largest(Map<String, Double> rates, List<String> keys) {
        String top = null;
        double best = 0;
        for (String k : keys) {
            double v = rates.getOrDefault(k, 0.0);
            if (v > best) {
                best = v;
                top = k;
            }
        }
        return top;
    }

    /** "256/4096" (rx ring now and at most), "n/a" when the driver has no ring settings. */
    static String ring(InterfaceStats i) {
        Reading<Map<String, Long>> r = i.ring();
        if (!r.isPresent()) {
            return r.isNotSupported() ? "n/a" : "?";
        }
        Long rx = r.value().get("rx");
        Long max = r.value().get("rx_max");
        return (rx == null ? "?" : rx.toString()) + "/" + (max == null ? "?" : max.toString());
    }

    /** "tso gso gro -lro rxc txc": each key offload, with '-' when it is off. */
    static String offloads(InterfaceStats i) {
        Reading<Map<String, FeatureState>> f = i.features();
        if (!f.isPresent()) {
            return f.isNotSupported() ? "n/a" : "?";
        }
        StringBuilder b = new StringBuilder();
        for (String[] o : OFFLOADS) {
            Boolean on = active(f.value(), o[1]);
            if (on == null) {
                continue;
            }
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(on ? "" : "-").append(o[0]);
        }
        return b.toString();
    }

    /** Whether the feature (or, for a name ending in '-', any feature with that prefix) is active; null if absent. */
    static Boolean active(Map<String, FeatureState> features, String name) {
        if (!name.endsWith("-")) {
            FeatureState s = features.get(name);
            return s == null ? null : s.active();
        }
        Boolean any = null;
        for (Map.Entry<String, FeatureState> e : features.entrySet()) {
            if (e.getKey().startsWith(name)) {
                any = (any != null && any) || e.getValue().active();
            }
        }
        return any;
    }

    /** The rp_filter the kernel applies to this interface: off, strict or loose. */
    static String rpFilter(Snapshot s, String name) {
        Integer v = s.rpFilter() == null ? null : s.rpFilter().effective().get(name);
        if (v == null) {
            return "-";
        }
        return switch (v) {
            case 0 -> "off";
            case 1 -> "strict";
            case 2 -> "loose";
            default -> v.toString();
        };
    }

    static void draw(Canvas c, Rect r, TopModel m, TopState s, boolean focused) {
        List<Row> rows = rows(m, s);
        c.title(r.col(), r.row(), r.width(), Pane.INTERFACES.title(), focused, "sort: " + s.interfaceSort().label
                + (s.filter().isEmpty() ? "" : "  filter: " + s.filter()));
        if (r.height() < 2) {
            return;
        }
        int top = r.row() + 1;
        if (m.snapshot() == null) {
            c.text(r.col() + 1, top, r.width() - 1, "waiting for the first sample...", Theme.Role.TEXT);
            return;
        }
        if (rows.isEmpty()) {
            c.text(r.col() + 1, top, r.width() - 1, s.filter().isEmpty() ? "no interfaces"
                    : "no interface matches the filter '" + s.filter() + "' (Esc clears it)", Theme.Role.TEXT);
            return;
        }
        int nameWidth = 6;
        for (Row row : rows) {
            nameWidth = Math.max(nameWidth, Canvas.width(row.stats().name()));
        }
        nameWidth = Math.min(nameWidth, 15);
        // columns in order of importance: what does not fit is in the detail view
        int budget = r.width() - 1 - (nameWidth + 1) - 2 * (RATE + 1) - (COUNTER + 1);
        boolean errors = budget >= COUNTER + 1;
        budget -= errors ? COUNTER + 1 : 0;
        boolean ring = budget >= RING + 1;
        budget -= ring ? RING + 1 : 0;
        boolean rpf = budget >= RPF + 1;
        budget -= rpf ? RPF + 1 : 0;
        boolean offload = budget >= OFFLOAD;

        int x = r.col() + 1;
        int at = x;
        c.text(at, top, nameWidth, "IFACE", Theme.Role.COLUMN);
        at += nameWidth + 1;
        c.textRight(at, top, RATE, "RX pk/s", Theme.Role.COLUMN);
        at += RATE + 1;
        c.textRight(at, top, RATE, "TX pk/s", Theme.Role.COLUMN);
        at += RATE + 1;
        c.text(at, top, COUNTER, "DROPS/s", Theme.Role.COLUMN);
        at += COUNTER + 1;
        if (errors) {
            c.text(at, top, COUNTER, "ERRORS/s", Theme.Role.COLUMN);
            at += COUNTER + 1;
        }
        if (ring) {
            c.text(at, top, RING, "RX RING", Theme.Role.COLUMN);
            at += RING + 1;
        }
        if (rpf) {
            c.text(at, top, RPF, "RPF", Theme.Role.COLUMN);
            at += RPF + 1;
        }
        if (offload) {
            c.text(at, top, OFFLOAD, "OFFLOADS", Theme.Role.COLUMN);
        }

        int visible = r.height() - 2;
        int selected = Math.min(s.selected(Pane.INTERFACES), rows.size() - 1);
        int first = Math.max(0, selected - visible + 1);
        for (int i = 0; i < visible && first + i < rows.size(); i++) {
            Row row = rows.get(first + i);
            int y = top + 1 + i;
            boolean sel = focused && first + i == selected;
            Theme.Role base = sel ? Theme.Role.SELECTED : Theme.Role.TEXT;
            if (sel) {
                c.fill(r.col(), y, r.width(), base);
            }
            Map<String, Double> st = row.rates() == null ? null : row.rates().stats64();
            at = x;
            c.text(at, y, nameWidth, row.stats().name(), base);
            at += nameWidth + 1;
            c.textRight(at, y, RATE, st == null ? "-" : Numbers.si(st.getOrDefault("rx_packets", 0.0)), base);
            at += RATE + 1;
            c.textRight(at, y, RATE, st == null ? "-" : Numbers.si(st.getOrDefault("tx_packets", 0.0)), base);
            at += RATE + 1;
            c.text(at, y, COUNTER, row.drops().text(), alert(row.drops(), base));
            at += COUNTER + 1;
            if (errors) {
                c.text(at, y, COUNTER, row.errors().text(), alert(row.errors(), base));
                at += COUNTER + 1;
            }
            if (ring) {
                c.text(at, y, RING, ring(row.stats()), base);
                at += RING + 1;
            }
            if (rpf) {
                c.text(at, y, RPF, rpFilter(m.snapshot(), row.stats().name()), base);
                at += RPF + 1;
            }
            if (offload) {
                c.text(at, y, r.col() + r.width() - at, offloads(row.stats()), base);
            }
        }
    }

    private static Theme.Role alert(Rate rate, Theme.Role base) {
        return base == Theme.Role.TEXT && rate.perSecond() > 0 ? Theme.Role.ALERT : base;
    }
}
