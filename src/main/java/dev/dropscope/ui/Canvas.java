package dev.dropscope.ui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.graphics.TextGraphics;

import java.util.EnumSet;
import java.util.List;

/**
 * Styled text on a Lanterna {@link TextGraphics}, cut to the width it is given: nothing drawn here
 * ever spills into the next column or pane, whatever the kernel names a function or an interface.
 */
final class Canvas {
    /** A run of text in one role, for lines that mix labels, values and alerts. */
    record Seg(String text, Theme.Role role) {
    }

    private final TextGraphics graphics;
    private final Theme theme;

    Canvas(TextGraphics graphics, Theme theme) {
        this.graphics = graphics;
        this.theme = theme;
    }

    Theme theme() {
        return theme;
    }

    /** Writes {@code text} at (col, row) in {@code role}, cut to {@code width} with an ellipsis; returns the cells used. */
    int text(int col, int row, int width, String text, Theme.Role role) {
        if (width <= 0 || text == null || text.isEmpty()) {
            return 0;
        }
        String s = fit(clean(text), width);
        Theme.Style st = theme.style(role);
        EnumSet<SGR> sgr = st.modifiers().isEmpty() ? EnumSet.noneOf(SGR.class) : EnumSet.copyOf(st.modifiers());
        for (int i = 0; i < s.length(); i++) {
            graphics.setCharacter(col + i, row, new TextCharacter(s.charAt(i), st.foreground(), st.background(), sgr));
        }
        return s.length();
    }

    /** Writes the runs one after another, cut at {@code width}; returns the cells used. */
    int line(int col, int row, int width, List<Seg> segs) {
        int used = 0;
        for (Seg s : segs) {
            if (used >= width) {
                break;
            }
            used += text(col + used, row, width - used, s.text(), s.role());
        }
        return used;
    }

    /** {@code text} right-aligned in a field of {@code width} cells ending before {@code col + width}. */
    int textRight(int col, int row, int width, String text, Theme.Role role) {
        String s = fit(clean(text), width);
        return text(col + width - s.length(), row, s.length(), s, role);
    }

    /** Fills {@code width} cells with spaces in {@code role} (a highlighted row's background). */
    void fill(int col, int row, int width, Theme.Role role) {
        text(col, row, width, " ".repeat(Math.max(0, width)), role);
    }

    /** A pane title on a rule across {@code width}: "─ Drop sites ─ sort: rate ────". */
    void title(int col, int row, int width, String title, boolean focused, String note) {
        char rule = theme.rule();
        text(col, row, width, String.valueOf(rule).repeat(Math.max(0, width)), Theme.Role.RULE);
        int at = col + 1;
        at += text(at, row, col + width - at, " " + title + " ", focused ? Theme.Role.TITLE_FOCUSED : Theme.Role.TITLE);
        if (note != null && !note.isEmpty()) {
            text(at + 1, row, col + width - at - 2, " " + note + " ", Theme.Role.TEXT);
        }
    }

    /** Cuts {@code s} to {@code width} cells, marking the cut. */
    String fit(String s, int width) {
        if (s.length() <= width) {
            return s;
        }
        if (width <= 1) {
            return s.substring(0, Math.max(0, width));
        }
        return s.substring(0, width - 1) + theme.ellipsis();
    }

    /** Control characters would move the cursor: show them as '?'. */
    static String clean(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                if (b == null) {
                    b = new StringBuilder(s);
                }
                b.setCharAt(i, '?');
            }
        }
        return b == null ? s : b.toString();
    }
}
