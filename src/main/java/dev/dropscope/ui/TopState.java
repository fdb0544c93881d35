package dev.dropscope.ui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;

/**
 * What the operator has chosen on the top screen: focused pane, selections, sort orders, filter, pause,
 * open overlays, and whether to leave. Immutable; {@link #onKey} is a pure function of the state and
 * one key, so every key binding is tested without a terminal. Selections may run past the end of a
 * list; {@link #clamped} pulls them back once the row counts are known.
 */
public final class TopState {

    /** Order of the Drop sites pane. */
    public enum SiteSort {
        RATE("rate"), COUNT("total");

        final String label;

        SiteSort(String label) {
            this.label = label;
        }
    }

    /** Order of the Interfaces pane. */
    public enum InterfaceSort {
        DROPS("drops+errors"), TRAFFIC("packets"), NAME("name");

        final String label;

        InterfaceSort(String label) {
            this.label = label;
        }
    }

    /** Order of the Sockets view. */
    public enum SocketSort {
        DROPS("drops/s"), QUEUE("recv-Q");

        final String label;

        SocketSort(String label) {
            this.label = label;
        }
    }

    /** Whether and how the operator asked to leave. */
    public enum Exit {
        STAY, QUIT, INTERRUPT
    }

    /** Rows moved by PageUp/PageDown. */
    static final int PAGE = 10;

    private final Pane focus;
    private final int siteRow;
    private final int interfaceRow;
    private final int findingRow;
    private final SiteSort siteSort;
    private final InterfaceSort interfaceSort;
    private final String filter;
    private final String filterDraft;
    private final boolean paused;
    private final boolean detail;
    private final int detailScroll;
    private final boolean help;
    private final Exit exit;
    private final boolean exportRequested;
    private final String message;
    private final boolean sockets;
    private final SocketSort socketSort;
    private final boolean namespaces;

    private TopState(Pane focus, int siteRow, int interfaceRow, int findingRow, SiteSort siteSort,
                     InterfaceSort interfaceSort, String filter, String filterDraft, boolean paused, boolean detail,
                     int detailScroll, boolean help, Exit exit, boolean exportRequested, String message,
                     boolean sockets, SocketSort socketSort, boolean namespaces) {
        this.namespaces = namespaces;
        this.sockets = sockets;
        this.socketSort = socketSort;
        this.focus = focus;
        this.siteRow = siteRow;
        this.interfaceRow = interfaceRow;
        this.findingRow = findingRow;
        this.siteSort = siteSort;
        this.interfaceSort = interfaceSort;
        this.filter = filter;
        this.filterDraft = filterDraft;
        this.paused = paused;
        this.detail = detail;
        this.detailScroll = detailScroll;
        this.help = help;
        this.exit = exit;
        this.exportRequested = exportRequested;
        this.message = message;
    }

    public static TopState initial() {
        return new TopState(Pane.DROP_SITES, 0, 0, 0, SiteSort.RATE, InterfaceSort.DROPS, "", null, false, false, 0,
                false, Exit.STAY, false, null, false, SocketSort.DROPS, false);
    }

    /** A mutable copy for building the next state. */
    private final class Next {
        Pane focus = TopState.this.focus;
        int siteRow = TopState.this.siteRow;
        int interfaceRow = TopState.this.interfaceRow;
        int findingRow = TopState.this.findingRow;
        SiteSort siteSort = TopState.this.siteSort;
        InterfaceSort interfaceSort = TopState.this.interfaceSort;
        String filter = TopState.this.filter;
        String filterDraft = TopState.this.filterDraft;
        boolean paused = TopState.this.paused;
        boolean detail = TopState.this.detail;
        int detailScroll = TopState.this.detailScroll;
        boolean help = TopState.this.help;
        Exit exit = TopState.this.exit;
        boolean exportRequested = TopState.this.exportRequested;
        String message = TopState.this.message;
        boolean sockets = TopState.this.sockets;
        SocketSort socketSort = TopState.this.socketSort;
        boolean namespaces = TopState.this.namespaces;

        TopState build() {
            return new TopState(focus, siteRow, interfaceRow, findingRow, siteSort, interfaceSort, filter, filterDraft,
                    paused, detail, detailScroll, help, exit, exportRequested, message, sockets, socketSort,
                    namespaces);
        }
    }

    // ------------------------------------------------------------------ keys

    /** The state after {@code key}. */
    public TopState onKey(KeyStroke key) {
        Next n = new Next();
        n.message = null;
        if (isCtrlC(key)) {
            // the terminal is raw, so Ctrl-C arrives as a key instead of SIGINT: leave as SIGINT would
            n.exit = Exit.INTERRUPT;
            return n.build();
        }
        if (filterDraft != null) {
            editFilter(n, key);
        } else if (help) {
            n.help = false;
            if (isChar(key, 'q')) {
                n.exit = Exit.QUIT;
            }
        } else if (detail) {
            onDetailKey(n, key);
        } else if (sockets) {
            onSocketsKey(n, key);
        } else if (namespaces) {
            onNamespacesKey(n, key);
        } else {
            onPaneKey(n, key);
        }
        return n.build();
    }

