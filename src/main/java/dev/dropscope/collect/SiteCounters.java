package dev.dropscope.collect;

import java.util.Arrays;

/**
 * Per-CPU counters per (location, reason, ifindex, netns) site, as last read from an in-kernel map: an open-addressing
 * table over flat arrays, so looking a site up allocates nothing (only growing does, doubling).
 */
final class SiteCounters {
    private final int cpus;
    private int[] slots;            // site index + 1; 0 = empty; at most half full
    private long[] location;
    private int[] reason;
    private int[] ifindex;
    private int[] netns;
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
        ifindex = new int[n];
        netns = new int[n];
        counts = new long[n * cpus];
    }

    /** The site's index (its counters start at {@code index * cpus} in {@link #counts()}), added at 0 when new. */
    int site(long loc, int why) {
        return site(loc, why, 0, 0);
    }

    /** As {@link #site(long, int)} for a site with identity: ifindex and the netns inode (a u32 in an int). */
    int site(long loc, int why, int ifidx, int ns) {
        int mask = slots.length - 1;
        int slot = hash(loc, why, ifidx, ns) & mask;
        while (true) {
            int s = slots[slot] - 1;
            if (s < 0) {
                return add(loc, why, ifidx, ns);
            }
            if (location[s] == loc && reason[s] == why && ifindex[s] == ifidx && netns[s] == ns) {
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

    private int add(long loc, int why, int ifidx, int ns) {
        int s = sites;
        if (s == location.length) {
            int n = s * 2;
            location = Arrays.copyOf(location, n);
            reason = Arrays.copyOf(reason, n);
            ifindex = Arrays.copyOf(ifindex, n);
            netns = Arrays.copyOf(netns, n);
            counts = Arrays.copyOf(counts, n * cpus);
            slots = new int[n * 2];
            for (int i = 0; i < s; i++) {
                slots[free(location[i], reason[i], ifindex[i], netns[i])] = i + 1;
            }
        }
        slots[free(loc, why, ifidx, ns)] = s + 1;
        location[s] = loc;
        reason[s] = why;
        ifindex[s] = ifidx;
        netns[s] = ns;
        sites = s + 1;
        return s;
    }

    private int free(long loc, int why, int ifidx, int ns) {
        int mask = slots.length - 1;
        int slot = hash(loc, why, ifidx, ns) & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private static int hash(long loc, int why, int ifidx, int ns) {
        long h = (loc ^ (loc >>> 29) ^ ((long) why << 17) ^ ((long) ifidx << 40) ^ ((long) ns * 0xC2B2AE3D27D4EB4FL))
                * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32);
    }
}
