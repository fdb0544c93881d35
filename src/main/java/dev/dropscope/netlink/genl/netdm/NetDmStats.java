package dev.dropscope.netlink.genl.netdm;

/**
 * STATS_NEW: packets the kernel could not queue on its per-CPU drop lists ("Tail dropped"), for software
 * and hardware drops; -1 where the kernel did not report the group.
 */
public record NetDmStats(long softwareTailDropped, long hardwareTailDropped) {
}
