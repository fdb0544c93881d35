package dev.dropscope.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Finding;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.model.Reading;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Severity;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SoftnetCpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The Prometheus mapping: a golden exposition from a fixed snapshot that Prometheus's own promtool
 * accepts, and drop-site counters that never fall while sites appear and grow in any order.
 */
class PrometheusMetricsTest {
    /** Regenerate with -Ddropscope.golden.update=true, then read the diff before committing it. */
    private static final Path GOLDEN = Path.of(System.getProperty("dropscope.repo", ""),
            "src/test/resources/golden/snapshot.prom");

    static ResolvedDropSite site(String symbol, long offset, String module, String reason, DropOrigin origin,
                                 String iface, long count, boolean other) {
        return new ResolvedDropSite(symbol == null ? 0xffffffffc0de0123L : 0xffffffff81000000L + offset, symbol, offset,
                0x200, module, reason, origin, iface == null ? -1 : 2, iface, count, count, count / 5.0, false, other);
    }

    static DropReport report(List<ResolvedDropSite> sites, long lost) {
        long total = sites.stream().mapToLong(ResolvedDropSite::count).sum();
        return new DropReport("tracepoint", 1_700_000_000_000L, 5_000_000_000L, 5_000_000_000L, total, total, lost, lost,
                sites, null);
    }

    static Snapshot snapshot() {
        Map<String, Long> eth = new LinkedHashMap<>();
        eth.put("rx_packets", 1_000_000L);
        eth.put("rx_dropped", 42L);
        eth.put("rx_missed_errors", 7L);
        eth.put("rx_bytes", Long.parseUnsignedLong("18446744073709551615")); // u64 at its top: not negative
        Map<String, Long> veth = new LinkedHashMap<>();
        veth.put("rx_packets", 5L);
        veth.put("rx_dropped", 0L);
        Map<String, Long> snmp = new LinkedHashMap<>();
        snmp.put("Udp.RcvbufErrors", 1200L);
        snmp.put("Udp.InCsumErrors", 3L);
        snmp.put("TcpExt.ListenOverflows", 9L);
        snmp.put("TcpExt.TCPBacklogDrop", 1L);
        snmp.put("Tcp.MaxConn", -1L); // not exported: a setting, not a counter
        return Snapshot.builder().takenAt(1_700_000_000_000L, 0).host("web1").kernelRelease("6.18.0-test")
                .interfaces(List.of(
                        new InterfaceStats("eth0", 2, null,
                        new InterfaceStats.Settings(Reading.of("virtio_net"), "UP", 1500, 1000, null,
                                Reading.of(Map.of("rx", 256L, "rx_max", 4096L, "tx", 256L, "tx_max", 4096L)),
                                Reading.notSupported(), Reading.notSupported()),
                        new InterfaceStats.Counters(eth, Reading.notSupported(), Reading.notSupported())),
                        new InterfaceStats("veth-a", 3, "veth",
                        new InterfaceStats.Settings(Reading.of("veth"), "LOWERLAYERDOWN", 1500, 1000, null,
                                Reading.notSupported(), Reading.notSupported(), Reading.notSupported()),
                        new InterfaceStats.Counters(veth, Reading.notSupported(), Reading.notSupported()))))
                .snmp(snmp)
                .softnet(List.of(new SoftnetCpu(0, Map.of("processed", 900L, "dropped", 12L, "time_squeeze", 40L,
                                "backlog_len", 3L)),
                        new SoftnetCpu(1, Map.of("processed", 800L, "dropped", 0L, "time_squeeze", 2L, "backlog_len", 0L))))
                .conntrack(new ConntrackState(true, 65_000L, 65_536L, 16_384L,
                        Map.of("drop", 17L, "early_drop", 4L, "insert_failed", 1L), List.of(), "ctnetlink"))
                .error("qdisc", "timed out after 5000 ms")
                .error("ethtool", "veth-a: Operation not supported")
                .error("qdisc", "a second failure in the same sample")
                .build();
    }

    static List<Finding> findings() {
        return List.of(
                new Finding("udp_rcvbuf_errors", Severity.CRITICAL, "UDP receive buffers overflow", List.of(), "x", List.of()),
                new Finding("conntrack_table_full", Severity.CRITICAL, "conntrack table full", List.of(), "x", List.of()),
                new Finding("interface_rx_dropped", Severity.WARNING, "eth0 drops", List.of(), "x", List.of()),
                new Finding("interface_rx_dropped", Severity.WARNING, "veth-a drops", List.of(), "x", List.of()));
    }

