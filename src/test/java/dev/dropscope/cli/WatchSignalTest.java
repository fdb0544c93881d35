package dev.dropscope.cli;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Ctrl-C and SIGTERM sent to a real dropscope process while it watches: it prints its summary, exits
 * 128 + the signal, and leaves the kernel as it found it (no perf event, no tracefs mount of ours, no
 * temporary directory). The tracepoint source mounts tracefs privately on this machine, so a leak would
 * show in /proc/mounts.
 */
@Needs(root = true)
class WatchSignalTest {

    private static List<String> tracefsMounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().filter(l -> l.contains(" tracefs ")).toList();
    }

    private static List<Path> ourTempDirs() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("dropscope-tracefs-")).toList();
        }
    }

    @ParameterizedTest
    @CsvSource({"INT, 130", "TERM, 143"})
    void signalRestoresTheKernelAndPrintsTheSummary(String signal, int expectedExit) throws Exception {
        List<String> mountsBefore = tracefsMounts();
        List<Path> dirsBefore = ourTempDirs();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        // a parent that ignores SIGINT (a background job) would pass that on; put the default back first
        Process p = new ProcessBuilder("python3", "-c",
                "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])",
                java, "-cp", cp, "dev.dropscope.cli.Main", "watch", "--source", "tracepoint")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String header = out.readLine();
            assertNotNull(header, "watch printed nothing");
            assertTrue(header.startsWith("dropscope watch: tracepoint source"), header);
            if (mountsBefore.isEmpty()) {
                // a tracefs someone left mounted is used as it is; only without one do we mount our own
                assertNotEquals(mountsBefore, tracefsMounts(), "while running, our private tracefs is mounted");
            }

            new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start().waitFor();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exited after SIG" + signal);
            String rest = out.lines().reduce("", (a, b) -> a + "\n" + b);
            assertEquals(expectedExit, p.exitValue(), rest);
            assertTrue(rest.contains("\nsummary: "), "summary printed on SIG" + signal + ":\n" + rest);
            assertTrue(rest.contains("monitor: perf_lost="), rest);
            assertEquals(mountsBefore, tracefsMounts(), "tracefs unmounted");
            assertEquals(dirsBefore, ourTempDirs(), "temporary mount point removed");
        } finally {
            p.destroyForcibly();
        }
    }
}
