package dev.dropscope.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.Delta;
import dev.dropscope.model.DropOrigin;
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
import dev.dropscope.model.Severity;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SoftnetCpu;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@link SnapshotJson} file back into model objects, so {@code report}, {@code diff} and the
 * read-only TUI render the same records the live commands do. Every way a file can be wrong ends in a
 * {@link BadSnapshotException} with one line saying what and where; nothing else escapes.
 */
public final class SnapshotReader {
    /** The schema versions this build reads: {@code dropscope.snapshot/1}. */
    public static final int VERSION = 1;
    private static final Pattern SCHEMA = Pattern.compile("dropscope\\.snapshot/(\\d{1,9})");
    /** Snapshots are a few hundred kB; a file far above that is not one (and would only exhaust memory). */
    static final long MAX_BYTES = 256L << 20;
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    private SnapshotReader() {
    }

    /** The file cannot be used as a snapshot; the message is one line, naming the file. */
    public static final class BadSnapshotException extends IOException {
        private static final long serialVersionUID = 1L;

        public BadSnapshotException(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** Reads and checks {@code file}. */
    public static SnapshotDocument read(Path file) throws BadSnapshotException {
        String text;
        try {
            if (Files.isDirectory(file)) {
                throw new BadSnapshotException("cannot read " + file + ": it is a directory");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new BadSnapshotException("cannot read " + file + ": " + Files.size(file)
                        + " bytes is too large for a snapshot (at most " + MAX_BYTES + ")");
            }
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (BadSnapshotException e) {
            throw e;
        } catch (NoSuchFileException e) {
            throw new BadSnapshotException("cannot read " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new BadSnapshotException("cannot read " + file + ": permission denied");
        } catch (CharacterCodingException e) {
            throw new BadSnapshotException(file + " is not a dropscope snapshot: not UTF-8 text");
        } catch (IOException e) {
            throw new BadSnapshotException("cannot read " + file + ": " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    /** Parses snapshot JSON text; {@code name} names it in messages. */
    public static SnapshotDocument parse(String text, String name) throws BadSnapshotException {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            // failing at the very end of the text: it stopped early (a copy cut short, a full disk)
            boolean atEnd = e.getLocation() != null && e.getLocation().getCharOffset() >= text.stripTrailing().length() - 1;
            String what = atEnd || (e.getOriginalMessage() != null && e.getOriginalMessage().contains("end-of-input"))
                    ? "truncated" : "corrupt";
            throw new BadSnapshotException(name + " is not a complete JSON document (" + what + where + ")");
        }
        if (root == null || root.isMissingNode()) {
            throw new BadSnapshotException(name + " is empty, not a dropscope snapshot");
        }
        if (!root.isObject() || !root.path("schema").isTextual()) {
            throw new BadSnapshotException(name + " is not a dropscope snapshot (no \"schema\": \"dropscope.snapshot/"
                    + VERSION + "\")");
        }
        String schema = root.get("schema").asText();
        Matcher m = SCHEMA.matcher(schema);
        if (!m.matches()) {
            throw new BadSnapshotException(name + " is not a dropscope snapshot (schema '" + oneLine(schema) + "')");
        }
        int version = Integer.parseInt(m.group(1));
        if (version > VERSION) {
            throw new BadSnapshotException(name + " is a " + schema + " snapshot, newer than this dropscope reads ("
                    + SnapshotJson.SCHEMA + "): use a newer dropscope");
        }
        if (version < 1) {
            throw new BadSnapshotException(name + " has an unknown schema version '" + schema + "'");
        }
        try {
            return new Doc(name).document(root, schema);
        } catch (Invalid e) {
            throw new BadSnapshotException(name + ": invalid snapshot: " + e.getMessage());
        }
    }

    private static String oneLine(String s) {
        String t = s.replaceAll("[\\p{Cntrl}]", "?");
        return t.length() > 60 ? t.substring(0, 60) + "..." : t;
    }

    /** A field missing or of the wrong type: the message names its JSON path. */
    private static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** One read: walks the tree, every accessor naming the path it was at when it fails. */
    private static final class Doc {
        private final String name;

        Doc(String name) {
            this.name = name;
        }

        SnapshotDocument document(JsonNode root, String schema) {
            long takenAt = takenAt(root);
            Snapshot.Builder b = Snapshot.builder().takenAt(takenAt, 0)
                    .host(text(root, "host", "host")).kernelRelease(text(root, "kernel", "kernel"))
                    .netns(text(root, "netns", "netns"));
            List<InterfaceStats> ifs = new ArrayList<>();
            Map<String, Delta.InterfaceRates> ifRates = new LinkedHashMap<>();
            forEach(root, "interfaces", (i, path) -> {
                InterfaceStats s = new InterfaceStats(req(i, "name", path).asText(), (int) num(i, "ifindex", path),
                        text(i, "kind", path), reading(i.get("driver"), path + ".driver", JsonNode::asText),
                        text(i, "operstate", path), (int) num(i, "mtu", path), (int) num(i, "txqueuelen", path),
                        text(i, "master", path), longs(i.get("stats64"), path + ".stats64"),
                        reading(i.get("ring"), path + ".ring", n -> longs(n, path + ".ring")),
                        reading(i.get("channels"), path + ".channels", n -> longs(n, path + ".channels")),
                        reading(i.get("features"), path + ".features", n -> features(n, path + ".features")),
                        reading(i.get("nic_stats"), path + ".nic_stats", n -> longs(n, path + ".nic_stats")),
                        reading(i.get("standard_stats"), path + ".standard_stats", n -> groups(n, path + ".standard_stats")));
                ifs.add(s);
                JsonNode r = i.get("rates");
                if (r != null && !r.isNull()) {
                    ifRates.put(s.name(), new Delta.InterfaceRates(doubles(r.get("stats64"), path + ".rates.stats64"),
                            doubles(r.get("nic_stats"), path + ".rates.nic_stats")));
                }
            });
            b.interfaces(ifs);

            List<SoftnetCpu> softnet = new ArrayList<>();
            Map<Integer, Map<String, Double>> softnetRates = new LinkedHashMap<>();
            forEach(root, "softnet", (c, path) -> {
                int cpu = (int) num(c, "cpu", path);
                Map<String, Long> counters = new LinkedHashMap<>();
                c.fields().forEachRemaining(e -> {
                    if (!e.getKey().equals("cpu") && !e.getKey().equals("rates")) {
                        counters.put(e.getKey(), asLong(e.getValue(), path + "." + e.getKey()));
                    }
                });
                softnet.add(new SoftnetCpu(cpu, counters));
                if (c.has("rates")) {
                    softnetRates.put(cpu, doubles(c.get("rates"), path + ".rates"));
                }
            });
            b.softnet(softnet);
            b.snmp(longs(root.get("snmp"), "snmp"));

            JsonNode rp = root.get("rp_filter");
            if (rp != null && !rp.isNull()) {
                b.rpFilter(new RpFilterState(integer(rp, "all", "rp_filter"), integer(rp, "default", "rp_filter"),
                        ints(rp.get("interfaces"), "rp_filter.interfaces"), ints(rp.get("effective"), "rp_filter.effective")));
            }

            Map<String, Double> ctRates = Map.of();
            JsonNode ct = root.get("conntrack");
            if (ct != null && !ct.isNull()) {
                List<ConntrackState.Cpu> cpus = new ArrayList<>();
                forEach(ct, "per_cpu", (c, path) -> {
                    Map<String, Long> st = new LinkedHashMap<>();
                    c.fields().forEachRemaining(e -> {
                        if (!e.getKey().equals("cpu")) {
                            st.put(e.getKey(), asLong(e.getValue(), "conntrack." + path + "." + e.getKey()));
                        }
                    });
                    cpus.add(new ConntrackState.Cpu((int) num(c, "cpu", "conntrack." + path), st));
                });
                b.conntrack(new ConntrackState(bool(ct, "loaded", "conntrack"), optLong(ct, "count", "conntrack"),
                        optLong(ct, "max", "conntrack"), optLong(ct, "buckets", "conntrack"),
                        longs(ct.get("stats"), "conntrack.stats"), cpus, text(ct, "stats_source", "conntrack")));
                if (ct.has("rates")) {
                    ctRates = doubles(ct.get("rates").get("stats"), "conntrack.rates.stats");
                }
            }

            Map<String, String> sysctl = new LinkedHashMap<>();
            JsonNode sys = root.get("sysctl");
            if (sys != null && !sys.isNull()) {
                object(sys, "sysctl").fields().forEachRemaining(e -> sysctl.put(e.getKey(), e.getValue().asText()));
            }
            b.sysctl(sysctl);
            b.sockstat(longs(root.get("sockstat"), "sockstat"));

            List<NeighbourTableStats> nb = new ArrayList<>();
            Map<String, Map<String, Double>> nbRates = new LinkedHashMap<>();
            forEach(root, "neighbour", (t, path) -> {
                NeighbourTableStats s = new NeighbourTableStats(text(t, "family", path), text(t, "name", path),
                        num(t, "gc_thresh1", path), num(t, "gc_thresh2", path), num(t, "gc_thresh3", path),
                        num(t, "gc_interval_ms", path), optLong(t, "entries", path), longs(t.get("stats"), path + ".stats"),
                        longs(t.get("parms"), path + ".parms"));
                nb.add(s);
                if (t.has("rates")) {
                    nbRates.put(s.key(), doubles(t.get("rates"), path + ".rates"));
                }
            });
            b.neighbour(nb);

            List<QdiscStats> qd = new ArrayList<>();
            Map<String, Map<String, Double>> qdRates = new LinkedHashMap<>();
            forEach(root, "qdiscs", (q, path) -> {
                QdiscStats s = new QdiscStats((int) num(q, "ifindex", path), text(q, "dev", path), text(q, "kind", path),
                        text(q, "handle", path), text(q, "parent", path), longs(q.get("stats"), path + ".stats"));
                qd.add(s);
                if (q.has("rates")) {
                    qdRates.put(s.key(), doubles(q.get("rates"), path + ".rates"));
                }
            });
            b.qdiscs(qd);

            JsonNode mon = root.get("monitor");
            JsonNode errs = mon != null && mon.has("collector_errors") ? mon.get("collector_errors") : root.get("errors");
            if (errs != null && !errs.isNull()) {
                int k = 0;
                for (JsonNode e : array(errs, "monitor.collector_errors")) {
                    String path = "monitor.collector_errors[" + k++ + "]";
                    b.error(req(e, "collector", path).asText(), req(e, "message", path).asText());
                }
            }
            Snapshot snap = b.build();

            JsonNode dur = root.has("duration_s") ? root.get("duration_s") : root.get("interval_seconds");
            Delta delta = null;
            if (dur != null && !dur.isNull()) {
                if (!dur.isNumber()) {
                    throw new Invalid("duration_s: expected a number");
                }
                JsonNode rates = root.get("rates");
                Map<String, Double> snmpRates = rates == null || rates.isNull() ? Map.of()
                        : doubles(rates.get("snmp"), "rates.snmp");
                delta = new Delta(null, snap, dur.asDouble(), ifRates, snmpRates, softnetRates, ctRates, qdRates, nbRates);
            }

            List<Finding> findings = new ArrayList<>();
            forEach(root, "findings", (f, path) -> findings.add(finding(f, path)));

            SnapshotJson.Drops drops = drops(root.get("drops"), root.get("sources"), mon, takenAt);
            return new SnapshotDocument(schema, snap, delta, findings, drops);
        }

        private long takenAt(JsonNode root) {
            if (root.has("taken_at_ms") && root.get("taken_at_ms").isIntegralNumber()) {
                return root.get("taken_at_ms").asLong();
            }
            JsonNode t = root.get("taken_at");
            if (t == null || !t.isTextual()) {
                throw new Invalid("taken_at: missing");
            }
            try {
                return Instant.parse(t.asText()).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new Invalid("taken_at: not an ISO-8601 time: '" + oneLine(t.asText()) + "'");
            }
        }

        private Finding finding(JsonNode f, String path) {
            String sev = req(f, "severity", path).asText();
            Severity severity;
            try {
                severity = Severity.valueOf(sev.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new Invalid(path + ".severity: '" + oneLine(sev) + "' is not info, warning or critical");
            }
            List<Evidence> ev = new ArrayList<>();
            forEach(f, "evidence", (e, p) -> ev.add(new Evidence(req(e, "name", path + "." + p).asText(),
                    req(e, "value", path + "." + p).asText())));
            List<Fix> fixes = new ArrayList<>();
            forEach(f, "fixes", (x, p) -> fixes.add(new Fix(req(x, "command", path + "." + p).asText(),
                    text(x, "persist", path + "." + p), text(x, "risk", path + "." + p))));
            return new Finding(req(f, "id", path).asText(), severity, req(f, "title", path).asText(), ev,
                    text(f, "explanation", path), fixes);
        }

        private SnapshotJson.Drops drops(JsonNode d, JsonNode sources, JsonNode mon, long takenAt) {
            Map<String, SnapshotJson.Source> src = null;
            if (sources != null && !sources.isNull()) {
                src = new LinkedHashMap<>();
                Iterator<Map.Entry<String, JsonNode>> it = object(sources, "sources").fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String path = "sources." + e.getKey();
                    JsonNode a = e.getValue().get("available");
                    src.put(e.getKey(), new SnapshotJson.Source(a == null || a.isNull() ? null : a.asBoolean(),
                            bool(e.getValue(), "used", path), text(e.getValue(), "reason", path)));
                }
            }
            Map<String, Long> health = Map.of();
            if (mon != null && mon.has("counters")) {
                health = longs(mon.get("counters"), "monitor.counters");
            } else if (d != null && d.has("monitor")) {
                health = longs(d.get("monitor"), "drops.monitor");
            }
            if (d == null || d.isNull()) {
                return new SnapshotJson.Drops(null, null, health, src);
            }
            String why = text(d, "why", "drops");
            String source = text(d, "source", "drops");
            if (source == null) {
                return new SnapshotJson.Drops(null, why, health, src);
            }
            long elapsedNs = Math.round(req(d, "seconds", "drops").asDouble() * 1e9);
            List<ResolvedDropSite> sites = new ArrayList<>();
            forEach(d, "sites", (x, p) -> sites.add(site(x, "drops." + p)));
            long total = num(d, "total", "drops");
            long lost = num(d, "lost", "drops");
            DropReport r = new DropReport(source, takenAt, elapsedNs, elapsedNs, total, total, lost, lost, sites,
                    text(d, "symbols_note", "drops"));
            return new SnapshotJson.Drops(r, why, health, src);
        }

        private ResolvedDropSite site(JsonNode x, String path) {
            String origin = text(x, "origin", path);
            DropOrigin o;
            try {
                o = DropOrigin.valueOf(origin == null ? "SOFTWARE" : origin.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new Invalid(path + ".origin: '" + oneLine(origin) + "' is not software or hardware");
            }
            long address = 0;
            String a = text(x, "address", path);
            if (a != null) {
                try {
                    address = Long.parseUnsignedLong(a.startsWith("0x") ? a.substring(2) : a, 16);
                } catch (NumberFormatException e) {
                    throw new Invalid(path + ".address: '" + oneLine(a) + "' is not a hexadecimal address");
                }
            }
            long count = num(x, "count", path);
            JsonNode rate = x.has("rate_per_s") ? x.get("rate_per_s") : x.get("per_second");
            Long offset = optLong(x, "offset", path);
            Long size = optLong(x, "size", path);
            Long ifindex = optLong(x, "ifindex", path);
            return new ResolvedDropSite(address, text(x, "symbol", path), offset == null ? -1 : offset,
                    size == null ? -1 : size, text(x, "module", path), text(x, "reason", path), o,
                    ifindex == null ? -1 : ifindex.intValue(), text(x, "interface", path), count, count,
                    rate == null ? 0 : rate.asDouble(), x.path("benign").asBoolean(false), x.path("other").asBoolean(false));
        }

        // ---- accessors: each names the path when the value is not what the schema says

        private interface Each {
            void accept(JsonNode n, String path);
        }

        private void forEach(JsonNode parent, String field, Each each) {
            JsonNode a = parent.get(field);
            if (a == null || a.isNull()) {
                return;
            }
            int i = 0;
            for (JsonNode n : array(a, field)) {
                String path = field + "[" + i++ + "]";
                if (!n.isObject()) {
                    throw new Invalid(path + ": expected an object");
                }
                each.accept(n, path);
            }
        }

        private static JsonNode array(JsonNode n, String path) {
            if (!n.isArray()) {
                throw new Invalid(path + ": expected an array");
            }
            return n;
        }

        private static JsonNode object(JsonNode n, String path) {
            if (!n.isObject()) {
                throw new Invalid(path + ": expected an object");
            }
            return n;
        }

        private static JsonNode req(JsonNode o, String field, String path) {
            JsonNode n = o.get(field);
            if (n == null || n.isNull()) {
                throw new Invalid(path + "." + field + ": missing");
            }
            return n;
        }

        private static String text(JsonNode o, String field, String path) {
            JsonNode n = o.get(field);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isValueNode()) {
                throw new Invalid(path + "." + field + ": expected a string");
            }
            return n.asText();
        }

        private static long num(JsonNode o, String field, String path) {
            return asLong(req(o, field, path), path + "." + field);
        }

        private static Long optLong(JsonNode o, String field, String path) {
            JsonNode n = o.get(field);
            return n == null || n.isNull() ? null : asLong(n, path + "." + field);
        }

        private static Integer integer(JsonNode o, String field, String path) {
            Long v = optLong(o, field, path);
            return v == null ? null : v.intValue();
        }

        private static boolean bool(JsonNode o, String field, String path) {
            JsonNode n = req(o, field, path);
            if (!n.isBoolean()) {
                throw new Invalid(path + "." + field + ": expected true or false");
            }
            return n.asBoolean();
        }

        /** Integers; a u64 above 2^63 (written unsigned) keeps its bits. */
        private static long asLong(JsonNode n, String path) {
            if (!n.isIntegralNumber()) {
                throw new Invalid(path + ": expected an integer");
            }
            if (n.isBigInteger()) {
                java.math.BigInteger v = n.bigIntegerValue();
                // signed values (snmp's Tcp.MaxConn is -1) or unsigned u64 counters
                if (v.bitLength() > 64 || (v.signum() < 0 && v.bitLength() > 63)) {
                    throw new Invalid(path + ": " + v + " is out of range");
                }
                return v.longValue();
            }
            return n.asLong();
        }

        private static Map<String, Long> longs(JsonNode n, String path) {
            Map<String, Long> m = new LinkedHashMap<>();
            if (n == null || n.isNull()) {
                return m;
            }
            object(n, path).fields().forEachRemaining(e -> m.put(e.getKey(), asLong(e.getValue(), path + "." + e.getKey())));
            return m;
        }

        private static Map<String, Integer> ints(JsonNode n, String path) {
            Map<String, Integer> m = new LinkedHashMap<>();
            longs(n, path).forEach((k, v) -> m.put(k, v.intValue()));
            return m;
        }

        private static Map<String, Double> doubles(JsonNode n, String path) {
            Map<String, Double> m = new LinkedHashMap<>();
            if (n == null || n.isNull()) {
                return m;
            }
            object(n, path).fields().forEachRemaining(e -> {
                if (!e.getValue().isNumber()) {
                    throw new Invalid(path + "." + e.getKey() + ": expected a number");
                }
                m.put(e.getKey(), e.getValue().asDouble());
            });
            return m;
        }

        private static Map<String, FeatureState> features(JsonNode n, String path) {
            Map<String, FeatureState> m = new LinkedHashMap<>();
            object(n, path).fields().forEachRemaining(e -> {
                String p = path + "." + e.getKey();
                m.put(e.getKey(), new FeatureState(bool(e.getValue(), "active", p), bool(e.getValue(), "wanted", p),
                        bool(e.getValue(), "fixed", p)));
            });
            return m;
        }

        private static Map<String, Map<String, Long>> groups(JsonNode n, String path) {
            Map<String, Map<String, Long>> m = new LinkedHashMap<>();
            object(n, path).fields().forEachRemaining(e -> m.put(e.getKey(), longs(e.getValue(), path + "." + e.getKey())));
            return m;
        }

        /** A value, or {@code {"unavailable": "why"}}; null when the field is absent or null. */
        private static <T> Reading<T> reading(JsonNode n, String path, Function<JsonNode, T> value) {
            if (n == null || n.isNull()) {
                return null;
            }
            if (n.isObject() && n.size() == 1 && n.has("unavailable") && n.get("unavailable").isTextual()) {
                return Reading.unavailable(n.get("unavailable").asText());
            }
            return Reading.of(value.apply(n));
        }
    }
}
