package dev.dropscope.collect;

import java.util.Arrays;

/**
 * Per-CPU counters per (location, reason) site, as last read from an in-kernel map: an open-addressing
 * table over flat arrays, so looking a site up allocates nothing (only growing does, doubling).
 */
final class SiteCounters {
    private final int cpus;
    private int[] slots;            // site index + 1; 0 = empty; at most half full
    private long[] location;
    private int[] reason;
    private long[] counts;          // site * cpus + cpu index
    private int sites;

    SiteCounters(int cpus, int initialSites) {
        if (cpus <= 0 || initialSites <= 0) {
            throw new IllegalArgumentException("cpus and initialSites must be positive");
        }
        this.cpus = cpus;
        int n = Integer.highestOneBit(Math.max(1, initialSites - 1)) << 1;
        slots = new int[n * 2];
        location = new long[n];
        reason = new int[n];
        counts = new long[n * cpus];
    }

    /** The site's index (its counters start at {@code index * cpus} in {@link #counts()}), added at 0 when new. */
    int site(long loc, int why) {
        int mask = slots.length - 1;
        int slot = hash(loc, why) & mask;
        while (true) {
            int s = slots[slot] - 1;
            if (s < 0) {
                return add(loc, why);
            }
            if (location[s] == loc && reason[s] == why) {
                return s;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** The counters; the array is replaced when the table grows, so fetch it after {@link #site}. */
    long[] counts() {
        return counts;
    }

    int sites() {
        return sites;
    }

    private int add(long loc, int why) {
        int s = sites;
        if (s == location.length) {
            int n = s * 2;
            location = Arrays.copyOf(location, n);
            reason = Arrays.copyOf(reason, n);
            counts = Arrays.copyOf(counts, n * cpus);
            slots = new int[n * 2];
            for (int i = 0; i < s; i++) {
                slots[free(location[i], reason[i])] = i + 1;
            }
        }
        slots[free(loc, why)] = s + 1;
        location[s] = loc;
        reason[s] = why;
        sites = s + 1;
        return s;
    }

    private int free(long loc, int why) {
        int mask = slots.length - 1;
        int slot = hash(loc, why) & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private static int hash(long loc, int why) {
        long h = (loc ^ (loc >>> 29) ^ ((long) why << 17)) * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32);
    }
}
