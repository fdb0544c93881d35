package dev.dropscope.collect;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;

import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.FeatureState;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.NeighbourTableStats;
import dev.dropscope.model.QdiscStats;
import dev.dropscope.model.Reading;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SoftnetCpu;
import dev.dropscope.procfs.ProtocolCounters;
import dev.dropscope.sys.Syscalls;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * Every family of stack-health values, collected inside a {@link StackLab} namespace through
 * {@link NetnsScope} (the {@code --netns} path), equals what the kernel's own tool prints in that
 * namespace: ip, ethtool, sysctl, nstat, tc, conntrack. The lab changed settings from their defaults first
 * (MTU, txqueuelen, GRO, tx-gso-list, channels, rp_filter, a tbf) and sent traffic so counters moved.
 *
 * <p>Values that may move between our read and the tool's (the neighbour tables and softnet are
 * machine-wide) are compared by {@link #stable}: ours, the tool, ours again, and compared only when our two
 * reads agree; a few retries, never a sleep or a time limit.
 */
@Needs(root = true, tools = {"ip", "ethtool", "tc", "nft", "conntrack", "nstat", "sysctl"})
class StackHealthLiveTest {
    private static StackLab lab;
    private static final Syscalls SYS = Syscalls.get();

    @BeforeAll
    static void setUp() {
        lab = StackLab.create();
        lab.sendTraffic();
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) {
            lab.close();
        }
    }

    /** Runs one collector in the lab namespace and builds what it gave. */
    static Snapshot collect(Collector c) throws Exception {
        return lab.scope().call(() -> {
            Snapshot.Builder b = Snapshot.builder();
            c.collect(b);
            return b.build();
        });
    }

    static <T> void stable(String what, Callable<T> ours, Callable<T> tool) throws Exception {
        for (int attempt = 0; attempt < 10; attempt++) {
            T a = ours.call();
            T t = tool.call();
            T b = ours.call();
            if (a.equals(b)) {
                assertEquals(t, a, what);
                return;
            }
        }
        fail(what + ": our own reads kept changing, nothing to compare");
    }

    // ---------------------------------------------------------------- rtnetlink links

    static Map<String, Object> linkView(String name, int ifindex, String kind, String operstate, int mtu, int txqlen,
                                        String master, Map<String, Long> stats) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("ifindex", ifindex);
        m.put("kind", kind);
        m.put("operstate", operstate);
        m.put("mtu", mtu);
        m.put("txqlen", txqlen);
        m.put("master", master);
        m.put("stats64", new TreeMap<>(stats));
        return m;
    }

    @Test
    void interfacesEqualIpLink() throws Exception {
        LinkCollector links = new LinkCollector(SYS);
        try {
            stable("interfaces", () -> {
                Map<String, Object> out = new TreeMap<>();
                for (InterfaceStats i : collect(links).interfaces()) {
                    out.put(i.name(), linkView(i.name(), i.ifindex(), i.kind(), i.operstate(), i.mtu(), i.txqueuelen(),
                            i.master(), i.stats64()));
                }
                return out;
            }, () -> {
                Map<String, Object> out = new TreeMap<>();
                for (JsonNode l : ToolOutput.json(lab.exec("ip", "-d", "-s", "-s", "-j", "link", "show"))) {
                    out.put(l.get("ifname").asText(), linkView(l.get("ifname").asText(), l.get("ifindex").asInt(),
                            l.path("linkinfo").path("info_kind").asText(null), l.get("operstate").asText(),
                            l.get("mtu").asInt(), l.get("txqlen").asInt(), l.path("master").asText(null),
                            ToolOutput.ipStats64(l.get("stats64"))));
                }
                return out;
            });
            InterfaceStats dsa = collect(links).iface(StackLab.A);
            assertEquals(1400, dsa.mtu());
            assertEquals(500, dsa.txqueuelen());
            assertTrue(dsa.stats64().get("tx_packets") >= 20, dsa.stats64().toString());
            assertEquals(StackLab.BRIDGE, collect(links).iface(StackLab.B).master());
            assertEquals("bridge", collect(links).iface(StackLab.BRIDGE).kind());
        } finally {
            links.close();
        }
    }

    // ---------------------------------------------------------------- ethtool

    static final List<String> DEVS = List.of(StackLab.A, StackLab.B, StackLab.BRIDGE, StackLab.Q, StackLab.R, "lo");

    /** ethtool's output, or null when it said the device does not support the request. */
    static String ethtoolOrUnsupported(String... args) {
        Tools.Result r = lab.execResult(args);
        if (r.exit() != 0) {
            String why = r.out() + r.err();
            assertTrue(why.contains("Operation not supported") || why.contains("no stats available"),
                    String.join(" ", args) + " failed for another reason: " + why);
            return null;
        }
        return r.out();
    }

    static <T> T valueOrNull(Reading<T> r, String what) {
        if (r.isPresent()) {
            return r.value();
        }
        assertTrue(r.isNotSupported(), what + ": unavailable for a reason other than 'not supported': " + r.unavailable());
        return null;
    }

    @Test
    void ethtoolValuesEqualEthtool() throws Exception {
        LinkCollector links = new LinkCollector(SYS);
        try {
            Snapshot s = collect(links);
            assertEquals(List.of(), s.errors());
            for (String dev : DEVS) {
                InterfaceStats i = s.iface(dev);
                assertNotNull(i, dev);

                String k = ethtoolOrUnsupported("ethtool", "--json", "-k", dev);
                assertEquals(ToolOutput.ethtoolFeatures(ToolOutput.json(k).get(0)),
                        new TreeMap<>(valueOrNull(i.features(), dev + " features")), dev + " features");

                String l = ethtoolOrUnsupported("ethtool", "-l", dev);
                Map<String, Long> channels = valueOrNull(i.channels(), dev + " channels");
                assertEquals(l == null ? null : ToolOutput.ethtoolChannels(l),
                        channels == null ? null : new TreeMap<>(channels), dev + " channels");

                String g = ethtoolOrUnsupported("ethtool", "-g", dev);
                Map<String, Long> ring = valueOrNull(i.ring(), dev + " ring");
                assertEquals(g == null ? null : ToolOutput.ethtoolRings(g), ring == null ? null : new TreeMap<>(ring),
                        dev + " ring");

                String drv = ethtoolOrUnsupported("ethtool", "-i", dev);
                assertEquals(drv == null ? null : ToolOutput.ethtoolDriverInfo(drv).get("driver"),
                        valueOrNull(i.driver(), dev + " driver"), dev + " driver");

                String st = ethtoolOrUnsupported("ethtool", "-S", dev);
                Map<String, Long> nic = valueOrNull(i.nicStats(), dev + " nic_stats");
                assertEquals(st == null ? null : ToolOutput.ethtoolNicStats(st), nic, dev + " nic_stats");

                String std = ethtoolOrUnsupported("ethtool", "--json", "-S", dev, "--all-groups");
                Map<String, Map<String, Long>> ours = new TreeMap<>();
                valueOrNull(i.standardStats(), dev + " standard stats").forEach((gname, c) -> ours.put(gname, new TreeMap<>(c)));
                assertEquals(ToolOutput.ethtoolStandardStats(ToolOutput.json(std).get(0)), ours, dev + " standard stats");
            }
            InterfaceStats dsa = s.iface(StackLab.A);
            assertEquals(new FeatureState(true, true, false), dsa.features().value().get("rx-gro"), "ethtool -K gro on");
            assertEquals(new FeatureState(false, false, false), dsa.features().value().get("tx-gso-list"));
            assertEquals(3L, dsa.channels().value().get("rx_count"));
            assertEquals(2L, dsa.channels().value().get("tx_count"));
            assertTrue(dsa.ring().isNotSupported(), "veth has no ring parameters: " + dsa.ring());
            assertEquals("veth", dsa.driver().value());
            assertEquals((long) s.iface(StackLab.B).ifindex(), dsa.nicStats().value().get("peer_ifindex"));
            assertTrue(s.iface("lo").nicStats().isNotSupported());
        } finally {
            links.close();
        }
    }

    // ---------------------------------------------------------------- sysctl and rp_filter

    @Test
    void sysctlsAndRpFilterEqualSysctl() throws Exception {
        Snapshot s = collect(new SysctlCollector());
        assertEquals(List.of(), s.errors());
        assertTrue(s.sysctl().containsKey("net.core.rmem_max"), s.sysctl().toString());
        for (Map.Entry<String, String> e : s.sysctl().entrySet()) {
            assertEquals(lab.exec("sysctl", "-n", e.getKey()).strip(), e.getValue().strip(), e.getKey());
        }
        for (String name : SysctlCollector.SYSCTLS) {
            if (!s.sysctl().containsKey(name)) {
                assertFalse(lab.execResult("sysctl", "-n", name).exit() == 0, name + " exists in the namespace, we missed it");
            }
        }
        for (String dev : DEVS) {
            int own = Integer.parseInt(lab.exec("sysctl", "-n", "net.ipv4.conf." + dev + ".rp_filter").strip());
            int all = Integer.parseInt(lab.exec("sysctl", "-n", "net.ipv4.conf.all.rp_filter").strip());
            assertEquals(own, s.rpFilter().interfaces().get(dev), dev);
            assertEquals(all, s.rpFilter().all());
            assertEquals(Math.max(own, all), s.rpFilter().effective().get(dev), dev);
        }
        assertEquals(1, s.rpFilter().interfaces().get(StackLab.A), "the lab set rp_filter=1 on dsa");
    }

    /** Machine-wide sysctls are absent inside a namespace; the machine-wide collector reads the host's. */
    @Test
    void machineWideSysctlsEqualTheHostsSysctl() throws Exception {
        Snapshot.Builder b = Snapshot.builder();
        SysctlCollector.machineWide().collect(b);
        Snapshot s = b.build();
        assertEquals(List.of(), s.errors());
        assertTrue(s.sysctl().containsKey("net.core.netdev_max_backlog"), s.sysctl().toString());
        assertTrue(lab.execResult("sysctl", "-n", "net.core.netdev_max_backlog").exit() != 0,
                "netdev_max_backlog is machine-wide: a namespace does not show it");
        for (Map.Entry<String, String> e : s.sysctl().entrySet()) {
            assertEquals(Tools.runOrFail("sysctl", "-n", e.getKey()).strip(), e.getValue().strip(), e.getKey());
        }
    }

    // ---------------------------------------------------------------- /proc/net

    @Test
    void protocolCountersEqualNstat() throws Exception {
        ProcNetCollector procnet = new ProcNetCollector();
        Path history = Files.createTempFile("ds-coll-nstat", ".hist");
        try {
            stable("snmp", () -> {
                Map<String, Long> out = new TreeMap<>();
                collect(procnet).snmp().forEach((key, v) -> {
                    if (!dev.dropscope.model.Delta.SNMP_NON_COUNTERS.contains(key)) {
                        out.put(ProtocolCounters.nstatName(key), v);
                    }
                });
                return out;
            }, () -> {
                Map<String, Long> out = new TreeMap<>();
                String text = Tools.run(List.of("ip", "netns", "exec", lab.ns, "nstat", "-a", "-z", "-s"),
                        Map.of("NSTAT_HISTORY", history.toString())).outOrFail();
                for (String line : text.split("\n")) {
                    String[] t = line.trim().split("\\s+");
                    if (t.length >= 2 && !line.startsWith("#")) {
                        out.put(t[0], Long.parseLong(t[1]));
                    }
                }
                return out;
            });
            assertTrue(collect(procnet).snmp().get("Udp.OutDatagrams") >= 20, "the lab's UDP left through dsa");
        } finally {
            Files.deleteIfExists(history);
        }
    }

    @Test
    void softnetEqualsProcNetSoftnetStat() throws Exception {
        ProcNetCollector procnet = new ProcNetCollector();
        stable("softnet", () -> {
            Map<Integer, List<Long>> out = new TreeMap<>();
            for (SoftnetCpu c : collect(procnet).softnet()) {
                out.put(c.cpu(), List.of(c.counters().get("processed"), c.counters().get("dropped"),
                        c.counters().get("time_squeeze")));
            }
            return out;
        }, () -> {
            // the kernel's own view: the file, columns 1-3 in hex, the CPU id in column 13 (5.10+)
            Map<Integer, List<Long>> out = new TreeMap<>();
            for (String line : lab.exec("cat", "/proc/net/softnet_stat").split("\n")) {
                String[] t = line.trim().split("\\s+");
                out.put(Integer.parseInt(t[12], 16), List.of(Long.parseLong(t[0], 16), Long.parseLong(t[1], 16),
                        Long.parseLong(t[2], 16)));
            }
            return out;
        });
    }

    // ---------------------------------------------------------------- conntrack

    @Test
    void conntrackEqualsConntrackTool() throws Exception {
        ConntrackCollector ct = new ConntrackCollector(SYS);
        try {
            stable("conntrack per CPU", () -> {
                Map<Integer, Map<String, Long>> out = new TreeMap<>();
                for (ConntrackState.Cpu c : collect(ct).conntrack().perCpu()) {
                    out.put(c.cpu(), new TreeMap<>(c.stats()));
                }
                return out;
            }, () -> ToolOutput.conntrackStats(lab.exec("conntrack", "-S")));
            stable("conntrack count", () -> collect(ct).conntrack().count(),
                    () -> Long.parseLong(lab.exec("conntrack", "-C").strip()));
            ConntrackState s = collect(ct).conntrack();
            assertTrue(s.loaded());
            assertEquals(ConntrackCollector.SOURCE_CTNETLINK, s.statsSource());
            assertTrue(s.count() >= 20, "the lab's UDP flows are tracked: " + s.count());
            assertEquals(Long.parseLong(lab.exec("sysctl", "-n", "net.netfilter.nf_conntrack_max").strip()), s.max());
            assertEquals(Long.parseLong(lab.exec("sysctl", "-n", "net.netfilter.nf_conntrack_buckets").strip()), s.buckets());
            assertEquals(List.of(), collect(ct).errors());
        } finally {
            ct.close();
        }
    }

    // ---------------------------------------------------------------- neighbour tables and qdiscs

    @Test
    void neighbourTablesEqualIpNtable() throws Exception {
        NeighbourCollector nc = new NeighbourCollector(SYS);
        try {
            stable("neighbour tables", () -> {
                Map<String, List<Long>> out = new TreeMap<>();
                for (NeighbourTableStats t : collect(nc).neighbour()) {
                    List<Long> v = new java.util.ArrayList<>(List.of(t.gcThresh1(), t.gcThresh2(), t.gcThresh3(),
                            t.gcIntervalMs(), t.entries()));
                    ToolOutput.NDT_STATS.forEach(f -> v.add(t.stats().get(f)));
                    out.put(t.key(), v);
                }
                return out;
            }, () -> {
                Map<String, List<Long>> out = new TreeMap<>();
                ToolOutput.ipNeighbourTables(ToolOutput.json(lab.exec("ip", "-s", "-j", "ntable", "show")))
                        .forEach((key, j) -> {
                            List<Long> v = new java.util.ArrayList<>();
                            for (String f : List.of("thresh1", "thresh2", "thresh3", "gc_interval", "entries")) {
                                v.add(j.get(f).asLong());
                            }
                            ToolOutput.NDT_STATS.forEach(f -> v.add(j.get(f).asLong()));
                            out.put(key, v);
                        });
                return out;
            });
        } finally {
            nc.close();
        }
    }

    @Test
    void qdiscsEqualTc() throws Exception {
        QdiscCollector qc = new QdiscCollector(SYS);
        try {
            stable("qdiscs", () -> {
                Map<String, Map<String, Long>> out = new TreeMap<>();
                for (QdiscStats q : collect(qc).qdiscs()) {
                    Map<String, Long> counters = new TreeMap<>(q.stats());
                    counters.keySet().removeAll(QdiscStats.SETTINGS); // tc -s -j prints those apart, in options
                    out.put(q.dev() + " " + q.handle() + " " + q.parent() + " " + q.kind(), counters);
                }
                return out;
            }, () -> ToolOutput.tcQdiscs(ToolOutput.json(lab.exec("tc", "-s", "-j", "qdisc", "show"))));
            QdiscStats tbf = collect(qc).qdiscs().stream().filter(q -> q.kind().equals("tbf")).findFirst().orElseThrow();
            assertEquals(StackLab.Q, tbf.dev());
            assertTrue(tbf.stats().get("drops") > 0, "the burst overflowed the tbf: " + tbf);
            assertTrue(tbf.stats().get("overlimits") > 0, tbf.toString());
            assertTrue(tbf.stats().get("backlog") > 0, tbf.toString());
            JsonNode tcTbf = null;
            for (JsonNode q : ToolOutput.json(lab.exec("tc", "-j", "qdisc", "show", "dev", StackLab.Q))) {
                if (q.get("kind").asText().equals("tbf")) {
                    tcTbf = q.get("options");
                }
            }
            assertEquals(tcTbf.get("rate").asLong(), tbf.stats().get("rate_bytes_per_s"), "rate as tc shows it");
            assertEquals(tcTbf.get("burst").asLong(), tbf.stats().get("burst_bytes"), "burst as tc shows it");
            assertTrue(tbf.stats().get("limit_bytes") > 0, tbf.toString());
        } finally {
            qc.close();
        }
    }

    // ---------------------------------------------------------------- the whole loop and the command

    @Test
    void theSamplerInTheNamespaceDeliversEverySection() throws Exception {
        try (Sampler s = new Sampler(Sampler.standardCollectors(SYS, lab.scope()), lab.scope(), java.time.Duration.ofSeconds(20))) {
            Snapshot a = s.sample();
            lab.sendTraffic();
            Snapshot b = s.sample();
            assertEquals(List.of(), b.errors());
            assertEquals(lab.ns, b.netns());
            assertFalse(b.interfaces().isEmpty());
            assertFalse(b.snmp().isEmpty());
            assertFalse(b.softnet().isEmpty());
            assertNotNull(b.rpFilter());
            assertTrue(b.conntrack().loaded());
            assertEquals(lab.exec("sysctl", "-n", "net.core.rmem_max").strip(), b.sysctl().get("net.core.rmem_max"));
            assertEquals(Tools.runOrFail("sysctl", "-n", "net.core.netdev_max_backlog").strip(),
                    b.sysctl().get("net.core.netdev_max_backlog"), "machine-wide, filled in from the host");
            assertFalse(b.neighbour().isEmpty());
            assertFalse(b.qdiscs().isEmpty());
            assertFalse(b.sockstat().isEmpty());
            assertTrue(b.iface("eth0") == null, "the host's interfaces are not in the namespace");
            dev.dropscope.model.Delta d = dev.dropscope.model.Delta.between(a, b);
            assertTrue(d.interfaces().get(StackLab.A).stats64().get("tx_packets") > 0, "traffic between the samples");
            assertTrue(d.snmp().get("Udp.OutDatagrams") > 0);
        }
    }
}
