package dev.dropscope.collect;

import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropSite;
import dev.dropscope.model.DropSiteStats;
import dev.dropscope.model.DropSnapshot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Counts drops per {@link DropSite} for every source, in memory fixed at construction: at most
 * {@code maxSites} distinct sites are tracked, later ones are added to one "other" bucket, so hours at
 * full rate cost what a minute does and the total stays exact.
 *
 * <p>{@link #add} runs once per drop (over a million times a second), so the table is open addressing
 * over primitive arrays: no boxing, no allocation, no per-drop object. Not thread-safe: one thread adds
 * and takes snapshots (the drain loop), others read the immutable snapshots.
 */
public final class DropAggregator {
    private static final DropOrigin[] ORIGINS = DropOrigin.values();

    private final int maxSites;
    private final int cpuCount;
    private final int[] slots; // site index + 1, 0 = empty
    private final int slotMask;

    private final long[] location;
    private final int[] reason;
    private final byte[] origin;
    private final int[] ifindex;
    private final long[] netns;
    private final long[] count;
    private final long[] countAtSnapshot;
    private final long[] firstNs;
    private final long[] lastNs;
    private final long[] perCpu; // site * cpuCount + cpu
    private int sites;

    private long otherCount;
    private long otherAtSnapshot;
    private long otherFirstNs;
    private long otherLastNs;
    private final long[] otherPerCpu;

    private long total;
    private long totalAtSnapshot;
    private long lost;
    private long lostAtSnapshot;
    private long lastSnapshotNs;

    /**
     * @param maxSites distinct sites tracked individually (e.g. 4096)
     * @param cpuCount highest CPU number + 1, for the per-CPU breakdown
     * @param startNs  the start of the first rate interval (CLOCK_MONOTONIC ns)
     */
    public DropAggregator(int maxSites, int cpuCount, long startNs) {
        if (maxSites <= 0 || maxSites > 1 << 24) {
            throw new IllegalArgumentException("maxSites out of range: " + maxSites);
        }
        if (cpuCount <= 0) {
            throw new IllegalArgumentException("cpuCount must be positive: " + cpuCount);
        }
        this.maxSites = maxSites;
        this.cpuCount = cpuCount;
        // load factor <= 1/2 keeps probe sequences short even when full
        int cap = Integer.highestOneBit(maxSites * 2 - 1) << 1;
        this.slots = new int[cap];
        this.slotMask = cap - 1;
        this.location = new long[maxSites];
        this.reason = new int[maxSites];
        this.origin = new byte[maxSites];
        this.ifindex = new int[maxSites];
        this.netns = new long[maxSites];
        this.count = new long[maxSites];
        this.countAtSnapshot = new long[maxSites];
        this.firstNs = new long[maxSites];
        this.lastNs = new long[maxSites];
        this.perCpu = new long[maxSites * cpuCount];
        this.otherPerCpu = new long[cpuCount];
        this.lastSnapshotNs = startNs;
    }

    /**
     * Records {@code n} drops at one site.
     *
     * @param cpu CPU the drop happened on, or -1 when the source does not say (NET_DM)
     */
    public void add(long loc, int why, DropOrigin from, int ifidx, int cpu, long timeNs, long n) {
        add(loc, why, from, ifidx, DropSite.NO_NETNS, cpu, timeNs, n);
    }

    /** {@link #add(long, int, DropOrigin, int, int, long, long)} at a site in network namespace {@code ns} (inode). */
    public void add(long loc, int why, DropOrigin from, int ifidx, long ns, int cpu, long timeNs, long n) {
        total += n;
        int o = from.ordinal();
        int slot = (int) (mix(loc, why, o, ifidx) ^ ns * 0x9E3779B97F4A7C15L >>> 7) & slotMask;
        while (true) {
            int s = slots[slot] - 1;
            if (s < 0) {
                if (sites == maxSites) {
                    addOther(cpu, timeNs, n);
                    return;
                }
                s = sites++;
                slots[slot] = s + 1;
                location[s] = loc;
                reason[s] = why;
                origin[s] = (byte) o;
                ifindex[s] = ifidx;
                netns[s] = ns;
                firstNs[s] = timeNs;
                lastNs[s] = timeNs;
                count(s, cpu, timeNs, n);
                return;
            }
            if (location[s] == loc && reason[s] == why && origin[s] == o && ifindex[s] == ifidx && netns[s] == ns) {
                count(s, cpu, timeNs, n);
                return;
            }
            slot = (slot + 1) & slotMask;
        }
    }

    private void count(int s, int cpu, long timeNs, long n) {
        count[s] += n;
        // sources deliver per-CPU batches, so time is not monotonic across calls
        if (timeNs < firstNs[s]) {
            firstNs[s] = timeNs;
        }
        if (timeNs > lastNs[s]) {
            lastNs[s] = timeNs;
        }
        if (cpu >= 0 && cpu < cpuCount) {
            perCpu[s * cpuCount + cpu] += n;
        }
    }

    private void addOther(int cpu, long timeNs, long n) {
        if (otherCount == 0 || timeNs < otherFirstNs) {
            otherFirstNs = timeNs;
        }
        if (otherCount == 0 || timeNs > otherLastNs) {
            otherLastNs = timeNs;
        }
        otherCount += n;
        if (cpu >= 0 && cpu < cpuCount) {
            otherPerCpu[cpu] += n;
        }
    }

    /** Events the source lost (e.g. PERF_RECORD_LOST): kept apart from drops, and always reported. */
    public void addLost(long n) {
        lost += n;
    }

    public long total() {
        return total;
    }

    public int distinctSites() {
        return sites;
    }

    /** Immutable counters of every site; deltas and the interval run from the previous snapshot. */
    public DropSnapshot snapshot(long nowNs) {
        List<DropSiteStats> list = new ArrayList<>(sites);
        for (int s = 0; s < sites; s++) {
            DropSite site = new DropSite(location[s], reason[s], ORIGINS[origin[s]], ifindex[s], netns[s]);
            long[] cpus = Arrays.copyOfRange(perCpu, s * cpuCount, (s + 1) * cpuCount);
            list.add(new DropSiteStats(site, count[s], count[s] - countAtSnapshot[s], firstNs[s], lastNs[s], cpus));
            countAtSnapshot[s] = count[s];
        }
        DropSiteStats other = new DropSiteStats(null, otherCount, otherCount - otherAtSnapshot, otherFirstNs,
                otherLastNs, otherPerCpu);
        otherAtSnapshot = otherCount;
        DropSnapshot snap = new DropSnapshot(nowNs, nowNs - lastSnapshotNs, total, total - totalAtSnapshot, lost,
                lost - lostAtSnapshot, list, other);
        totalAtSnapshot = total;
        lostAtSnapshot = lost;
        lastSnapshotNs = nowNs;
        return snap;
    }

    /** A 64-bit finalizer (murmur3 fmix64) over the key's fields: call sites cluster in address. */
    private static long mix(long loc, int why, int from, int ifidx) {
        long h = loc * 0x9E3779B97F4A7C15L ^ ((long) why << 32 | (ifidx & 0xffffffffL)) * 0xC2B2AE3D27D4EB4FL ^ from;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
