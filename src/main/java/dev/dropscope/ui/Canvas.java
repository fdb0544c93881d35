package dev.dropscope.ui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalTextUtils;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.graphics.TextGraphics;

import java.util.EnumSet;
import java.util.List;

/**
 * Styled text on a Lanterna {@link TextGraphics}, cut to the width it is given: nothing drawn here
 * ever spills into the next column or pane, whatever the kernel names a function or an interface.
 * Widths are terminal columns as Lanterna counts them ({@link TerminalTextUtils}): a CJK character or an
 * emoji takes two, a surrogate pair is drawn as one character, and control characters (C0, DEL, C1)
 * never reach the terminal.
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
        int used = 0;
        for (TextCharacter c : TextCharacter.fromString(s, st.foreground(), st.background(), sgr)) {
            graphics.setCharacter(col + used, row, c);
            used += c.isDoubleWidth() ? 2 : 1;
        }
        return used;
    }

    /** The columns {@code text} takes once cleaned, as {@link #text} draws it. */
    static int width(String text) {
        return text == null ? 0 : TerminalTextUtils.getColumnWidth(clean(text));
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
        int w = TerminalTextUtils.getColumnWidth(s);
        return text(col + width - w, row, w, s, role);
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

    /** Cuts {@code s} to {@code width} cells, marking the cut; never inside a surrogate pair or a wide character. */
    String fit(String s, int width) {
        if (TerminalTextUtils.getColumnWidth(s) <= width) {
            return s;
        }
        if (width <= 1) {
            return whole(TerminalTextUtils.fitString(s, Math.max(0, width)));
        }
        return whole(TerminalTextUtils.fitString(s, width - 1)) + theme.ellipsis();
    }

    /** Lanterna counts a surrogate pair as two one-column chars, so a cut can fall between them: drop the half. */
    private static String whole(String s) {
        return !s.isEmpty() && Character.isHighSurrogate(s.charAt(s.length() - 1)) ? s.substring(0, s.length() - 1) : s;
    }

    /**
     * Control characters would move the cursor or start an escape sequence (C1's CSI is 0x9b): show
     * them as '?', as a lone surrogate (half a character) is too.
     */
    static String clean(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (pair) {
                i++;
                continue;
            }
            if (Character.isISOControl(c) || Character.isSurrogate(c)) {
                if (b == null) {
                    b = new StringBuilder(s);
                }
                b.setCharAt(i, '?');
            }
        }
        return b == null ? s : b.toString();
    }
}
