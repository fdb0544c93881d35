package dev.dropscope.cli;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.testutil.Root;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The real program in tmux, as an operator runs it: {@code dropscope} on a terminal, while a namespace of
 * our own drops UDP to a closed port on its loopback. The drop site must show up, every way out (q,
 * Ctrl-C, SIGTERM) must give the terminal back (no alternate screen, cooked mode, cursor on) and leave
 * no tracefs mount or temporary directory behind.
 *
 * <p>Run from the test class path (under {@code mvn verify} the jar does not exist yet), with the
 * program's temporary directory inside ours, so anything it leaves there is ours to find.
 */
@Needs(root = true, tools = "tmux")
class TopTmuxTest {
    /** Waits are for a loaded CI machine; none of them is asserted as a duration. */
    private static final int PATIENCE_SECONDS = 45;

    private static String random() {
        byte[] b = new byte[4];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    /** {@code ip netns add ds-tui-<random>} with lo up; deleted on close, also when a test fails. */
    static final class DropLab implements AutoCloseable {
        final String name = "ds-tui-" + random();
        private Process sender;

        DropLab() throws IOException, InterruptedException {
            run("ip", "netns", "add", name);
            try {
                run("ip", "-n", name, "link", "set", "lo", "up");
            } catch (IOException | InterruptedException e) {
                run("ip", "netns", "delete", name);
                throw e;
            }
        }

        /** UDP to 127.0.0.1:9, where nothing listens, about 2000 a second for at most {@code seconds}. */
        void startDrops(int seconds) throws IOException {
            String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
            sender = new ProcessBuilder("ip", "netns", "exec", name, python, "-c", String.join("\n",
                    "import socket, time",
                    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                    "end = time.monotonic() + " + seconds,
                    "while time.monotonic() < end:",
                    "    for _ in range(20): s.sendto(b'x', ('127.0.0.1', 9))",
                    "    time.sleep(0.01)"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        }

        @Override
        public void close() throws IOException, InterruptedException {
            if (sender != null) {
                sender.destroyForcibly();
                sender.waitFor(10, TimeUnit.SECONDS);
            }
            run("ip", "netns", "delete", name);
        }
    }

    /** The program in a pane of a private tmux server; the pane keeps its shell after the program ends. */
    static final class Pane implements AutoCloseable {
        final String socket = "ds-tui-" + random();
        final Path dir;
        final long startedNanos;

        Pane(int width, int height, Map<String, String> env, String... args) throws IOException, InterruptedException {
            dir = Files.createTempDirectory("ds-tui-");
            Files.createDirectory(dir.resolve("tmp"));
            StringBuilder script = new StringBuilder("#!/bin/sh\ncd '" + dir + "'\n");
            env.forEach((k, v) -> script.append("export ").append(k).append("='").append(v).append("'\n"));
            script.append("'").append(Path.of(System.getProperty("java.home"), "bin", "java")).append("' -XX:+UseSerialGC")
                    .append(" -Djava.io.tmpdir='").append(dir.resolve("tmp")).append("'")
                    .append(" -cp '").append(System.getProperty("java.class.path")).append("' dev.dropscope.cli.Main");
            for (String a : args) {
                script.append(' ').append(a);
            }
            script.append("\necho \"EXIT=$?\" > exit\nstty -a > stty 2>&1\nexec sleep 600\n");
            Path run = dir.resolve("run.sh");
            Files.writeString(run, script);
            Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
            startedNanos = System.nanoTime();
            tmux("new-session", "-d", "-s", "top", "-x", Integer.toString(width), "-y", Integer.toString(height),
                    run.toString());
        }

        String tmux(String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket, "-f", "/dev/null"));
            cmd.addAll(List.of(args));
            return run(cmd.toArray(new String[0]));
        }

        String capture() throws IOException, InterruptedException {
            return tmux("capture-pane", "-p", "-t", "top");
        }

        String captureWithAttributes() throws IOException, InterruptedException {
            return tmux("capture-pane", "-p", "-e", "-t", "top");
        }

        String await(Predicate<String> screen, String what) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
            String s = capture();
            while (System.nanoTime() < deadline) {
                s = capture();
                if (screen.test(s)) {
                    return s;
                }
                Thread.sleep(100);
            }
            throw new AssertionError("never saw " + what + "; the pane:\n" + s);
        }

        void keys(String... keys) throws IOException, InterruptedException {
            List<String> args = new ArrayList<>(List.of("send-keys", "-t", "top"));
            args.addAll(List.of(keys));
            tmux(args.toArray(new String[0]));
        }

        /** The program's exit status, once the pane's script has written it. */
        int awaitExit() throws IOException, InterruptedException {
            Path exit = dir.resolve("exit");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
            while (System.nanoTime() < deadline) {
                if (Files.exists(dir.resolve("stty"))) {
                    String s = Files.readString(exit).strip();
                    return Integer.parseInt(s.substring("EXIT=".length()));
                }
                Thread.sleep(100);
            }
            throw new AssertionError("the program did not end; the pane:\n" + capture());
        }

        /** The program's JVM, found by the temporary directory on its command line. */
        ProcessHandle java() {
            String marker = "-Djava.io.tmpdir=" + dir.resolve("tmp");
            return ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().map(c -> c.contains(marker) && c.contains("java")).orElse(false))
                    .findFirst().orElseThrow(() -> new AssertionError("no JVM with " + marker));
        }

