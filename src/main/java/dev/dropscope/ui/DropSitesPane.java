package dev.dropscope.ui;

import dev.dropscope.model.DropReport;
import dev.dropscope.model.ResolvedDropSite;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** The "Drop sites" pane: where packets die, busiest first, with the last minute as a sparkline. */
final class DropSitesPane {
    private static final int LOCATION_MIN = 24;
    private static final int LOCATION_MAX = 60;
    private static final int RATE = 7;
    private static final int TOTAL = 7;
    private static final int SHARE = 6;
    private static final int SPARK_MIN = 10;

    private DropSitesPane() {
    }

    /** The sites shown, filtered and sorted as the state says. */
    static List<ResolvedDropSite> rows(TopModel m, TopState s) {
        if (m.drops() == null) {
            return List.of();
        }
        String f = s.filter().toLowerCase(Locale.ROOT);
        List<ResolvedDropSite> out = new ArrayList<>();
        for (ResolvedDropSite site : m.drops().sites()) {
            if (f.isEmpty() || matches(site, f) || contains(NamespacesView.label(m, site.netns()), f)) {
                out.add(site);
            }
        }
        Comparator<ResolvedDropSite> byRate = Comparator.comparingDouble(ResolvedDropSite::ratePerSecond).reversed();
        Comparator<ResolvedDropSite> byCount = Comparator.comparingLong(ResolvedDropSite::count).reversed();
        out.sort(s.siteSort() == TopState.SiteSort.RATE ? byRate.thenComparing(byCount) : byCount.thenComparing(byRate));
        return out;
    }

    private static boolean matches(ResolvedDropSite s, String lowerFilter) {
        return contains(location(s), lowerFilter) || contains(s.reason(), lowerFilter)
                || contains(s.interfaceName(), lowerFilter);
    }

    private static boolean contains(String field, String lowerFilter) {
        return field != null && field.toLowerCase(Locale.ROOT).contains(lowerFilter);
    }

    /** The interface's name; "if7" for another namespace's device not named there; else null. */
    static String iface(ResolvedDropSite s) {
        if (s.interfaceName() != null) {
            return s.interfaceName();
        }
        return s.netns() != null && s.ifindex() > 0 ? "if" + s.ifindex() : null;
    }

    /** "symbol+0xoff [module]", the trap name, the address, or "other sites" (the size is in the detail view). */
    static String location(ResolvedDropSite s) {
        if (s.other()) {
            return "other sites (beyond the tracked maximum)";
        }
        if (s.symbol() == null || s.offset() < 0) {
            return s.location();
        }
        return s.symbol() + "+0x" + Long.toHexString(s.offset()) + (s.module() == null ? "" : " [" + s.module() + "]");
    }

    /** The share of all drops: of this interval when sorted by rate, since the start when sorted by total. */
    static double share(ResolvedDropSite s, DropReport r, TopState.SiteSort sort) {
        if (sort == TopState.SiteSort.RATE) {
            return r.totalDelta() <= 0 ? 0 : (double) s.delta() / r.totalDelta();
        }
        return r.total() <= 0 ? 0 : (double) s.count() / r.total();
    }

    static String note(TopModel m, TopState s, int shown) {
        StringBuilder b = new StringBuilder("sort: ").append(s.siteSort().label);
        if (m.drops() != null) {
            b.append("  ").append(shown).append(shown == 1 ? " site" : " sites");
        }
        if (!s.filter().isEmpty()) {
            b.append("  filter: ").append(s.filter());
        }
        return b.toString();
    }

    static void draw(Canvas c, Rect r, TopModel m, TopState s, boolean focused) {
        List<ResolvedDropSite> rows = rows(m, s);
        c.title(r.col(), r.row(), r.width(), Pane.DROP_SITES.title(), focused, note(m, s, rows.size()));
        if (r.height() < 2) {
            return;
        }
        int top = r.row() + 1;
        if (m.drops() == null) {
            c.text(r.col() + 1, top, r.width() - 1, m.header().opening() ? "opening the drop source..."
                    : "waiting for the first drop interval...", Theme.Role.TEXT);
            return;
        }
        if (rows.isEmpty()) {
            String why = s.filter().isEmpty() ? "no drops since the start (" + m.header().source() + " is watching)"
                    : "no drop site matches the filter '" + s.filter() + "' (Esc clears it)";
            c.text(r.col() + 1, top, r.width() - 1, why, Theme.Role.TEXT);
            return;
        }
        Columns cols = Columns.of(r.width(), rows, site -> NamespacesView.label(m, site.netns()));
        int x = r.col();
        drawHeader(c, x, top, cols, m.header().intervalMillis());
        int visible = r.height() - 2;
        int selected = Math.min(s.selected(Pane.DROP_SITES), rows.size() - 1);
        int first = Math.max(0, selected - visible + 1);
        for (int i = 0; i < visible && first + i < rows.size(); i++) {
            ResolvedDropSite site = rows.get(first + i);
            boolean sel = focused && first + i == selected;
            drawRow(c, x, top + 1 + i, r.width(), cols, site, m, s, sel);
        }
    }

