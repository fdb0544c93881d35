package dev.dropscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The in-guest half of {@link NetDmLabTest}, run by src/test/resources/lab/netdm-watch.sh inside
 * test/vm/netdm-vm: the runs that need no signal from outside go through {@link Main#run} one after another
 * in this one JVM (under emulation every JVM start costs tens of seconds; the commands are the same), each
 * with the datagrams sent from here as soon as watch's start record is out. Prints the "CHECK name value"
 * lines the test asserts on, and after "== name" the output behind them. Not a test itself.
 *
 * <pre>NetDmLabGuest first DIR   doctor, then watch in summary, packet and --queue 1 packet mode, then a
 *                          watch left running: once it is live (DIR/stale.live) the script kills this JVM
 *                          with SIGKILL, which leaves NET_DM on (the stale session)
 * NetDmLabGuest last DIR    the refused stale session, --passive, --takeover, the dropwatch language, the
 *                          state left behind, and the stalled reader's output (DIR/stall.json)</pre>
 */
public final class NetDmLabGuest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NetDmLabGuest() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        if (args[0].equals("first")) {
            first(dir);
        } else {
            last(dir);
        }
        System.out.flush();
    }

    static void check(String name, Object value) {
        System.out.println("CHECK " + name + " " + value);
    }

    static void show(String name, String text) {
        System.out.println("== " + name);
        System.out.print(text.endsWith("\n") || text.isEmpty() ? text : text + "\n");
    }

    static void step(String what) throws IOException {
        System.err.println("STEP " + what + " at " + Files.readString(Path.of("/proc/uptime")).split(" ")[0] + "s");
    }

    /** Udp NoPorts: the value line after the "Udp:" header line, third field ("Udp:" being the first). */
    static long noPorts() throws IOException {
        boolean header = false;
        for (String l : Files.readAllLines(Path.of("/proc/net/snmp"))) {
            if (l.startsWith("Udp:")) {
                if (header) {
                    return Long.parseLong(l.trim().split("\\s+")[2]);
                }
                header = true;
            }
        }
        throw new IOException("no Udp line in /proc/net/snmp");
    }

    static void send(int n) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            byte[] x = {'x'};
            for (int i = 0; i < n; i++) {
                s.send(new DatagramPacket(x, 1, InetAddress.getLoopbackAddress(), 9));
            }
        }
    }

    record Run(int exit, String out, String err) {
    }

    /** Main.run on its own thread; once its output has {@code cue}, {@code n} datagrams to a closed port. */
    static Run watch(String cue, int n, String stdin, String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int[] exit = {-1};
        InputStream in = System.in;
        if (stdin != null) {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        }
        Thread t = new Thread(() -> exit[0] = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true)),
                "dropscope " + args[0]);
        t.start();
        if (cue != null) {
            long deadline = System.nanoTime() + 300_000_000_000L;
            while (!out.toString().contains(cue) && t.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            long t0 = System.nanoTime();
            send(n);
            step(args[0] + ": " + n + " datagrams sent in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }
        t.join(300_000);
        System.setIn(in);
        if (t.isAlive()) {
            System.err.println("STUCK: " + String.join(" ", args) + " after 300 s");
            for (StackTraceElement e : t.getStackTrace()) {
                System.err.println("\tat " + e);
            }
            Runtime.getRuntime().halt(137);
        }
        return new Run(exit[0], out.toString(), err.toString());
    }

    static List<JsonNode> records(String jsonLines) throws IOException {
        List<JsonNode> r = new ArrayList<>();
        for (String l : jsonLines.split("\n")) {
            if (!l.isBlank()) {
                r.add(JSON.readTree(l));
            }
        }
        return r;
    }

    static String withoutPackets(String jsonLines) {
        StringBuilder b = new StringBuilder();
        for (String l : jsonLines.split("\n")) {
            if (!l.contains("\"type\":\"packet\"")) {
                b.append(l).append('\n');
            }
        }
        return b.toString();
    }

    static boolean mine(JsonNode o) {
        return o.path("type").asText().equals("packet") && o.path("reason").asText().equals("NO_SOCKET")
                && o.path("dport").asInt() == 9;
    }

    static String monitor(JsonNode summary) {
        TreeMap<String, String> m = new TreeMap<>();
        if (summary != null) {
            summary.path("monitor").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        }
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
        return b.toString();
    }

    static JsonNode summary(List<JsonNode> records) {
        return records.stream().filter(o -> o.path("type").asText().equals("summary")).reduce((a, b) -> b).orElse(null);
    }

    static long count(List<JsonNode> records, Predicate<JsonNode> p) {
        return records.stream().filter(p).count();
    }

    static final String START = "\"type\":\"start\"";

    static void first(Path dir) throws Exception {
        step("0 doctor");
        Run doctor = watch(null, 0, null, "doctor", "--format", "json");
        Files.writeString(dir.resolve("doctor.json"), doctor.out);
        check("doctor_exit", doctor.exit);
        show("doctor.err", doctor.err);

        // 1. summary mode: every NO_SOCKET drop is counted at __udp4_lib_rcv
        step("1 summary");
        long before = noPorts();
        Run r = watch(START, 200, null, "watch", "--source", "netdm", "--format", "json", "--duration", "15s");
        check("summary_exit", r.exit);
        check("summary_kernel", noPorts() - before);
        long counted = 0;
        JsonNode s = summary(records(r.out));
        if (s != null) {
            for (JsonNode site : s.path("sites")) {
                if (site.path("symbol").asText().equals("__udp4_lib_rcv")) {
                    counted += site.path("count").asLong();
                }
            }
        }
        check("summary_counted", counted);
        show("summary", r.out);
        show("summary.err", r.err);

        // 2. packet mode: one record per datagram, with reason, interface and the 5-tuple (exit 0 = run 1 stopped)
        step("2 packet");
        before = noPorts();
        // (emulated, the reader prints only a few packets a second: the duration leaves it time for all 50)
        r = watch(START, 50, null, "watch", "--source", "netdm", "--mode", "packet", "--trunc", "96", "--format", "json",
                "--duration", "25s");
        check("packet_exit", r.exit);
        check("packet_kernel", noPorts() - before);
        check("packet_counted", count(records(r.out), o -> mine(o) && o.path("symbol").asText().equals("__udp4_lib_rcv")
                && o.path("dst").asText().equals("127.0.0.1") && o.path("l4").asText().equals("udp")
                && o.path("interface").asText().equals("lo")));
        show("packet", withoutPackets(r.out));
        show("packet.err", r.err);

        // 2b. a one-packet per-CPU queue: a burst overflows it, the kernel counts tail drops (STATS_GET), watch
        //     reports them as lost; every drop is a packet record or lost, also the alerts still queued on
        //     watch's socket when --duration ends (drained after STOP)
        step("2b queue1");
        before = noPorts();
        // (a loaded host's guest took 30 s to send the burst: every drop must happen while watch watches)
        r = watch(START, 2000, null, "watch", "--source", "netdm", "--mode", "packet", "--queue", "1", "--trunc", "64",
                "--format", "json", "--duration", "40s");
        check("queue1_exit", r.exit);
        check("queue1_kernel", noPorts() - before);
        List<JsonNode> rec = records(r.out);
        long packets = count(rec, NetDmLabGuest::mine);
        long lostLines = rec.stream().filter(o -> o.path("type").asText().equals("lost"))
                .mapToLong(o -> o.path("count").asLong()).sum();
        s = summary(rec);
        check("queue1_packets", packets);
        check("queue1_lost_lines", lostLines);
        check("queue1_total", s == null ? -1 : s.path("total").asLong());
        check("queue1_lost", s == null ? -1 : s.path("lost").asLong());
        check("queue1_monitor", monitor(s));
        check("queue1_accounted", packets + (s == null ? 0 : s.path("lost").asLong()));
        show("queue1", withoutPackets(r.out));
        show("queue1.err", r.err);

        // 4. a stale session: a monitor killed with SIGKILL leaves NET_DM on (this START succeeding = 2b stopped)
        step("4 stale");
        StringWriter out = new StringWriter();
        Thread t = new Thread(() -> Main.run(new String[] {"watch", "--source", "netdm", "--format", "json"},
                new PrintWriter(out, true), new PrintWriter(out, true)), "dropscope watch (stale)");
        t.setDaemon(true);
        t.start();
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (!out.toString().contains(START) && t.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        check("stale_started", out.toString().lines().filter(l -> l.contains(START)).count());
        System.out.flush();
        Files.writeString(dir.resolve("stale.live"), "live\n");
        t.join(); // until the SIGKILL (had the watch ended on its own, the test would see first_exit 0, not 137)
    }

    static void last(Path dir) throws Exception {
        // 2c, analysed here: the stalled reader (the script stopped and continued its JVM)
        String stall = Files.readString(dir.resolve("stall.json"));
        List<JsonNode> rec = records(stall);
        JsonNode s = summary(rec);
        long packets = count(rec, NetDmLabGuest::mine);
        check("stall_packets", packets);
        check("stall_accounted", packets + (s == null ? 0 : s.path("lost").asLong()));
        check("stall_monitor", monitor(s));
        show("stall", withoutPackets(stall));

        // 5. the session the script's SIGKILL left: refused with an explanation, then --passive (changes
        //    nothing), then --takeover
        step("5 refused, passive, takeover");
        Run r = watch(null, 0, null, "watch", "--source", "netdm", "--duration", "1s");
        check("stale_refused_exit", r.exit);
        check("stale_refused_hint", (r.out + r.err).lines().filter(l -> l.contains("--takeover")).count());
        show("refused", r.out + r.err);
        r = watch(null, 0, null, "watch", "--source", "netdm", "--passive", "--duration", "2s");
        check("passive_exit", r.exit);
        show("passive", r.out + r.err);
        r = watch(null, 0, null, "watch", "--source", "netdm", "--takeover", "--duration", "1s");
        check("takeover_exit", r.exit);
        show("takeover", r.out + r.err);

        // 6. the dropwatch language: the configuration is as before runs 2-3 changed it; `set` changes it for
        //    the session, stats answers, and exit puts it back
        step("6 repl");
        r = watch(null, 0, "show\nset alertmode packet\nset trunc 64\nset queue 16\nshow\nstats\nexit\n", "dropwatch");
        check("repl_exit", r.exit);
        check("repl_show", config(r.out + r.err));
        check("repl_stats", (r.out + r.err).lines().filter(l -> l.startsWith("Tail dropped: ")).count());
        show("repl", r.out + r.err);

        // 7. last: NET_DM is off (START accepted after the takeover run) and configured as by default again
        step("7 final");
        r = watch(null, 0, "show\nexit\n", "dropwatch");
        check("final_config", config(r.out + r.err));
        r = watch(null, 0, null, "watch", "--source", "netdm", "--duration", "1s");
        check("final_start_exit", r.exit);
        show("final", r.out + r.err);
    }

    static String config(String text) {
        StringBuilder b = new StringBuilder();
        text.lines().filter(l -> l.matches("^(Alert mode|Truncation length|Queue length):.*")).forEach(l -> b.append(l).append(';'));
        return b.toString();
    }
}
