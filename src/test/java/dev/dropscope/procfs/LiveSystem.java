package dev.dropscope.procfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Runs the kernel's own tools for the live tests, which compare our parsers against them. */
final class LiveSystem {
    private LiveSystem() {
    }

    /** Effective uid 0, from /proc/self/status ("Uid: real effective saved fs"). */
    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static boolean hasTool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    /** For @EnabledIf: root, plus ip(8), nstat(8) and sysctl(8) to compare with and to make namespaces. */
    static boolean rootWithTools() {
        return isRoot() && hasTool("ip") && hasTool("nstat") && hasTool("sysctl");
    }

    /** The result of one command. */
    record Result(int exit, String out, String err) {
        String outOrFail() {
            if (exit != 0) {
                throw new AssertionError("command failed (exit " + exit + "): " + err.strip());
            }
            return out;
        }
    }

    static Result run(List<String> command) {
        return run(command, Map.of());
    }

    static Result run(List<String> command, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().putAll(env);
            Path err = Files.createTempFile("ds-procfs-", ".err");
            try {
                pb.redirectError(err.toFile());
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                int exit = p.waitFor();
                return new Result(exit, out, Files.readString(err, StandardCharsets.ISO_8859_1));
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }

    static String runOrFail(String... command) {
        return run(List.of(command)).outOrFail();
    }
}
