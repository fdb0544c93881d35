package dev.dropscope.diagnosis;

import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.Severity;

import java.util.ArrayList;
import java.util.List;

/** {@code monitor_lost_events}: dropscope itself missed drop events, so drop counts are lower bounds. */
final class MonitorRule implements Rule {
    static final String ID = "monitor_lost_events";

    @Override
    public String id() {
        return ID;
    }
    /** Health counters of the drop monitors that count lost events (TracepointMonitor, NetDmMonitor). */
    static final List<String> LOST_KEYS = List.of("perf_lost", "netlink_overruns", "tail_dropped_sw",
            "tail_dropped_hw", "lost_at_stop");

    @Override
    public List<Scored> apply(Observation o) {
        long lostNow = o.drops == null ? 0 : o.drops.lostDelta();
        long lostEver = o.drops == null ? 0 : o.drops.lost();
        List<Evidence> ev = new ArrayList<>();
        long healthLost = 0;
        for (String k : LOST_KEYS) {
            Long v = o.health.get(k);
            if (v != null && v > 0) {
                ev.add(new Evidence("monitor " + k, Long.toString(v)));
                healthLost += v;
            }
        }
        if (lostNow == 0 && lostEver == 0 && healthLost == 0) {
            return List.of();
        }
        if (o.drops != null) {
            ev.add(0, new Evidence("events lost by the monitor (" + o.drops.source() + ")",
                    (lostNow > 0 ? Text.rise(lostNow, o.seconds()) + ", " : "") + lostEver + " since start"));
        }
        List<Fix> fixes = new ArrayList<>();
        String source = o.drops == null ? null : o.drops.source();
        Long ring = o.health.get("ring_bytes_per_cpu");
        if ("tracepoint".equals(source) || o.health.containsKey("perf_lost")) {
            fixes.add(Fixes.command("give dropscope CPU time (it drains a " + (ring == null ? "per-CPU" : Text.bytes(ring)
                            + " per-CPU") + " perf ring): run it niced up (nice -n -5) or narrow what it tracks",
                    "Raising its priority takes CPU from other tasks during drop storms."));
        }
        if (o.health.getOrDefault("tail_dropped_sw", 0L) + o.health.getOrDefault("tail_dropped_hw", 0L) > 0) {
            fixes.add(Fixes.command("NET_DM packet mode: a longer per-CPU queue (dropscope watch --queue 10000) or "
                            + "summary mode (--mode summary), which cannot overflow",
                    "A longer queue holds more packet copies in kernel memory."));
        }
        fixes.add(Fixes.command("read drop-site counts as lower bounds; the kernel counters (nstat, ip -s link) "
                + "stay exact", "None."));
        Severity sev = lostNow > 0 || (o.drops == null && healthLost > 0) ? Severity.WARNING : Severity.INFO;
        String title = "dropscope lost drop events" + (lostNow > 0 ? " (" + o.pace(o.perSecond(lostNow)) + ")"
                : " earlier (" + Math.max(lostEver, healthLost) + ")");
        String explanation = "Drops arrived faster than dropscope read them, so some were counted as lost instead of "
                + "attributed to a site (perf lost records, NET_DM queue tail drops or netlink overruns). The sites "
                + "shown are still right, but their counts are lower bounds.";
        return List.of(new Scored(new Finding(ID, sev, title, ev, explanation, fixes), o.perSecond(lostNow)));
    }
}
