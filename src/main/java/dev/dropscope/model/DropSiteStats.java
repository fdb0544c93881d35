package dev.dropscope.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * Counters of one drop site at one snapshot.
 *
 * @param site        the site; null for the bucket that collects every site beyond the aggregator's cap
 * @param count       drops since monitoring started
 * @param delta       drops since the previous snapshot (the rate's numerator)
 * @param firstSeenNs time of the first drop, in the source's clock (CLOCK_MONOTONIC ns)
 * @param lastSeenNs  time of the latest drop
 * @param perCpu      drops per CPU number (index = CPU); drops from sources without a CPU are not in it
 */
public record DropSiteStats(DropSite site, long count, long delta, long firstSeenNs, long lastSeenNs, long[] perCpu) {
    public DropSiteStats {
        perCpu = perCpu.clone();
    }

    /** True for the bucket holding all sites beyond the cap. */
    public boolean isOther() {
        return site == null;
    }

    /** Drops per second over an interval of {@code intervalNs}. */
    public double ratePerSecond(long intervalNs) {
        return intervalNs <= 0 ? 0 : delta * 1e9 / intervalNs;
    }

    /** A copy: the record stays immutable. */
    @Override
    public long[] perCpu() {
        return perCpu.clone();
    }

    public long onCpu(int cpu) {
        return cpu >= 0 && cpu < perCpu.length ? perCpu[cpu] : 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DropSiteStats s && Objects.equals(site, s.site) && count == s.count
                && delta == s.delta && firstSeenNs == s.firstSeenNs && lastSeenNs == s.lastSeenNs
                && Arrays.equals(perCpu, s.perCpu);
    }

    @Override
    public int hashCode() {
        return Objects.hash(site, count, delta, firstSeenNs, lastSeenNs) * 31 + Arrays.hashCode(perCpu);
    }

    @Override
    public String toString() {
        return "DropSiteStats[" + (site == null ? "other" : site) + " count=" + count + " delta=" + delta
                + " first=" + firstSeenNs + " last=" + lastSeenNs + " perCpu=" + Arrays.toString(perCpu) + "]";
    }
}
