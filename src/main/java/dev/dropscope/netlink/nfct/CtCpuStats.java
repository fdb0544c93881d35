package dev.dropscope.netlink.nfct;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One CPU's conntrack counters from IPCTNL_MSG_CT_GET_STATS_CPU, keyed by the CTA_STATS_* name in lower
 * case without the prefix ({@code found}, {@code invalid}, {@code insert_failed}, {@code drop},
 * {@code early_drop}, {@code chain_toolong}, ...), in the order the kernel sent them. Only counters the
 * kernel sends appear: 6.x no longer sends searched, new, delete, ...
 */
public record CtCpuStats(int cpu, Map<String, Long> counters) {

    public CtCpuStats {
        counters = Collections.unmodifiableMap(new LinkedHashMap<>(counters));
    }
}
