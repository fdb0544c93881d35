package dev.dropscope.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.dropscope.diagnosis.Diagnosis;
import dev.dropscope.model.CollectorError;
import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.Delta;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.FeatureState;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.NeighbourTableStats;
import dev.dropscope.model.QdiscStats;
import dev.dropscope.model.Reading;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.RpFilterState;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SoftnetCpu;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A snapshot as JSON, schema {@code dropscope.snapshot/1} (minimal: the snapshot issue owns the full
 * format). Names are the kernel's: {@code interfaces[].stats64.rx_missed_errors},
 * {@code snmp["TcpExt.ListenOverflows"]}, ethtool feature names. Counters have their per-second rates
 * next to them in {@code rates}, under the same keys. A value a device does not offer is
 * {@code {"unavailable": "not supported"}}. Maps keep the model's order, so output is stable.
 *
 * <p>{@code findings} holds the diagnosis ({@code docs/findings.md}); {@code drops} the drop sites seen
 * between the two samples, or why there were none to see.
 */
public final class SnapshotJson {
    public static final String SCHEMA = "dropscope.snapshot/1";
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SnapshotJson() {
    }

    /**
     * What the command knew about drops: the sites of the window and the monitor's own counters, or why
     * no drop source ran.
     *
     * @param report the window's sites (null when no source ran)
     * @param why    why this source was used, or why none was
     * @param health the monitor's counters (lost events, ...), empty when none
     */
    public record Drops(DropReport report, String why, Map<String, Long> health, Map<String, Source> sources) {
        public Drops {
            health = health == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(health));
            sources = sources == null ? sourcesFrom(report, why)
                    : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sources));
        }

        /** {@code sources} derived from the report: the one that ran is available and used. */
        public Drops(DropReport report, String why, Map<String, Long> health) {
            this(report, why, health, null);
        }

        public static Drops none(String why) {
            return new Drops(null, why, Map.of());
        }
    }

    /**
     * One drop source as the snapshot saw it.
     *
     * @param available true when it worked, false when it was tried and failed, null when it was not tried
     * @param used      the drops in this snapshot came from it
     * @param reason    why it was used, why it failed, or why it was not tried
     */
    public record Source(Boolean available, boolean used, String reason) {
    }

    /** The drop source ids a snapshot reports on, in a fixed order. */
    public static final List<String> SOURCE_IDS = List.of("netdm", "tracepoint", "ebpf");

    static Map<String, Source> sourcesFrom(DropReport report, String why) {
        Map<String, Source> m = new java.util.LinkedHashMap<>();
        for (String id : SOURCE_IDS) {
            if (report != null && id.equals(report.source())) {
                m.put(id, new Source(true, true, why));
            } else if (report != null) {
                m.put(id, new Source(null, false, "not tried: " + report.source() + " was used"));
            } else if (why != null && why.startsWith("no drop source")) {
                m.put(id, new Source(false, false, why));
            } else {
                m.put(id, new Source(null, false, why == null ? "not tried" : why));
            }
        }
        return m;
    }

    /** {@code after} with the rates of {@code delta} (null: no rates), and findings from counters alone. */
    public static String write(Snapshot s, Delta delta) {
        return write(s, delta, delta == null ? List.of() : Diagnosis.diagnose(delta, null, null),
                Drops.none("not watched"));
    }

    /** {@code after} with rates, the findings, and the drop sites of the window. */
    public static String write(Snapshot s, Delta delta, List<Finding> findings, Drops drops) {
        try {
            return MAPPER.writeValueAsString(tree(s, delta, findings, drops)) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("JSON output failed: " + e.getMessage(), e);
        }
    }

    public static ObjectNode tree(Snapshot s, Delta delta) {
        return tree(s, delta, delta == null ? List.of() : Diagnosis.diagnose(delta, null, null),
                Drops.none("not watched"));
    }

    public static ObjectNode tree(Snapshot s, Delta delta, List<Finding> findings, Drops drops) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("schema", SCHEMA);
        root.put("host", s.host());
        root.put("kernel", s.kernelRelease());
        root.put("netns", s.netns());
        root.put("taken_at", java.time.Instant.ofEpochMilli(s.takenAtMillis()).toString());
        root.put("taken_at_ms", s.takenAtMillis());
        if (delta != null) {
            root.put("duration_s", delta.seconds());
        } else {
            root.putNull("duration_s");
        }
        Drops d = drops == null ? Drops.none("not watched") : drops;
        ObjectNode src = root.putObject("sources");
        d.sources().forEach((id, x) -> {
            ObjectNode o = src.putObject(id);
            if (x.available() == null) {
                o.putNull("available");
            } else {
                o.put("available", x.available());
            }
            o.put("used", x.used());
            o.put("reason", x.reason());
        });
        findings(root.putArray("findings"), findings);
        drops(root.putObject("drops"), d, s.netns() != null);

        ArrayNode ifs = root.putArray("interfaces");
        for (InterfaceStats i : s.interfaces()) {
            ObjectNode o = ifs.addObject();
            o.put("name", i.name());
            o.put("ifindex", i.ifindex());
            o.put("kind", i.kind());
            reading(o, "driver", i.driver(), (n, v) -> o.put("driver", v));
            o.put("operstate", i.operstate());
            o.put("mtu", i.mtu());
            o.put("txqueuelen", i.txqueuelen());
            o.put("master", i.master());
            longs(o.putObject("stats64"), i.stats64());
            reading(o, "ring", i.ring(), (n, v) -> longs(o.putObject(n), v));
            reading(o, "channels", i.channels(), (n, v) -> longs(o.putObject(n), v));
            reading(o, "features", i.features(), (n, v) -> {
                ObjectNode f = o.putObject(n);
                for (Map.Entry<String, FeatureState> e : v.entrySet()) {
                    ObjectNode st = f.putObject(e.getKey());
                    st.put("active", e.getValue().active());
                    st.put("fixed", e.getValue().fixed());
                    st.put("wanted", e.getValue().wanted());
                }
            });
            reading(o, "nic_stats", i.nicStats(), (n, v) -> longs(o.putObject(n), v));
            reading(o, "standard_stats", i.standardStats(), (n, v) -> {
                ObjectNode g = o.putObject(n);
                v.forEach((group, counters) -> longs(g.putObject(group), counters));
            });
            RpFilterState rp = s.rpFilter();
            if (rp != null && rp.interfaces().containsKey(i.name())) {
                ObjectNode r = o.putObject("rp_filter");
                r.put("interface", rp.interfaces().get(i.name()));
                r.put("all", rp.all());
                r.put("effective", rp.effective().get(i.name()));
            }
            Delta.InterfaceRates ir = delta == null ? null : delta.interfaces().get(i.name());
            if (ir != null) {
                ObjectNode r = o.putObject("rates");
                doubles(r.putObject("stats64"), ir.stats64());
                doubles(r.putObject("nic_stats"), ir.nicStats());
            }
        }

        ArrayNode sn = root.putArray("softnet");
        for (SoftnetCpu c : s.softnet()) {
            ObjectNode o = sn.addObject();
            o.put("cpu", c.cpu());
            c.counters().forEach(o::put);
            Map<String, Double> r = delta == null ? null : delta.softnet().get(c.cpu());
            if (r != null) {
                doubles(o.putObject("rates"), r);
            }
        }

        // snmp values are signed: Tcp.MaxConn is -1 by design
        ObjectNode snmp = root.putObject("snmp");
        s.snmp().forEach(snmp::put);

        if (s.rpFilter() != null) {
            ObjectNode rp = root.putObject("rp_filter");
            rp.put("all", s.rpFilter().all());
            rp.put("default", s.rpFilter().defaultValue());
            ObjectNode per = rp.putObject("interfaces");
            s.rpFilter().interfaces().forEach(per::put);
            ObjectNode eff = rp.putObject("effective");
            s.rpFilter().effective().forEach(eff::put);
        } else {
            root.putNull("rp_filter");
        }

        ConntrackState ct = s.conntrack();
        if (ct != null) {
            ObjectNode o = root.putObject("conntrack");
            o.put("loaded", ct.loaded());
            o.put("count", ct.count());
            o.put("max", ct.max());
            o.put("buckets", ct.buckets());
            o.put("stats_source", ct.statsSource());
            longs(o.putObject("stats"), ct.stats());
            ArrayNode cpus = o.putArray("per_cpu");
            for (ConntrackState.Cpu c : ct.perCpu()) {
                ObjectNode co = cpus.addObject();
                co.put("cpu", c.cpu());
                c.stats().forEach(co::put);
            }
            if (delta != null) {
                ObjectNode r = o.putObject("rates");
                doubles(r.putObject("stats"), delta.conntrack());
            }
        } else {
            root.putNull("conntrack");
        }

        ObjectNode sys = root.putObject("sysctl");
        s.sysctl().forEach(sys::put);
        longs(root.putObject("sockstat"), s.sockstat());

        ArrayNode nb = root.putArray("neighbour");
        for (NeighbourTableStats t : s.neighbour()) {
            ObjectNode o = nb.addObject();
            o.put("family", t.family());
            o.put("name", t.name());
            o.put("gc_thresh1", t.gcThresh1());
            o.put("gc_thresh2", t.gcThresh2());
            o.put("gc_thresh3", t.gcThresh3());
            o.put("gc_interval_ms", t.gcIntervalMs());
            o.put("entries", t.entries());
            longs(o.putObject("stats"), t.stats());
            longs(o.putObject("parms"), t.parms());
            Map<String, Double> r = delta == null ? null : delta.neighbour().get(t.key());
            if (r != null) {
                doubles(o.putObject("rates"), r);
            }
        }

        ArrayNode qd = root.putArray("qdiscs");
        for (QdiscStats q : s.qdiscs()) {
            ObjectNode o = qd.addObject();
            o.put("dev", q.dev());
            o.put("ifindex", q.ifindex());
            o.put("kind", q.kind());
            o.put("handle", q.handle());
            o.put("parent", q.parent());
            longs(o.putObject("stats"), q.stats());
            Map<String, Double> r = delta == null ? null : delta.qdiscs().get(q.key());
            if (r != null) {
                doubles(o.putObject("rates"), r);
            }
        }

        if (delta != null) {
            ObjectNode r = root.putObject("rates");
            doubles(r.putObject("snmp"), delta.snmp());
        }

        ObjectNode mon = root.putObject("monitor");
        DropReport r = d.report();
        mon.put("source", r == null ? null : r.source());
        mon.put("lost_events", r == null ? 0 : r.lost());
        // the source's buffer overruns under one name: perf ring records lost, NET_DM netlink overruns, the
        // eBPF ring's lost records or drops at new sites when the eBPF site map was full
        long overruns = 0;
        for (String key : List.of("perf_lost", "netlink_overruns", "bpf_ring_lost", "bpf_lost_map_full")) {
            overruns += d.health().getOrDefault(key, 0L);
        }
        mon.put("overruns", overruns);
        longs(mon.putObject("counters"), d.health());
        ArrayNode errors = mon.putArray("collector_errors");
        for (CollectorError e : s.errors()) {
            ObjectNode o = errors.addObject();
            o.put("collector", e.collector());
            o.put("message", e.message());
        }
        return root;
    }

    /** Each finding as docs/findings.md describes it; severity by its stable label. */
    public static void findings(ArrayNode out, List<Finding> findings) {
        for (Finding f : findings) {
            ObjectNode o = out.addObject();
            o.put("id", f.id());
            o.put("severity", f.severity().label());
            o.put("title", f.title());
            ArrayNode ev = o.putArray("evidence");
            for (Evidence e : f.evidence()) {
                ev.addObject().put("name", e.name()).put("value", e.value());
            }
            o.put("explanation", f.explanation());
            ArrayNode fx = o.putArray("fixes");
            for (Fix x : f.fixes()) {
                fx.addObject().put("command", x.command()).put("persist", x.persist()).put("risk", x.risk());
            }
        }
    }

    private static void drops(ObjectNode o, Drops d, boolean namedNetns) {
        DropReport r = d == null ? null : d.report();
        o.put("source", r == null ? null : r.source());
        o.put("why", d == null ? null : d.why());
        if (r == null) {
            o.putArray("sites");
            return;
        }
        if (namedNetns) {
            o.put("scope", "machine-wide: the drop source sees every namespace, not only this one");
        }
        o.put("seconds", r.elapsedNs() / 1e9);
        o.put("total", r.total());
        o.put("lost", r.lost());
        o.put("symbols_note", r.symbolsNote());
        ArrayNode sites = o.putArray("sites");
        for (ResolvedDropSite x : r.sites()) {
            ObjectNode so = sites.addObject();
            so.put("location", x.location());
            so.put("symbol", x.symbol());
            if (x.offset() >= 0) {
                so.put("offset", x.offset());
            } else {
                so.putNull("offset");
            }
            if (x.size() >= 0) {
                so.put("size", x.size());
            } else {
                so.putNull("size");
            }
            so.put("address", String.format("0x%016x", x.address()));
            so.put("module", x.module());
            so.put("reason", x.reason());
            so.put("origin", x.origin().name().toLowerCase(java.util.Locale.ROOT));
            so.put("ifindex", x.ifindex());
            so.put("interface", x.interfaceName());
            so.put("count", x.count());
            so.put("rate_per_s", x.ratePerSecond());
            so.put("benign", x.benign());
            so.put("other", x.other());
        }
    }

    private static <T> void reading(ObjectNode o, String name, Reading<T> r, BiConsumer<String, T> present) {
        if (r == null) {
            o.putNull(name);
        } else if (r.isPresent()) {
            present.accept(name, r.value());
        } else {
            o.putObject(name).put("unavailable", r.unavailable());
        }
    }

    /** Kernel counters are unsigned: a u64 above 2^63 is written as its unsigned decimal value. */
    private static void longs(ObjectNode o, Map<String, Long> m) {
        for (Map.Entry<String, Long> e : m.entrySet()) {
            long v = e.getValue();
            if (v >= 0) {
                o.put(e.getKey(), v);
            } else {
                o.put(e.getKey(), new java.math.BigInteger(Long.toUnsignedString(v)));
            }
        }
    }

    private static void doubles(ObjectNode o, Map<String, Double> m) {
        m.forEach(o::put);
    }

    /** Parses JSON text (for tests and tools reading our own output). */
    public static JsonNode parse(String json) throws java.io.IOException {
        return MAPPER.readTree(json);
    }
}
