package dev.dropscope.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the network stack looked like at one moment: every value the stack-health collectors read.
 * Built with {@link Builder} so new sections (drop sites, ...) do not change every caller. Sections a
 * collector did not deliver are empty (lists, maps) or null ({@code rpFilter}, {@code conntrack}), and
 * {@code errors} says why.
 *
 * @param takenAtMillis  wall-clock time of the sample (epoch ms)
 * @param monotonicNanos System.nanoTime() of the sample, for rates
 * @param netns          the named network namespace it was taken in, null for the caller's own
 * @param snmp           protocol counters keyed {@code Group.Field} ({@code Udp.RcvbufErrors})
 * @param sysctl         sysctl values by sysctl(8) name, as the kernel prints them
 * @param sockstat       /proc/net/sockstat(6) keyed {@code PROTO.name} ({@code TCP.mem})
 * @param sockets        the sockets with drops or full queues and their owners, or null when not collected
 * @param firewall       the nf_tables ruleset with its counters, null when not read (no CAP_NET_ADMIN, ...)
 * @param rxIrqs         the RX queues' interrupts and where they land, null when none was found (not in the
 *                       JSON: what the live diagnosis of rx_imbalance uses)
 */
public record Snapshot(long takenAtMillis, long monotonicNanos, String host, String kernelRelease, String netns,
                       List<InterfaceStats> interfaces, Map<String, Long> snmp, List<SoftnetCpu> softnet,
                       RpFilterState rpFilter, ConntrackState conntrack, Map<String, String> sysctl,
                       List<NeighbourTableStats> neighbour, List<QdiscStats> qdiscs, Map<String, Long> sockstat,
                       List<CollectorError> errors, SocketStats sockets,
                       FirewallRuleset firewall, List<RxQueueIrq> rxIrqs) {

    /** A snapshot without RX queue interrupts (one read back from JSON, or built by hand). */
    public Snapshot(long takenAtMillis, long monotonicNanos, String host, String kernelRelease, String netns,
                    List<InterfaceStats> interfaces, Map<String, Long> snmp, List<SoftnetCpu> softnet,
                    RpFilterState rpFilter, ConntrackState conntrack, Map<String, String> sysctl,
                    List<NeighbourTableStats> neighbour, List<QdiscStats> qdiscs, Map<String, Long> sockstat,
                    List<CollectorError> errors, SocketStats sockets, FirewallRuleset firewall) {
        this(takenAtMillis, monotonicNanos, host, kernelRelease, netns, interfaces, snmp, softnet, rpFilter, conntrack,
                sysctl, neighbour, qdiscs, sockstat, errors, sockets, firewall, null);
    }

    public Snapshot {
        interfaces = Maps.copy(interfaces);
        snmp = Maps.copy(snmp);
        softnet = Maps.copy(softnet);
        sysctl = Maps.copy(sysctl);
        neighbour = Maps.copy(neighbour);
        qdiscs = Maps.copy(qdiscs);
        sockstat = Maps.copy(sockstat);
        errors = Maps.copy(errors);
        rxIrqs = rxIrqs == null ? null : List.copyOf(rxIrqs);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The interface named {@code name}, or null. */
    public InterfaceStats iface(String name) {
        for (InterfaceStats i : interfaces) {
            if (i.name().equals(name)) {
                return i;
            }
        }
        return null;
    }

    /**
     * Collects the sections of one snapshot. Each collector fills its own builder; {@link #merge} joins
     * them (a section set in both keeps the other's value; errors add up).
     */
    public static final class Builder {
        private long takenAtMillis;
        private long monotonicNanos;
        private String host;
        private String kernelRelease;
        private String netns;
        private List<InterfaceStats> interfaces;
        private Map<String, Long> snmp;
        private List<SoftnetCpu> softnet;
        private RpFilterState rpFilter;
        private ConntrackState conntrack;
        private Map<String, String> sysctl;
        private Map<String, String> sysctlDefaults;
        private List<NeighbourTableStats> neighbour;
        private List<QdiscStats> qdiscs;
        private Map<String, Long> sockstat;
        private SocketStats sockets;
        private List<RxQueueIrq> rxIrqs;
        private FirewallRuleset firewall;
        private final List<CollectorError> errors = new ArrayList<>();

        public Builder takenAt(long epochMillis, long monotonicNanos) {
            this.takenAtMillis = epochMillis;
            this.monotonicNanos = monotonicNanos;
            return this;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder kernelRelease(String release) {
            this.kernelRelease = release;
            return this;
        }

        public Builder netns(String netns) {
            this.netns = netns;
            return this;
        }

        public Builder interfaces(List<InterfaceStats> v) {
            this.interfaces = v;
            return this;
        }

        public Builder snmp(Map<String, Long> v) {
            this.snmp = v;
            return this;
        }

        public Builder softnet(List<SoftnetCpu> v) {
            this.softnet = v;
            return this;
        }

        public Builder rpFilter(RpFilterState v) {
            this.rpFilter = v;
            return this;
        }

        public Builder conntrack(ConntrackState v) {
            this.conntrack = v;
            return this;
        }

        public Builder sysctl(Map<String, String> v) {
            this.sysctl = v;
            return this;
        }

        /** Sysctl values that fill in only names {@link #sysctl} lacks (machine-wide values seen from a namespace). */
        public Builder sysctlDefaults(Map<String, String> v) {
            this.sysctlDefaults = v;
            return this;
        }

        public Builder neighbour(List<NeighbourTableStats> v) {
            this.neighbour = v;
            return this;
        }

        public Builder qdiscs(List<QdiscStats> v) {
            this.qdiscs = v;
            return this;
        }

        public Builder sockstat(Map<String, Long> v) {
            this.sockstat = v;
            return this;
        }

        public Builder sockets(SocketStats v) {
            this.sockets = v;
            return this;
        }

        public Builder firewall(FirewallRuleset v) {
            this.firewall = v;
            return this;
        }

        public Builder rxIrqs(List<RxQueueIrq> v) {
            this.rxIrqs = v;
            return this;
        }

        public Builder error(String collector, String message) {
            errors.add(new CollectorError(collector, message));
            return this;
        }

        public List<CollectorError> errors() {
            return List.copyOf(errors);
        }

        /** Takes every section {@code part} has set, and all its errors. */
        public Builder merge(Builder part) {
            mergeData(part);
            errors.addAll(part.errors);
            return this;
        }

        /** Takes every section {@code part} has set, but not its errors (a reused earlier part). */
        public Builder mergeData(Builder part) {
            if (part.host != null) {
                host = part.host;
            }
            if (part.kernelRelease != null) {
                kernelRelease = part.kernelRelease;
            }
            if (part.netns != null) {
                netns = part.netns;
            }
            if (part.interfaces != null) {
                interfaces = part.interfaces;
            }
            if (part.snmp != null) {
                snmp = part.snmp;
            }
            if (part.softnet != null) {
                softnet = part.softnet;
            }
            if (part.rpFilter != null) {
                rpFilter = part.rpFilter;
            }
            if (part.conntrack != null) {
                conntrack = part.conntrack;
            }
            if (part.sysctl != null) {
                sysctl = part.sysctl;
            }
            if (part.sysctlDefaults != null) {
                sysctlDefaults = part.sysctlDefaults;
            }
            if (part.neighbour != null) {
                neighbour = part.neighbour;
            }
            if (part.qdiscs != null) {
                qdiscs = part.qdiscs;
            }
            if (part.sockstat != null) {
                sockstat = part.sockstat;
            }
            if (part.sockets != null) {
                sockets = part.sockets;
            }
            if (part.firewall != null) {
                firewall = part.firewall;
            }
            if (part.rxIrqs != null) {
                rxIrqs = part.rxIrqs;
            }
            return this;
        }

        public Snapshot build() {
            Map<String, String> sys = sysctl;
            if (sysctlDefaults != null) {
                sys = new LinkedHashMap<>(sysctl == null ? Map.of() : sysctl);
                for (Map.Entry<String, String> e : sysctlDefaults.entrySet()) {
                    sys.putIfAbsent(e.getKey(), e.getValue());
                }
            }
            return new Snapshot(takenAtMillis, monotonicNanos, host, kernelRelease, netns, interfaces, snmp, softnet,
                    rpFilter, conntrack, sys, neighbour, qdiscs, sockstat, errors, sockets, firewall, rxIrqs);
        }
    }
}
