package dev.dropscope.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.Delta;
import dev.dropscope.model.FeatureState;
import dev.dropscope.model.FirewallRuleset;
import dev.dropscope.model.Finding;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.NeighbourTableStats;
import dev.dropscope.model.QdiscStats;
import dev.dropscope.model.Reading;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SocketStats;

import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What changed from snapshot A to snapshot B: settings (sysctls, interface settings, ring and channel
 * sizes, offloads, rp_filter, conntrack and neighbour limits, qdiscs), counters per second, findings that
 * appeared or were resolved, and drop sites that appeared, vanished or changed rate. Counters are
 * compared as rates, never as raw values: two snapshots hours apart always differ in raw counts.
 *
 * <p>A rate counts as changed when it moved by more than {@link #MIN_RATE_CHANGE}/s and by more than
 * {@link #MIN_RELATIVE_CHANGE} of the larger of the two.
 */
public final class SnapshotDiff {
    public static final String SCHEMA = "dropscope.diff/1";
    public static final double MIN_RATE_CHANGE = 0.5;
    public static final double MIN_RELATIVE_CHANGE = 0.10;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One value that differs; {@code before} or {@code after} is null when it exists on one side only. */
    public record Change(String name, String before, String after) {
    }

    /** A rate that changed (per second); null on the side where the counter had no rate. */
    public record RateChange(String name, Double before, Double after) {
    }

    /**
     * A socket whose drops moved between A and B ({@code change} "rose" or "stopped"), or a listener that
     * appeared ("listening"). {@code before} is null when A did not list it.
     */
    public record SocketChange(String change, SocketStats.Entry socket, Long before, Long after) {
    }

    /** A rule in one snapshot only ({@code change} "appeared" or "disappeared"). */
    public record RuleChange(String change, FirewallRuleset.Rule rule) {
    }

    /** The whole comparison. */
    public record Result(SnapshotDocument a, SnapshotDocument b, List<Change> settings, List<RateChange> rates,
                         List<Finding> findingsAppeared, List<Finding> findingsResolved, List<Change> findingsChanged,
                         List<RateChange> dropsAppeared, List<RateChange> dropsVanished, List<RateChange> dropsChanged,
                         List<SocketChange> sockets, List<RuleChange> rules) {

        public Result(SnapshotDocument a, SnapshotDocument b, List<Change> settings, List<RateChange> rates,
                      List<Finding> findingsAppeared, List<Finding> findingsResolved, List<Change> findingsChanged,
                      List<RateChange> dropsAppeared, List<RateChange> dropsVanished, List<RateChange> dropsChanged) {
            this(a, b, settings, rates, findingsAppeared, findingsResolved, findingsChanged, dropsAppeared,
                    dropsVanished, dropsChanged, List.of(), List.of());
        }

        public boolean isEmpty() {
            return settings.isEmpty() && rates.isEmpty() && findingsAppeared.isEmpty() && findingsResolved.isEmpty()
                    && findingsChanged.isEmpty() && dropsAppeared.isEmpty() && dropsVanished.isEmpty()
                    && dropsChanged.isEmpty() && sockets.isEmpty() && rules.isEmpty();
        }

        /** Either side has sockets: the diff can say something about them. */
        boolean hasSockets() {
            return a.snapshot().sockets() != null || b.snapshot().sockets() != null;
        }

        boolean hasFirewall() {
            return a.snapshot().firewall() != null || b.snapshot().firewall() != null;
        }
    }

    private SnapshotDiff() {
    }

    public static Result compare(SnapshotDocument a, SnapshotDocument b) {
        List<Change> settings = new ArrayList<>();
        settings(settings, a.snapshot(), b.snapshot());
        List<RateChange> rates = new ArrayList<>();
        changedRates(rates, rates(a), rates(b));

        Map<String, Finding> fa = byId(a.findings());
        Map<String, Finding> fb = byId(b.findings());
        List<Finding> appeared = new ArrayList<>();
        List<Finding> resolved = new ArrayList<>();
        List<Change> changed = new ArrayList<>();
        fb.forEach((id, f) -> {
            Finding was = fa.get(id);
            if (was == null) {
                appeared.add(f);
            } else if (was.severity() != f.severity() || !was.title().equals(f.title())) {
                changed.add(new Change(id, was.severity().label() + ": " + was.title(), f.severity().label() + ": " + f.title()));
            }
        });
        fa.forEach((id, f) -> {
            if (!fb.containsKey(id)) {
                resolved.add(f);
            }
        });

        // by namespace too when both name it: against a snapshot without, every site would seem to move
        boolean netns = namesNetns(a) && namesNetns(b);
        Map<String, Double> da = drops(a, netns);
        Map<String, Double> db = drops(b, netns);
        List<RateChange> dAppeared = new ArrayList<>();
        List<RateChange> dVanished = new ArrayList<>();
        List<RateChange> dChanged = new ArrayList<>();
        db.forEach((k, v) -> {
            Double was = da.get(k);
            if (was == null) {
                dAppeared.add(new RateChange(k, null, v));
            } else if (moved(was, v)) {
                dChanged.add(new RateChange(k, was, v));
            }
        });
        da.forEach((k, v) -> {
            if (!db.containsKey(k)) {
                dVanished.add(new RateChange(k, v, null));
            }
        });
        return new Result(a, b, settings, rates, appeared, resolved, changed, dAppeared, dVanished, dChanged,
                sockets(a.snapshot().sockets(), b.snapshot().sockets()),
                rules(a.snapshot().firewall(), b.snapshot().firewall()));
    }

    /**
     * Sockets by cookie (the same socket in both): drops that rose from A to B, drops that stopped (A had
     * some, B the same count), and listeners in B on an address where A listed none. Only when both sides
     * have sockets: one side alone says nothing about change.
     */
    static List<SocketChange> sockets(SocketStats a, SocketStats b) {
        List<SocketChange> out = new ArrayList<>();
        if (a == null || b == null) {
            return out;
        }
        for (SocketStats.Entry e : b.sockets()) {
            SocketStats.Entry was = a.byCookie(e.cookie());
            if (was != null) {
                if (e.drops() > was.drops()) {
                    out.add(new SocketChange("rose", e, was.drops(), e.drops()));
                } else if (was.drops() > 0 && e.drops() == was.drops()) {
                    out.add(new SocketChange("stopped", e, was.drops(), e.drops()));
                }
            } else if (e.drops() > 0 && a.allDropsListed()) {
                // A listed every socket with drops and not this one: it had none then
                out.add(new SocketChange("rose", e, 0L, e.drops()));
            }
        }
        Set<String> listening = new LinkedHashSet<>();
        for (SocketStats.Entry e : a.sockets()) {
            if (e.isListener()) {
                listening.add(e.protocol() + " " + e.local());
            }
        }
        for (SocketStats.Entry e : b.sockets()) {
            if (e.isListener() && listening.add(e.protocol() + " " + e.local())) {
                out.add(new SocketChange("listening", e, null, null));
            }
        }
        return out;
    }

    /** Rules in one side only, by family, table, chain, handle and text; only when both sides read the ruleset. */
    static List<RuleChange> rules(FirewallRuleset a, FirewallRuleset b) {
        List<RuleChange> out = new ArrayList<>();
        if (a == null || b == null) {
            return out;
        }
        Set<String> ka = new LinkedHashSet<>();
        a.rules().forEach(r -> ka.add(ruleKey(r)));
        Set<String> kb = new LinkedHashSet<>();
        b.rules().forEach(r -> kb.add(ruleKey(r)));
        for (FirewallRuleset.Rule r : b.rules()) {
            if (!ka.contains(ruleKey(r))) {
                out.add(new RuleChange("appeared", r));
            }
        }
        for (FirewallRuleset.Rule r : a.rules()) {
            if (!kb.contains(ruleKey(r))) {
                out.add(new RuleChange("disappeared", r));
            }
        }
        return out;
    }

    private static String ruleKey(FirewallRuleset.Rule r) {
        return r.key() + ": " + r.text();
    }

    static boolean moved(double before, double after) {
        double d = Math.abs(after - before);
        return d > MIN_RATE_CHANGE && d > MIN_RELATIVE_CHANGE * Math.max(Math.abs(before), Math.abs(after));
    }

    private static Map<String, Finding> byId(List<Finding> l) {
        Map<String, Finding> m = new LinkedHashMap<>();
        for (Finding f : l) {
            m.putIfAbsent(f.id(), f);
        }
        return m;
    }

    private static boolean namesNetns(SnapshotDocument d) {
        return d.drops().report() != null && d.drops().report().sites().stream().anyMatch(s -> s.netns() != null);
    }

    /**
     * Drop sites by what identifies them across runs: location, reason, origin, interface name, and with
     * {@code netns} the namespace's label (its ip netns name, container or inode).
     */
    private static Map<String, Double> drops(SnapshotDocument d, boolean netns) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (d.drops().report() == null) {
            return m;
        }
        for (ResolvedDropSite s : d.drops().report().sites()) {
            // addresses move with KASLR between boots: symbol+offset is the stable name
            String key = s.location() + (s.reason() == null ? "" : " (" + s.reason() + ")")
                    + (s.interfaceName() == null ? "" : " on " + s.interfaceName())
                    + (netns && s.netns() != null ? " in " + s.netns().label() : "");
            m.merge(key, s.ratePerSecond(), Double::sum);
        }
        return m;
    }

    private static void settings(List<Change> out, Snapshot a, Snapshot b) {
        if (!Objects.equals(a.kernelRelease(), b.kernelRelease())) {
            out.add(new Change("kernel", a.kernelRelease(), b.kernelRelease()));
        }
        compare(out, "sysctl ", a.sysctl(), b.sysctl());
        Map<String, String> ia = new LinkedHashMap<>();
        Map<String, String> ib = new LinkedHashMap<>();
        interfaceSettings(ia, a);
        interfaceSettings(ib, b);
        compare(out, "", ia, ib);
        compare(out, "", otherSettings(a), otherSettings(b));
    }

    private static void interfaceSettings(Map<String, String> m, Snapshot s) {
        for (InterfaceStats i : s.interfaces()) {
            String p = i.name() + " ";
            m.put(p + "present", "yes");
            m.put(p + "operstate", i.operstate());
            m.put(p + "mtu", Integer.toString(i.mtu()));
            m.put(p + "txqueuelen", Integer.toString(i.txqueuelen()));
            m.put(p + "master", i.master());
            m.put(p + "driver", value(i.driver()));
            longsReading(m, p + "ring ", i.ring());
            longsReading(m, p + "channels ", i.channels());
            if (i.features() != null && i.features().isPresent()) {
                for (Map.Entry<String, FeatureState> e : i.features().value().entrySet()) {
                    m.put(p + "feature " + e.getKey(), e.getValue().active() ? "on" : "off");
                }
            }
            if (s.rpFilter() != null && s.rpFilter().effective().containsKey(i.name())) {
                m.put(p + "rp_filter (effective)", s.rpFilter().effective().get(i.name()).toString());
            }
        }
    }

    private static Map<String, String> otherSettings(Snapshot s) {
        Map<String, String> m = new LinkedHashMap<>();
        ConntrackState ct = s.conntrack();
        if (ct != null) {
            m.put("conntrack loaded", ct.loaded() ? "yes" : "no");
            m.put("conntrack max", ct.max() == null ? null : Long.toUnsignedString(ct.max()));
            m.put("conntrack buckets", ct.buckets() == null ? null : Long.toUnsignedString(ct.buckets()));
        }
        for (NeighbourTableStats t : s.neighbour()) {
            m.put(t.key() + " gc_thresh1/2/3", t.gcThresh1() + "/" + t.gcThresh2() + "/" + t.gcThresh3());
        }
        for (QdiscStats q : s.qdiscs()) {
            m.put("qdisc " + (q.dev() == null ? "#" + q.ifindex() : q.dev()) + " " + q.parent() + " " + q.handle(), q.kind());
        }
        return m;
    }

    private static String value(Reading<String> r) {
        return r == null ? null : r.isPresent() ? r.value() : "(" + r.unavailable() + ")";
    }

    private static void longsReading(Map<String, String> m, String prefix, Reading<Map<String, Long>> r) {
        if (r != null && r.isPresent()) {
            r.value().forEach((k, v) -> m.put(prefix + k, Long.toUnsignedString(v)));
        }
    }

    private static void compare(List<Change> out, String prefix, Map<String, String> a, Map<String, String> b) {
        Set<String> keys = new LinkedHashSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            String va = a.get(k);
            String vb = b.get(k);
            if (!Objects.equals(va, vb)) {
                out.add(new Change(prefix + k, va, vb));
            }
        }
    }

    /** Every rate of a document under one readable name. */
    static Map<String, Double> rates(SnapshotDocument d) {
        Map<String, Double> m = new LinkedHashMap<>();
        Delta x = d.delta();
        if (x == null) {
            return m;
        }
        x.interfaces().forEach((name, r) -> {
            r.stats64().forEach((k, v) -> m.put(name + " " + k, v));
            r.nicStats().forEach((k, v) -> m.put(name + " ethtool " + k, v));
        });
        x.snmp().forEach(m::put);
        Map<String, Double> softnet = new LinkedHashMap<>();
        x.softnet().forEach((cpu, r) -> r.forEach((k, v) -> softnet.merge("softnet " + k + " (all CPUs)", v, Double::sum)));
        m.putAll(softnet);
        x.conntrack().forEach((k, v) -> m.put("conntrack " + k, v));
        Map<String, String> qdNames = new LinkedHashMap<>();
        for (QdiscStats q : d.snapshot().qdiscs()) {
            qdNames.put(q.key(), "qdisc " + (q.dev() == null ? "#" + q.ifindex() : q.dev()) + " " + q.parent() + " " + q.handle());
        }
        x.qdiscs().forEach((key, r) -> r.forEach((k, v) -> m.put(qdNames.getOrDefault(key, "qdisc " + key) + " " + k, v)));
        x.neighbour().forEach((key, r) -> r.forEach((k, v) -> m.put(key + " " + k, v)));
        return m;
    }

    private static void changedRates(List<RateChange> out, Map<String, Double> a, Map<String, Double> b) {
        Set<String> keys = new LinkedHashSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            Double va = a.get(k);
            Double vb = b.get(k);
            if (moved(va == null ? 0 : va, vb == null ? 0 : vb)) {
                out.add(new RateChange(k, va, vb));
            }
        }
    }

    // ---- output

    public static String text(Result r, String nameA, String nameB) {
        return render(r, nameA, nameB, ReportWriter.Style.TEXT);
    }

    public static String markdown(Result r, String nameA, String nameB) {
        return render(r, nameA, nameB, ReportWriter.Style.MARKDOWN);
    }

    private static String render(Result r, String nameA, String nameB, ReportWriter.Style style) {
        ReportWriter w = new ReportWriter(style);
        w.title("dropscope diff");
        w.item("A", describe(nameA, r.a()));
        w.item("B", describe(nameB, r.b()));
        w.endItems();
        if (r.isEmpty()) {
            w.line("No differences: the same settings, findings and drop sites, and no rate moved by more than "
                    + MIN_RATE_CHANGE + "/s and " + Math.round(MIN_RELATIVE_CHANGE * 100) + "%.");
            return w.toString();
        }
        w.heading("Findings");
        List<List<String>> rows = new ArrayList<>();
        for (Finding f : r.findingsAppeared()) {
            rows.add(List.of("appeared", f.severity().label(), f.id(), f.title()));
        }
        for (Finding f : r.findingsResolved()) {
            rows.add(List.of("resolved", f.severity().label(), f.id(), f.title()));
        }
        for (Change c : r.findingsChanged()) {
            rows.add(List.of("changed", "", c.name(), c.before() + " -> " + c.after()));
        }
        w.table(List.of("", "Severity", "Id", "Title"), rows, new boolean[] {false, false, false, false},
                "The same findings in both.");

        w.heading("Settings changed");
        rows = new ArrayList<>();
        for (Change c : r.settings()) {
            rows.add(List.of(c.name(), nz(c.before()), nz(c.after())));
        }
        w.table(List.of("Setting", "A", "B"), rows, new boolean[] {false, false, false}, "No setting changed.");

        w.heading("Drop sites");
        rows = new ArrayList<>();
        for (RateChange c : r.dropsAppeared()) {
            rows.add(List.of("appeared", c.name(), "-", ReportWriter.rate(c.after())));
        }
        for (RateChange c : r.dropsVanished()) {
            rows.add(List.of("vanished", c.name(), ReportWriter.rate(c.before()), "-"));
        }
        for (RateChange c : r.dropsChanged()) {
            rows.add(List.of("changed", c.name(), ReportWriter.rate(c.before()), ReportWriter.rate(c.after())));
        }
        w.table(List.of("", "Site", "A /s", "B /s"), rows, new boolean[] {false, false, true, true},
                r.a().drops().report() == null || r.b().drops().report() == null
                        ? "Not comparable: drops were not watched in " + (r.a().drops().report() == null ? "A" : "B") + "."
                        : "The same drop sites at similar rates.");

        w.heading("Rates changed (per second)");
        rows = new ArrayList<>();
        for (RateChange c : r.rates()) {
            rows.add(List.of(c.name(), ReportWriter.rate(c.before()), ReportWriter.rate(c.after()), change(c)));
        }
        w.table(List.of("Counter", "A /s", "B /s", "Change"), rows, new boolean[] {false, true, true, true},
                "No rate moved by more than " + MIN_RATE_CHANGE + "/s and " + Math.round(MIN_RELATIVE_CHANGE * 100) + "%.");

        if (r.hasSockets()) {
            w.heading("Sockets");
            rows = new ArrayList<>();
            for (SocketChange c : r.sockets()) {
                SocketStats.Entry e = c.socket();
                rows.add(List.of(c.change(), e.protocol() + " " + e.local(), e.isListener() ? "-" : e.remote(),
                        e.pid() == 0 ? "-" : e.pid() + " " + nz(e.command()), ReportWriter.count(c.before()),
                        ReportWriter.count(c.after())));
            }
            w.table(List.of("", "Local", "Remote", "Process", "A drops", "B drops"), rows,
                    new boolean[] {false, false, false, false, true, true},
                    r.a().snapshot().sockets() == null || r.b().snapshot().sockets() == null
                            ? "Not comparable: sockets were not read in " + (r.a().snapshot().sockets() == null ? "A" : "B") + "."
                            : "No socket's drops rose or stopped, and no new listener.");
        }
        if (r.hasFirewall()) {
            w.heading("Firewall rules");
            rows = new ArrayList<>();
            for (RuleChange c : r.rules()) {
                rows.add(List.of(c.change(), c.rule().key(), c.rule().text()));
            }
            w.table(List.of("", "Rule", "Text"), rows, new boolean[] {false, false, false},
                    r.a().snapshot().firewall() == null || r.b().snapshot().firewall() == null
                            ? "Not comparable: the ruleset was not read in " + (r.a().snapshot().firewall() == null ? "A" : "B") + "."
                            : "The same rules in both.");
        }
        return w.toString();
    }

    private static String change(RateChange c) {
        double a = c.before() == null ? 0 : c.before();
        double b = c.after() == null ? 0 : c.after();
        String d = (b >= a ? "+" : "-") + ReportWriter.rate(Math.abs(b - a));
        return a == 0 ? d : d + String.format(Locale.ROOT, " (%+.0f%%)", (b - a) * 100 / a);
    }

    private static String describe(String file, SnapshotDocument d) {
        Snapshot s = d.snapshot();
        return file + ": " + nz(s.host()) + (s.netns() == null ? "" : " netns " + s.netns()) + ", "
                + Instant.ofEpochMilli(s.takenAtMillis()) + String.format(Locale.ROOT, ", %.1f s", d.durationSeconds());
    }

    public static String json(Result r, String nameA, String nameB) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("schema", SCHEMA);
        side(root.putObject("a"), nameA, r.a());
        side(root.putObject("b"), nameB, r.b());
        ArrayNode st = root.putArray("settings");
        for (Change c : r.settings()) {
            st.addObject().put("name", c.name()).put("a", c.before()).put("b", c.after());
        }
        rateArray(root.putArray("rates"), r.rates());
        ObjectNode f = root.putObject("findings");
        findingIds(f.putArray("appeared"), r.findingsAppeared());
        findingIds(f.putArray("resolved"), r.findingsResolved());
        ArrayNode fc = f.putArray("changed");
        for (Change c : r.findingsChanged()) {
            fc.addObject().put("id", c.name()).put("a", c.before()).put("b", c.after());
        }
        ObjectNode d = root.putObject("drops");
        rateArray(d.putArray("appeared"), r.dropsAppeared());
        rateArray(d.putArray("vanished"), r.dropsVanished());
        rateArray(d.putArray("changed"), r.dropsChanged());
        if (r.hasSockets()) {
            ArrayNode so = root.putArray("sockets");
            for (SocketChange c : r.sockets()) {
                SocketStats.Entry e = c.socket();
                ObjectNode o = so.addObject().put("change", c.change()).put("protocol", e.protocol())
                        .put("local", e.local()).put("remote", e.remote()).put("state", e.state())
                        .put("cookie", new BigInteger(Long.toUnsignedString(e.cookie())));
                if (e.pid() == 0) {
                    o.putNull("pid");
                } else {
                    o.put("pid", e.pid());
                }
                o.put("command", e.command());
                if (c.before() == null) {
                    o.putNull("a_drops");
                } else {
                    o.put("a_drops", c.before());
                }
                if (c.after() == null) {
                    o.putNull("b_drops");
                } else {
                    o.put("b_drops", c.after());
                }
            }
        }
        if (r.hasFirewall()) {
            ArrayNode ru = root.putArray("rules");
            for (RuleChange c : r.rules()) {
                FirewallRuleset.Rule x = c.rule();
                ru.addObject().put("change", c.change()).put("family", x.family()).put("table", x.table())
                        .put("chain", x.chain()).put("handle", x.handle()).put("text", x.text());
            }
        }
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("JSON output failed: " + e.getMessage(), e);
        }
    }

    private static void side(ObjectNode o, String file, SnapshotDocument d) {
        o.put("file", file);
        o.put("host", d.snapshot().host());
        o.put("netns", d.snapshot().netns());
        o.put("taken_at", Instant.ofEpochMilli(d.snapshot().takenAtMillis()).toString());
        o.put("duration_s", d.durationSeconds());
    }

    private static void findingIds(ArrayNode out, List<Finding> l) {
        for (Finding f : l) {
            out.addObject().put("id", f.id()).put("severity", f.severity().label()).put("title", f.title());
        }
    }

    private static void rateArray(ArrayNode out, List<RateChange> l) {
        for (RateChange c : l) {
            ObjectNode o = out.addObject().put("name", c.name());
            if (c.before() == null) {
                o.putNull("a");
            } else {
                o.put("a", c.before());
            }
            if (c.after() == null) {
                o.putNull("b");
            } else {
                o.put("b", c.after());
            }
        }
    }

    private static String nz(String s) {
        return s == null ? "-" : s;
    }
}
