package dev.dropscope.ui;

import java.util.Locale;

/** Numbers as the screen shows them: short, locale-independent, never wider than they need. */
final class Numbers {
    private Numbers() {
    }

    /** "0", "3.5", "120", "1.2k", "12k", "1.2M": a rate or count in at most 5 cells. */
    static String si(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a < 10) {
            String s = String.format(Locale.ROOT, "%.1f", v);
            return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
        }
        if (a < 1000) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        String[] units = {"k", "M", "G", "T", "P"};
        double x = v;
        int u = -1;
        while (Math.abs(x) >= 999.5 && u < units.length - 1) {
            x /= 1000;
            u++;
        }
        return (Math.abs(x) < 9.95 ? String.format(Locale.ROOT, "%.1f", x) : String.format(Locale.ROOT, "%.0f", x))
                + units[u];
    }

    /** A count exactly up to 99,999, shorter beyond. */
    static String count(long v) {
        return Math.abs(v) < 100_000 ? Long.toString(v) : si(v);
    }

    /** "98.1%". */
    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
    }

    /** An interval in the shortest unit: "1s", "500ms", "1.5s", "1m". */
    static String interval(long millis) {
        if (millis >= 60_000 && millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis < 1000 ? millis + "ms" : String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }
}
