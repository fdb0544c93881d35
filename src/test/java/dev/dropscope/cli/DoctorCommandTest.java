package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The command line end to end through Main.run, as a user would run it. */
class DoctorCommandTest {

    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    static boolean netDmNotBuiltHere() throws IOException {
        Path gz = Path.of("/proc/config.gz");
        if (!Files.exists(gz)) {
            return false;
        }
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .contains("\n# CONFIG_NET_DROP_MONITOR is not set\n");
        }
    }

    static boolean rootWithoutNetDm() throws IOException {
        return isRoot() && netDmNotBuiltHere();
    }

    @Test
    @EnabledIf("rootWithoutNetDm")
    void textOnThisMachine() {
        Result r = run("doctor");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals("", r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("dropscope doctor: Linux " + System.getProperty("os.version"), lines.get(0));
        assertTrue(lines.contains("missing  NET_DM               not built into this kernel"), r.out());
        assertTrue(lines.contains("ok       tracepoint source    perf_event_open on skb:kfree_skb works"), r.out());
        assertTrue(lines.contains("drop source: auto uses the skb:kfree_skb tracepoint"), r.out());
        for (String l : lines) {
            assertTrue(l.length() <= 80, "longer than 80 columns: " + l);
        }
        assertFalse(r.out().contains("detail:"), "details only with --verbose");
        assertTrue(run("doctor", "--verbose").out().contains("         detail: # CONFIG_NET_DROP_MONITOR is not set"));
    }

    @Test
    @EnabledIf("rootWithoutNetDm")
    void jsonOnThisMachine() throws IOException {
        Result r = run("doctor", "--format", "json");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("dropscope.doctor/1", j.get("schema").asText());
        assertEquals(System.getProperty("os.version"), j.get("kernel_release").asText());
        assertEquals("tracepoint", j.get("drop_source").get("auto").asText());
        List<String> ids = new ArrayList<>();
        for (JsonNode c : j.get("checks")) {
            ids.add(c.get("id").asText());
            assertTrue(c.has("detail") && c.has("fix"), "every check carries detail and fix, null or not: " + c);
            if (c.get("id").asText().equals("source.netdm")) {
                assertEquals("missing", c.get("status").asText());
                assertEquals("not built into this kernel", c.get("summary").asText());
                assertTrue(c.get("fix").asText().contains("CONFIG_NET_DROP_MONITOR"));
            }
            if (c.get("id").asText().equals("source.tracepoint")) {
                assertEquals("ok", c.get("status").asText());
                assertTrue(c.get("fix").isNull());
            }
        }
        assertTrue(ids.contains("source.netdm") && ids.contains("source.tracepoint"), ids.toString());
        assertFalse(j.get("genl_families").has("NET_DM"));
        assertEquals("NOT_SPECIFIED", j.get("drop_reasons").get(0).asText());
        assertTrue(j.get("drop_reasons").size() > 50);
    }

    @Test
    void badFormatIsOneLineAndExitTwo() {
        Result r = run("doctor", "--format", "xml");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertEquals("", r.out());
        List<String> err = r.err().lines().toList();
        assertEquals("dropscope: Invalid value for option '--format': expected one of [text, json] (case-sensitive) "
                + "but was 'xml'", err.get(0));
        assertEquals("Try 'dropscope doctor --help' for more information.", err.get(1));
        assertEquals(2, err.size(), "no stack trace: " + r.err());
    }

    @Test
    void unknownFlagIsOneLineAndExitTwo() {
        Result r = run("doctor", "--colour");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertEquals("dropscope: Unknown option: '--colour'", r.err().lines().findFirst().orElseThrow());
        assertEquals(2, r.err().lines().count(), r.err());
    }

    @Test
    void doctorHelpTeachesTheChecksAndExitCodes() {
        Result r = run("doctor", "--help");
        assertEquals(ExitCodes.OK, r.exit());
        assertTrue(r.out().startsWith("Usage: dropscope doctor "), r.out());
        assertTrue(r.out().contains("--format=text|json"), r.out());
        assertTrue(r.out().contains("  NET_DM               the drop_monitor generic netlink family"), r.out());
        assertTrue(r.out().contains("  3  no drop source works on this machine"), r.out());
        r.out().lines().forEach(l -> assertTrue(l.length() <= 80, "longer than 80 columns: " + l));
    }

    @Test
    void rootHelpVersionAndNoSubcommand() {
        Result help = run("--help");
        assertEquals(ExitCodes.OK, help.exit());
        assertTrue(help.out().contains("  doctor  "), help.out());
        Result none = run();
        assertEquals(ExitCodes.OK, none.exit());
        assertEquals(help.out(), none.out(), "no subcommand prints the help");
        Result version = run("--version");
        assertEquals(ExitCodes.OK, version.exit());
        assertTrue(version.out().startsWith("dropscope "), version.out());
        assertFalse(version.out().startsWith("dropscope unknown"), "the version comes from the build: " + version.out());
    }
}
