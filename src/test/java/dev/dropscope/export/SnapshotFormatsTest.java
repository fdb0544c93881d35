package dev.dropscope.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import dev.dropscope.model.FirewallRuleset;
import dev.dropscope.model.SocketStats;
import dev.dropscope.model.Delta;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Snapshot;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The snapshot formats against real recorded snapshots (src/test/resources/snapshots, recorded by
 * SnapshotFixtureRecorder in a test namespace: A idle, B after a sysctl, MTU and rp_filter change with
 * UDP to a closed port): JSON Schema validation, a lossless read back, golden text and Markdown reports
 * and diffs compared exactly. {@code -Ddropscope.regolden=true} rewrites the golden files.
 */
public class SnapshotFormatsTest {
    static final Path DIR = Path.of("src/test/resources/snapshots");
    static final Path BEFORE = DIR.resolve("lab-before.json");
    static final Path AFTER = DIR.resolve("lab-after.json");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** docs/snapshot-schema.json, with "format" checked (taken_at must be a date-time). */
    static JsonSchema schema() throws Exception {
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(Files.readString(Path.of("docs/snapshot-schema.json")), config);
    }

    public static Set<String> violations(String json) throws Exception {
        return schema().validate(MAPPER.readTree(json)).stream().map(ValidationMessage::getMessage)
                .collect(Collectors.toSet());
    }

    @Test
    void recordedSnapshotsAreValid() throws Exception {
        for (Path p : List.of(BEFORE, AFTER)) {
            assertEquals(Set.of(), violations(Files.readString(p)), p.toString());
        }
    }

    @Test
    void aBuiltSnapshotWithUnsignedCountersAndUnavailableReadingsIsValid() throws Exception {
        Snapshot a = SnapshotJsonTest.snapshot(0, 10);
        Snapshot b = SnapshotJsonTest.snapshot(2_000_000_000L, 30);
        assertEquals(Set.of(), violations(SnapshotJson.write(b, Delta.between(a, b))));
        assertEquals(Set.of(), violations(SnapshotJson.write(b, null)), "a single sample: no rates");
    }

    @Test
    void socketsAndFirewallAreValidAndReadBackEqual() throws Exception {
        SocketStats sockets = new SocketStats(10001, 2, true, List.of(
                new SocketStats.Entry("tcp", 4, "ESTAB", "10.0.0.1", 8080, "10.0.0.2", 41268, 0xfedcba9876543210L,
                        31161, 0, 126976, 0, 127808, 131072, 4, 1000000, 4628, 0, 65536, 4242, "myserver",
                        "docker:0123abcd"),
                new SocketStats.Entry("udp", 6, "UNCONN", "::1", 5353, "::", 0, 77, 99, 1000, 0, 0, 0, 4608, 1993,
                        -1, -1, -1, -1, 0, null, null)), "2 processes' fds not readable without CAP_SYS_PTRACE");
        FirewallRuleset fw = new FirewallRuleset(List.of(
                new FirewallRuleset.Chain("inet", "filter", "input", "input", -150, "drop", "filter"),
                new FirewallRuleset.Chain("inet", "filter", "dns", null, 0, null, null)), List.of(
                new FirewallRuleset.Rule("inet", "filter", "input", 7, "udp dport 12345 counter drop", 3635L, 174480L,
                        "drop"),
                new FirewallRuleset.Rule("inet", "filter", "input", 8, "tcp dport 2223 drop", null, null, "drop")),
                false);
        Snapshot a = SnapshotJsonTest.snapshot(0, 10);
        Snapshot b = SnapshotJsonTest.snapshot(2_000_000_000L, 30);
        Snapshot withBoth = new Snapshot(b.takenAtMillis(), b.monotonicNanos(), b.host(), b.kernelRelease(), b.netns(),
                b.interfaces(), b.snmp(), b.softnet(), b.rpFilter(), b.conntrack(), b.sysctl(), b.neighbour(),
                b.qdiscs(), b.sockstat(), b.errors(), sockets, fw);
        String json = SnapshotJson.write(withBoth, Delta.between(a, withBoth));
        assertEquals(Set.of(), violations(json));
        assertTrue(json.replaceAll("\\s", "").contains("\"cookie\":18364758544493064720"), "the cookie is a u64");
        Path f = Files.createTempFile("ds-sockets", ".json");
        try {
            Files.writeString(f, json);
            SnapshotDocument d = SnapshotReader.read(f);
            assertEquals(sockets, d.snapshot().sockets());
            assertEquals(fw, d.snapshot().firewall());
            assertEquals(json, SnapshotJson.write(d.snapshot(), d.delta(), d.findings(), d.drops()));
        } finally {
            Files.delete(f);
        }
        ObjectNode bad = (ObjectNode) MAPPER.readTree(json);
        ((ObjectNode) bad.get("sockets").get("sockets").get(0)).put("protocol", "sctp");
        ((ObjectNode) bad.get("firewall").get("rules").get(0)).remove("text");
        String all = String.join("\n", violations(bad.toString()));
        assertTrue(all.contains("/sockets/sockets/0/protocol") && all.contains("text"), all);
    }

