package dev.dropscope.ui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.TextGraphics;
import dev.dropscope.model.DropReport;
import dev.dropscope.ui.Canvas.Seg;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Draws a {@link TopModel} as the operator chose to see it ({@link TopState}) onto a Lanterna screen.
 * The layout follows the size: from about 30 rows all four panes are stacked under the header; below,
 * Drop sites stays on top and the lower half shows the focused one of the other three (Findings by
 * default), so 80x24 shows where packets die and what to do, and Tab reaches everything.
 */
public final class TopScreen {
    /** Below this the screen says it is too small instead of drawing a mangled frame. */
    static final int MIN_WIDTH = 40;
    static final int MIN_HEIGHT = 10;
    /** From this height on, all panes are shown at once. */
    static final int FULL_HEIGHT = 30;

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final Theme theme;
    private final ZoneId zone;

    public TopScreen(Theme theme, ZoneId zone) {
        this.theme = theme;
        this.zone = zone;
    }

    public Theme theme() {
        return theme;
    }

    /** Where the panes go: each visible pane's area, and the body the overlays cover. */
    record Layout(Map<Pane, Rect> panes, Rect body) {
    }

    static Layout layout(int width, int height, Pane focus, int interfaces, int systemLines) {
        Rect body = new Rect(0, 2, width, height - 3);
        Map<Pane, Rect> panes = new EnumMap<>(Pane.class);
        if (height < FULL_HEIGHT) {
            int top = Math.max(3, body.height() / 2);
            panes.put(Pane.DROP_SITES, new Rect(0, body.row(), width, top));
            Pane lower = focus == Pane.DROP_SITES ? Pane.FINDINGS : focus;
            panes.put(lower, new Rect(0, body.row() + top, width, body.height() - top));
            return new Layout(panes, body);
        }
        int system = 1 + systemLines;
        int rest = body.height() - system;
        int ifaceWanted = 2 + Math.max(1, interfaces);
        int iface = Math.max(3, Math.min(ifaceWanted, rest * 30 / 100));
        int sites = (rest - iface) * 55 / 100;
        int findings = rest - iface - sites;
        int row = body.row();
        panes.put(Pane.DROP_SITES, new Rect(0, row, width, sites));
        row += sites;
        panes.put(Pane.INTERFACES, new Rect(0, row, width, iface));
        row += iface;
        panes.put(Pane.SYSTEM, new Rect(0, row, width, system));
        row += system;
        panes.put(Pane.FINDINGS, new Rect(0, row, width, findings));
        return new Layout(panes, body);
    }

    private static Layout layout(TerminalSize size, TopModel m, TopState s) {
        int interfaces = m.snapshot() == null ? 1 : m.snapshot().interfaces().size();
        return layout(size.getColumns(), size.getRows(), s.focus(), interfaces, SystemPane.lines(m));
    }

    /** {@code s} with selections inside the lists and the detail scroll inside its content. */
    public TopState fit(TopModel m, TopState s, TerminalSize size) {
        TopState f = s.clamped(DropSitesPane.rows(m, s).size(), InterfacesPane.rows(m, s).size(),
                FindingsPane.rows(m).size());
        if (f.socketsOpen() && !f.detailOpen() && !f.helpOpen()) {
            Layout l = layout(size, m, f);
            int lines = SocketsView.rows(m, f.socketSort()).size();
            f = f.withDetailScrollLimit(lines, Math.max(1, l.body().height() - 2
                    - (m.snapshot() != null && m.snapshot().sockets() != null && m.snapshot().sockets().ownersNote() != null ? 1 : 0)));
        }
        if (f.namespacesOpen() && !f.detailOpen() && !f.helpOpen()) {
            Layout l = layout(size, m, f);
            f = f.withDetailScrollLimit(NamespacesView.rows(m).size(), Math.max(1, l.body().height() - 3));
        }
        if (f.detailOpen()) {
            Layout l = layout(size, m, f);
            f = f.withDetailScrollLimit(DetailView.of(m, f, size.getColumns(), theme).lines().size(),
                    l.body().height() - 1);
        }
        return f;
    }

