package dev.dropscope.model;

import java.util.Map;
import java.util.Set;

/**
 * One queueing discipline with its counters as {@code tc -s qdisc show} prints them: {@code bytes},
 * {@code packets}, {@code drops}, {@code overlimits}, {@code requeues}, and the gauges {@code qlen} and
 * {@code backlog} (bytes queued now).
 *
 * @param dev    the interface name, null when it could not be resolved
 * @param handle as tc prints it: {@code 8001:}
 * @param parent {@code root}, {@code ingress} or a class id {@code 1:1}
 */
public record QdiscStats(int ifindex, String dev, String kind, String handle, String parent, Map<String, Long> stats) {
    /** Current lengths, not counters: they get no rate. */
    public static final Set<String> GAUGES = Set.of("qlen", "backlog");

    public QdiscStats {
        stats = Maps.copy(stats);
    }

    /** Identifies the qdisc across snapshots: {@code 3 8001: root}. */
    public String key() {
        return ifindex + " " + handle + " " + parent;
    }
}
