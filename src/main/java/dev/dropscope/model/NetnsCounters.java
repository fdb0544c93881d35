package dev.dropscope.model;

import java.util.Map;

/**
 * Another network namespace's own counters, read where its drops happen: its {@code /proc/net/snmp},
 * {@code netstat}, {@code snmp6} (keyed {@code Group.Field}, as {@link Snapshot#snmp()}) and its
 * {@code /proc/net/dev} summed over its interfaces ({@code dev.rx_dropped}, {@code dev.rx_errors},
 * {@code dev.tx_dropped}, {@code dev.tx_errors}).
 *
 * @param netns          which namespace
 * @param monotonicNanos System.nanoTime() of the reading (of the last one that succeeded)
 * @param counters       the values read, empty when never read
 * @param rates          per second since the reading before, by the same keys; empty before the second one
 * @param gone           the namespace no longer exists (or cannot be entered any more): these are its last counts
 * @param problem        why it could not be read, or null
 */
public record NetnsCounters(NetnsIdentity netns, long monotonicNanos, Map<String, Long> counters,
                            Map<String, Double> rates, boolean gone, String problem) {
    public NetnsCounters {
        counters = Maps.copy(counters);
        rates = Maps.copy(rates);
    }

    /** A rate by key, 0 when the counter is unknown; null before there are rates at all. */
    public Double rate(String key) {
        return rates.isEmpty() ? null : rates.getOrDefault(key, 0.0);
    }
}
