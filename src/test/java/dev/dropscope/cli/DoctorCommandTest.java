package dev.dropscope.cli;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

    /** Why the tests about a kernel without NET_DM do not run on one with it (a fact of the kernel, reported). */
    static final String NOT_WITH_NET_DM = "this kernel has NET_DM; the test is about kernels without it (NetDmLabTest covers NET_DM)";

    @Test
    @Needs(root = true)
    @EnabledIf(value = "netDmNotBuiltHere", disabledReason = NOT_WITH_NET_DM)
    void textOnThisMachine() {
        Result r = run("doctor");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals("", r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("dropscope doctor: Linux " + System.getProperty("os.version"), lines.get(0));
        assertTrue(lines.contains("missing  NET_DM               not built into this kernel"), r.out());
        assertTrue(lines.contains("ok       tracepoint source    perf_event_open on skb:kfree_skb works"), r.out());
        assertTrue(lines.contains("drop source: auto uses the eBPF drop counter"), r.out());
        for (String l : lines) {
            assertTrue(l.length() <= 80, "longer than 80 columns: " + l);
        }
        assertFalse(r.out().contains("detail:"), "details only with --verbose");
        assertTrue(run("doctor", "--verbose").out().contains("         detail: # CONFIG_NET_DROP_MONITOR is not set"));
    }

    @Test
    @Needs(root = true)
    @EnabledIf(value = "netDmNotBuiltHere", disabledReason = NOT_WITH_NET_DM)
    void jsonOnThisMachine() throws IOException {
        Result r = run("doctor", "--format", "json");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("dropscope.doctor/1", j.get("schema").asText());
        assertEquals(System.getProperty("os.version"), j.get("kernel_release").asText());
        assertEquals("ebpf", j.get("drop_source").get("auto").asText());
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

    /**
     * The same build run as nobody (uid 65534, no capabilities) through setpriv: every privilege check
     * says denied, no drop source works here, and the exit code says so.
     */
    /** Copies the test class path somewhere world-readable: nobody cannot read /root/.m2. */
    private static String readableClassPath(Path dir) throws IOException {
        List<String> entries = new ArrayList<>();
        int n = 0;
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String e : cp.split(":")) {
            Path src = Path.of(e);
            if (!Files.exists(src)) {
                continue;
            }
            Path dst = dir.resolve("cp" + n++ + (Files.isDirectory(src) ? "" : ".jar"));
            try (var walk = Files.walk(src)) {
                for (Path p : walk.toList()) {
                    Path t = dst.resolve(src.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(t);
                    } else {
                        Files.copy(p, t);
                    }
                }
            }
            entries.add(dst.toString());
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return String.join(":", entries);
    }

    /** Runs {@code dropscope args} as nobody (uid 65534, no capabilities) through setpriv. */
    private static Result runAsNobody(Path dir, String classPath, Path jnaTmp, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Djna.tmpdir=" + jnaTmp,
                "-cp", classPath, "dev.dropscope.cli.Main"));
        command.addAll(List.of(args));
        Path stderr = Files.createTempFile(dir, "stderr", "");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectError(stderr.toFile());
        pb.environment().put("HOME", dir.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        return new Result(exit, out, Files.readString(stderr));
    }

    /**
     * The same build run as nobody: every privilege check says denied, no drop source works here, and
     * the exit code says so.
     */
    @Test
    @Needs(root = true, tools = "setpriv")
    @EnabledIf(value = "netDmNotBuiltHere", disabledReason = NOT_WITH_NET_DM)
    void asNobodyNoSourceWorksAndTheExitCodeSaysSo(@TempDir Path dir) throws IOException, InterruptedException {
        String classPath = readableClassPath(dir);
        Path jnaTmp = Files.createDirectories(dir.resolve("jna")); // JNA unpacks its native library here
        Files.setPosixFilePermissions(jnaTmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Result r = runAsNobody(dir, classPath, jnaTmp, "doctor", "--format", "json");
        assertEquals(ExitCodes.NO_DROP_SOURCE, r.exit(), r.out() + r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertTrue(j.get("drop_source").get("auto").isNull(), r.out());
        for (JsonNode c : j.get("checks")) {
            String id = c.get("id").asText();
            if (id.equals("privileges.uid")) {
                assertEquals("info", c.get("status").asText());
                assertTrue(c.get("summary").asText().startsWith("65534 (not root)"), c.toString());
            }
            if (id.equals("privileges.cap_net_admin") || id.equals("privileges.cap_perfmon")
                    || id.equals("source.tracepoint") || id.equals("source.ebpf") || id.equals("family.ctnetlink")) {
                assertEquals("denied", c.get("status").asText(), c.toString());
                assertTrue(c.get("fix").asText().startsWith("run dropscope as root"), c.toString());
            }
            if (id.equals("source.netdm")) {
                assertEquals("missing", c.get("status").asText(), c.toString());
            }
        }

        // a refused drop source is exit 4 in every command, decided in one place (ExitCodes.of) from the errno
        Result watch = runAsNobody(dir, classPath, jnaTmp, "watch", "--duration", "1s");
        assertEquals(ExitCodes.PERMISSION, watch.exit(), watch.err());
        assertEquals(1, watch.err().lines().count(), watch.err());
        assertTrue(watch.err().startsWith("dropscope watch: no drop source works: "), watch.err());
        assertTrue(watch.err().strip().endsWith("; " + dev.dropscope.doctor.Privileges.dropSourceNeeds()), watch.err());
        Result snapshot = runAsNobody(dir, classPath, jnaTmp, "snapshot", "--source", "ebpf", "--duration", "10ms");
        assertEquals(ExitCodes.PERMISSION, snapshot.exit(), snapshot.err());
        assertEquals("", snapshot.out());
        assertTrue(snapshot.err().startsWith("dropscope: the eBPF source cannot be used: "), snapshot.err());
    }

    @Test
    @Needs(root = true, tools = "setpriv")
    @EnabledIf(value = "netDmNotBuiltHere", disabledReason = NOT_WITH_NET_DM)
    void aNativeLibraryThatCannotLoadIsOneLineNotAStackTrace(@TempDir Path dir)
            throws IOException, InterruptedException {
        // JNA must unpack libjnidispatch.so and nobody may not write to the directory given: an Error
        Result r = runAsNobody(dir, readableClassPath(dir), dir, "doctor");
        assertEquals(ExitCodes.FAILURE, r.exit(), r.err());
        assertEquals("", r.out());
        List<String> ours = r.err().lines().filter(l -> l.startsWith("dropscope:")).toList();
        assertEquals(1, ours.size(), r.err());
        assertTrue(ours.get(0).startsWith("dropscope: error: the native library could not be loaded: "), ours.get(0));
        assertFalse(r.err().contains("Exception in thread"), r.err());
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
