package dev.dropscope.diagnosis;

import dev.dropscope.model.CounterWidth;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.Severity;
import dev.dropscope.model.SoftnetCpu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code softnet_time_squeeze}: packet processing ran out of budget with work left (a precursor of ring drops). */
final class TimeSqueezeRule implements Rule {
    static final String ID = "softnet_time_squeeze";

    @Override
    public String id() {
        return ID;
    }
    /**
     * Squeezes per second from which it is a warning: an occasional squeeze under a burst is normal, but
     * ten a second means the NIC rings are left to fill every 100 ms, and ring drops follow.
     */
    static final double WARN_PER_SECOND = 10;
    /** Ceilings for the suggested budgets: beyond them one softirq round keeps a CPU from tasks too long. */
    static final long BUDGET_CAP = 2400;
    static final long BUDGET_USECS_CAP = 16000;

    @Override
    public List<Scored> apply(Observation o) {
        Map<Integer, SoftnetCpu> old = new HashMap<>();
        o.before.softnet().forEach(c -> old.put(c.cpu(), c));
        long squeezed = 0;
        List<Evidence> ev = new ArrayList<>();
        for (SoftnetCpu now : o.after.softnet()) {
            SoftnetCpu was = old.get(now.cpu());
            long s = was == null ? 0
                    : Observation.increase(was.counters(), now.counters(), "time_squeeze", CounterWidth.BITS32);
            if (s > 0) {
                ev.add(Text.risen("softnet_stat cpu" + now.cpu() + " time_squeeze", s, o.seconds()));
            }
            squeezed += s;
        }
        if (squeezed == 0) {
            return List.of();
        }
        Long budget = o.sysctlLong("net.core.netdev_budget");
        Long usecs = o.sysctlLong("net.core.netdev_budget_usecs");
        if (budget != null) {
            ev.add(new Evidence("net.core.netdev_budget", Long.toString(budget)));
        }
        if (usecs != null) {
            ev.add(new Evidence("net.core.netdev_budget_usecs", Long.toString(usecs)));
        }
        double rate = o.perSecond(squeezed);
        List<Fix> fixes = new ArrayList<>();
        String risk = "Longer softirq rounds: more packets per round, but tasks on that CPU wait longer.";
        if (budget != null && budget < BUDGET_CAP) {
            fixes.add(Fixes.sysctl(o, "net.core.netdev_budget", Math.min(budget * 2, BUDGET_CAP), risk));
        }
        if (usecs != null && usecs < BUDGET_USECS_CAP) {
            fixes.add(Fixes.sysctl(o, "net.core.netdev_budget_usecs", Math.min(usecs * 2, BUDGET_USECS_CAP), risk));
        }
        List<String> rss = new ArrayList<>();
        for (InterfaceStats i : SoftnetBacklogRule.receivers(o)) {
            rss.add(Fixes.moreRssQueues(o, i));
        }
        fixes.add(Fixes.command("spread interrupts over more CPUs: more RSS queues ("
                        + (rss.isEmpty() ? "ethtool -l shows the maximum of the receiving interface" : String.join("; ", rss))
                        + ") or RPS",
                "More queues use more memory and interrupts; RPS adds inter-processor interrupts."));
        Severity sev = rate >= WARN_PER_SECOND ? Severity.WARNING : Severity.INFO;
        String title = "Packet processing out of budget (time_squeeze " + o.pace(rate) + ")";
        String explanation = "Each softirq round may process net.core.netdev_budget packets or run "
                + "netdev_budget_usecs; time_squeeze counts rounds that stopped with packets still waiting. "
                + "Nothing is lost yet, but the NIC rings fill meanwhile and overflow next (rx_missed_errors).";
        return List.of(new Scored(new Finding(ID, sev, title, ev, explanation, fixes), rate));
    }
}
