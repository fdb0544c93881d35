package dev.dropscope.model;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Two snapshots and the per-second rates between them, keyed like the counters they come from. Rates
 * are never negative ({@link Rates}); gauges (queue lengths, entry counts, settings) get none. An
 * interface whose ifindex changed between the samples was recreated and gets no rates.
 *
 * @param interfaces by interface name: rates of {@code stats64} (u64) and {@code nic_stats} (width unknown)
 * @param snmp       protocol counters; unsigned long in the kernel, so 64-bit on the 64-bit kernels we run on
 * @param softnet    by CPU; softnet_stat columns are u32
 * @param conntrack  the summed per-CPU counters, each CPU's u32 rate added up
 * @param qdiscs     by {@link QdiscStats#key()}; bytes u64, the rest u32 (packets u64 when TCA_STATS_PKT64 came)
 * @param neighbour  by {@link NeighbourTableStats#key()}; ndt_stats are u64
 */
public record Delta(Snapshot before, Snapshot after, double seconds, Map<String, InterfaceRates> interfaces,
                    Map<String, Double> snmp, Map<Integer, Map<String, Double>> softnet, Map<String, Double> conntrack,
                    Map<String, Map<String, Double>> qdiscs, Map<String, Map<String, Double>> neighbour) {

    /** Counters nstat(8) also leaves out: settings and the one gauge, whose differences mean nothing. */
    public static final Set<String> SNMP_NON_COUNTERS = Set.of("Ip.Forwarding", "Ip.DefaultTTL", "Tcp.RtoAlgorithm",
            "Tcp.RtoMin", "Tcp.RtoMax", "Tcp.MaxConn", "Tcp.CurrEstab");

    /** Rates of one interface. */
    public record InterfaceRates(Map<String, Double> stats64, Map<String, Double> nicStats) {
        public InterfaceRates {
            stats64 = Maps.copy(stats64);
            nicStats = Maps.copy(nicStats);
        }
    }

    public Delta {
        interfaces = Maps.copy(interfaces);
        snmp = Maps.copy(snmp);
        softnet = Maps.copy(softnet);
        conntrack = Maps.copy(conntrack);
        qdiscs = Maps.copy(qdiscs);
        neighbour = Maps.copy(neighbour);
    }

    /** The rates from {@code before} to {@code after}. */
    public static Delta between(Snapshot before, Snapshot after) {
        double s = (after.monotonicNanos() - before.monotonicNanos()) / 1e9;

        Map<String, InterfaceRates> ifs = new LinkedHashMap<>();
        Map<String, InterfaceStats> old = index(before.interfaces(), InterfaceStats::name);
        for (InterfaceStats now : after.interfaces()) {
            InterfaceStats was = old.get(now.name());
            if (was == null || was.ifindex() != now.ifindex()) {
                continue;
            }
            Map<String, Double> nic = was.nicStats().isPresent() && now.nicStats().isPresent()
                    ? Rates.of(was.nicStats().value(), now.nicStats().value(), s, CounterWidth.UNKNOWN, Set.of())
                    : Map.of();
            ifs.put(now.name(), new InterfaceRates(
                    Rates.of(was.stats64(), now.stats64(), s, CounterWidth.BITS64, Set.of()), nic));
        }

        Map<String, Double> snmp = Rates.of(before.snmp(), after.snmp(), s, CounterWidth.BITS64, SNMP_NON_COUNTERS);

        Map<Integer, Map<String, Double>> softnet = new LinkedHashMap<>();
        Map<Integer, SoftnetCpu> oldCpus = index(before.softnet(), SoftnetCpu::cpu);
        for (SoftnetCpu now : after.softnet()) {
            SoftnetCpu was = oldCpus.get(now.cpu());
            if (was != null) {
                softnet.put(now.cpu(), Rates.of(was.counters(), now.counters(), s, CounterWidth.BITS32, SoftnetCpu.GAUGES));
            }
        }

        Map<String, Double> ct = new LinkedHashMap<>();
        if (before.conntrack() != null && after.conntrack() != null && after.conntrack().loaded()
                && (before.conntrack().perCpu().isEmpty() || after.conntrack().perCpu().isEmpty())) {
            // the /proc/net/stat/nf_conntrack fallback has only sums of u32s: width unknown
            ct.putAll(Rates.of(before.conntrack().stats(), after.conntrack().stats(), s, CounterWidth.UNKNOWN, Set.of()));
        } else if (before.conntrack() != null && after.conntrack() != null && after.conntrack().loaded()) {
            Map<Integer, ConntrackState.Cpu> oldCt = index(before.conntrack().perCpu(), ConntrackState.Cpu::cpu);
            for (ConntrackState.Cpu now : after.conntrack().perCpu()) {
                ConntrackState.Cpu was = oldCt.get(now.cpu());
                if (was != null) {
                    Rates.of(was.stats(), now.stats(), s, CounterWidth.BITS32, Set.of())
                            .forEach((k, v) -> ct.merge(k, v, Double::sum));
                }
            }
        }

        Map<String, Map<String, Double>> qd = new LinkedHashMap<>();
        Map<String, QdiscStats> oldQ = index(before.qdiscs(), QdiscStats::key);
        for (QdiscStats now : after.qdiscs()) {
            QdiscStats was = oldQ.get(now.key());
            if (was == null) {
                continue;
            }
            Map<String, Double> r = new LinkedHashMap<>(
                    Rates.of(was.stats(), now.stats(), s, CounterWidth.BITS32, QdiscStats.GAUGES));
            if (was.stats().containsKey("bytes") && now.stats().containsKey("bytes")) {
                r.put("bytes", Rates.rate(was.stats().get("bytes"), now.stats().get("bytes"), s, CounterWidth.BITS64));
            }
            if (was.stats().containsKey("packets") && now.stats().containsKey("packets")) {
                r.put("packets", Rates.rate(was.stats().get("packets"), now.stats().get("packets"), s, CounterWidth.UNKNOWN));
            }
            qd.put(now.key(), r);
        }

        Map<String, Map<String, Double>> nb = new LinkedHashMap<>();
        Map<String, NeighbourTableStats> oldN = index(before.neighbour(), NeighbourTableStats::key);
        for (NeighbourTableStats now : after.neighbour()) {
            NeighbourTableStats was = oldN.get(now.key());
            if (was != null) {
                nb.put(now.key(), Rates.of(was.stats(), now.stats(), s, CounterWidth.BITS64, Set.of()));
            }
        }
        return new Delta(before, after, s, ifs, snmp, softnet, ct, qd, nb);
    }

    private static <K, V> Map<K, V> index(List<V> list, Function<V, K> key) {
        Map<K, V> m = new HashMap<>();
        for (V v : list) {
            m.putIfAbsent(key.apply(v), v);
        }
        return m;
    }
}
