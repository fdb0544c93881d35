package dev.dropscope.netlink.route;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One RTM_NEWNEIGHTBL message. The kernel sends one per table with the table-wide values (thresholds,
 * config, stats and the default parms), then one per device with only {@code name} and that device's
 * {@code parms}; {@link #isTableLevel()} tells them apart. Thresholds are -1 when absent.
 *
 * <p>The tables are global: {@code arp_cache} is one table for every network namespace, so its thresholds
 * and stats read from inside a namespace are the machine's; only the per-device parms are the namespace's.
 *
 * @param family "inet", "inet6", or the number for another address family
 * @param config NDTA_CONFIG (struct ndt_config) by field name without {@code ndtc_}: key_len, entry_size,
 *               entries, last_flush, last_rand, hash_rnd, hash_mask, hash_chain_gc, proxy_qlen
 * @param stats  NDTA_STATS (struct ndt_stats) by field name without {@code ndts_}: allocs, ..., table_fulls
 * @param parms  NDTA_PARMS by attribute name without {@code NDTPA_}, lower case: ifindex, queue_lenbytes, ...
 */
public record NeighbourTable(String family, String name, long thresh1, long thresh2, long thresh3,
                             long gcIntervalMs, Map<String, Long> config, Map<String, Long> stats,
                             Map<String, Long> parms) {

    public NeighbourTable {
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        stats = Collections.unmodifiableMap(new LinkedHashMap<>(stats));
        parms = Collections.unmodifiableMap(new LinkedHashMap<>(parms));
    }

    /** True for the table's own message, false for a device's parms. */
    public boolean isTableLevel() {
        return thresh1 >= 0 || !stats.isEmpty();
    }
}