    @Test
    void theSchemaCatchesViolations() throws Exception {
        ObjectNode j = (ObjectNode) MAPPER.readTree(Files.readString(AFTER));
        ObjectNode bad = j.deepCopy();
        bad.remove("monitor");
        ((ObjectNode) bad.get("findings").get(0)).put("severity", "dire");
        ((ObjectNode) bad.get("drops").get("sites").get(0)).put("origin", "sideways");
        ((ObjectNode) bad.get("interfaces").get(0).get("stats64")).put("rx_packets", -5);
        bad.put("schema", "dropscope.snapshot/2");
        bad.put("taken_at", "yesterday");
        Set<String> v = violations(bad.toString());
        String all = String.join("\n", v);
        assertEquals(6, v.size(), all);
        for (String path : List.of("'monitor'", "/findings/0/severity", "/drops/sites/0/origin",
                "/interfaces/0/stats64/rx_packets", "/schema", "/taken_at")) {
            assertTrue(all.contains(path), path + " in:\n" + all);
        }
        ObjectNode extra = j.deepCopy();
        extra.put("surprise", 1);
        assertFalse(violations(extra.toString()).isEmpty(), "an unknown top-level key is a schema change");
    }

    @Test
    void readingBackLosesNothing() throws Exception {
        for (Path p : List.of(BEFORE, AFTER)) {
            SnapshotDocument d = SnapshotReader.read(p);
            assertEquals(Files.readString(p), SnapshotJson.write(d.snapshot(), d.delta(), d.findings(), d.drops()),
                    p + ": written again from the model, byte for byte");
        }
        SnapshotDocument d = SnapshotReader.read(AFTER);
        assertNull(d.delta().before(), "a saved snapshot has no first sample");
        assertEquals("ds-coll-30cdae9c0c", d.snapshot().netns());
        Finding f = d.findings().get(0);
        assertEquals("no_socket_drops", f.id());
        assertEquals("NO_SOCKET", d.drops().report().sites().get(0).reason());
        assertEquals(0xffffffff8204674cL, d.drops().report().sites().get(0).address());
        assertEquals(Boolean.TRUE, d.drops().sources().get("tracepoint").available());
        assertEquals("512", d.snapshot().sysctl().get("net.core.somaxconn"));
    }

    @Test
    void textReportIsGolden() throws Exception {
        golden("lab-after.txt", SnapshotReport.text(SnapshotReader.read(AFTER)));
        golden("lab-before.txt", SnapshotReport.text(SnapshotReader.read(BEFORE)));
    }

    @Test
    void markdownReportIsGolden() throws Exception {
        golden("lab-after.md", SnapshotReport.markdown(SnapshotReader.read(AFTER)));
    }

