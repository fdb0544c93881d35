package dev.dropscope.model;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One queueing discipline with its counters as {@code tc -s qdisc show} prints them: {@code bytes},
 * {@code packets}, {@code drops}, {@code overlimits}, {@code requeues}, and the gauges {@code qlen} and
 * {@code backlog} (bytes queued now); and settings where the qdisc has them: {@code limit_packets} or
 * {@code limit_bytes} (its queue limit), for tbf also {@code rate_bytes_per_s} and {@code burst_bytes}.
 *
 * @param dev    the interface name, null when it could not be resolved
 * @param handle as tc prints it: {@code 8001:}
 * @param parent {@code root}, {@code ingress} or a class id {@code 1:1}
 */
public record QdiscStats(int ifindex, String dev, String kind, String handle, String parent, Map<String, Long> stats) {
    /** Settings decoded from the qdisc's options, where it has them. */
    public static final Set<String> SETTINGS = Set.of("limit_packets", "limit_bytes", "rate_bytes_per_s", "burst_bytes");
    /** Current lengths and settings, not counters: they get no rate. */
    public static final Set<String> GAUGES = Stream.concat(Stream.of("qlen", "backlog"),
            SETTINGS.stream()).collect(Collectors.toUnmodifiableSet());

    public QdiscStats {
        stats = Maps.copy(stats);
    }

    /** Identifies the qdisc across snapshots: {@code 3 8001: root}. */
    public String key() {
        return ifindex + " " + handle + " " + parent;
    }
}