    private static boolean isCtrlC(KeyStroke k) {
        return k.getKeyType() == KeyType.Character && k.isCtrlDown() && !k.isAltDown()
                && Character.toLowerCase(k.getCharacter()) == 'c';
    }

    private static boolean isChar(KeyStroke k, char c) {
        return k.getKeyType() == KeyType.Character && !k.isCtrlDown() && !k.isAltDown() && k.getCharacter() == c;
    }

    private static void editFilter(Next n, KeyStroke k) {
        switch (k.getKeyType()) {
            case Enter -> {
                n.filter = n.filterDraft.strip();
                n.filterDraft = null;
                n.siteRow = 0;
                n.interfaceRow = 0;
            }
            case Escape -> n.filterDraft = null;
            case Backspace -> n.filterDraft = n.filterDraft.isEmpty() ? ""
                    : n.filterDraft.substring(0, n.filterDraft.length() - 1);
            case Character -> {
                if (k.isCtrlDown() && Character.toLowerCase(k.getCharacter()) == 'u') {
                    n.filterDraft = "";
                } else if (!k.isCtrlDown() && !k.isAltDown() && n.filterDraft.length() < 64) {
                    n.filterDraft = n.filterDraft + k.getCharacter();
                }
            }
            default -> {
            }
        }
    }

    /** Keys that do the same in a detail view as on the panes. */
    private boolean onGlobalKey(Next n, KeyStroke k) {
        if (k.getKeyType() != KeyType.Character || k.isCtrlDown() || k.isAltDown()) {
            return false;
        }
        switch (k.getCharacter()) {
            case 'q' -> n.exit = Exit.QUIT;
            case 'p' -> n.paused = !paused;
            case 'e' -> n.exportRequested = true;
            case '?', 'h' -> n.help = true;
            default -> {
                return false;
            }
        }
        return true;
    }

    private void onDetailKey(Next n, KeyStroke k) {
        if (onGlobalKey(n, k)) {
            return;
        }
        switch (k.getKeyType()) {
            case Escape, Enter, Backspace, ArrowLeft -> {
                n.detail = false;
                n.detailScroll = 0;
            }
            default -> scroll(n, k);
        }
    }

    /** The arrow, page and Home keys move the detail scroll (the detail view and the Sockets view share it). */
    private void scroll(Next n, KeyStroke k) {
        switch (k.getKeyType()) {
            case ArrowUp -> n.detailScroll = Math.max(0, detailScroll - 1);
            case ArrowDown -> n.detailScroll = detailScroll + 1;
            case PageUp -> n.detailScroll = Math.max(0, detailScroll - PAGE);
            case PageDown -> n.detailScroll = detailScroll + PAGE;
            case Home -> n.detailScroll = 0;
            default -> {
            }
        }
    }

    /** The Sockets view scrolls with the detail scroll; 's' switches its order, Esc or 'k' closes it. */
    private void onSocketsKey(Next n, KeyStroke k) {
        if (isChar(k, 'k')) {
            n.sockets = false;
            n.detailScroll = 0;
            return;
        }
        if (isChar(k, 's')) {
            n.socketSort = SocketSort.values()[(socketSort.ordinal() + 1) % SocketSort.values().length];
            n.message = "Sockets sorted by " + n.socketSort.label;
            return;
        }
        if (onGlobalKey(n, k)) {
            return;
        }
        switch (k.getKeyType()) {
            case Escape, Backspace -> {
                n.sockets = false;
                n.detailScroll = 0;
            }
            default -> scroll(n, k);
        }
    }

    /** The Namespaces view scrolls with the detail scroll; Esc or 'n' closes it. */
    private void onNamespacesKey(Next n, KeyStroke k) {
        if (isChar(k, 'n')) {
            n.namespaces = false;
            n.detailScroll = 0;
            return;
        }
        if (onGlobalKey(n, k)) {
            return;
        }
        switch (k.getKeyType()) {
            case Escape, Backspace -> {
                n.namespaces = false;
                n.detailScroll = 0;
            }
            default -> scroll(n, k);
        }
    }