    static String golden() {
        DropReport drops = report(List.of(
                site("__udp4_lib_rcv", 0x4bc, null, "NO_SOCKET", DropOrigin.SOFTWARE, "eth0", 1000, false),
                // same labels, another offset: one series, counts added
                site("__udp4_lib_rcv", 0x51a, null, "NO_SOCKET", DropOrigin.SOFTWARE, "eth0", 20, false),
                site("nf_hook_slow", 0x9a, null, "NETFILTER_DROP", DropOrigin.SOFTWARE, "veth-a", 300, false),
                site(null, -1, null, "NOT_SPECIFIED", DropOrigin.SOFTWARE, null, 5, false),
                site("ingress_flow_action_drop", -1, null, null, DropOrigin.HARDWARE, "eth0", 2, false),
                site(null, -1, null, "NO_SOCKET", DropOrigin.SOFTWARE, null, 9, true)), 3);
        PrometheusMetrics m = new PrometheusMetrics(2);
        return PrometheusMetrics.text(m.collect(new PrometheusMetrics.Input(snapshot(), drops, "tracepoint",
                Map.of("perf_lost", 3L, "perf_malformed", 0L, "ring_bytes_per_cpu", 4_194_304L), findings(),
                PrometheusMetrics.errorCounts(snapshot()), 12, "0.1.0")));
    }

