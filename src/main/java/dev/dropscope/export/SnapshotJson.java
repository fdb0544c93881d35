package dev.dropscope.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.dropscope.diagnosis.Diagnosis;
import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.Delta;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Reading;
import dev.dropscope.model.RpFilterState;
import dev.dropscope.model.Snapshot;

import java.util.List;
import java.util.Map;

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
            return Json.SNAPSHOT.writerWithDefaultPrettyPrinter().writeValueAsString(dto(s, delta, findings, drops)) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("JSON output failed: " + e.getMessage(), e);
        }
    }

    static SnapshotDto.Root dto(Snapshot s, Delta delta, List<Finding> findings, Drops drops) {
        Drops d = drops == null ? Drops.none("not watched") : drops;
        RpFilterState rp = s.rpFilter();
        List<SnapshotDto.Iface> ifs = s.interfaces().stream().map(i -> {
            Delta.InterfaceRates r = delta == null ? null : delta.interfaces().get(i.name());
            return new SnapshotDto.Iface(i.name(), i.ifindex(), i.kind(), i.driver(), i.operstate(), i.mtu(),
                    i.txqueuelen(), i.master(), i.stats64(), i.ring(), i.channels(),
                    i.features() == null ? null : i.features().isPresent()
                            ? Reading.of(map(i.features().value(), SnapshotDto.Feature::of))
                            : Reading.unavailable(i.features().unavailable()),
                    i.nicStats(), i.standardStats(),
                    rp == null || !rp.interfaces().containsKey(i.name()) ? null : new SnapshotDto.IfaceRp(
                            rp.interfaces().get(i.name()), rp.all(), rp.effective().get(i.name())),
                    r == null ? null : new SnapshotDto.IfaceRates(r.stats64(), r.nicStats()));
        }).toList();
        List<SnapshotDto.Cpu> softnet = s.softnet().stream().map(c -> new SnapshotDto.Cpu(c.cpu(), c.counters(),
                delta == null ? null : delta.softnet().get(c.cpu()))).toList();
        ConntrackState ct = s.conntrack();
        SnapshotDto.Conntrack conntrack = ct == null ? null : new SnapshotDto.Conntrack(ct.loaded(), ct.count(), ct.max(),
                ct.buckets(), ct.statsSource(), ct.stats(),
                ct.perCpu().stream().map(c -> new SnapshotDto.Cpu(c.cpu(), c.stats(), null)).toList(),
                delta == null ? null : new SnapshotDto.Conntrack.Rates(delta.conntrack()));
        List<SnapshotDto.Neigh> nb = s.neighbour().stream().map(t -> new SnapshotDto.Neigh(t.family(), t.name(),
                t.gcThresh1(), t.gcThresh2(), t.gcThresh3(), t.gcIntervalMs(), t.entries(), t.stats(), t.parms(),
                delta == null ? null : delta.neighbour().get(t.key()))).toList();
        List<SnapshotDto.Qdisc> qd = s.qdiscs().stream().map(q -> new SnapshotDto.Qdisc(q.dev(), q.ifindex(), q.kind(),
                q.handle(), q.parent(), q.stats(), delta == null ? null : delta.qdiscs().get(q.key()))).toList();
        DropReport r = d.report();
        // the source's buffer overruns under one name: perf ring records lost, NET_DM netlink overruns, the
        // eBPF ring's lost records or drops at new sites when the eBPF site map was full
        long overruns = 0;
        for (String key : List.of("perf_lost", "netlink_overruns", "bpf_ring_lost", "bpf_lost_map_full")) {
            overruns += d.health().getOrDefault(key, 0L);
        }
        SnapshotDto.Monitor mon = new SnapshotDto.Monitor(r == null ? null : r.source(), r == null ? 0 : r.lost(),
                overruns, d.health(), s.errors().stream().map(e -> new SnapshotDto.Err(e.collector(), e.message())).toList());
        return new SnapshotDto.Root(SCHEMA, s.host(), s.kernelRelease(), s.netns(),
                java.time.Instant.ofEpochMilli(s.takenAtMillis()).toString(), s.takenAtMillis(),
                delta == null ? null : delta.seconds(), d.sources(), findings.stream().map(SnapshotJson::finding).toList(),
                drops(d, s.netns() != null), ifs, softnet, s.snmp(),
                rp == null ? null : new SnapshotDto.Rp(rp.all(), rp.defaultValue(), rp.interfaces(), rp.effective()),
                conntrack, s.sysctl(), s.sockstat(), nb, qd,
                delta == null ? null : new SnapshotDto.Rates(delta.snmp()), mon, null);
    }

    /** Each finding as docs/findings.md describes it; severity by its stable label. */
    static SnapshotDto.FindingDto finding(Finding f) {
        return new SnapshotDto.FindingDto(f.id(), f.severity().label(), f.title(),
                f.evidence().stream().map(e -> new SnapshotDto.Ev(e.name(), e.value())).toList(), f.explanation(),
                f.fixes().stream().map(x -> new SnapshotDto.FixDto(x.command(), x.persist(), x.risk())).toList());
    }

    private static SnapshotDto.Drops drops(Drops d, boolean namedNetns) {
        DropReport r = d.report();
        if (r == null) {
            return new SnapshotDto.Drops(null, d.why(), null, null, null, null, null, List.of(), null);
        }
        List<SnapshotDto.Site> sites = r.sites().stream().map(x -> new SnapshotDto.Site(x.location(), x.symbol(),
                x.offset() >= 0 ? x.offset() : null, x.size() >= 0 ? x.size() : null,
                String.format("0x%016x", x.address()), x.module(), x.reason(),
                x.origin().name().toLowerCase(java.util.Locale.ROOT), x.ifindex(), x.interfaceName(), x.count(),
                x.ratePerSecond(), x.benign(), x.other())).toList();
        return new SnapshotDto.Drops(r.source(), d.why(),
                namedNetns ? "machine-wide: the drop source sees every namespace, not only this one" : null,
                r.elapsedNs() / 1e9, r.total(), r.lost(),
                r.symbolsNote() == null ? NullNode.instance : TextNode.valueOf(r.symbolsNote()), sites, null);
    }

    private static <V, W> Map<String, W> map(Map<String, V> m, java.util.function.Function<V, W> f) {
        Map<String, W> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, f.apply(v)));
        return out;
    }

    /** Parses JSON text (for tests and tools reading our own output). */
    public static JsonNode parse(String json) throws java.io.IOException {
        return Json.SNAKE.readTree(json);
    }
}
