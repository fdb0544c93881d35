package dev.dropscope.export;

import static com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL;
import static dev.dropscope.export.Json.req;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.type.TypeFactory;

import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.Delta;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.FeatureState;
import dev.dropscope.model.FirewallRuleset;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.NeighbourTableStats;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.model.QdiscStats;
import dev.dropscope.model.Reading;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.RpFilterState;
import dev.dropscope.model.Severity;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SocketStats;
import dev.dropscope.model.SoftnetCpu;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code dropscope.snapshot/1} as records, one per JSON object of {@code docs/snapshot-schema.json}, in its
 * key order (Jackson writes record components in order, snake_case), and the two ways between them and the
 * model: {@link #of} for {@link SnapshotJson}, {@link #document} for {@link SnapshotReader}. Required fields
 * fail in the constructors with the field's name; Jackson adds the path around it.
 */
final class SnapshotDto {
    private SnapshotDto() {
    }

    record Root(String schema, String host, String kernel, String netns, String takenAt, Long takenAtMs,
                @JsonAlias("interval_seconds") Double durationS, Map<String, SnapshotJson.Source> sources,
                List<FindingDto> findings, Drops drops, List<Iface> interfaces, List<Cpu> softnet,
                @JsonSerialize(contentUsing = Json.Signed.class) Map<String, Long> snmp, Rp rpFilter,
                Conntrack conntrack, Map<String, String> sysctl, Map<String, Long> sockstat, List<Neigh> neighbour,
                List<Qdisc> qdiscs, @JsonInclude(NON_NULL) Sockets sockets, @JsonInclude(NON_NULL) Firewall firewall,
                @JsonInclude(NON_NULL) Rates rates, Monitor monitor,
                /* read only: where files before "monitor" kept them */ @JsonInclude(NON_NULL) List<Err> errors) {
    }

    record Rates(Map<String, Double> snmp) {
    }

    /** {@link SocketStats}; numbers the kernel did not send (-1) are null, as is the owner when none was found. */
    record Sockets(int total, int withDrops, boolean allDropsListed, String ownersNote, List<Sock> sockets) {
        static Sockets of(SocketStats s) {
            return s == null ? null : new Sockets(s.total(), s.withDrops(), s.allDropsListed(), s.ownersNote(),
                    s.sockets().stream().map(Sock::of).toList());
        }

        SocketStats model() {
            return new SocketStats(total, withDrops, allDropsListed,
                    list(sockets).stream().map(Sock::model).toList(), ownersNote);
        }
    }

    record Sock(String protocol, int family, String state, String localAddress, int localPort, String remoteAddress,
                int remotePort, @JsonSerialize(using = Json.U64.class) @JsonDeserialize(using = Json.U64In.class) Long cookie,
                Long inode, Long uid, Long rqueue, Long wqueue, Long rmemAlloc, Long rcvbuf, Long drops,
                Long bytesReceived, Long lastDataRecvMs, Long rcvWnd, Long sndWnd, Owner process) {
        Sock {
            req(protocol, "protocol");
            req(cookie, "cookie");
        }

        static Sock of(SocketStats.Entry e) {
            return new Sock(e.protocol(), e.family(), e.state(), e.localAddress(), e.localPort(), e.remoteAddress(),
                    e.remotePort(), e.cookie(), n(e.inode()), n(e.uid()), n(e.rqueue()), n(e.wqueue()),
                    n(e.rmemAlloc()), n(e.rcvbuf()), n(e.drops()), n(e.bytesReceived()), n(e.lastDataRecvMs()),
                    n(e.rcvWnd()), n(e.sndWnd()),
                    e.pid() == 0 && e.command() == null ? null : new Owner(e.pid(), e.command(), e.container()));
        }

        SocketStats.Entry model() {
            return new SocketStats.Entry(protocol, family, state, localAddress, localPort, remoteAddress, remotePort,
                    cookie, m(inode), m(uid), m(rqueue), m(wqueue), m(rmemAlloc), m(rcvbuf), m(drops),
                    m(bytesReceived), m(lastDataRecvMs), m(rcvWnd), m(sndWnd), process == null ? 0 : process.pid(),
                    process == null ? null : process.command(), process == null ? null : process.container());
        }

        private static Long n(long v) {
            return v < 0 ? null : v;
        }

        private static long m(Long v) {
            return v == null ? -1 : v;
        }
    }

    record Owner(int pid, String command, String container) {
    }

    /** {@link FirewallRuleset}: base chains with hook, priority and policy; rules with their counters. */
    record Firewall(boolean truncated, List<FwChain> chains, List<FwRule> rules) {
        static Firewall of(FirewallRuleset f) {
            return f == null ? null : new Firewall(f.truncated(), f.chains().stream().map(c -> new FwChain(c.family(),
                    c.table(), c.name(), c.hook(), c.priority(), c.policy(), c.type())).toList(), f.rules().stream()
                    .map(r -> new FwRule(r.family(), r.table(), r.chain(), r.handle(), r.text(), r.verdict(),
                            r.packets(), r.bytes())).toList());
        }

        FirewallRuleset model() {
            return new FirewallRuleset(list(chains).stream().map(c -> new FirewallRuleset.Chain(c.family(), c.table(),
                    c.name(), c.hook(), c.priority(), c.policy(), c.type())).toList(), list(rules).stream().map(r -> new FirewallRuleset.Rule(
                    r.family(), r.table(), r.chain(), r.handle(), r.text(), r.packets(), r.bytes(), r.verdict()))
                    .toList(), truncated);
        }
    }

    record FwChain(String family, String table, String name, String hook, int priority, String policy, String type) {
        FwChain {
            req(name, "name");
        }
    }

    record FwRule(String family, String table, String chain, long handle, String text, String verdict, Long packets,
                  Long bytes) {
        FwRule {
            req(text, "text");
        }
    }

    record FindingDto(String id, String severity, String title, List<Ev> evidence, String explanation,
                      List<FixDto> fixes) {
        FindingDto {
            req(id, "id");
            req(title, "title");
            severity(req(severity, "severity"));
        }

        Severity severity(String s) {
            try {
                return Severity.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new Json.Invalid("severity: '" + SnapshotReader.oneLine(s) + "' is not info, warning or critical");
            }
        }
    }

    record Ev(String name, String value) {
        Ev {
            req(name, "name");
            req(value, "value");
        }
    }

    record FixDto(String command, String persist, String risk) {
        FixDto {
            req(command, "command");
        }
    }

    /**
     * The window's drops; without a report only source, why and sites. {@code symbolsNote} is a node so that
     * a report without a note writes {@code null} while no report writes no key.
     */
    record Drops(String source, String why, @JsonInclude(NON_NULL) String scope, @JsonInclude(NON_NULL) Double seconds,
                 @JsonInclude(NON_NULL) Long total, @JsonInclude(NON_NULL) Long lost,
                 @JsonInclude(NON_NULL) JsonNode symbolsNote, List<Site> sites,
                 /* read only: the counters before "monitor" */ @JsonInclude(NON_NULL) Map<String, Long> monitor) {
    }

    record Site(String location, String symbol, Long offset, Long size, String address, String module, String reason,
                String origin, Integer ifindex, @JsonProperty("interface") String iface,
                @JsonInclude(NON_NULL) Netns netns, Long count,
                @JsonAlias("per_second") Double ratePerS, Boolean benign, Boolean other) {
        Site {
            req(count, "count");
        }
    }

    /**
     * A site's network namespace, as watch JSON writes it ({@link WatchJson.Netns}); absent when the source
     * does not say.
     */
    record Netns(Long inode, String name, Container container, @JsonInclude(NON_NULL) Boolean host) {
        Netns {
            req(inode, "inode");
        }

        static Netns of(NetnsIdentity n) {
            return n == null ? null : new Netns(n.inode(), n.name(), n.container() == null ? null
                    : new Container(n.container().runtime(), n.container().id(), n.container().pid(),
                    n.container().command()), n.host() ? Boolean.TRUE : null);
        }

        NetnsIdentity model() {
            return new NetnsIdentity(inode, name, container == null ? null
                    : new NetnsIdentity.Container(container.runtime(), container.id(), container.pid(), container.comm()),
                    Boolean.TRUE.equals(host));
        }
    }

    record Container(String runtime, String id, Integer pid, String comm) {
        Container {
            req(pid, "pid");
        }
    }

    record Iface(String name, Integer ifindex, String kind, Reading<String> driver, String operstate, Integer mtu,
                 Integer txqueuelen, String master, Map<String, Long> stats64, Reading<Map<String, Long>> ring,
                 Reading<Map<String, Long>> channels, Reading<Map<String, Feature>> features,
                 Reading<Map<String, Long>> nicStats, Reading<Map<String, Map<String, Long>>> standardStats,
                 @JsonInclude(NON_NULL) IfaceRp rpFilter, @JsonInclude(NON_NULL) IfaceRates rates) {
        Iface {
            req(name, "name");
            req(ifindex, "ifindex");
            req(mtu, "mtu");
            req(txqueuelen, "txqueuelen");
        }
    }

    record Feature(Boolean active, Boolean fixed, Boolean wanted) {
        Feature {
            req(active, "active");
            req(fixed, "fixed");
            req(wanted, "wanted");
        }

        static Feature of(FeatureState f) {
            return new Feature(f.active(), f.fixed(), f.wanted());
        }

        FeatureState model() {
            return new FeatureState(active, wanted, fixed);
        }
    }

    record IfaceRp(@JsonProperty("interface") Integer iface, Integer all, Integer effective) {
    }

    record IfaceRates(Map<String, Double> stats64, Map<String, Double> nicStats) {
    }

    /** A CPU of softnet or of conntrack's per_cpu: its number, then its counters as keys of the same object. */
    @JsonSerialize(using = CpuOut.class)
    @JsonDeserialize(using = CpuIn.class)
    record Cpu(int cpu, Map<String, Long> counters, Map<String, Double> rates) {
    }

    static final class CpuOut extends StdSerializer<Cpu> {
        CpuOut() {
            super(Cpu.class);
        }

        @Override
        public void serialize(Cpu c, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeStartObject();
            g.writeNumberField("cpu", c.cpu());
            for (Map.Entry<String, Long> e : c.counters().entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            if (c.rates() != null) {
                g.writeFieldName("rates");
                p.defaultSerializeValue(c.rates(), g);
            }
            g.writeEndObject();
        }
    }

    static final class CpuIn extends StdDeserializer<Cpu> {
        private static final JavaType RATES = TypeFactory.defaultInstance()
                .constructMapType(LinkedHashMap.class, String.class, Double.class);

        CpuIn() {
            super(Cpu.class);
        }

        @Override
        public Cpu deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode n = ctxt.readTree(p);
            if (!n.isObject()) {
                return (Cpu) ctxt.handleUnexpectedToken(Cpu.class, p);
            }
            Map<String, Long> counters = new LinkedHashMap<>();
            Integer cpu = null;
            Map<String, Double> rates = null;
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                try {
                    if (e.getKey().equals("cpu")) {
                        cpu = ctxt.readTreeAsValue(e.getValue(), Integer.class);
                    } else if (e.getKey().equals("rates")) {
                        rates = ctxt.readTreeAsValue(e.getValue(), RATES);
                    } else {
                        counters.put(e.getKey(), ctxt.readTreeAsValue(e.getValue(), Long.class));
                    }
                } catch (JsonMappingException | Json.Invalid x) {
                    throw JsonMappingException.wrapWithPath(x, counters, e.getKey());
                }
            }
            return new Cpu(req(cpu, "cpu"), counters, rates);
        }
    }

    record Rp(Integer all, @JsonProperty("default") Integer dflt, Map<String, Integer> interfaces,
              Map<String, Integer> effective) {
    }

    record Conntrack(Boolean loaded, Long count, Long max, Long buckets, String statsSource, Map<String, Long> stats,
                     List<Cpu> perCpu, @JsonInclude(NON_NULL) Rates rates) {
        Conntrack {
            req(loaded, "loaded");
        }

        record Rates(Map<String, Double> stats) {
        }
    }

    record Neigh(String family, String name, Long gcThresh1, Long gcThresh2, Long gcThresh3, Long gcIntervalMs,
                 Long entries, Map<String, Long> stats, Map<String, Long> parms,
                 @JsonInclude(NON_NULL) Map<String, Double> rates) {
        Neigh {
            req(gcThresh1, "gc_thresh1");
            req(gcThresh2, "gc_thresh2");
            req(gcThresh3, "gc_thresh3");
            req(gcIntervalMs, "gc_interval_ms");
        }
    }

    record Qdisc(String dev, Integer ifindex, String kind, String handle, String parent, Map<String, Long> stats,
                 @JsonInclude(NON_NULL) Map<String, Double> rates) {
        Qdisc {
            req(ifindex, "ifindex");
        }
    }

    record Monitor(String source, long lostEvents, long overruns, Map<String, Long> counters, List<Err> collectorErrors) {
    }

    record Err(String collector, String message) {
        Err {
            req(collector, "collector");
            req(message, "message");
        }
    }

    /** The document of a snapshot, its rates (null: none), findings and drops. */
    static Root of(Snapshot s, Delta delta, List<Finding> findings, SnapshotJson.Drops drops) {
        SnapshotJson.Drops d = drops == null ? SnapshotJson.Drops.none("not watched") : drops;
        RpFilterState rp = s.rpFilter();
        List<Iface> ifs = s.interfaces().stream().map(i -> {
            Delta.InterfaceRates r = delta == null ? null : delta.interfaces().get(i.name());
            return new Iface(i.name(), i.ifindex(), i.kind(), i.driver(), i.operstate(), i.mtu(),
                    i.txqueuelen(), i.master(), i.stats64(), i.ring(), i.channels(),
                    i.features() == null ? null : i.features().isPresent()
                            ? Reading.of(map(i.features().value(), Feature::of))
                            : Reading.unavailable(i.features().unavailable()),
                    i.nicStats(), i.standardStats(),
                    rp == null || !rp.interfaces().containsKey(i.name()) ? null : new IfaceRp(
                            rp.interfaces().get(i.name()), rp.all(), rp.effective().get(i.name())),
                    r == null ? null : new IfaceRates(r.stats64(), r.nicStats()));
        }).toList();
        List<Cpu> softnet = s.softnet().stream().map(c -> new Cpu(c.cpu(), c.counters(),
                delta == null ? null : delta.softnet().get(c.cpu()))).toList();
        ConntrackState ct = s.conntrack();
        Conntrack conntrack = ct == null ? null : new Conntrack(ct.loaded(), ct.count(), ct.max(),
                ct.buckets(), ct.statsSource(), ct.stats(),
                ct.perCpu().stream().map(c -> new Cpu(c.cpu(), c.stats(), null)).toList(),
                delta == null ? null : new Conntrack.Rates(delta.conntrack()));
        List<Neigh> nb = s.neighbour().stream().map(t -> new Neigh(t.family(), t.name(),
                t.gcThresh1(), t.gcThresh2(), t.gcThresh3(), t.gcIntervalMs(), t.entries(), t.stats(), t.parms(),
                delta == null ? null : delta.neighbour().get(t.key()))).toList();
        List<Qdisc> qd = s.qdiscs().stream().map(q -> new Qdisc(q.dev(), q.ifindex(), q.kind(),
                q.handle(), q.parent(), q.stats(), delta == null ? null : delta.qdiscs().get(q.key()))).toList();
        DropReport r = d.report();
        // the source's buffer overruns under one name: perf ring records lost, NET_DM netlink overruns, the
        // eBPF ring's lost records or drops at new sites when the eBPF site map was full
        long overruns = 0;
        for (String key : List.of("perf_lost", "netlink_overruns", "bpf_ring_lost", "bpf_lost_map_full")) {
            overruns += d.health().getOrDefault(key, 0L);
        }
        Monitor mon = new Monitor(r == null ? null : r.source(), r == null ? 0 : r.lost(),
                overruns, d.health(), s.errors().stream().map(e -> new Err(e.collector(), e.message())).toList());
        return new Root(SnapshotJson.SCHEMA, s.host(), s.kernelRelease(), s.netns(),
                Instant.ofEpochMilli(s.takenAtMillis()).toString(), s.takenAtMillis(),
                delta == null ? null : delta.seconds(), d.sources(), findings.stream().map(SnapshotDto::finding).toList(),
                drops(d, s.netns() != null), ifs, softnet, s.snmp(),
                rp == null ? null : new Rp(rp.all(), rp.defaultValue(), rp.interfaces(), rp.effective()),
                conntrack, s.sysctl(), s.sockstat(), nb, qd, Sockets.of(s.sockets()), Firewall.of(s.firewall()),
                delta == null ? null : new Rates(delta.snmp()), mon, null);
    }

    /** Each finding as docs/findings.md describes it; severity by its stable label. */
    static FindingDto finding(Finding f) {
        return new FindingDto(f.id(), f.severity().label(), f.title(),
                f.evidence().stream().map(e -> new Ev(e.name(), e.value())).toList(), f.explanation(),
                f.fixes().stream().map(x -> new FixDto(x.command(), x.persist(), x.risk())).toList());
    }

    static final String MACHINE_WIDE = "machine-wide: the drop source sees every namespace, not only this one";

    private static Drops drops(SnapshotJson.Drops d, boolean namedNetns) {
        DropReport r = d.report();
        if (r == null) {
            return new Drops(null, d.why(), null, null, null, null, null, List.of(), null);
        }
        List<Site> sites = r.sites().stream().map(x -> new Site(x.location(), x.symbol(),
                x.offset() >= 0 ? x.offset() : null, x.size() >= 0 ? x.size() : null,
                String.format("0x%016x", x.address()), x.module(), x.reason(),
                x.origin().name().toLowerCase(Locale.ROOT), x.ifindex(), x.interfaceName(),
                Netns.of(x.netns()), x.count(), x.ratePerSecond(), x.benign(), x.other())).toList();
        // a source that names each drop's namespace kept only this one's: the note is for those that cannot
        return new Drops(r.source(), d.why(),
                namedNetns && !d.identityKnown() ? MACHINE_WIDE : null,
                r.elapsedNs() / 1e9, r.total(), r.lost(),
                r.symbolsNote() == null ? NullNode.instance : TextNode.valueOf(r.symbolsNote()), sites, null);
    }

    private static <V, W> Map<String, W> map(Map<String, V> m, Function<V, W> f) {
        Map<String, W> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, f.apply(v)));
        return out;
    }

    /** The model of a document read, as {@link SnapshotReader} returns it. */
    static SnapshotDocument document(Root root, String schema) {
        long takenAt = takenAt(root);
        Snapshot.Builder b = Snapshot.builder().takenAt(takenAt, 0).host(root.host()).kernelRelease(root.kernel())
                .netns(root.netns());
        Map<String, Delta.InterfaceRates> ifRates = new LinkedHashMap<>();
        b.interfaces(list(root.interfaces()).stream().map(i -> {
            if (i.rates() != null) {
                ifRates.put(i.name(), new Delta.InterfaceRates(i.rates().stats64(), i.rates().nicStats()));
            }
            Reading<Map<String, Feature>> f = i.features();
            return new InterfaceStats(i.name(), i.ifindex(), i.kind(), new InterfaceStats.Settings(i.driver(),
                    i.operstate(), i.mtu(), i.txqueuelen(), i.master(), i.ring(), i.channels(),
                    f == null ? null : f.isPresent() ? Reading.of(features(f.value()))
                            : Reading.unavailable(f.unavailable())),
                    new InterfaceStats.Counters(i.stats64(), i.nicStats(), i.standardStats()));
        }).toList());
        Map<Integer, Map<String, Double>> softnetRates = new LinkedHashMap<>();
        b.softnet(list(root.softnet()).stream().map(c -> {
            if (c.rates() != null) {
                softnetRates.put(c.cpu(), c.rates());
            }
            return new SoftnetCpu(c.cpu(), c.counters());
        }).toList());
        b.snmp(root.snmp());
        Rp rp = root.rpFilter();
        if (rp != null) {
            b.rpFilter(new RpFilterState(rp.all(), rp.dflt(), rp.interfaces(), rp.effective()));
        }
        Conntrack ct = root.conntrack();
        if (ct != null) {
            b.conntrack(new ConntrackState(ct.loaded(), ct.count(), ct.max(), ct.buckets(), ct.stats(),
                    list(ct.perCpu()).stream().map(c -> new ConntrackState.Cpu(c.cpu(), c.counters())).toList(),
                    ct.statsSource()));
        }
        b.sysctl(root.sysctl()).sockstat(root.sockstat());
        Map<String, Map<String, Double>> nbRates = new LinkedHashMap<>();
        b.neighbour(list(root.neighbour()).stream().map(t -> {
            NeighbourTableStats n = new NeighbourTableStats(t.family(), t.name(), t.gcThresh1(), t.gcThresh2(),
                    t.gcThresh3(), t.gcIntervalMs(), t.entries(), t.stats(), t.parms());
            if (t.rates() != null) {
                nbRates.put(n.key(), t.rates());
            }
            return n;
        }).toList());
        Map<String, Map<String, Double>> qdRates = new LinkedHashMap<>();
        b.qdiscs(list(root.qdiscs()).stream().map(q -> {
            QdiscStats n = new QdiscStats(q.ifindex(), q.dev(), q.kind(), q.handle(), q.parent(), q.stats());
            if (q.rates() != null) {
                qdRates.put(n.key(), q.rates());
            }
            return n;
        }).toList());
        if (root.sockets() != null) {
            b.sockets(root.sockets().model());
        }
        if (root.firewall() != null) {
            b.firewall(root.firewall().model());
        }
        Monitor mon = root.monitor();
        List<Err> errs = mon != null && mon.collectorErrors() != null ? mon.collectorErrors() : root.errors();
        list(errs).forEach(e -> b.error(e.collector(), e.message()));
        Snapshot snap = b.build();

        Delta delta = null;
        if (root.durationS() != null) {
            delta = new Delta(null, snap, root.durationS(), ifRates, root.rates() == null ? Map.of() : root.rates().snmp(),
                    softnetRates, ct == null || ct.rates() == null ? Map.of() : ct.rates().stats(), qdRates, nbRates);
        }
        List<Finding> findings = list(root.findings()).stream().map(f -> new Finding(f.id(), f.severity(f.severity()),
                f.title(), list(f.evidence()).stream().map(e -> new Evidence(e.name(), e.value())).toList(),
                f.explanation(), list(f.fixes()).stream().map(x -> new Fix(x.command(), x.persist(), x.risk())).toList()))
                .toList();
        return new SnapshotDocument(schema, snap, delta, findings, drops(root, mon, takenAt));
    }

    private static long takenAt(Root root) {
        if (root.takenAtMs() != null) {
            return root.takenAtMs();
        }
        if (root.takenAt() == null) {
            throw new Json.Invalid("taken_at: missing");
        }
        try {
            return Instant.parse(root.takenAt()).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new Json.Invalid("taken_at: not an ISO-8601 time: '" + SnapshotReader.oneLine(root.takenAt()) + "'");
        }
    }

    private static SnapshotJson.Drops drops(Root root, Monitor mon, long takenAt) {
        Drops d = root.drops();
        Map<String, Long> health = mon != null && mon.counters() != null ? mon.counters()
                : d != null && d.monitor() != null ? d.monitor() : Map.of();
        if (d == null || d.source() == null) {
            return new SnapshotJson.Drops(null, d == null ? null : d.why(), health, root.sources());
        }
        long elapsedNs = Math.round(Json.req(d.seconds(), "drops.seconds") * 1e9);
        List<ResolvedDropSite> sites = new ArrayList<>();
        for (Site x : list(d.sites())) {
            sites.add(site(x, "drops.sites[" + sites.size() + "]"));
        }
        long total = Json.req(d.total(), "drops.total");
        long lost = Json.req(d.lost(), "drops.lost");
        JsonNode note = d.symbolsNote();
        if (note != null && !note.isNull() && !note.isValueNode()) {
            throw new Json.Invalid("drops.symbols_note: expected a string");
        }
        DropReport r = new DropReport(d.source(), takenAt, elapsedNs, elapsedNs, total, total, lost, lost, sites,
                note == null || note.isNull() ? null : note.asText());
        return new SnapshotJson.Drops(r, d.why(), health, root.sources());
    }

    private static ResolvedDropSite site(Site x, String path) {
        DropOrigin o;
        try {
            o = DropOrigin.valueOf(x.origin() == null ? "SOFTWARE" : x.origin().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Json.Invalid(path + ".origin: '" + SnapshotReader.oneLine(x.origin()) + "' is not software or hardware");
        }
        long address = 0;
        String a = x.address();
        if (a != null) {
            try {
                address = Long.parseUnsignedLong(a.startsWith("0x") ? a.substring(2) : a, 16);
            } catch (NumberFormatException e) {
                throw new Json.Invalid(path + ".address: '" + SnapshotReader.oneLine(a) + "' is not a hexadecimal address");
            }
        }
        return new ResolvedDropSite(address, x.symbol(), x.offset() == null ? -1 : x.offset(),
                x.size() == null ? -1 : x.size(), x.module(), x.reason(), o, x.ifindex() == null ? -1 : x.ifindex(),
                x.iface(), x.count(), x.count(), x.ratePerS() == null ? 0 : x.ratePerS(),
                Boolean.TRUE.equals(x.benign()), Boolean.TRUE.equals(x.other()),
                x.netns() == null ? null : x.netns().model());
    }

    private static Map<String, FeatureState> features(Map<String, Feature> m) {
        Map<String, FeatureState> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.model()));
        return out;
    }

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }
}
