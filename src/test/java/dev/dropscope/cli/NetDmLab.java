package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One boot of test/vm/netdm-vm (a stock Debian kernel with drop_monitor, under QEMU) for everything that
 * needs NET_DM: src/test/resources/lab/netdm-watch.sh runs doctor and the watch/dropwatch scenario there,
 * and {@link NetDmLabTest} and {@link DoctorLabTest} assert on what it printed. The first caller boots; the
 * other gets the same result (or the same failure) without a second boot.
 */
final class NetDmLab {
    /** The transcript, its "CHECK name value" lines, doctor's JSON, and the host's tracefs mounts around it. */
    record Result(String transcript, Map<String, String> checks, String doctorJson, List<String> tracefsBefore,
            List<String> tracefsAfter) {
    }

    private static Result result;
    private static String failure;

    private NetDmLab() {
    }

    static Path repo() {
        return Path.of(System.getProperty("dropscope.repo", ".")).toAbsolutePath().normalize();
    }

    static Path harness() {
        return repo().resolve("test/vm/netdm-vm");
    }

    static synchronized Result scenario() throws IOException, InterruptedException {
        if (failure != null) {
            fail("(the same boot as before) " + failure);
        }
        if (result == null) {
            try {
                result = run();
            } catch (AssertionError e) {
                failure = e.getMessage();
                throw e;
            }
        }
        return result;
    }

    static List<String> tracefsMounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .filter(l -> l.split(" ").length > 2 && l.split(" ")[2].equals("tracefs")).toList();
    }

    private static Result run() throws IOException, InterruptedException {
        Path repo = repo();
        Path script = repo.resolve("src/test/resources/lab/netdm-watch.sh");
        // in the working tree: the guest shares it read-write, the rest of the host's files read-only
        Path out = repo.resolve("target/netdm-lab");
        deleteTree(out);
        Files.createDirectories(out);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path log = out.resolve("transcript.log");
        List<String> before = tracefsMounts();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(harness().toString(), "--timeout", "1500", "--",
                "bash", script.toString(), java, cp, out.toString())
                .directory(repo.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        if (!p.waitFor(1600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("test/vm/netdm-vm did not return:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        String transcript = Files.readString(log, StandardCharsets.UTF_8);
        System.err.printf("NetDmLab: test/vm/netdm-vm exit %d after %d s (transcript: %s)%n", p.exitValue(),
                (System.nanoTime() - t0) / 1_000_000_000L, log);
        if (p.exitValue() == 125) {
            fail("the NET_DM VM itself failed (exit 125):\n" + transcript);
        }
        if (p.exitValue() == 124) {
            fail("the NET_DM VM ran out of time (exit 124):\n" + transcript);
        }
        Map<String, String> checks = new LinkedHashMap<>();
        for (String line : transcript.lines().toList()) {
            if (line.startsWith("CHECK ")) {
                String[] kv = line.substring(6).split(" ", 2);
                checks.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        Path doctor = out.resolve("doctor.json");
        return new Result(transcript, checks, Files.exists(doctor) ? Files.readString(doctor) : "", before,
                tracefsMounts());
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var s = Files.walk(dir)) {
                for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }
}
