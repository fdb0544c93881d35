package dev.dropscope.ui;

import dev.dropscope.model.Finding;
import dev.dropscope.model.Severity;

import java.util.List;

/** The "Findings" pane: what the diagnosis concluded, one line each, coloured by severity. */
final class FindingsPane {
    private static final int LABEL = 5;

    private FindingsPane() {
    }

    static List<Finding> rows(TopModel m) {
        return m.findings();
    }

    /** "CRIT", "WARN", "INFO": four letters keep the titles aligned. */
    static String label(Severity s) {
        return switch (s) {
            case CRITICAL -> "CRIT";
            case WARNING -> "WARN";
            case INFO -> "INFO";
        };
    }

    static Theme.Role role(Severity s) {
        return switch (s) {
            case CRITICAL -> Theme.Role.CRITICAL;
            case WARNING -> Theme.Role.WARNING;
            case INFO -> Theme.Role.INFO;
        };
    }

    static void draw(Canvas c, Rect r, TopModel m, TopState s, boolean focused) {
        List<Finding> rows = rows(m);
        c.title(r.col(), r.row(), r.width(), Pane.FINDINGS.title(), focused,
                rows.isEmpty() ? null : rows.size() + (rows.size() == 1 ? " finding" : " findings") + "  Enter: evidence and fix");
        if (r.height() < 2) {
            return;
        }
        int top = r.row() + 1;
        if (rows.isEmpty()) {
            String text = m.drops() == null && m.snapshot() == null ? "waiting for the first interval..."
                    : "no findings: nothing in the drops or counters points at a problem";
            c.text(r.col() + 1, top, r.width() - 1, text, Theme.Role.TEXT);
            return;
        }
        int visible = r.height() - 1;
        int selected = Math.min(s.selected(Pane.FINDINGS), rows.size() - 1);
        int first = Math.max(0, selected - visible + 1);
        for (int i = 0; i < visible && first + i < rows.size(); i++) {
            Finding f = rows.get(first + i);
            int y = top + i;
            boolean sel = focused && first + i == selected;
            Theme.Role text = sel ? Theme.Role.SELECTED : Theme.Role.TEXT;
            if (sel) {
                c.fill(r.col(), y, r.width(), text);
            }
            c.text(r.col() + 1, y, LABEL, label(f.severity()), role(f.severity()));
            c.text(r.col() + 1 + LABEL + 1, y, r.width() - LABEL - 2, f.title(), text);
        }
    }
}
