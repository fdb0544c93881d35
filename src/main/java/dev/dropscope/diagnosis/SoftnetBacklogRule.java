package dev.dropscope.diagnosis;

import dev.dropscope.model.CounterWidth;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.SoftnetCpu;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code softnet_backlog_drops}: a CPU's input backlog (netdev_max_backlog) overflowed. */
final class SoftnetBacklogRule implements Rule {
    static final String ID = "softnet_backlog_drops";

    @Override
    public String id() {
        return ID;
    }
    static final Set<String> REASONS = Set.of("CPU_BACKLOG");
    /**
     * Ceiling for the suggested netdev_max_backlog: each queued packet holds its buffer (2-4 KiB), so 65536
     * per CPU is already up to 256 MiB per CPU in a burst; beyond that, spread the load instead.
     */
    static final long MAX_BACKLOG_CAP = 65536;

    @Override
    public List<Scored> apply(Observation o) {
        Map<Integer, SoftnetCpu> old = new HashMap<>();
        o.before.softnet().forEach(c -> old.put(c.cpu(), c));
        long dropped = 0;
        long flowLimited = 0;
        List<Evidence> ev = new ArrayList<>();
        int cpusDropping = 0;
        for (SoftnetCpu now : o.after.softnet()) {
            SoftnetCpu was = old.get(now.cpu());
            if (was == null) {
                continue;
            }
            long d = Observation.increase(was.counters(), now.counters(), "dropped", CounterWidth.BITS32);
            long fl = Observation.increase(was.counters(), now.counters(), "flow_limit_count", CounterWidth.BITS32);
            if (d > 0) {
                cpusDropping++;
                ev.add(Text.risen("softnet_stat cpu" + now.cpu() + " dropped", d, o.seconds()));
            }
            if (fl > 0) {
                ev.add(Text.risen("softnet_stat cpu" + now.cpu() + " flow_limit_count", fl, o.seconds()));
            }
            dropped += d;
            flowLimited += fl;
        }
        List<ResolvedDropSite> sites = o.sitesWithReason(REASONS);
        long n = Math.max(dropped, Observation.dropsAt(sites));
        if (n == 0) {
            return List.of();
        }
        sites.forEach(s -> ev.add(Text.site(s, o.seconds())));
        Long backlog = o.sysctlLong("net.core.netdev_max_backlog");
        if (backlog != null) {
            ev.add(new Evidence("net.core.netdev_max_backlog", Long.toString(backlog)));
        }
        double rate = o.perSecond(n);

        List<Fix> fixes = new ArrayList<>();
        if (backlog != null && backlog < MAX_BACKLOG_CAP) {
            long target = Fixes.grow(backlog, 0, MAX_BACKLOG_CAP);
            fixes.add(Fixes.sysctl(o, "net.core.netdev_max_backlog", target,
                    "Up to " + target + " packets may wait per CPU: more memory in bursts and more latency "
                            + "before a packet is processed."));
        }
        int cpus = o.after.softnet().size();
        if (cpus > 1 && cpusDropping * 2 <= cpus) {
            // drops on few CPUs: one CPU takes the whole load; RPS spreads it over all of them
            String mask = cpuMask(o.after.softnet());
            for (InterfaceStats i : receivers(o)) {
                fixes.add(Fixes.command(Fixes.inNetns(o, "sh -c 'for q in /sys/class/net/" + i.name()
                                + "/queues/rx-*/rps_cpus; do echo " + mask + " > $q; done'"),
                        "RPS costs an inter-processor interrupt per batch and may reorder nothing within a flow, "
                                + "but it moves softirq work onto CPUs that run applications."));
            }
        }
        if (flowLimited > 0) {
            List<String> rss = new ArrayList<>();
            for (InterfaceStats i : receivers(o)) {
                rss.add(Fixes.moreRssQueues(o, i));
            }
            fixes.add(Fixes.command("one big flow hits the RPS flow limit (net.core.flow_limit_cpu_bitmap), which "
                            + "protects the other flows on that CPU: spread the load with more RSS queues ("
                            + (rss.isEmpty() ? "ethtool -l shows the maximum of the receiving interface" : String.join("; ", rss))
                            + ")",
                    "Turning the flow limit off lets one flow starve the others on that CPU."));
        }
        String title = "CPU input backlog full: packets dropped before the stack (" + o.pace(rate)
                + (cpusDropping > 0 ? ", on " + cpusDropping + " of " + cpus + " CPUs" : "") + ")";
        String explanation = "Packets handed to the stack wait in a per-CPU backlog of net.core.netdev_max_backlog "
                + "packets; when softirq processing falls behind, new ones are dropped (softnet_stat 'dropped', "
                + "CPU_BACKLOG, and they also count in the interface's rx_dropped). Raise the backlog for bursts, "
                + "and spread the work over more CPUs (RSS queues, RPS) if one CPU does it all.";
        return List.of(new Scored(new Finding(ID, Severities.loss(rate), title, ev, explanation, fixes), rate));
    }

    /** Every CPU softnet_stat lists, as the hex mask rps_cpus takes. */
    static String cpuMask(List<SoftnetCpu> cpus) {
        BigInteger m = BigInteger.ZERO;
        for (SoftnetCpu c : cpus) {
            m = m.setBit(c.cpu());
        }
        return m.toString(16);
    }

    /** Interfaces other than lo that received packets in the window (where the load comes in). */
    static List<InterfaceStats> receivers(Observation o) {
        List<InterfaceStats> out = new ArrayList<>();
        for (InterfaceStats i : o.after.interfaces()) {
            if (!i.name().equals("lo") && o.ifIncrease(i, "rx_packets") > 0) {
                out.add(i);
            }
        }
        return out;
    }
}