    private void onPaneKey(Next n, KeyStroke k) {
        if (onGlobalKey(n, k)) {
            return;
        }
        switch (k.getKeyType()) {
            case Tab, ArrowRight -> n.focus = focus.next();
            case ReverseTab, ArrowLeft -> n.focus = focus.previous();
            case ArrowUp -> moveSelection(n, -1);
            case ArrowDown -> moveSelection(n, 1);
            case PageUp -> moveSelection(n, -PAGE);
            case PageDown -> moveSelection(n, PAGE);
            case Home -> moveSelection(n, Integer.MIN_VALUE / 2);
            case End -> moveSelection(n, Integer.MAX_VALUE / 2);
            case Enter -> {
                n.detail = true;
                n.detailScroll = 0;
            }
            case Escape -> {
                if (!filter.isEmpty()) {
                    n.filter = "";
                    n.message = "filter cleared";
                }
            }
            case Character -> {
                if (isChar(k, 's')) {
                    cycleSort(n);
                } else if (isChar(k, '/')) {
                    n.filterDraft = filter;
                } else if (isChar(k, 'k')) {
                    n.sockets = true;
                    n.detailScroll = 0;
                } else if (isChar(k, 'n')) {
                    n.namespaces = true;
                    n.detailScroll = 0;
                }
            }
            default -> {
            }
        }
    }

    private void moveSelection(Next n, int by) {
        switch (focus) {
            case DROP_SITES -> n.siteRow = clampAdd(siteRow, by);
            case INTERFACES -> n.interfaceRow = clampAdd(interfaceRow, by);
            case FINDINGS -> n.findingRow = clampAdd(findingRow, by);
            default -> {
            }
        }
    }

    private static int clampAdd(int row, int by) {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE / 2, (long) row + by));
    }

    private void cycleSort(Next n) {
        switch (focus) {
            case DROP_SITES -> {
                n.siteSort = SiteSort.values()[(siteSort.ordinal() + 1) % SiteSort.values().length];
                n.message = "Drop sites sorted by " + n.siteSort.label;
            }
            case INTERFACES -> {
                n.interfaceSort = InterfaceSort.values()[(interfaceSort.ordinal() + 1) % InterfaceSort.values().length];
                n.message = "Interfaces sorted by " + n.interfaceSort.label;
            }
            default -> n.message = "s sorts the Drop sites and Interfaces panes";
        }
    }

    // ------------------------------------------------------------------ after the keys

    /** Selections pulled back inside lists of these lengths. */
    public TopState clamped(int sites, int interfaces, int findings) {
        int s = clampRow(siteRow, sites);
        int i = clampRow(interfaceRow, interfaces);
        int f = clampRow(findingRow, findings);
        if (s == siteRow && i == interfaceRow && f == findingRow) {
            return this;
        }
        Next n = new Next();
        n.siteRow = s;
        n.interfaceRow = i;
        n.findingRow = f;
        return n.build();
    }

    private static int clampRow(int row, int count) {
        return Math.max(0, Math.min(row, count - 1));
    }

    /** The export was done (or failed): {@code result} says where or why. */
    public TopState exported(String result) {
        Next n = new Next();
        n.exportRequested = false;
        n.message = result;
        return n.build();
    }

    /** The same state with a status-line message. */
    public TopState withMessage(String text) {
        Next n = new Next();
        n.message = text;
        return n.build();
    }

    /** A detail scroll that does not run past {@code lines} lines in a view {@code height} high. */
    public TopState withDetailScrollLimit(int lines, int height) {
        int max = Math.max(0, lines - height);
        if (detailScroll <= max) {
            return this;
        }
        Next n = new Next();
        n.detailScroll = max;
        return n.build();
    }

    // ------------------------------------------------------------------ accessors

    public Pane focus() {
        return focus;
    }

    /** The selected row of {@code pane}, or 0 for panes without rows. */
    public int selected(Pane pane) {
        return switch (pane) {
            case DROP_SITES -> siteRow;
            case INTERFACES -> interfaceRow;
            case FINDINGS -> findingRow;
            default -> 0;
        };
    }

    public SiteSort siteSort() {
        return siteSort;
    }

    public InterfaceSort interfaceSort() {
        return interfaceSort;
    }

    /** The filter applied to drop sites (symbol, reason, interface) and interfaces (name); "" for none. */
    public String filter() {
        return filter;
    }

    /** The filter being typed after '/', or null when not typing. */
    public String filterDraft() {
        return filterDraft;
    }

    public boolean paused() {
        return paused;
    }

    public boolean detailOpen() {
        return detail;
    }

    public int detailScroll() {
        return detailScroll;
    }

    /** The Sockets view ('k') covers the panes. */
    public boolean socketsOpen() {
        return sockets;
    }

    /** The Namespaces view ('n') covers the panes. */
    public boolean namespacesOpen() {
        return namespaces;
    }

    public SocketSort socketSort() {
        return socketSort;
    }

    public boolean helpOpen() {
        return help;
    }

    public Exit exit() {
        return exit;
    }

    public boolean exportRequested() {
        return exportRequested;
    }

    /** A one-line note for the status line (sort changed, export written), or null. */
    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return "TopState[focus=" + focus + " rows=" + siteRow + "/" + interfaceRow + "/" + findingRow + " sort="
                + siteSort + "/" + interfaceSort + " filter='" + filter + "' draft=" + filterDraft + " paused=" + paused
                + " detail=" + detail + "@" + detailScroll + " help=" + help + " exit=" + exit + " export="
                + exportRequested + " message=" + message + "]";
    }
}