        /** The terminal is back: out of the alternate screen, cooked mode with echo, cursor visible. */
        void assertTerminalRestored() throws IOException, InterruptedException {
            assertEquals("0 1", tmux("display-message", "-p", "-t", "top", "#{alternate_on} #{cursor_flag}").strip(),
                    "alternate screen, cursor");
            String stty = Files.readString(dir.resolve("stty"));
            assertTrue(Pattern.compile("(^|\\s)icanon(\\s|$)").matcher(stty).find(), stty);
            assertTrue(Pattern.compile("(^|\\s)echo(\\s|$)").matcher(stty).find(), stty);
            assertTrue(Pattern.compile("(^|\\s)isig(\\s|$)").matcher(stty).find(), "Ctrl-C signals again: " + stty);
            assertFalse(capture().contains("Drop sites"), "the frame is gone with the alternate screen");
        }

        /** No tracefs mount under our directory, nothing of dropscope's left in its temporary directory. */
        void assertNothingLeftBehind() throws IOException {
            assertFalse(Files.readString(Path.of("/proc/self/mounts")).contains(dir.toString()),
                    "a mount of ours is still there");
            try (Stream<Path> s = Files.list(dir.resolve("tmp"))) {
                assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("dropscope"))
                        .toList());
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            try {
                tmux("kill-server");
            } catch (IOException alreadyGone) {
                // the server ends with its last session
            }
            // should a run have leaked a tracefs mount, do not leave it on the machine
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 2 && f[1].startsWith(dir.toString())) {
                    run("umount", "-l", f[1]);
                }
            }
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static boolean named(String screen) {
        return screen.contains(" source tracepoint (") || screen.contains(" source netdm (")
                || screen.contains(" source ebpf (");
    }

    private static boolean siteLine(String screen) {
        return screen.lines().anyMatch(l -> l.contains("__udp4_lib_rcv") && l.contains("NO_SOCKET"));
    }

    /** The rows of the pane under the title {@code title} up to the next title or the status line. */
    private static List<String> paneRows(String screen, String titleStart) {
        List<String> lines = screen.lines().toList();
        List<String> rows = new ArrayList<>();
        int i = 0;
        while (i < lines.size() && !lines.get(i).startsWith(titleStart)) {
            i++;
        }
        for (i++; i < lines.size() - 1 && !lines.get(i).matches("^[─-] [A-Z][a-z]+.*"); i++) {
            rows.add(lines.get(i));
        }
        return rows;
    }

    /** Every parameter of every SGR sequence ("ESC[1;7m" gives 1 and 7) in tmux's capture with attributes. */
    private static List<Integer> sgrParameters(String captured) {
        List<Integer> out = new ArrayList<>();
        var m = Pattern.compile("\u001b\\[([0-9;]*)m").matcher(captured);
        while (m.find()) {
            for (String p : m.group(1).split(";")) {
                if (!p.isEmpty()) {
                    out.add(Integer.parseInt(p));
                }
            }
        }
        return out;
    }

    /** SGR 30-38, 40-48, 90-97, 100-107 set a colour; 39 and 49 go back to the default. */
    private static boolean isColour(int p) {
        return (p >= 30 && p <= 38) || (p >= 40 && p <= 48) || (p >= 90 && p <= 97) || (p >= 100 && p <= 107);
    }

    @Test
    void dropscopeAloneOnA120x40TerminalShowsTheDropSiteAndQuitsWithQ() throws Exception {
        try (DropLab lab = new DropLab(); Pane pane = new Pane(120, 40, Map.of("LANG", "C.UTF-8"))) {
            // tmux may capture while Lanterna is still writing a frame's changes (CI once saw the header half
            // way from "opening... (--source auto)" to "ebpf (it counts..."): wait for a whole, settled frame
            String first = pane.await(s -> s.contains("─ Findings ─") && s.contains(" conntrack ")
                    && (s.contains(" source opening... (--source auto)") || s.contains(" source ebpf (it counts in the kernel")),
                    "a full frame naming the source or saying it is opening");
            long firstFrameMs = (System.nanoTime() - pane.startedNanos) / 1_000_000;
            for (String title : List.of("─ Drop sites ─", "─ Interfaces ─", "─ System ─", "─ Findings ─")) {
                assertTrue(first.contains(title), title + "\n" + first);
            }
            assertTrue(first.startsWith("dropscope  host "), first);
            // the frame may come while the drop source is still opening; once open, the header names it:
            // eBPF, the first of auto's order (README "Which source auto uses")
            pane.await(s -> s.contains(" source ebpf (it counts in the kernel"), "the header naming eBPF as the source");

            lab.startDrops(60);
            String withDrops = pane.await(TopTmuxTest::siteLine, "the __udp4_lib_rcv NO_SOCKET site");
            // NO_SOCKET drops at __udp4_lib_rcv: the no_socket_drops finding (info) comes with them
            String withFinding = pane.await(s -> paneRows(s, "─ Findings ─").stream()
                    .anyMatch(l -> l.matches("^ (CRIT|WARN|INFO)  .+")), "a finding");
            assertTrue(paneRows(withFinding, "─ Findings ─").stream().anyMatch(l -> l.contains("closed port")
                    || l.toLowerCase(java.util.Locale.ROOT).contains("no socket")), withFinding);
            System.out.printf("top in tmux 120x40: first full frame %d ms after start%n%s%n", firstFrameMs, withDrops);

            pane.keys("q");
            assertEquals(ExitCodes.OK, pane.awaitExit());
            pane.assertTerminalRestored();
            pane.assertNothingLeftBehind();
        }
    }

    @Test
    void topAt80x24WithoutColourOrUnicodeStillShowsWhereAndCtrlCLeavesWith130() throws Exception {
        try (DropLab lab = new DropLab(); Pane pane = new Pane(80, 24, Map.of("LANG", "C", "NO_COLOR", "1"), "top")) {
            pane.await(s -> s.contains("- Findings -"), "the ASCII frame");
            lab.startDrops(60);
            String screen = pane.await(TopTmuxTest::siteLine, "the __udp4_lib_rcv NO_SOCKET site");
            for (String line : screen.lines().toList()) {
                assertTrue(line.chars().allMatch(c -> c < 128), "not ASCII: " + line);
            }
            List<Integer> sgr = sgrParameters(pane.captureWithAttributes());
            assertTrue(sgr.stream().noneMatch(TopTmuxTest::isColour), "a colour with NO_COLOR set: " + sgr);
            assertTrue(sgr.contains(7), "reverse video marks the focused pane: " + sgr);
            System.out.printf("top in tmux 80x24, NO_COLOR, LANG=C:%n%s%n", screen);

            pane.keys("C-c");
            assertEquals(ExitCodes.INTERRUPTED, pane.awaitExit());
            pane.assertTerminalRestored();
            pane.assertNothingLeftBehind();
        }
    }

    @Test
    void sigtermRestoresTheTerminalAndTheKernelBeforeTheJvmExits() throws Exception {
        try (Pane pane = new Pane(100, 30, Map.of("LANG", "C.UTF-8"), "top")) {
            pane.await(s -> s.contains("─ Findings ─"), "a frame");
            ProcessHandle java = pane.java();
            assertNotNull(java);
            run("kill", "-TERM", Long.toString(java.pid()));
            assertEquals(128 + 15, pane.awaitExit(), "the JVM ends as SIGTERM ends it, after the cleanup");
            pane.assertTerminalRestored();
            pane.assertNothingLeftBehind();
        }
    }
}
