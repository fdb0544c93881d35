package dev.dropscope.cli;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Hostile command lines and a hostile environment, through the real CLI: oversized, negative and
 * malformed values are a usage error (exit 2, one line saying what is wrong plus the --help hint);
 * files that cannot be written and a full disk are one line and exit 1; never a stack trace; and what
 * was collected is not thrown away because one of two outputs failed.
 */
class HostileCommandLineTest {

    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    /** The jar's main class as its own process (the launcher's JVM, System.out and all), stdout to {@code stdout}. */
    static Result runProcess(File stdout, String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "-cp", cp, "dev.dropscope.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "exited");
        return new Result(p.exitValue(), "", err);
    }

    /** One line (plus picocli's "Try ... --help" line for usage errors), prefixed, no stack trace. */
    static void assertClean(Result r, int exit, int lines) {
        String all = "exit " + r.exit() + "\nstdout:\n" + r.out() + "\nstderr:\n" + r.err();
        assertEquals(exit, r.exit(), all);
        List<String> errLines = r.err().lines().filter(l -> !l.startsWith("dropscope: no drop source")).toList();
        assertEquals(lines, errLines.size(), all);
        assertTrue(errLines.get(0).startsWith("dropscope"), all);
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "stack trace: " + all);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "watch --duration 99999999999d",
        "watch --duration 99999999999h",
        "watch --duration 99999999999999999999999999999999999999999",
        "watch --duration -5s",
        "watch --duration 0",
        "watch --duration 1e9",
        "watch --interval 0",
        "watch --interval 0.001ms",
        "watch --interval NaN",
        "watch --limit -1",
        "watch --limit 0",
        "watch --limit 99999999999999999999",
        "watch --mode packet --trunc -1",
        "watch --mode packet --trunc 65536",
        "watch --mode packet --trunc 99999999999",
        "watch --mode packet --queue -1",
        "watch --mode packet --queue 2147483648",
        "watch --trunc 64",
        "watch --format yaml",
        "top --interval 0",
        "top --interval 99999999999d",
        "snapshot --duration 99999999999d",
        "snapshot --duration -1s",
        "snapshot --duration 0",
        "snapshot --duration 25h",
        "snapshot --format xml",
        "snapshot --source bpf",
    })
    void oversizedNegativeAndMalformedValuesAreOneUsageError(String line) {
        Result r = run(line.split(" "));
        assertClean(r, ExitCodes.USAGE, 2);
        assertTrue(r.err().lines().skip(1).findFirst().orElse("").contains("--help"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void aFixesFileThatCannotBeCreatedIsOneLineAndTheSnapshotIsStillPrinted() throws Exception {
        // /proc/sys refuses new files even to root: a directory the process may not write into
        Path f = Path.of("/proc/sys/dropscope-fixes.conf");
        Result r = run("snapshot", "--source", "none", "--duration", "100ms", "--fixes-file", f.toString());
        assertClean(r, ExitCodes.FAILURE, 1);
        assertTrue(r.err().startsWith("dropscope: cannot write " + f + ": "), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertTrue(json.has("findings"), "the snapshot collected is printed although the fixes file failed: " + r.out());
        assertFalse(Files.exists(f));
    }

    @Test
    void aFixesFileUnderAMissingDirectoryIsOneLine() throws Exception {
        Path dir = Files.createTempDirectory("ds-hostile");
        Files.delete(dir);
        Result r = run("snapshot", "--source", "none", "--duration", "100ms", "--fixes-file", dir.resolve("f.conf").toString());
        assertClean(r, ExitCodes.FAILURE, 1);
        assertTrue(r.out().startsWith("{"), "snapshot still printed");
    }

    @Test
    void snapshotIntoAFullDeviceIsOneLineAndExitOne() throws Exception {
        Result r = run("snapshot", "--source", "none", "--duration", "100ms", "-o", "/dev/full");
        assertClean(r, ExitCodes.FAILURE, 1);
        assertTrue(r.err().startsWith("dropscope: cannot write /dev/full: "), r.err());
    }

    @Test
    void standardOutputOnAFullDeviceIsAFailureNotASilentSuccess() throws Exception {
        Result r = runProcess(new File("/dev/full"), "snapshot", "--source", "none", "--duration", "100ms");
        assertClean(r, ExitCodes.FAILURE, 1);
        assertTrue(r.err().startsWith("dropscope: cannot write standard output"), r.err());
    }

    @Test
    void doctorOnAFullStandardOutputFailsToo() throws Exception {
        Result r = runProcess(new File("/dev/full"), "doctor");
        assertEquals(ExitCodes.FAILURE, r.exit(), r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.startsWith("dropscope: cannot write standard output")), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    /**
     * {@code dropscope watch | head -1}: once the reader is gone every write fails (EPIPE); watch must
     * stop, restore the kernel and say so, not run to the end of --duration writing into nothing.
     */
    @Test
    @Needs(root = true)
    void watchIntoAClosedPipeStopsWithExitOne() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(java, "-cp", cp, "dev.dropscope.cli.Main", "watch", "--source", "tracepoint",
                "--interval", "100ms", "--duration", "10m").start();
        try {
            // the header line shows the monitor is open; then the reader goes away
            java.io.InputStream in = p.getInputStream();
            while (in.read() != '\n') {
                // header
            }
            in.close();
            // hang guard only (the watch asked for 10 minutes): a watch that ignores EPIPE fails here
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "watch kept running with nobody reading");
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(ExitCodes.FAILURE, p.exitValue(), err);
            assertTrue(err.lines().anyMatch(l -> l.startsWith("dropscope: cannot write standard output")), err);
            assertFalse(err.contains("\tat "), err);
        } finally {
            p.destroyForcibly();
        }
    }

    /** A 16 KiB tmpfs of our own (mounted and unmounted here): the snapshot does not fit. */
    @Test
    @Needs(root = true)
    void aFullFilesystemLeavesNoHalfWrittenSnapshotBehind() throws Exception {
        Path dir = Files.createTempDirectory("ds-full-");
        try {
            sh("mount", "-t", "tmpfs", "-o", "size=16k,nr_inodes=16", "dropscope-test-full", dir.toString());
            try {
                Files.write(dir.resolve("filler"), new byte[12 * 1024]);
                Path out = dir.resolve("snap.json");
                Result r = run("snapshot", "--source", "none", "--duration", "100ms", "-o", out.toString());
                assertClean(r, ExitCodes.FAILURE, 1);
                assertTrue(r.err().startsWith("dropscope: cannot write " + out + ": "), r.err());
                try (Stream<Path> s = Files.list(dir)) {
                    assertEquals(List.of(dir.resolve("filler")), s.toList(), "no partial or temporary file left");
                }
                // an existing snapshot is not destroyed by a failed overwrite
                Files.delete(dir.resolve("filler"));
                Files.writeString(out, "{\"old\":true}\n");
                Files.write(dir.resolve("filler"), new byte[12 * 1024]);
                r = run("snapshot", "--source", "none", "--duration", "100ms", "-o", out.toString(), "--force");
                assertClean(r, ExitCodes.FAILURE, 1);
                assertTrue(r.err().startsWith("dropscope: cannot write " + out + ": "), r.err());
                assertEquals("{\"old\":true}\n", Files.readString(out));
            } finally {
                sh("umount", dir.toString());
            }
        } finally {
            Files.deleteIfExists(dir.resolve("snap.json"));
            Files.deleteIfExists(dir.resolve("filler"));
            Files.delete(dir);
        }
    }

    private static void sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }
}
