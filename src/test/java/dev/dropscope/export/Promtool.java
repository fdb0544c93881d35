package dev.dropscope.export;

import static org.junit.jupiter.api.Assertions.fail;

import dev.dropscope.testutil.NeedsExtension;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Prometheus's own checker ({@code promtool}, Debian package {@code prometheus}). A machine without it
 * fails the test, so CI cannot pass by skipping; only make test-unprivileged leaves such tests out, reported.
 */
public final class Promtool {
    private Promtool() {
    }

    public record Result(int exit, String output) {
    }

    /** The promtool binary; fails when there is none (make test-unprivileged: the test is left out, reported). */
    public static String binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, "promtool");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        NeedsExtension.requireTools("promtool");
        return fail("promtool not found on PATH: apt-get install prometheus");
    }

    /** Runs {@code promtool args...} with {@code stdin} (may be null); output is stdout and stderr. */
    public static Result run(String stdin, String... args) throws IOException, InterruptedException {
        return run(null, stdin, args);
    }

    /** Runs {@code promtool args...} in {@code dir} (relative file names in configs resolve there). */
    public static Result runIn(Path dir, String... args) throws IOException, InterruptedException {
        return run(dir, null, args);
    }

    private static Result run(Path dir, String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return fail("promtool " + String.join(" ", args) + " hung");
        }
        return new Result(p.exitValue(), out);
    }
}
