package dev.dropscope.model;

import java.util.Comparator;
import java.util.List;

/**
 * Every drop site's counters at one moment. {@code total} is exact even when sites overflowed into
 * {@code other}; {@code lost} counts drops the source saw happen but could not deliver.
 *
 * @param timeNs     when the snapshot was taken (CLOCK_MONOTONIC ns)
 * @param intervalNs time since the previous snapshot: rates are delta / interval
 * @param total      all drops since start (sites + other), not counting lost ones
 * @param totalDelta drops since the previous snapshot
 * @param lost       events the source lost since start (e.g. perf PERF_RECORD_LOST): shown, never hidden
 * @param lostDelta  lost since the previous snapshot
 * @param sites      the tracked sites, in order of first appearance
 * @param other      everything beyond the cap on distinct sites (count 0 until the cap is reached)
 */
public record DropSnapshot(long timeNs, long intervalNs, long total, long totalDelta, long lost, long lostDelta,
                           List<DropSiteStats> sites, DropSiteStats other) {
    public DropSnapshot {
        sites = List.copyOf(sites);
    }

    /** The {@code n} sites with most drops since start, most first. */
    public List<DropSiteStats> topByCount(int n) {
        return sites.stream().sorted(Comparator.comparingLong(DropSiteStats::count).reversed()).limit(n).toList();
    }

    /** The {@code n} sites with most drops in the last interval (highest rate), most first. */
    public List<DropSiteStats> topByRate(int n) {
        return sites.stream().filter(s -> s.delta() > 0)
                .sorted(Comparator.comparingLong(DropSiteStats::delta).reversed()).limit(n).toList();
    }

    public double totalRatePerSecond() {
        return intervalNs <= 0 ? 0 : totalDelta * 1e9 / intervalNs;
    }
}