    /** Draws one whole frame. */
    public void draw(TextGraphics g, TerminalSize size, TopModel m, TopState s) {
        Canvas c = new Canvas(g, theme);
        int w = size.getColumns();
        int h = size.getRows();
        if (w < MIN_WIDTH || h < MIN_HEIGHT) {
            c.text(0, 0, w, "dropscope: the terminal is " + w + "x" + h + "; it needs " + MIN_WIDTH + "x" + MIN_HEIGHT
                    + " (80x24 or more shows all)", Theme.Role.ALERT);
            return;
        }
        header(c, w, m, s);
        Layout l = layout(size, m, s);
        if (s.helpOpen()) {
            DetailView.draw(c, l.body(), DetailView.help(theme.colour()), 0);
        } else if (s.detailOpen()) {
            DetailView.draw(c, l.body(), DetailView.of(m, s, w, theme), s.detailScroll());
        } else if (s.socketsOpen()) {
            SocketsView.draw(c, l.body(), m, s);
        } else if (s.namespacesOpen()) {
            NamespacesView.draw(c, l.body(), m, s);
        } else {
            for (Map.Entry<Pane, Rect> e : l.panes().entrySet()) {
                boolean focused = e.getKey() == s.focus();
                Rect r = e.getValue();
                switch (e.getKey()) {
                    case DROP_SITES -> DropSitesPane.draw(c, r, m, s, focused);
                    case INTERFACES -> InterfacesPane.draw(c, r, m, s, focused);
                    case SYSTEM -> SystemPane.draw(c, r, m, focused);
                    case FINDINGS -> FindingsPane.draw(c, r, m, s, focused);
                }
            }
        }
        status(c, w, h - 1, s, m.snapshot() != null && m.snapshot().sockets() != null,
                m.namespaces() != null || NamespacesView.identityKnown(m));
    }

    private void header(Canvas c, int w, TopModel m, TopState s) {
        TopModel.Header hd = m.header();
        String clock = CLOCK.format(Instant.ofEpochMilli(m.timeMillis()).atZone(zone));
        List<Seg> first = List.of(new Seg("dropscope", Theme.Role.TITLE), new Seg("  host ", Theme.Role.LABEL),
                new Seg(orUnknown(hd.host()), Theme.Role.TEXT), new Seg("  kernel ", Theme.Role.LABEL),
                new Seg(orUnknown(hd.kernel()), Theme.Role.TEXT), new Seg("  source ", Theme.Role.LABEL),
                hd.opening() ? new Seg("opening...", Theme.Role.WARNING) : new Seg(hd.source(), Theme.Role.TEXT),
                new Seg(" (" + hd.sourceWhy() + ")", Theme.Role.TEXT));
        c.line(0, 0, w - clock.length() - 1, first);
        c.textRight(0, 0, w, clock, Theme.Role.TEXT);

        List<Seg> second = new ArrayList<>();
        DropReport r = m.drops();
        second.add(new Seg("drops ", Theme.Role.LABEL));
        second.add(new Seg(r == null ? "-" : Numbers.si(rate(r.totalDelta(), r.intervalNs())) + "/s",
                r != null && r.totalDelta() > 0 ? Theme.Role.ALERT : Theme.Role.TEXT));
        second.add(new Seg("  total ", Theme.Role.LABEL));
        second.add(new Seg(r == null ? "-" : Numbers.count(r.total()), Theme.Role.TEXT));
        second.add(new Seg("  lost ", Theme.Role.LABEL));
        second.add(new Seg(r == null ? "-" : Numbers.count(r.lost())
                + (r.lostDelta() > 0 ? " (+" + Numbers.si(rate(r.lostDelta(), r.intervalNs())) + "/s)" : ""),
                r != null && r.lost() > 0 ? Theme.Role.ALERT : Theme.Role.TEXT));
        second.add(new Seg("  every ", Theme.Role.LABEL));
        second.add(new Seg(Numbers.interval(hd.intervalMillis()), Theme.Role.TEXT));
        second.add(new Seg("  ", Theme.Role.TEXT));
        second.add(s.paused() ? new Seg(" PAUSED ", Theme.Role.PAUSED) : new Seg("live", Theme.Role.LIVE));
        if (r != null && r.symbolsNote() != null) {
            second.add(new Seg("  " + r.symbolsNote(), Theme.Role.WARNING));
        }
        if (hd.identityWhy() != null) {
            second.add(new Seg("  " + identityNote(hd.identityWhy()), Theme.Role.WARNING));
        }
        c.line(0, 1, w, second);
    }