    @Test
    void fixedSnapshotMatchesTheGoldenExposition() throws IOException {
        String text = golden();
        if (Boolean.getBoolean("dropscope.golden.update")) {
            Files.writeString(GOLDEN, text, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(GOLDEN, StandardCharsets.UTF_8), text, "golden " + GOLDEN);
    }

    @Test
    void goldenPassesPromtoolCheckMetrics() throws Exception {
        Promtool.Result r = Promtool.run(golden(), "check", "metrics");
        assertEquals(0, r.exit(), r.output());
        assertEquals("", r.output().strip(), "no lint warnings");
    }

    @Test
    void promtoolReallyRejectsABrokenExposition() throws Exception {
        // the check above proves something only if promtool fails bad input fed the same way
        Promtool.Result r = Promtool.run("# TYPE x counter\nx{a=\"1\" 2\n", "check", "metrics");
        assertTrue(r.exit() != 0, r.output());
        Promtool.Result lint = Promtool.run("# HELP dropscope_Udp_RcvbufErrors_total h\n"
                + "# TYPE dropscope_Udp_RcvbufErrors_total counter\ndropscope_Udp_RcvbufErrors_total 1\n", "check", "metrics");
        assertTrue(lint.exit() != 0 && lint.output().contains("snake_case"), lint.output());
    }

    @Test
    void mappingDetails() {
        Map<String, Double> s = samples(golden());
        // two slots, biggest first: the hex-address site and the hardware trap fold, keeping reason and origin
        assertEquals(1020.0, s.get("dropscope_drops_total{interface=\"eth0\",netns=\"\",origin=\"software\",reason=\"NO_SOCKET\",symbol=\"__udp4_lib_rcv\"}"));
        assertEquals(300.0, s.get("dropscope_drops_total{interface=\"veth-a\",netns=\"\",origin=\"software\",reason=\"NETFILTER_DROP\",symbol=\"nf_hook_slow\"}"));
        assertEquals(5.0, s.get("dropscope_drops_total{interface=\"\",netns=\"\",origin=\"software\",reason=\"NOT_SPECIFIED\",symbol=\"other\"}"));
        // the aggregator's own overflow bucket is "other" whatever the slots
        assertEquals(9.0, s.get("dropscope_drops_total{interface=\"\",netns=\"\",origin=\"software\",reason=\"NO_SOCKET\",symbol=\"other\"}"));
        assertEquals(2.0, s.get("dropscope_drops_total{interface=\"\",netns=\"\",origin=\"hardware\",reason=\"\",symbol=\"other\"}"));
        assertEquals(1336.0, sum(s, "dropscope_drops_total{"), "nothing lost in folding");
        assertEquals(1.8446744073709552E19, s.get("dropscope_interface_rx_bytes_total{interface=\"eth0\"}"));
        assertEquals(42.0, s.get("dropscope_interface_rx_dropped_total{interface=\"eth0\"}"));
        assertEquals(4096.0, s.get("dropscope_interface_ring_max{interface=\"eth0\",ring=\"rx\"}"));
        assertEquals(0.0, s.get("dropscope_interface_up{interface=\"veth-a\"}"));
        assertEquals(12.0, s.get("dropscope_softnet_dropped_total{cpu=\"0\"}"));
        assertEquals(40.0, s.get("dropscope_softnet_time_squeeze_total{cpu=\"0\"}"));
        assertFalse(s.keySet().stream().anyMatch(k -> k.contains("backlog_len")), "gauges of softnet are not counters");
        assertEquals(1200.0, s.get("dropscope_snmp_udp_rcvbuf_errors_total"));
        assertEquals(9.0, s.get("dropscope_snmp_tcp_ext_listen_overflows_total"));
        assertEquals(1.0, s.get("dropscope_snmp_tcp_ext_tcp_backlog_drop_total"));
        assertFalse(s.keySet().stream().anyMatch(k -> k.contains("max_conn")));
        assertEquals(65_000.0, s.get("dropscope_conntrack_entries"));
        assertEquals(65_536.0, s.get("dropscope_conntrack_max"));
        assertEquals(17.0, s.get("dropscope_conntrack_drop_total"));
        assertEquals(2.0, s.get("dropscope_finding{id=\"interface_rx_dropped\",severity=\"warning\"}"));
        assertEquals(1.0, s.get("dropscope_finding{id=\"conntrack_table_full\",severity=\"critical\"}"));
        assertEquals(2.0, s.get("dropscope_collector_errors_total{collector=\"qdisc\"}"));
        assertEquals(3.0, s.get("dropscope_monitor_events_total{counter=\"perf_lost\"}"));
        assertEquals(3.0, s.get("dropscope_drops_lost_total"));
        assertEquals(1.0, s.get("dropscope_build_info{kernel=\"6.18.0-test\",version=\"0.1.0\"}"));
    }

    @Test
    void snakeCase() {
        assertEquals("rcvbuf_errors", PrometheusMetrics.snake("RcvbufErrors"));
        assertEquals("tcp_backlog_drop", PrometheusMetrics.snake("TCPBacklogDrop"));
        assertEquals("pf_memalloc_drop", PrometheusMetrics.snake("PFMemallocDrop"));
        assertEquals("udp_lite6", PrometheusMetrics.snake("UdpLite6"));
        assertEquals("in_csum_errors", PrometheusMetrics.snake("InCsumErrors"));
    }

    @Test
    void aSiteThatOvertakesTheTopLaterStaysInOtherSoNoCounterFalls() {
        PrometheusMetrics m = new PrometheusMetrics(1);
        Map<String, Double> first = drops(m, report(List.of(
                site("a", 1, null, "R", DropOrigin.SOFTWARE, "eth0", 5, false)), 0));
        Map<String, Double> second = drops(m, report(List.of(
                site("a", 1, null, "R", DropOrigin.SOFTWARE, "eth0", 6, false),
                site("b", 1, null, "R", DropOrigin.SOFTWARE, "eth0", 100, false)), 0));
        Map<String, Double> third = drops(m, report(List.of(
                site("a", 1, null, "R", DropOrigin.SOFTWARE, "eth0", 6, false),
                site("b", 1, null, "R", DropOrigin.SOFTWARE, "eth0", 1000, false)), 0));
        String a = "{interface=\"eth0\",netns=\"\",origin=\"software\",reason=\"R\",symbol=\"a\"}";
        String other = "{interface=\"\",netns=\"\",origin=\"software\",reason=\"R\",symbol=\"other\"}";
        assertEquals(Map.of(a, 5.0), first);
        assertEquals(Map.of(a, 6.0, other, 100.0), second);
        assertEquals(Map.of(a, 6.0, other, 1000.0), third, "b is busier than a, but moving it out of other "
                + "would make other fall");
    }

    static ResolvedDropSite inNetns(ResolvedDropSite s, NetnsIdentity netns) {
        return new ResolvedDropSite(s.address(), s.symbol(), s.offset(), s.size(), s.module(), s.reason(), s.origin(),
                s.ifindex(), s.interfaceName(), s.count(), s.delta(), s.ratePerSecond(), s.benign(), s.other(), netns);
    }

    /**
     * The same site in three namespaces is three series against the cap, labelled with each namespace's
     * label (ip netns name, container, inode); the one beyond the cap folds into "other" with
     * {@code interface=""} and {@code netns=""}, and a source without namespaces gives {@code netns=""}.
     */
    @Test
    void eachNamespaceIsASeriesOfItsOwnUnderTheSameCap() {
        String docker = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        Map<String, Double> s = drops(new PrometheusMetrics(3), report(List.of(
                inNetns(site("__udp4_lib_rcv", 0x4bc, null, "NO_SOCKET", DropOrigin.SOFTWARE, "eth0", 850, false),
                        new NetnsIdentity(4026532301L, "blue", null)),
                inNetns(site("__udp4_lib_rcv", 0x4bc, null, "NO_SOCKET", DropOrigin.SOFTWARE, "eth0", 40, false),
                        new NetnsIdentity(4026532302L, null, new NetnsIdentity.Container("docker", docker, 4711, "nginx"))),
                // another offset in the same function and namespace: the same series
                inNetns(site("__udp4_lib_rcv", 0x51a, null, "NO_SOCKET", DropOrigin.SOFTWARE, "eth0", 10, false),
                        new NetnsIdentity(4026532302L, null, new NetnsIdentity.Container("docker", docker, 4711, "nginx"))),
                site("__udp4_lib_rcv", 0x4bc, null, "NO_SOCKET", DropOrigin.SOFTWARE, "eth0", 30, false),
                inNetns(site("__udp4_lib_rcv", 0x4bc, null, "NO_SOCKET", DropOrigin.SOFTWARE, "eth0", 7, false),
                        NetnsIdentity.of(4026532303L))), 0));
        String tail = ",origin=\"software\",reason=\"NO_SOCKET\",symbol=\"__udp4_lib_rcv\"}";
        assertEquals(Map.of(
                "{interface=\"eth0\",netns=\"blue\"" + tail, 850.0,
                "{interface=\"eth0\",netns=\"docker:0123456789ab\"" + tail, 50.0,
                "{interface=\"eth0\",netns=\"\"" + tail, 30.0,
                "{interface=\"\",netns=\"\",origin=\"software\",reason=\"NO_SOCKET\",symbol=\"other\"}", 7.0), s);
    }

    /** Random sites appearing and growing in random order, any number of slots: no series ever falls. */
    @Test
    void everySeriesIsMonotonicWhateverTheOrderSitesArriveIn() {
        Random rnd = new Random(7);
        for (int run = 0; run < 20; run++) {
            PrometheusMetrics m = new PrometheusMetrics(rnd.nextInt(5));
            Map<Integer, Long> counts = new HashMap<>();
            Map<String, Double> previous = Map.of();
            for (int scrape = 0; scrape < 25; scrape++) {
                for (int k = rnd.nextInt(4); k > 0; k--) {
                    counts.merge(rnd.nextInt(12), (long) rnd.nextInt(500), Long::sum);
                }
                List<ResolvedDropSite> sites = new ArrayList<>();
                for (Map.Entry<Integer, Long> e : counts.entrySet()) {
                    int id = e.getKey();
                    sites.add(site("f" + id % 6, id, null, id % 2 == 0 ? "NO_SOCKET" : "OTHERHOST",
                            id % 5 == 0 ? DropOrigin.HARDWARE : DropOrigin.SOFTWARE, id % 3 == 0 ? null : "if" + id % 3,
                            e.getValue(), id == 11));
                    if (id % 4 != 0) { // some in namespaces: one inode, sometimes with its name
                        sites.set(sites.size() - 1, inNetns(sites.get(sites.size() - 1),
                                new NetnsIdentity(4026532300L + id % 4, id % 4 == 1 ? "blue" : null, null)));
                    }
                }
                Map<String, Double> now = drops(m, report(sites, 0));
                for (Map.Entry<String, Double> e : previous.entrySet()) {
                    assertTrue(now.containsKey(e.getKey()), "series " + e.getKey() + " vanished");
                    assertTrue(now.get(e.getKey()) >= e.getValue(), "series " + e.getKey() + " fell");
                }
                long total = counts.values().stream().mapToLong(Long::longValue).sum();
                assertEquals(total, now.values().stream().mapToDouble(Double::doubleValue).sum(), 0.0);
                previous = now;
            }
        }
    }

    private static Map<String, Double> drops(PrometheusMetrics m, DropReport r) {
        Map<String, Double> out = new TreeMap<>();
        samples(PrometheusMetrics.text(m.collect(new PrometheusMetrics.Input(null, r, "tracepoint", Map.of(), List.of(),
                Map.of(), 0, "t")))).forEach((k, v) -> {
                    if (k.startsWith("dropscope_drops_total{")) {
                        out.put(k.substring("dropscope_drops_total".length()), v);
                    }
                });
        return out;
    }

    /** Sample lines of an exposition: "name{labels}" to value. */
    static Map<String, Double> samples(String text) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                int sp = line.lastIndexOf(' ');
                m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
            }
        }
        return m;
    }

    private static double sum(Map<String, Double> s, String prefix) {
        return s.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToDouble(Map.Entry::getValue).sum();
    }
}
