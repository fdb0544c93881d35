package dev.dropscope.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
            root = Json.SNAPSHOT.readTree(text);
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
            return document(Json.SNAPSHOT.readerFor(SnapshotDto.Root.class).readValue(root), schema);
        } catch (JsonMappingException e) {
            throw new BadSnapshotException(name + ": invalid snapshot: " + message(e));
        } catch (Json.Invalid e) {
            throw new BadSnapshotException(name + ": invalid snapshot: " + e.getMessage());
        } catch (IOException e) {
            throw new BadSnapshotException(name + ": invalid snapshot: " + oneLine(String.valueOf(e.getMessage())));
        }
    }

    /** The JSON path of the failure, then what the schema wanted there. */
    private static String message(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        String what;
        if (e.getCause() instanceof Json.Invalid i) {
            what = i.getMessage();
        } else if (e.getCause() instanceof InputCoercionException c) {
            what = "out of range for " + kind(c.getTargetType());
        } else if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            what = "expected " + kind(m.getTargetType());
        } else {
            what = "not what " + SnapshotJson.SCHEMA + " allows";
        }
        return path.length() == 0 ? what : path + (e.getCause() instanceof Json.Invalid ? "." : ": ") + what;
    }

    private static String kind(Class<?> t) {
        if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
            return "an integer";
        } else if (t == Double.class || t == double.class) {
            return "a number";
        } else if (t == Boolean.class || t == boolean.class) {
            return "true or false";
        } else if (t == String.class) {
            return "a string";
        } else if (java.util.Collection.class.isAssignableFrom(t)) {
            return "an array";
        }
        return "an object";
    }

    static String oneLine(String s) {
        String t = s.replaceAll("[\\p{Cntrl}]", "?");
        return t.length() > 60 ? t.substring(0, 60) + "..." : t;
    }

    private static SnapshotDocument document(SnapshotDto.Root root, String schema) {
        long takenAt = takenAt(root);
        Snapshot.Builder b = Snapshot.builder().takenAt(takenAt, 0).host(root.host()).kernelRelease(root.kernel())
                .netns(root.netns());
        Map<String, Delta.InterfaceRates> ifRates = new LinkedHashMap<>();
        b.interfaces(list(root.interfaces()).stream().map(i -> {
            if (i.rates() != null) {
                ifRates.put(i.name(), new Delta.InterfaceRates(i.rates().stats64(), i.rates().nicStats()));
            }
            Reading<Map<String, SnapshotDto.Feature>> f = i.features();
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
        SnapshotDto.Rp rp = root.rpFilter();
        if (rp != null) {
            b.rpFilter(new RpFilterState(rp.all(), rp.dflt(), rp.interfaces(), rp.effective()));
        }
        SnapshotDto.Conntrack ct = root.conntrack();
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
        SnapshotDto.Monitor mon = root.monitor();
        List<SnapshotDto.Err> errs = mon != null && mon.collectorErrors() != null ? mon.collectorErrors() : root.errors();
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

    private static long takenAt(SnapshotDto.Root root) {
        if (root.takenAtMs() != null) {
            return root.takenAtMs();
        }
        if (root.takenAt() == null) {
            throw new Json.Invalid("taken_at: missing");
        }
        try {
            return Instant.parse(root.takenAt()).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new Json.Invalid("taken_at: not an ISO-8601 time: '" + oneLine(root.takenAt()) + "'");
        }
    }

    private static SnapshotJson.Drops drops(SnapshotDto.Root root, SnapshotDto.Monitor mon, long takenAt) {
        SnapshotDto.Drops d = root.drops();
        Map<String, Long> health = mon != null && mon.counters() != null ? mon.counters()
                : d != null && d.monitor() != null ? d.monitor() : Map.of();
        if (d == null || d.source() == null) {
            return new SnapshotJson.Drops(null, d == null ? null : d.why(), health, root.sources());
        }
        long elapsedNs = Math.round(Json.req(d.seconds(), "drops.seconds") * 1e9);
        List<ResolvedDropSite> sites = new ArrayList<>();
        for (SnapshotDto.Site x : list(d.sites())) {
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

    private static ResolvedDropSite site(SnapshotDto.Site x, String path) {
        DropOrigin o;
        try {
            o = DropOrigin.valueOf(x.origin() == null ? "SOFTWARE" : x.origin().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Json.Invalid(path + ".origin: '" + oneLine(x.origin()) + "' is not software or hardware");
        }
        long address = 0;
        String a = x.address();
        if (a != null) {
            try {
                address = Long.parseUnsignedLong(a.startsWith("0x") ? a.substring(2) : a, 16);
            } catch (NumberFormatException e) {
                throw new Json.Invalid(path + ".address: '" + oneLine(a) + "' is not a hexadecimal address");
            }
        }
        return new ResolvedDropSite(address, x.symbol(), x.offset() == null ? -1 : x.offset(),
                x.size() == null ? -1 : x.size(), x.module(), x.reason(), o, x.ifindex() == null ? -1 : x.ifindex(),
                x.iface(), x.count(), x.count(), x.ratePerS() == null ? 0 : x.ratePerS(),
                Boolean.TRUE.equals(x.benign()), Boolean.TRUE.equals(x.other()));
    }

    private static Map<String, FeatureState> features(Map<String, SnapshotDto.Feature> m) {
        Map<String, FeatureState> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.model()));
        return out;
    }

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }
}