    /**
     * Which columns fit, and how wide: rate always, then reason, total, namespace (when drops carry one),
     * share, interface, sparkline.
     */
    record Columns(int location, int reason, int iface, int netns, boolean total, boolean share, int spark) {
        static Columns of(int width, List<ResolvedDropSite> rows, Function<ResolvedDropSite, String> netnsLabel) {
            int reasonWidth = 6;
            int ifaceWidth = 0;
            int netnsWidth = 0;
            int locationWanted = LOCATION_MIN;
            for (ResolvedDropSite s : rows) {
                reasonWidth = Math.max(reasonWidth, s.reason() == null ? 1 : Canvas.width(s.reason()));
                if (DropSitesPane.iface(s) != null) {
                    ifaceWidth = Math.max(ifaceWidth, Math.max(5, Canvas.width(DropSitesPane.iface(s))));
                }
                if (s.netns() != null) {
                    netnsWidth = Math.max(netnsWidth, Math.max(5, Canvas.width(netnsLabel.apply(s))));
                }
                locationWanted = Math.max(locationWanted, Canvas.width(DropSitesPane.location(s)));
            }
            netnsWidth = Math.min(netnsWidth, 20); // "docker:" and 12 hex digits whole
            reasonWidth = Math.min(reasonWidth, 24);
            ifaceWidth = Math.min(ifaceWidth, 15);
            // each column takes its width and one space after it; the sparkline, last, takes what is left
            int budget = width - 2 - (LOCATION_MIN + 1) - (RATE + 1);
            int reason = 0;
            if (budget >= reasonWidth + 1) {
                reason = reasonWidth;
                budget -= reasonWidth + 1;
            }
            boolean total = budget >= TOTAL + 1;
            budget -= total ? TOTAL + 1 : 0;
            // which namespace: the first question on a host with containers, so before share and sparkline
            int netns = 0;
            if (netnsWidth > 0 && budget >= Math.min(netnsWidth, 10) + 1) {
                netns = Math.min(netnsWidth, budget - 1);
                budget -= netns + 1;
            }
            boolean share = budget >= SHARE + 1;
            budget -= share ? SHARE + 1 : 0;
            int iface = 0;
            if (ifaceWidth > 0 && budget >= ifaceWidth + 1) {
                iface = ifaceWidth;
                budget -= ifaceWidth + 1;
            }
            int location = LOCATION_MIN;
            int spark = 0;
            if (budget >= SPARK_MIN) {
                int grow = Math.max(0, Math.min(budget - SPARK_MIN, Math.min(LOCATION_MAX, locationWanted) - LOCATION_MIN));
                location += grow;
                spark = Math.min(SiteHistory.SAMPLES, budget - grow);
            } else {
                location += Math.max(0, budget);
            }
            return new Columns(location, reason, iface, netns, total, share, spark);
        }
    }

    private static void drawHeader(Canvas c, int x, int row, Columns k, long intervalMillis) {
        int at = x + 2;
        c.text(at, row, k.location(), "LOCATION", Theme.Role.COLUMN);
        at += k.location() + 1;
        if (k.reason() > 0) {
            c.text(at, row, k.reason(), "REASON", Theme.Role.COLUMN);
            at += k.reason() + 1;
        }
        if (k.iface() > 0) {
            c.text(at, row, k.iface(), "IFACE", Theme.Role.COLUMN);
            at += k.iface() + 1;
        }
        if (k.netns() > 0) {
            c.text(at, row, k.netns(), "NETNS", Theme.Role.COLUMN);
            at += k.netns() + 1;
        }
        c.textRight(at, row, RATE, "RATE/s", Theme.Role.COLUMN);
        at += RATE + 1;
        if (k.total()) {
            c.textRight(at, row, TOTAL, "TOTAL", Theme.Role.COLUMN);
            at += TOTAL + 1;
        }
        if (k.share()) {
            c.textRight(at, row, SHARE, "SHARE", Theme.Role.COLUMN);
            at += SHARE + 1;
        }
        if (k.spark() > 0) {
            c.text(at, row, k.spark(), "LAST " + Numbers.interval(intervalMillis * k.spark()), Theme.Role.COLUMN);
        }
    }

    private static void drawRow(Canvas c, int x, int row, int width, Columns k, ResolvedDropSite site, TopModel m,
                                TopState s, boolean selected) {
        Theme.Role role = selected ? Theme.Role.SELECTED : site.benign() ? Theme.Role.BENIGN : Theme.Role.TEXT;
        if (selected) {
            c.fill(x, row, width, role);
        }
        // '~' marks a drop that healthy systems have too: the mark carries it where there is no colour
        c.text(x + 1, row, 1, site.benign() ? "~" : site.other() ? "+" : " ", role);
        int at = x + 2;
        c.text(at, row, k.location(), location(site), role);
        at += k.location() + 1;
        if (k.reason() > 0) {
            c.text(at, row, k.reason(), site.reason() == null ? "-" : site.reason(), role);
            at += k.reason() + 1;
        }
        if (k.iface() > 0) {
            c.text(at, row, k.iface(), iface(site) == null ? "-" : iface(site), role);
            at += k.iface() + 1;
        }
        if (k.netns() > 0) {
            c.text(at, row, k.netns(), site.netns() == null ? "-" : NamespacesView.label(m, site.netns()), role);
            at += k.netns() + 1;
        }
        c.textRight(at, row, RATE, Numbers.si(site.ratePerSecond()), role);
        at += RATE + 1;
        if (k.total()) {
            c.textRight(at, row, TOTAL, Numbers.count(site.count()), role);
            at += TOTAL + 1;
        }
        if (k.share()) {
            c.textRight(at, row, SHARE, Numbers.percent(share(site, m.drops(), s.siteSort())), role);
            at += SHARE + 1;
        }
        if (k.spark() > 0) {
            List<Double> h = m.history().getOrDefault(TopModel.siteKey(site), List.of());
            Theme.Role sparkRole = selected ? Theme.Role.SELECTED : site.benign() ? Theme.Role.BENIGN : Theme.Role.SPARK;
            String line = Sparkline.of(h, k.spark(), c.theme().sparkLevels());
            c.text(at, row, k.spark(), line, sparkRole);
        }
    }
}