    /** "interfaces and namespaces are unknown: no BTF: ..." as "iface/netns unknown: no BTF: ...", for the header. */
    static String identityNote(String why) {
        for (String long_ : List.of("interfaces and namespaces are unknown: ", "network namespaces are unknown: ")) {
            if (why.startsWith(long_)) {
                return (long_.startsWith("interfaces") ? "iface/netns unknown: " : "netns unknown: ")
                        + why.substring(long_.length());
            }
        }
        return why;
    }

    private static double rate(long n, long intervalNs) {
        return intervalNs <= 0 ? 0 : n * 1e9 / intervalNs;
    }

    private static String orUnknown(String s) {
        return s == null ? "?" : s;
    }

    /** Cells the hints take with {@code gap} spaces between them. */
    private static int width(List<String[]> keys, int gap) {
        int n = -gap;
        for (String[] k : keys) {
            n += k[0].length() + 1 + k[1].length() + gap;
        }
        return n;
    }

    private void status(Canvas c, int w, int row, TopState s, boolean sockets, boolean namespaces) {
        if (s.filterDraft() != null) {
            c.line(0, row, w, List.of(new Seg("filter: ", Theme.Role.KEY), new Seg(s.filterDraft() + "_", Theme.Role.TEXT),
                    new Seg("   Enter apply  Esc cancel  (matches function, reason, interface, namespace)", Theme.Role.LABEL)));
            return;
        }
        if (s.message() != null) {
            c.text(0, row, w, s.message(), Theme.Role.MESSAGE);
            return;
        }
        String arrows = theme.unicode() ? "↑↓" : "Up/Dn";
        boolean overlay = s.detailOpen() || s.helpOpen() || s.socketsOpen() || s.namespacesOpen();
        List<String[]> keys = new ArrayList<>(overlay
                ? List.of(new String[] {"Esc", "back"}, new String[] {arrows, "scroll"},
                    new String[] {"p", s.paused() ? "resume" : "pause"}, new String[] {"e", "export"}, new String[] {"q", "quit"})
                : List.of(new String[] {"Tab", "pane"}, new String[] {arrows, "select"}, new String[] {"Enter", "detail"},
                    new String[] {"s", "sort"}, new String[] {"/", "filter"}, new String[] {"p", s.paused() ? "resume" : "pause"},
                    new String[] {"e", "export"}, new String[] {"?", "help"}, new String[] {"q", "quit"}));
        if (s.socketsOpen() && !s.detailOpen() && !s.helpOpen()) {
            keys.add(1, new String[] {"s", "sort"});
        } else if (sockets && !overlay) {
            // shown once a sample has sockets, so screens without them keep their footer
            keys.add(keys.size() - 4, new String[] {"k", "sockets"});
        }
        if (namespaces && !overlay) {
            // shown once namespaces can be told apart, so screens without them keep their footer
            keys.add(keys.size() - 4, new String[] {"n", "netns"});
        }
        // two spaces between hints when they fit, else one; then leave out what '?' also explains,
        // least needed first, so "q quit" and "? help" always show
        String gap = width(keys, 2) <= w ? "  " : " ";
        for (String drop : List.of("export", "pause", "resume", "filter", "netns", "sockets", "sort", "detail")) {
            if (width(keys, gap.length()) <= w) {
                break;
            }
            keys.removeIf(k -> k[1].equals(drop));
        }
        List<Seg> hints = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            String[] k = keys.get(i);
            hints.add(new Seg(k[0], Theme.Role.KEY));
            // no gap after the last: hints exactly as wide as the screen fit without an ellipsis
            hints.add(new Seg(" " + k[1] + (i < keys.size() - 1 ? gap : ""), Theme.Role.TEXT));
        }
        c.line(0, row, w, hints);
    }
}
