package dev.dropscope.ui;

import java.util.List;

/** A rate history as one line of block characters, newest on the right, scaled to its own peak. */
final class Sparkline {
    private Sparkline() {
    }

    /**
     * The last {@code width} samples; older cells are blank. A sample of zero is a blank (no drops at
     * all is worth telling apart from few), any other rate at least the lowest block.
     *
     * @param levels the characters from "no drops" to "peak"
     */
    static String of(List<Double> samples, int width, String levels) {
        StringBuilder b = new StringBuilder(width);
        int from = Math.max(0, samples.size() - width);
        double peak = 0;
        for (int i = from; i < samples.size(); i++) {
            peak = Math.max(peak, samples.get(i));
        }
        b.append(" ".repeat(Math.max(0, width - (samples.size() - from))));
        int top = levels.length() - 1;
        for (int i = from; i < samples.size(); i++) {
            double v = samples.get(i);
            int level = v <= 0 || peak <= 0 ? 0 : Math.max(1, (int) Math.round(v / peak * top));
            b.append(levels.charAt(level));
        }
        return b.toString();
    }
}