    @Test
    void diffIsGoldenInEachFormat() throws Exception {
        SnapshotDiff.Result r = SnapshotDiff.compare(SnapshotReader.read(BEFORE), SnapshotReader.read(AFTER));
        golden("diff.txt", SnapshotDiff.text(r, BEFORE.toString(), AFTER.toString()));
        golden("diff.md", SnapshotDiff.markdown(r, BEFORE.toString(), AFTER.toString()));
        golden("diff.json", SnapshotDiff.json(r, BEFORE.toString(), AFTER.toString()));
        assertTrue(r.settings().contains(new SnapshotDiff.Change("sysctl net.core.somaxconn", "4096", "512")), r.settings().toString());
        assertTrue(r.settings().contains(new SnapshotDiff.Change("dsa mtu", "1400", "1300")), r.settings().toString());
        assertTrue(r.settings().contains(new SnapshotDiff.Change("dsa rp_filter (effective)", "1", "2")), r.settings().toString());
        assertEquals(List.of("no_socket_drops"), r.findingsAppeared().stream().map(Finding::id).toList());
        assertEquals(List.of(), r.findingsResolved());
        assertEquals(1, r.dropsAppeared().size());
        assertTrue(r.rates().stream().anyMatch(c -> c.name().equals("Udp.NoPorts")), r.rates().toString());

        SnapshotDiff.Result back = SnapshotDiff.compare(SnapshotReader.read(AFTER), SnapshotReader.read(BEFORE));
        assertEquals(List.of("no_socket_drops"), back.findingsResolved().stream().map(Finding::id).toList());
        assertEquals(1, back.dropsVanished().size());
        assertTrue(SnapshotDiff.compare(SnapshotReader.read(AFTER), SnapshotReader.read(AFTER)).isEmpty());
    }

    static void golden(String name, String actual) throws Exception {
        Path p = DIR.resolve(name);
        if (Boolean.getBoolean("dropscope.regolden")) {
            Files.writeString(p, actual, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(p), actual, name);
    }

    // ---- reading what is not a good snapshot: one line naming the file and what is wrong

    private static String error(String text) {
        return assertThrows(SnapshotReader.BadSnapshotException.class, () -> SnapshotReader.parse(text, "f.json"))
                .getMessage();
    }

    @Test
    void badFilesGiveOneClearLine() throws Exception {
        String good = Files.readString(AFTER);
        assertEquals("f.json is a dropscope.snapshot/2 snapshot, newer than this dropscope reads "
                + "(dropscope.snapshot/1): use a newer dropscope", error(good.replace("dropscope.snapshot/1", "dropscope.snapshot/2")));
        assertEquals("f.json is not a complete JSON document (truncated at line 1200, column 1)",
                error(good.substring(0, good.indexOf("\"softnet\"")).lines().limit(1199).collect(Collectors.joining("\n", "", "\n"))));
        assertTrue(error("{\"schema\": \"dropscope.snapshot/1\",, }").startsWith("f.json is not a complete JSON document (corrupt at line 1"));
        assertEquals("f.json is empty, not a dropscope snapshot", error(""));
        assertEquals("f.json is not a dropscope snapshot (no \"schema\": \"dropscope.snapshot/1\")", error("[1, 2]"));
        assertEquals("f.json is not a dropscope snapshot (schema 'prometheus/3')", error("{\"schema\": \"prometheus/3\"}"));
        assertEquals("f.json: invalid snapshot: taken_at: missing", error("{\"schema\": \"dropscope.snapshot/1\"}"));
        assertEquals("f.json: invalid snapshot: interfaces[0].mtu: expected an integer",
                error(good.replaceFirst("\"mtu\" : 65536", "\"mtu\" : \"big\"")));
        assertEquals("f.json: invalid snapshot: findings[0].severity: 'dire' is not info, warning or critical",
                error(good.replace("\"severity\" : \"warning\"", "\"severity\" : \"dire\"")));
        String trailing = assertThrows(SnapshotReader.BadSnapshotException.class,
                () -> SnapshotReader.parse(good + "{}", "f.json")).getMessage();
        assertTrue(trailing.startsWith("f.json is not a complete JSON document (corrupt"), trailing);
    }

    @Test
    void unreadableFilesSayWhy() throws Exception {
        Path dir = Files.createTempDirectory("ds-snapfmt");
        try {
            Path none = dir.resolve("nope.json");
            assertEquals("cannot read " + none + ": no such file",
                    assertThrows(SnapshotReader.BadSnapshotException.class, () -> SnapshotReader.read(none)).getMessage());
            assertEquals("cannot read " + dir + ": it is a directory",
                    assertThrows(SnapshotReader.BadSnapshotException.class, () -> SnapshotReader.read(dir)).getMessage());
            Path bin = dir.resolve("bin.json");
            Files.write(bin, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
            assertEquals(bin + " is not a dropscope snapshot: not UTF-8 text",
                    assertThrows(SnapshotReader.BadSnapshotException.class, () -> SnapshotReader.read(bin)).getMessage());
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }
}
