package dev.dropscope.export;

import dev.dropscope.model.CollectorError;
import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Finding;
import dev.dropscope.model.FirewallRuleset;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.Reading;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SocketStats;
import dev.dropscope.model.SoftnetCpu;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one mapping from dropscope's model to Prometheus metrics, used by {@code dropscope serve} on every
 * scrape and by {@code dropscope snapshot --format prometheus}; docs/metrics.md lists every metric.
 *
 * <p>Drop sites: label cardinality is bounded by {@code topSites}. A label set
 * {@code (symbol, reason, origin, interface, netns)} gets its own series the first time it is seen if fewer
 * than {@code topSites} have one (the biggest counts first when several appear at once), and then keeps it for
 * the life of this object; a label set seen once the slots are full is folded, for good, into
 * {@code symbol="other"} with its {@code reason} and {@code origin} kept and {@code interface=""},
 * {@code netns=""} (namespaces come and go with containers: keeping them in "other" would not bound it). A series
 * therefore never moves between a site of its own and "other", so every {@code dropscope_drops_total}
 * series only ever rises: ranking by the current rate and moving sites in and out of the top N would make
 * "other" fall whenever a site left it, which Prometheus reads as a counter reset. The price: a site that
 * becomes busy only after the slots are taken shows as "other" until the exporter restarts.
 *
 * <p>Thread-safe: {@link #collect} may run on several scrape threads at once.
 */
public final class PrometheusMetrics {
    /** Sites with a series of their own unless told otherwise ({@code --top-sites}). */
    public static final int DEFAULT_TOP_SITES = 50;

    /** The symbol label of the folded series. */
    public static final String OTHER = "other";

    /** Protocol counters exported (when the kernel has them): the ones the diagnosis rules read. */
    static final List<String> SNMP = List.of(
            "Ip.InDiscards", "Ip.OutDiscards", "Ip.InHdrErrors", "Ip.InAddrErrors", "Ip.ReasmFails",
            "IpExt.InCsumErrors", "IpExt.InNoRoutes",
            "Icmp.InCsumErrors", "Icmp6.InCsumErrors",
            "Tcp.InErrs", "Tcp.InCsumErrors", "Tcp.RetransSegs",
            "TcpExt.ListenOverflows", "TcpExt.ListenDrops", "TcpExt.TCPBacklogDrop", "TcpExt.TCPRcvQDrop",
            "TcpExt.TCPOFODrop", "TcpExt.PFMemallocDrop", "TcpExt.TCPMemoryPressures",
            "Udp.InErrors", "Udp.NoPorts", "Udp.RcvbufErrors", "Udp.SndbufErrors", "Udp.InCsumErrors",
            "Udp.MemErrors",
            "Udp6.InErrors", "Udp6.NoPorts", "Udp6.RcvbufErrors", "Udp6.SndbufErrors", "Udp6.InCsumErrors",
            "Udp6.MemErrors",
            "UdpLite.InErrors", "UdpLite.RcvbufErrors", "UdpLite6.InErrors", "UdpLite6.RcvbufErrors");

    /** ethtool ring names with a current size ({@code rx}) and a maximum ({@code rx_max}). */
    private static final List<String> RINGS = List.of("rx", "rx_mini", "rx_jumbo", "tx");

    /**
     * Everything one exposition shows; any part may be missing early on or when not watched.
     *
     * @param snapshot        the latest stack sample, or null before the first
     * @param drops           drop sites since monitoring started (counts are totals), or null
     * @param dropSource      "netdm", "tracepoint", or "none"
     * @param monitorHealth   the drop monitor's own counters ({@code perf_lost}, {@code netlink_overruns}...)
     * @param findings        the current findings
     * @param collectorErrors per collector: how many samples it failed in, since the start
     * @param samples         stack samples taken since the start
     * @param version         dropscope's version
     */
    public record Input(Snapshot snapshot, DropReport drops, String dropSource, Map<String, Long> monitorHealth,
                        List<Finding> findings, Map<String, Long> collectorErrors, long samples, String version) {
        public Input {
            monitorHealth = monitorHealth == null ? Map.of() : Map.copyOf(monitorHealth);
            findings = findings == null ? List.of() : List.copyOf(findings);
            collectorErrors = collectorErrors == null ? Map.of() : Map.copyOf(collectorErrors);
        }
    }

    /** One drop-site series' labels; {@code netns} is the namespace's label ({@code ip netns} name...), "" when unknown. */
    private record SiteKey(String symbol, String reason, String origin, String iface, String netns) {
        Labels labels() {
            return Labels.of("symbol", symbol, "reason", reason, "origin", origin, "interface", iface, "netns", netns);
        }

        /** Where a label set without a series of its own is counted. */
        SiteKey folded() {
            return new SiteKey(OTHER, reason, origin, "", "");
        }
    }

    private final int topSites;
    private final Set<SiteKey> own = new HashSet<>();
    private final Set<SiteKey> folded = new HashSet<>();
    private final CappedCounters socketDrops;
    private final CappedCounters rulePackets;

    public PrometheusMetrics(int topSites) {
        if (topSites < 0) {
            throw new IllegalArgumentException("topSites must be at least 0: " + topSites);
        }
        this.topSites = topSites;
        this.socketDrops = new CappedCounters(topSites, Labels.of("protocol", "", "local", "", "pid", "", "command", OTHER));
        this.rulePackets = new CappedCounters(topSites, Labels.of("family", "", "table", "", "chain", OTHER, "handle", ""));
    }

    /** Collector errors in one sample, per collector: what a single snapshot has seen. */
    public static Map<String, Long> errorCounts(Snapshot snapshot) {
        Map<String, Long> m = new TreeMap<>();
        if (snapshot != null) {
            for (CollectorError e : snapshot.errors()) {
                m.merge(e.collector(), 1L, Long::sum);
            }
        }
        return m;
    }

    /** The text exposition format (version 0.0.4) of {@code metrics}, as the official client writes it. */
    public static String text(MetricSnapshots metrics) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, metrics);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** All metrics for {@code in}. */
    public MetricSnapshots collect(Input in) {
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(InfoSnapshot.builder().name("dropscope_build").help("dropscope's version and the kernel it watches")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of(
                        "version", nz(in.version()),
                        "kernel", in.snapshot() == null ? "" : nz(in.snapshot().kernelRelease()))).build())
                .build());
        drops(in, out);
        monitor(in, out);
        Snapshot s = in.snapshot();
        if (s != null) {
            out.add(gauge("dropscope_last_sample_timestamp_seconds",
                    "When the latest stack sample was taken (Unix time)", Labels.EMPTY, s.takenAtMillis() / 1000.0));
            interfaces(s, out);
            softnet(s, out);
            snmp(s, out);
            conntrack(s.conntrack(), out);
            sockets(s.sockets(), out);
            firewall(s.firewall(), out);
        }
        findings(in.findings(), out);
        return new MetricSnapshots(out);
    }

    // ---------------------------------------------------------------- drop sites

    private void drops(Input in, List<MetricSnapshot> out) {
        DropReport report = in.drops();
        out.add(gauge("dropscope_drop_source", "The drop source in use (1): netdm, tracepoint, or none",
                Labels.of("source", nz(in.dropSource())), 1));
        if (report == null) {
            return;
        }
        Map<SiteKey, Long> counts = new LinkedHashMap<>();
        for (ResolvedDropSite site : report.sites()) {
            counts.merge(key(site), site.count(), Long::sum);
        }
        Map<SiteKey, Long> series = new TreeMap<>(Comparator.comparing(SiteKey::symbol).thenComparing(SiteKey::reason)
                .thenComparing(SiteKey::origin).thenComparing(SiteKey::iface).thenComparing(SiteKey::netns));
        synchronized (this) {
            List<Map.Entry<SiteKey, Long>> fresh = new ArrayList<>();
            for (Map.Entry<SiteKey, Long> e : counts.entrySet()) {
                if (!own.contains(e.getKey()) && !folded.contains(e.getKey())) {
                    fresh.add(e);
                }
            }
            // the biggest first when several appear in the same report; ties by name, so runs repeat
            fresh.sort(Map.Entry.<SiteKey, Long>comparingByValue().reversed()
                    .thenComparing(e -> e.getKey().toString()));
            for (Map.Entry<SiteKey, Long> e : fresh) {
                if (!e.getKey().symbol().equals(OTHER) && own.size() < topSites) {
                    own.add(e.getKey());
                } else {
                    folded.add(e.getKey());
                }
            }
            for (Map.Entry<SiteKey, Long> e : counts.entrySet()) {
                SiteKey k = e.getKey();
                SiteKey target = own.contains(k) ? k : k.folded();
                series.merge(target, e.getValue(), Long::sum);
            }
        }
        CounterSnapshot.Builder b = CounterSnapshot.builder().name("dropscope_drops")
                .help("Packets the kernel dropped since dropscope started, by drop site (function), drop reason, "
                        + "origin (software, hardware), input interface and network namespace; sites beyond --top-sites "
                        + "are summed in symbol=\"other\"");
        for (Map.Entry<SiteKey, Long> e : series.entrySet()) {
            b.dataPoint(counterPoint(e.getKey().labels(), e.getValue()));
        }
        out.add(b.build());
        out.add(counter("dropscope_drops_lost", "Drops the monitor could not deliver (its ring or socket overflowed)",
                Labels.EMPTY, report.lost()));
    }

    /** A site's labels: the function (or trap, or address), reason, origin, interface and namespace, "" when unknown. */
    private static SiteKey key(ResolvedDropSite site) {
        if (site.other()) {
            return new SiteKey(OTHER, nz(site.reason()), origin(site.origin()), "", "");
        }
        String symbol = site.symbol() != null ? site.symbol() : site.location();
        return new SiteKey(symbol, nz(site.reason()), origin(site.origin()), nz(site.interfaceName()),
                site.netns() == null ? "" : site.netns().label());
    }

    private static String origin(DropOrigin o) {
        return o == null ? "" : o.name().toLowerCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- the monitor itself

    private static void monitor(Input in, List<MetricSnapshot> out) {
        if (!in.monitorHealth().isEmpty()) {
            CounterSnapshot.Builder b = CounterSnapshot.builder().name("dropscope_monitor_events")
                    .help("The drop monitor's own counters since it started: events lost or overrun, malformed or "
                            + "foreign messages (perf_lost, netlink_overruns, ...)");
            for (Map.Entry<String, Long> e : new TreeMap<>(in.monitorHealth()).entrySet()) {
                if (!e.getKey().equals("ring_bytes_per_cpu")) {
                    b.dataPoint(counterPoint(Labels.of("counter", e.getKey()), e.getValue()));
                }
            }
            out.add(b.build());
            Long ring = in.monitorHealth().get("ring_bytes_per_cpu");
            if (ring != null) {
                out.add(gauge("dropscope_monitor_ring_bytes", "Size of the drop monitor's ring buffer per CPU",
                        Labels.EMPTY, ring));
            }
        }
        CounterSnapshot.Builder errors = CounterSnapshot.builder().name("dropscope_collector_errors")
                .help("Collector failures since dropscope started (the rest of each sample is still exported)");
        for (Map.Entry<String, Long> e : new TreeMap<>(in.collectorErrors()).entrySet()) {
            errors.dataPoint(counterPoint(Labels.of("collector", e.getKey()), e.getValue()));
        }
        out.add(errors.build());
        out.add(counter("dropscope_samples", "Stack samples taken since dropscope started", Labels.EMPTY, in.samples()));
    }

    // ---------------------------------------------------------------- interfaces

    private static void interfaces(Snapshot s, List<MetricSnapshot> out) {
        Map<String, CounterSnapshot.Builder> stats = new TreeMap<>();
        GaugeSnapshot.Builder ringSize = GaugeSnapshot.builder().name("dropscope_interface_ring_size")
                .help("NIC ring size now, in descriptors (ethtool -g)");
        GaugeSnapshot.Builder ringMax = GaugeSnapshot.builder().name("dropscope_interface_ring_max")
                .help("Largest ring size the NIC supports, in descriptors (ethtool -g)");
        GaugeSnapshot.Builder up = GaugeSnapshot.builder().name("dropscope_interface_up")
                .help("1 when the interface's operstate is UP (or UNKNOWN, as loopback reports), else 0");
        boolean anyRing = false;
        for (InterfaceStats i : s.interfaces()) {
            Labels iface = Labels.of("interface", i.name());
            up.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(iface)
                    .value("UP".equals(i.operstate()) || "UNKNOWN".equals(i.operstate()) ? 1 : 0).build());
            for (Map.Entry<String, Long> e : i.stats64().entrySet()) {
                String name = "dropscope_interface_" + e.getKey();
                stats.computeIfAbsent(name, n -> CounterSnapshot.builder().name(n)
                                .help("rtnl_link_stats64 " + e.getKey() + " (ip -s link)"))
                        .dataPoint(counterPoint(iface, e.getValue()));
            }
            Reading<Map<String, Long>> ring = i.ring();
            if (ring != null && ring.isPresent()) {
                for (String r : RINGS) {
                    Long now = ring.value().get(r);
                    Long max = ring.value().get(r + "_max");
                    Labels l = Labels.of("interface", i.name(), "ring", r);
                    if (now != null) {
                        ringSize.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l).value(now).build());
                        anyRing = true;
                    }
                    if (max != null) {
                        ringMax.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l).value(max).build());
                        anyRing = true;
                    }
                }
            }
        }
        out.add(up.build());
        for (CounterSnapshot.Builder b : stats.values()) {
            out.add(b.build());
        }
        if (anyRing) {
            out.add(ringSize.build());
            out.add(ringMax.build());
        }
    }

    // ---------------------------------------------------------------- softnet, protocols, conntrack

    private static void softnet(Snapshot s, List<MetricSnapshot> out) {
        Map<String, CounterSnapshot.Builder> columns = new TreeMap<>();
        for (SoftnetCpu cpu : s.softnet()) {
            Labels l = Labels.of("cpu", Integer.toString(cpu.cpu()));
            for (Map.Entry<String, Long> e : cpu.counters().entrySet()) {
                if (SoftnetCpu.GAUGES.contains(e.getKey())) {
                    continue;
                }
                columns.computeIfAbsent(e.getKey(), c -> CounterSnapshot.builder().name("dropscope_softnet_" + c)
                                .help("/proc/net/softnet_stat " + c + " per CPU" + softnetHelp(c)))
                        .dataPoint(counterPoint(l, e.getValue()));
            }
        }
        for (CounterSnapshot.Builder b : columns.values()) {
            out.add(b.build());
        }
    }

    private static String softnetHelp(String column) {
        return switch (column) {
            case "dropped" -> ": the backlog queue was full (net.core.netdev_max_backlog)";
            case "time_squeeze" -> ": NAPI polling ran out of budget or time (net.core.netdev_budget)";
            default -> "";
        };
    }

    private static void snmp(Snapshot s, List<MetricSnapshot> out) {
        for (String key : SNMP) {
            Long v = s.snmp().get(key);
            if (v != null) {
                int dot = key.indexOf('.');
                String name = "dropscope_snmp_" + snake(key.substring(0, dot)) + "_" + snake(key.substring(dot + 1));
                out.add(counter(name, key + " (nstat, /proc/net/snmp, snmp6, netstat)", Labels.EMPTY, v));
            }
        }
    }

    private static void conntrack(ConntrackState c, List<MetricSnapshot> out) {
        if (c == null) {
            return;
        }
        out.add(gauge("dropscope_conntrack_loaded", "1 when the nf_conntrack module is loaded", Labels.EMPTY,
                c.loaded() ? 1 : 0));
        if (c.count() != null) {
            out.add(gauge("dropscope_conntrack_entries", "Connection tracking entries now (nf_conntrack_count)",
                    Labels.EMPTY, c.count()));
        }
        if (c.max() != null) {
            out.add(gauge("dropscope_conntrack_max", "Size limit of the conntrack table (nf_conntrack_max): new "
                    + "flows are dropped when entries reach it", Labels.EMPTY, c.max()));
        }
        if (c.buckets() != null) {
            out.add(gauge("dropscope_conntrack_buckets", "Conntrack hash buckets (nf_conntrack_buckets)",
                    Labels.EMPTY, c.buckets()));
        }
        for (Map.Entry<String, Long> e : new TreeMap<>(c.stats()).entrySet()) {
            out.add(counter("dropscope_conntrack_" + e.getKey(), "Conntrack " + e.getKey()
                    + " summed over CPUs (conntrack -S)", Labels.EMPTY, e.getValue()));
        }
    }

    // ---------------------------------------------------------------- sockets and firewall rules

    /**
     * {@code dropscope_socket_drops_total{protocol,local,pid,command}}: drops of the sockets the snapshot
     * lists, summed per owner and local address. Absent when sockets are not collected.
     */
    private void sockets(SocketStats st, List<MetricSnapshot> out) {
        if (st == null) {
            return;
        }
        List<CappedCounters.Reading> now = new ArrayList<>();
        for (SocketStats.Entry e : st.sockets()) {
            if (e.drops() > 0) {
                now.add(new CappedCounters.Reading("socket " + Long.toUnsignedString(e.cookie()),
                        Labels.of("protocol", nz(e.protocol()), "local", e.local(),
                                "pid", e.pid() == 0 ? "" : Integer.toString(e.pid()), "command", nz(e.command())),
                        e.drops()));
            }
        }
        CounterSnapshot.Builder b = CounterSnapshot.builder().name("dropscope_socket_drops")
                .help("Packets sockets dropped (SK_MEMINFO_DROPS: full receive buffer, filters), by protocol, local "
                        + "address and owning process; label sets beyond --top-sites are summed in command=\"other\"");
        for (Map.Entry<Labels, Double> e : socketDrops.update(now).entrySet()) {
            b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(e.getKey()).value(e.getValue()).build());
        }
        out.add(b.build());
    }

    /**
     * {@code dropscope_firewall_rule_packets_total{family,table,chain,handle}}: packets counted by nf_tables
     * rules that have a counter. Absent when the ruleset is not read.
     */
    private void firewall(FirewallRuleset fw, List<MetricSnapshot> out) {
        if (fw == null) {
            return;
        }
        List<CappedCounters.Reading> now = new ArrayList<>();
        for (FirewallRuleset.Rule r : fw.rules()) {
            if (r.packets() != null) {
                Labels l = Labels.of("family", r.family(), "table", r.table(), "chain", r.chain(),
                        "handle", Long.toString(r.handle()));
                now.add(new CappedCounters.Reading("rule " + r.key(), l, r.packets()));
            }
        }
        CounterSnapshot.Builder b = CounterSnapshot.builder().name("dropscope_firewall_rule_packets")
                .help("Packets counted by nf_tables rules with a counter (nft -a list ruleset), by family, table, "
                        + "chain and rule handle; rules beyond --top-sites are summed in chain=\"other\"");
        for (Map.Entry<Labels, Double> e : rulePackets.update(now).entrySet()) {
            b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(e.getKey()).value(e.getValue()).build());
        }
        out.add(b.build());
    }

    /**
     * Counters from many sources (sockets, rules) under a cap on label sets, as the drop sites are capped: the
     * first {@code cap} label sets keep a series for good, later ones fold into one "other" series for good.
     * Each series is the sum of the rises of its sources since first seen (a source's first value counts whole),
     * so it never falls when a socket closes, a rule is deleted or a counter is reset: closing a socket must not
     * make "other" fall, which Prometheus would read as a reset. The last value of at most {@link #TRACKED}
     * sources is kept; one forgotten and seen again counts its value whole once more (an overcount, never a fall).
     */
    static final class CappedCounters {
        static final int TRACKED = 65_536;

        /** One source's counter now: {@code id} names the source across samples (socket cookie, rule key). */
        record Reading(String id, Labels labels, long value) {
        }

        private final int cap;
        private final Labels other;
        // no set of folded label sets: once one folds the slots are full for good, so every later one folds too,
        // and ephemeral ports in the labels would make such a set grow without end
        private final Set<Labels> own = new HashSet<>();
        private final Map<Labels, Double> totals = new HashMap<>();
        private final Map<String, Long> last = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > TRACKED;
            }
        };

        CappedCounters(int cap, Labels other) {
            this.cap = cap;
            this.other = other;
        }

        /** Takes the sources' values now; returns every series, sorted by labels. */
        synchronized Map<Labels, Double> update(List<Reading> now) {
            List<Reading> fresh = new ArrayList<>();
            Set<Labels> seen = new HashSet<>();
            for (Reading r : now) {
                if (own.size() < cap && !own.contains(r.labels()) && seen.add(r.labels())) {
                    fresh.add(r);
                }
            }
            // the biggest first when several appear at once; ties by labels, so runs repeat
            fresh.sort(Comparator.comparingLong(Reading::value).reversed().thenComparing(r -> r.labels().toString()));
            for (Reading r : fresh) {
                if (own.size() < cap && !r.labels().equals(other)) {
                    own.add(r.labels());
                }
            }
            for (Reading r : now) {
                Labels target = own.contains(r.labels()) ? r.labels() : other;
                Long was = last.put(r.id(), r.value());
                double rise = was == null || Long.compareUnsigned(r.value(), was) < 0 ? unsigned(r.value())
                        : unsigned(r.value() - was);
                totals.merge(target, rise, Double::sum);
            }
            return new TreeMap<>(totals);
        }
    }

    // ---------------------------------------------------------------- findings

    private static void findings(List<Finding> findings, List<MetricSnapshot> out) {
        Map<Labels, Long> n = new TreeMap<>();
        for (Finding f : findings) {
            n.merge(Labels.of("id", f.id(), "severity", f.severity().label()), 1L, Long::sum);
        }
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name("dropscope_finding")
                .help("Findings now (docs/findings.md): how many of this id and severity hold; absent when none");
        for (Map.Entry<Labels, Long> e : n.entrySet()) {
            b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(e.getKey()).value(e.getValue()).build());
        }
        out.add(b.build());
    }

    /**
     * {@code dropscope_scrape_duration_seconds{collector}}: the seconds each collector took in the latest
     * stack sample (node_exporter's node_scrape_collector_duration_seconds). A scrape itself serves that
     * sample and does no collecting.
     */
    public static GaugeSnapshot collectorDurations(Map<String, Double> seconds) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name("dropscope_scrape_duration_seconds")
                .help("Seconds each collector took in the latest stack sample (scrapes serve that sample)");
        for (Map.Entry<String, Double> e : new TreeMap<>(seconds).entrySet()) {
            b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("collector", e.getKey()))
                    .value(e.getValue()).build());
        }
        return b.build();
    }

    // ---------------------------------------------------------------- helpers

    /** "RcvbufErrors" to "rcvbuf_errors", "TCPBacklogDrop" to "tcp_backlog_drop", "UdpLite6" to "udp_lite6". */
    static String snake(String camel) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                char prev = camel.charAt(i - 1);
                boolean nextLower = i + 1 < camel.length() && Character.isLowerCase(camel.charAt(i + 1));
                if (Character.isLowerCase(prev) || Character.isDigit(prev) || (Character.isUpperCase(prev) && nextLower)) {
                    b.append('_');
                }
            }
            b.append(Character.toLowerCase(c));
        }
        return b.toString();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static CounterSnapshot.CounterDataPointSnapshot counterPoint(Labels labels, long value) {
        return CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(unsigned(value)).build();
    }

    /** Kernel counters are unsigned 64-bit: a value past Long.MAX_VALUE must not turn negative. */
    private static double unsigned(long v) {
        return v >= 0 ? v : (v >>> 1) * 2.0 + (v & 1);
    }

    private static CounterSnapshot counter(String name, String help, Labels labels, long value) {
        return CounterSnapshot.builder().name(name).help(help).dataPoint(counterPoint(labels, value)).build();
    }

    private static GaugeSnapshot gauge(String name, String help, Labels labels, double value) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build())
                .build();
    }
}
