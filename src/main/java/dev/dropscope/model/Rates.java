package dev.dropscope.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Per-second rates of counters between two samples. Never negative: a counter that went down is a reset
 * and gives rate 0, except a 32-bit counter that wrapped (see {@link CounterWidth}), whose increase is
 * {@code new + 2^32 - old}.
 */
public final class Rates {
    private static final long TWO_31 = 1L << 31;
    private static final long TWO_32 = 1L << 32;

    private Rates() {
    }

    /** The increase from {@code before} to {@code after} (both unsigned), following the rules above. */
    public static long increase(long before, long after, CounterWidth width) {
        if (Long.compareUnsigned(after, before) >= 0) {
            return after - before;
        }
        boolean may32 = width == CounterWidth.BITS32 || (width == CounterWidth.UNKNOWN && before >= 0 && before < TWO_32);
        if (may32 && before >= TWO_31 && before < TWO_32 && after >= 0 && after < TWO_31) {
            return after + TWO_32 - before;
        }
        return 0;
    }

    /** Increase per second; 0 for a non-positive interval. */
    public static double rate(long before, long after, double seconds, CounterWidth width) {
        if (!(seconds > 0)) {
            return 0;
        }
        long inc = increase(before, after, width);
        // unsigned: an increase above 2^63 cannot happen between two samples, but stay correct anyway
        double d = inc >= 0 ? inc : (double) (inc >>> 1) * 2.0;
        return d / seconds;
    }

    /**
     * Rates for every key present in both maps and not in {@code gauges}, in {@code after}'s order.
     */
    public static Map<String, Double> of(Map<String, Long> before, Map<String, Long> after, double seconds,
                                         CounterWidth width, Set<String> gauges) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (before == null || after == null) {
            return Map.of();
        }
        for (Map.Entry<String, Long> e : after.entrySet()) {
            Long b = before.get(e.getKey());
            if (b == null || e.getValue() == null || gauges.contains(e.getKey())) {
                continue;
            }
            out.put(e.getKey(), rate(b, e.getValue(), seconds, width));
        }
        return Collections.unmodifiableMap(out);
    }
}
