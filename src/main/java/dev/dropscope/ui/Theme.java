package dev.dropscope.ui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;

import java.nio.charset.Charset;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * How each part of the screen looks, in colour or, when {@code NO_COLOR} is set (no-color.org), with
 * bold and reverse only; and whether the terminal's charset has line-drawing and block characters or
 * must make do with ASCII.
 */
public final class Theme {

    /** What a piece of text is, independent of how it looks. */
    public enum Role {
        TEXT, LABEL, COLUMN, TITLE, TITLE_FOCUSED, SELECTED, BENIGN, CRITICAL, WARNING, INFO, ALERT, PAUSED, LIVE,
        KEY, MESSAGE, SPARK, RULE
    }

    /** Colours and modifiers of one role. */
    public record Style(TextColor foreground, TextColor background, Set<SGR> modifiers) {
        public Style {
            modifiers = modifiers.isEmpty() ? Set.of() : Set.copyOf(modifiers);
        }
    }

    private static final TextColor DEFAULT = TextColor.ANSI.DEFAULT;

    private final boolean colour;
    private final boolean unicode;
    private final Map<Role, Style> styles;

    private Theme(boolean colour, boolean unicode, Map<Role, Style> styles) {
        this.colour = colour;
        this.unicode = unicode;
        this.styles = styles;
    }

    /** Monochrome when NO_COLOR is set to anything but the empty string; ASCII unless the charset is UTF-8. */
    public static Theme fromEnvironment(Map<String, String> env, Charset charset) {
        String noColor = env.get("NO_COLOR");
        boolean unicode = charset.name().equalsIgnoreCase("UTF-8");
        return noColor != null && !noColor.isEmpty() ? monochrome(unicode) : colour(unicode);
    }

    public static Theme colour(boolean unicode) {
        Map<Role, Style> m = new EnumMap<>(Role.class);
        m.put(Role.TEXT, plain());
        m.put(Role.LABEL, fg(TextColor.ANSI.CYAN));
        m.put(Role.COLUMN, style(DEFAULT, DEFAULT, SGR.BOLD));
        m.put(Role.TITLE, style(DEFAULT, DEFAULT, SGR.BOLD));
        m.put(Role.TITLE_FOCUSED, style(TextColor.ANSI.BLACK, TextColor.ANSI.CYAN, SGR.BOLD));
        m.put(Role.SELECTED, style(TextColor.ANSI.WHITE_BRIGHT, TextColor.ANSI.BLUE));
        m.put(Role.BENIGN, fg(TextColor.ANSI.BLACK_BRIGHT));
        m.put(Role.CRITICAL, style(TextColor.ANSI.RED, DEFAULT, SGR.BOLD));
        m.put(Role.WARNING, fg(TextColor.ANSI.YELLOW));
        m.put(Role.INFO, fg(TextColor.ANSI.CYAN));
        m.put(Role.ALERT, style(TextColor.ANSI.RED, DEFAULT, SGR.BOLD));
        m.put(Role.PAUSED, style(TextColor.ANSI.BLACK, TextColor.ANSI.YELLOW, SGR.BOLD));
        m.put(Role.LIVE, fg(TextColor.ANSI.GREEN));
        m.put(Role.KEY, style(DEFAULT, DEFAULT, SGR.BOLD));
        m.put(Role.MESSAGE, fg(TextColor.ANSI.GREEN));
        m.put(Role.SPARK, fg(TextColor.ANSI.GREEN));
        m.put(Role.RULE, fg(TextColor.ANSI.BLACK_BRIGHT));
        return new Theme(true, unicode, m);
    }

    /** Bold and reverse carry what colour would: severity, focus, selection, pause. */
    public static Theme monochrome(boolean unicode) {
        Map<Role, Style> m = new EnumMap<>(Role.class);
        for (Role r : Role.values()) {
            m.put(r, plain());
        }
        m.put(Role.COLUMN, style(DEFAULT, DEFAULT, SGR.BOLD));
        m.put(Role.TITLE, style(DEFAULT, DEFAULT, SGR.BOLD));
        m.put(Role.TITLE_FOCUSED, style(DEFAULT, DEFAULT, SGR.BOLD, SGR.REVERSE));
        m.put(Role.SELECTED, style(DEFAULT, DEFAULT, SGR.REVERSE));
        m.put(Role.CRITICAL, style(DEFAULT, DEFAULT, SGR.BOLD, SGR.REVERSE));
        m.put(Role.WARNING, style(DEFAULT, DEFAULT, SGR.BOLD));
        m.put(Role.ALERT, style(DEFAULT, DEFAULT, SGR.BOLD));
        m.put(Role.PAUSED, style(DEFAULT, DEFAULT, SGR.BOLD, SGR.REVERSE));
        m.put(Role.KEY, style(DEFAULT, DEFAULT, SGR.BOLD));
        m.put(Role.MESSAGE, style(DEFAULT, DEFAULT, SGR.BOLD));
        return new Theme(false, unicode, m);
    }

    private static Style plain() {
        return new Style(DEFAULT, DEFAULT, Set.of());
    }

    private static Style fg(TextColor c) {
        return new Style(c, DEFAULT, Set.of());
    }

    private static Style style(TextColor fg, TextColor bg, SGR... sgr) {
        return new Style(fg, bg, sgr.length == 0 ? Set.of() : EnumSet.of(sgr[0], sgr));
    }

    public Style style(Role role) {
        return styles.get(role);
    }

    public boolean colour() {
        return colour;
    }

    public boolean unicode() {
        return unicode;
    }

    /** The horizontal rule of pane titles. */
    public char rule() {
        return unicode ? '─' : '-';
    }

    public char verticalRule() {
        return unicode ? '│' : '|';
    }

    /** Marks text cut to fit. */
    public char ellipsis() {
        return unicode ? '…' : '~';
    }

    /** Sparkline levels, index 0 for no drops at all. */
    public String sparkLevels() {
        return unicode ? " ▁▂▃▄▅▆▇█" : " ._-=+*#@";
    }

    /** The filled and empty cells of a gauge. */
    public char gaugeFull() {
        return unicode ? '█' : '#';
    }

    public char gaugeEmpty() {
        return unicode ? '░' : '.';
    }
}
