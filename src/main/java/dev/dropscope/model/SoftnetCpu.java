package dev.dropscope.model;

import java.util.Map;
import java.util.Set;

/**
 * One CPU's line of /proc/net/softnet_stat, columns named after struct softnet_data: {@code processed},
 * {@code dropped} (backlog full: netdev_max_backlog), {@code time_squeeze} (NAPI budget ran out),
 * {@code cpu_collision}, {@code received_rps}, {@code flow_limit_count}, and the gauges
 * {@link #GAUGES} where the kernel prints them.
 */
public record SoftnetCpu(int cpu, Map<String, Long> counters) {
    /** Columns that are current lengths, not counters: they get no rate. */
    public static final Set<String> GAUGES = Set.of("backlog_len", "input_qlen", "process_qlen");

    public SoftnetCpu {
        counters = Maps.copy(counters);
    }
}
