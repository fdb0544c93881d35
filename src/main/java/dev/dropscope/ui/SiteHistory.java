package dev.dropscope.ui;

import dev.dropscope.model.DropReport;
import dev.dropscope.model.ResolvedDropSite;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The last minute of each drop site's rate, for the sparklines: one sample per drop interval. Sites
 * that leave the report are forgotten. Not thread-safe: the top loop records, models carry copies.
 */
public final class SiteHistory {
    /** Samples kept per site: a minute at the default one-second interval. */
    public static final int SAMPLES = 60;

    private final Map<String, ArrayDeque<Double>> bySite = new HashMap<>();
    /** The copy handed out since the last {@link #record}: samples arrive between drop intervals too. */
    private Map<String, List<Double>> copy = Map.of();

    /** Adds one sample per site of {@code report} (a since-start report: every known site, rate 0 when idle). */
    public void record(DropReport report) {
        Map<String, ArrayDeque<Double>> next = new HashMap<>();
        for (ResolvedDropSite s : report.sites()) {
            String key = TopModel.siteKey(s);
            ArrayDeque<Double> samples = bySite.getOrDefault(key, new ArrayDeque<>());
            samples.addLast(s.ratePerSecond());
            while (samples.size() > SAMPLES) {
                samples.removeFirst();
            }
            next.put(key, samples);
        }
        bySite.clear();
        bySite.putAll(next);
        copy = null;
    }

    /** An immutable copy, oldest sample first. */
    public Map<String, List<Double>> snapshot() {
        if (copy == null) {
            Map<String, List<Double>> out = new HashMap<>();
            bySite.forEach((k, v) -> out.put(k, List.copyOf(v)));
            copy = Map.copyOf(out);
        }
        return copy;
    }
}
