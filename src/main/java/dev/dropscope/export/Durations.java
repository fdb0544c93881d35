package dev.dropscope.export;

import java.util.Locale;

/** Short human durations: "500ms", "1s", "2.5s", "3m20s". */
public final class Durations {
    private Durations() {
    }

    public static String format(long millis) {
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return millis % 1000 == 0 ? millis / 1000 + "s" : String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        long s = millis / 1000;
        return s / 60 + "m" + (s % 60 == 0 ? "" : s % 60 + "s");
    }
}
