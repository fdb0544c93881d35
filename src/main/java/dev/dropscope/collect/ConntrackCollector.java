package dev.dropscope.collect;

import static dev.dropscope.netlink.NetlinkConstants.NETLINK_NETFILTER;

import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.Snapshot;
import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.netlink.nfct.CtCpuStats;
import dev.dropscope.netlink.nfct.CtStats;
import dev.dropscope.procfs.Conntrack;
import dev.dropscope.procfs.ProcFiles;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Connection tracking: table size from /proc/sys (count, max, buckets), counters per CPU over ctnetlink.
 *
 * <p>ctnetlink is asked only when nf_conntrack is already loaded (its sysctls exist): a ctnetlink request
 * makes the kernel load nf_conntrack_netlink, and with it nf_conntrack, and a monitor must not switch
 * connection tracking on. When ctnetlink fails, the counters come from /proc/net/stat/nf_conntrack
 * (summed, under that file's column names) and the failure is recorded.
 */
public final class ConntrackCollector extends NetlinkCollector {
    public static final String NAME = "conntrack";
    public static final String SOURCE_CTNETLINK = "ctnetlink";
    public static final String SOURCE_PROCFS = "/proc/net/stat/nf_conntrack";

    private final Path proc;
    private final LazySocket nfnl;

    public ConntrackCollector(Syscalls sys) {
        this(sys, ProcFiles.PROC);
    }

    public ConntrackCollector(Syscalls sys, Path proc) {
        super(sys, NAME);
        this.proc = proc;
        this.nfnl = socket(NETLINK_NETFILTER);
    }

    @Override
    public void collect(Snapshot.Builder into) {
        Conntrack ct = Conntrack.query(proc);
        ct.problems().forEach(p -> into.error(NAME, p));
        if (!ct.loaded()) {
            into.conntrack(ConntrackState.notLoaded());
            return;
        }
        Long count = ct.count().isPresent() ? ct.count().getAsLong() : null;
        Long max = ct.max().isPresent() ? ct.max().getAsLong() : null;
        Long buckets = ct.buckets().isPresent() ? ct.buckets().getAsLong() : null;
        try {
            NetlinkSocket nfnl = this.nfnl.get();
            List<CtCpuStats> cpus = CtStats.queryPerCpu(nfnl);
            CtStats.Global g = CtStats.queryGlobal(nfnl);
            if (count == null && g.entries() >= 0) {
                count = g.entries();
            }
            if (max == null && g.maxEntries() >= 0) {
                max = g.maxEntries();
            }
            Map<String, Long> sum = new LinkedHashMap<>();
            List<ConntrackState.Cpu> perCpu = new ArrayList<>();
            for (CtCpuStats c : cpus) {
                c.counters().forEach((k, v) -> sum.merge(k, v, Long::sum));
                perCpu.add(new ConntrackState.Cpu(c.cpu(), c.counters()));
            }
            into.conntrack(new ConntrackState(true, count, max, buckets, sum, perCpu, SOURCE_CTNETLINK));
        } catch (IOException e) {
            into.error(NAME, e.getMessage());
            into.conntrack(new ConntrackState(true, count, max, buckets, ct.stats(), List.of(), SOURCE_PROCFS));
        }
    }
}
