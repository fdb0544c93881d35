package dev.dropscope.perf;

import dev.dropscope.testutil.Needs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real-kernel test plumbing: a private network namespace, a private tracefs mount, a tracepoint format
 * parsed by hand (independent of the product's parser), and a drop generator. Everything created here
 * is removed by close(), also when a test fails.
 */
public final class LabSupport {
    private LabSupport() {
    }

    /** For {@code @Needs(root = true)}. */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // effective uid
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** Runs a command, returns stdout; fails with its stderr on a non-zero exit. */
    public static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited " + rc + ": "
                        + new String(err, StandardCharsets.UTF_8).strip());
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String unique(String prefix) {
        byte[] b = new byte[4];
        new SecureRandom().nextBytes(b);
        StringBuilder s = new StringBuilder(prefix);
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    /** python3 outside pyenv shims: starts faster and keeps the pid it was started with. */
    static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /** {@code ip netns add ds-perf-<random>}, lo up; deleted on close. */
    public static final class NetNs implements AutoCloseable {
        public final String name;

        private NetNs(String name) {
            this.name = name;
        }

        public static NetNs create() {
            NetNs ns = new NetNs(unique("ds-perf-"));
            run("ip", "netns", "add", ns.name);
            try {
                run("ip", "-n", ns.name, "link", "set", "lo", "up");
            } catch (RuntimeException e) {
                ns.close();
                throw e;
            }
            return ns;
        }

        /** The namespace's /proc/net/snmp counter {@code group} / {@code field}, e.g. Udp NoPorts. */
        public long snmp(String group, String field) {
            String[] lines = run("ip", "netns", "exec", name, "cat", "/proc/net/snmp").split("\n");
            for (int i = 0; i + 1 < lines.length; i++) {
                if (lines[i].startsWith(group + ":") && lines[i + 1].startsWith(group + ":")) {
                    String[] names = lines[i].trim().split("\\s+");
                    String[] values = lines[i + 1].trim().split("\\s+");
                    for (int k = 1; k < names.length; k++) {
                        if (names[k].equals(field)) {
                            return Long.parseLong(values[k]);
                        }
                    }
                }
            }
            throw new IllegalStateException("no " + group + " " + field + " in /proc/net/snmp");
        }

        /**
         * Starts a process in the namespace sending {@code count} UDP datagrams to 127.0.0.1:9 (closed)
         * from an unconnected socket, optionally pinned to {@code cpu} (-1: anywhere), looping for
         * {@code seconds} instead when that is positive. It prints "pid t0 t1 sent" (CLOCK_MONOTONIC ns).
         */
        public Process startUdpDrops(long count, int cpu, double seconds) {
            String script = String.join("\n",
                    "import os, socket, sys, time",
                    "n, cpu, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])",
                    "if cpu >= 0: os.sched_setaffinity(0, {cpu})",
                    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                    "a = ('127.0.0.1', 9)",
                    "t0 = time.monotonic_ns()",
                    "sent = 0",
                    "if secs > 0:",
                    "    end = t0 + int(secs * 1e9)",
                    "    while time.monotonic_ns() < end:",
                    "        for _ in range(1000): s.sendto(b'x', a)",
                    "        sent += 1000",
                    "else:",
                    "    for _ in range(n): s.sendto(b'x', a)",
                    "    sent = n",
                    "t1 = time.monotonic_ns()",
                    "print(os.getpid(), t0, t1, sent, flush=True)");
            try {
                return new ProcessBuilder("ip", "netns", "exec", name, python(), "-c", script,
                        Long.toString(count), Integer.toString(cpu), Double.toString(seconds))
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            run("ip", "netns", "del", name);
        }
    }

    /** What {@link NetNs#startUdpDrops} printed. */
    public record GeneratorResult(int pid, long t0, long t1, long sent) {
        public static GeneratorResult of(Process p) {
            try {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("generator failed: " + out);
                }
                String[] f = out.split("\\s+");
                return new GeneratorResult(Integer.parseInt(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                        Long.parseLong(f[3]));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * tracefs mounted at a private temp dir (never /sys/kernel/tracing: other sessions use it);
     * unmounted and removed on close.
     */
    public static final class PrivateTracefs implements AutoCloseable {
        public final Path root;

        private PrivateTracefs(Path root) {
            this.root = root;
        }

        public static PrivateTracefs mount() throws IOException {
            Path dir = Files.createTempDirectory("ds-perf-");
            try {
                run("mount", "-t", "tracefs", "nodev", dir.toString());
            } catch (RuntimeException e) {
                Files.delete(dir);
                throw e;
            }
            return new PrivateTracefs(dir);
        }

        public String read(String relative) throws IOException {
            return Files.readString(root.resolve(relative));
        }

        @Override
        public void close() throws IOException {
            run("umount", root.toString());
            Files.delete(root);
        }
    }

    /** A tracepoint's format file, parsed by hand for tests: field offsets and the reason table. */
    public record Format(int id, Map<String, int[]> fields, Map<String, Integer> symbols) {
        private static final Pattern FIELD = Pattern.compile("field:([^;]*);\\s*offset:(\\d+);\\s*size:(\\d+);");
        private static final Pattern SYMBOL = Pattern.compile("\\{\\s*(\\d+),\\s*\"([A-Z0-9_]+)\"\\s*\\}");

        public static Format parse(String text) {
            Matcher idm = Pattern.compile("(?m)^ID: (\\d+)").matcher(text);
            if (!idm.find()) {
                throw new IllegalArgumentException("no ID in format");
            }
            Map<String, int[]> fields = new HashMap<>();
            Matcher m = FIELD.matcher(text);
            while (m.find()) {
                String decl = m.group(1).trim();
                String name = decl.substring(decl.lastIndexOf(' ') + 1).replace("*", "");
                fields.put(name, new int[] {Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))});
            }
            Map<String, Integer> symbols = new HashMap<>();
            Matcher s = SYMBOL.matcher(text);
            while (s.find()) {
                symbols.put(s.group(2), Integer.parseInt(s.group(1)));
            }
            return new Format(Integer.parseInt(idm.group(1)), fields, symbols);
        }

        public int offset(String field) {
            int[] f = fields.get(field);
            return f == null ? -1 : f[0];
        }

        public KfreeSkbLayout kfreeSkbLayout() {
            return new KfreeSkbLayout(id, offset("common_pid"), offset("location"), offset("protocol"),
                    offset("reason"), offset("rx_sk"));
        }

        public int reason(String name) {
            Integer v = symbols.get(name);
            if (v == null) {
                throw new IllegalArgumentException("no reason " + name + " in the format's table");
            }
            return v;
        }
    }

    /** Reads skb:kfree_skb's format from a private tracefs mount, unmounted again before returning. */
    public static Format kfreeSkbFormat() throws IOException {
        try (PrivateTracefs t = PrivateTracefs.mount()) {
            return Format.parse(t.read("events/skb/kfree_skb/format"));
        }
    }

    /** Lines of text, for messages. */
    static List<String> lines(String s) {
        return new ArrayList<>(List.of(s.split("\n")));
    }
}
