package dev.dropscope.model;

import java.util.Map;

/**
 * One neighbour table ({@code arp_cache}, {@code ndisc_cache}): its garbage-collection thresholds, its
 * size and its counters. {@code table_fulls} counts allocations refused at gc_thresh3 (the
 * "neighbour table overflow" drops); {@code forced_gc_runs} counts synchronous collections above gc_thresh2.
 *
 * @param entries current number of entries (ndt_config.ndtc_entries), null when not sent
 * @param stats   struct ndt_stats by field name without ndts_: allocs, destroys, hash_grows, res_failed,
 *                lookups, hits, rcv_probes_mcast, rcv_probes_ucast, periodic_gc_runs, forced_gc_runs,
 *                table_fulls
 * @param parms   the table's default parameters by NDTPA_ name (queue_lenbytes, ucast_probes, ...)
 */
public record NeighbourTableStats(String family, String name, long gcThresh1, long gcThresh2, long gcThresh3,
                                  long gcIntervalMs, Long entries, Map<String, Long> stats, Map<String, Long> parms) {
    public NeighbourTableStats {
        stats = Maps.copy(stats);
        parms = Maps.copy(parms);
    }

    /** Identifies the table across snapshots: {@code inet/arp_cache}. */
    public String key() {
        return family + "/" + name;
    }
}
