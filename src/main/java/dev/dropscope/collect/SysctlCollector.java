package dev.dropscope.collect;

import dev.dropscope.model.RpFilterState;
import dev.dropscope.model.Snapshot;
import dev.dropscope.procfs.ProcFiles;
import dev.dropscope.procfs.RpFilter;
import dev.dropscope.procfs.Sysctls;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sysctls that decide drops (socket buffers, backlogs, NAPI budget, neighbour thresholds) and rp_filter
 * for every interface. A sysctl this kernel lacks is left out quietly; an unreadable one is an error.
 *
 * <p>Inside a network namespace /proc/sys/net shows only that namespace's sysctls: the machine-wide ones
 * (net.core.netdev_max_backlog, netdev_budget, tcp_mem, udp_mem, the neighbour tables' gc_thresh*) are
 * absent there although they apply. {@link #machineWide()} reads them from the caller's namespace; its
 * values only fill in names the namespace lacks.
 */
public final class SysctlCollector implements Collector {
    public static final String NAME = "sysctl";

    /** {@link Sysctls#STANDARD} plus the IPv6 neighbour thresholds and a few more drop-related limits. */
    public static final List<String> SYSCTLS;

    static {
        List<String> l = new ArrayList<>(Sysctls.STANDARD);
        l.addAll(List.of("net.core.dev_weight", "net.core.optmem_max", "net.ipv4.tcp_max_syn_backlog",
                "net.ipv4.udp_rmem_min", "net.ipv4.udp_wmem_min", "net.ipv4.ipfrag_high_thresh",
                "net.ipv4.neigh.default.unres_qlen_bytes",
                "net.ipv6.neigh.default.gc_thresh1", "net.ipv6.neigh.default.gc_thresh2",
                "net.ipv6.neigh.default.gc_thresh3"));
        SYSCTLS = List.copyOf(l);
    }

    private final Path proc;
    private final boolean machineWide;

    public SysctlCollector() {
        this(ProcFiles.PROC);
    }

    public SysctlCollector(Path proc) {
        this(proc, false);
    }

    private SysctlCollector(Path proc, boolean machineWide) {
        this.proc = proc;
        this.machineWide = machineWide;
    }

    /** The sysctls as the caller's (initial) namespace shows them, without rp_filter. */
    public static SysctlCollector machineWide() {
        return new SysctlCollector(ProcFiles.PROC, true);
    }

    @Override
    public String name() {
        return machineWide ? NAME + " (machine-wide)" : NAME;
    }

    @Override
    public boolean inCallerNamespace() {
        return machineWide;
    }

    @Override
    public void collect(Snapshot.Builder into) {
        Sysctls s = Sysctls.query(proc, SYSCTLS);
        if (machineWide) {
            s.problems().forEach(p -> into.error(name(), p));
            into.sysctlDefaults(s.values());
            return;
        }
        s.problems().forEach(p -> into.error(NAME, p));
        into.sysctl(s.values());

        RpFilter rp = RpFilter.query(proc);
        rp.problems().forEach(p -> into.error(NAME, "rp_filter: " + p));
        into.rpFilter(new RpFilterState(rp.all().isPresent() ? rp.all().getAsInt() : null,
                rp.defaultValue().isPresent() ? rp.defaultValue().getAsInt() : null,
                rp.interfaces(), rp.effectiveByInterface()));
    }
}
