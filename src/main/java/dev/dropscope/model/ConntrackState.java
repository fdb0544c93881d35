package dev.dropscope.model;

import java.util.List;
import java.util.Map;

/**
 * Connection tracking. "Not loaded" is a state ({@code loaded} false, everything else empty), not an
 * error. When the table is full ({@code count} at {@code max}) new flows are dropped, counted in
 * {@code stats.drop} and {@code stats.early_drop}.
 *
 * @param count   net.netfilter.nf_conntrack_count, null when unknown
 * @param max     net.netfilter.nf_conntrack_max
 * @param buckets net.netfilter.nf_conntrack_buckets
 * @param stats   the per-CPU counters summed: found, invalid, insert, insert_failed, drop, early_drop,
 *                error, search_restart, clash_resolve, chain_toolong
 * @param perCpu  each CPU's counters
 * @param statsSource where the counters came from: "ctnetlink" or "/proc/net/stat/nf_conntrack"
 */
public record ConntrackState(boolean loaded, Long count, Long max, Long buckets, Map<String, Long> stats,
                             List<Cpu> perCpu, String statsSource) {

    public ConntrackState {
        stats = Maps.copy(stats);
        perCpu = Maps.copy(perCpu);
    }

    public static ConntrackState notLoaded() {
        return new ConntrackState(false, null, null, null, Map.of(), List.of(), null);
    }

    /** One CPU's counters. */
    public record Cpu(int cpu, Map<String, Long> stats) {
        public Cpu {
            stats = Maps.copy(stats);
        }
    }
}
