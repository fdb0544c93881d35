package dev.dropscope.cli;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.export.Promtool;
import dev.dropscope.procfs.ProtocolCounters;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code dropscope serve} as a real process on an ephemeral loopback port, on the real kfree_skb tracepoint:
 * UDP to a closed port in a namespace made here must raise
 * {@code dropscope_drops_total{symbol="__udp4_lib_rcv",reason="NO_SOCKET"}} by exactly the kernel's own
 * {@code Udp NoPorts} delta in that namespace between two scrapes; /healthz answers; SIGTERM leaves the
 * kernel as it was. Plus the errors a user meets: a taken port, a bad --listen.
 */
class ServeCommandTest {
    private static final Syscalls SYS = Syscalls.get();
    private static final Pattern LISTENING = Pattern.compile("listening on http://(127\\.0\\.0\\.1:\\d+)/metrics");
    private static final Pattern NO_SOCKET = Pattern.compile(
            "dropscope_drops_total\\{interface=\"[^\"]*\",netns=\"[^\"]*\",origin=\"software\",reason=\"NO_SOCKET\",symbol=\"__udp4_lib_rcv\"} (\\S+)");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static List<String> tracefsMounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().filter(l -> l.contains(" tracefs ")).toList();
    }

    private static Process start(String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "-cp", cp, "dev.dropscope.cli.Main", "serve"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private HttpResponse<String> get(String hostPort, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + path)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The sum over every NO_SOCKET series at __udp4_lib_rcv (any interface label), or -1 before there is one. */
    private static long noSocketDrops(String metrics) {
        long sum = -1;
        Matcher m = NO_SOCKET.matcher(metrics);
        while (m.find()) {
            sum = Math.max(sum, 0) + (long) Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private static long noPorts(Netns ns) throws Exception {
        return ns.inside(SYS, () -> ProtocolCounters.query(Path.of("/proc")).counters().get("Udp.NoPorts"));
    }


    /** Scrapes until the NO_SOCKET count stops changing for two intervals, or 15 s pass. */
    private long settledNoSocket(String hostPort) throws Exception {
        long last = Long.MIN_VALUE;
        int same = 0;
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get(hostPort, "/metrics");
            assertEquals(200, r.statusCode(), r.body());
            long now = noSocketDrops(r.body());
            same = now == last ? same + 1 : 0;
            last = now;
            if (same >= 4) {
                return now;
            }
            Thread.sleep(250);
        }
        return last;
    }

    @Test
    @Needs(root = true)
    void scrapesCountEveryNoSocketDropAndSigtermRestoresTheKernel() throws Exception {
        List<String> mountsBefore = tracefsMounts();
        Process p = start("--listen", "127.0.0.1:0", "--interval", "500ms", "--source", "tracepoint");
        try (Netns ns = Netns.create("serve")) {
            ns.ip("link", "set", "lo", "up");
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertNotNull(line, "serve printed nothing");
            Matcher m = LISTENING.matcher(line);
            assertTrue(m.find(), line);
            String hostPort = m.group(1);

            HttpResponse<String> health = get(hostPort, "/healthz");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (health.statusCode() != 200 && System.nanoTime() < deadline) {
                assertEquals(503, health.statusCode(), "before the first sample: 503 and why");
                Thread.sleep(100);
                health = get(hostPort, "/healthz");
            }
            assertEquals(200, health.statusCode(), health.body());
            assertEquals("ok\n", health.body());
            assertEquals(404, get(hostPort, "/nothing-here").statusCode());

            String first = get(hostPort, "/metrics").body();
            Promtool.Result lint = Promtool.run(first, "check", "metrics");
            assertEquals(0, lint.exit(), lint.output());
            assertTrue(first.contains("dropscope_drop_source{source=\"tracepoint\"} 1.0"), first);
            assertTrue(first.contains("# TYPE dropscope_softnet_dropped_total counter"), first);

            // the tracepoint is global: another process's NO_SOCKET drop at the same site between the two
            // scrapes would be counted too, so a surplus is retried; a shortfall (a lost drop) fails at once
            for (int attempt = 1; ; attempt++) {
                long before = Math.max(0, settledNoSocket(hostPort));
                long kernelBefore = noPorts(ns);
                ns.sendToClosedPort(SYS, 500);
                long kernel = noPorts(ns) - kernelBefore;
                assertEquals(500, kernel, "the kernel counted our datagrams as NoPorts");
                long counted = settledNoSocket(hostPort) - before;
                assertTrue(counted >= kernel, "lost drops: the counter rose by " + counted + " for " + kernel);
                if (counted == kernel || attempt == 3) {
                    assertEquals(kernel, counted, "after " + attempt + " attempts");
                    break;
                }
            }

            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).inheritIO().start().waitFor();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exited after SIGTERM");
            String rest = out.lines().reduce("", (a, b) -> a + "\n" + b);
            assertEquals(143, p.exitValue(), rest);
            assertFalse(rest.contains("\tat "), "no stack trace: " + rest);
            assertTrue(rest.contains("\ndropscope serve: note: network namespaces are unknown: the tracepoint source "
                    + "does not report them"), "why netns is \"\": " + rest);
            // a tracefs mount of its own (when none was there to reuse) is gone again; the mount table is
            // shared with other test runs, whose mounts may come and go meanwhile
            List<String> left = new java.util.ArrayList<>(tracefsMounts());
            left.removeAll(mountsBefore);
            assertEquals(List.of(), left, "no tracefs mount left behind");
        } finally {
            p.destroyForcibly();
        }
    }

    /** NO_SOCKET at __udp4_lib_rcv in the namespace labelled {@code netns}, summed over interfaces; -1 before a series. */
    private static long noSocketDropsIn(String metrics, String netns) {
        Matcher m = Pattern.compile("dropscope_drops_total\\{interface=\"([^\"]*)\",netns=\"" + Pattern.quote(netns)
                + "\",origin=\"software\",reason=\"NO_SOCKET\",symbol=\"__udp4_lib_rcv\"} (\\S+)").matcher(metrics);
        long sum = -1;
        while (m.find()) {
            assertEquals("lo", m.group(1), "the interface, named inside its namespace: " + m.group());
            sum = Math.max(sum, 0) + (long) Double.parseDouble(m.group(2));
        }
        return sum;
    }

    /**
     * The eBPF source with identity: UDP to a closed port inside a namespace of our own shows up under
     * {@code netns="<its ip netns name>"} and {@code interface="lo"}, exactly the namespace's own
     * {@code Udp NoPorts} delta (no other process drops in it, so no retry is needed), and passes promtool.
     */
    @Test
    @Needs(root = true, tools = {"ip"}, files = {"/sys/kernel/btf/vmlinux"})
    void theEbpfSourceLabelsDropsWithTheirNamespaceAndInterface() throws Exception {
        Process p = start("--listen", "127.0.0.1:0", "--interval", "500ms", "--source", "ebpf");
        try (Netns ns = Netns.create("servens")) {
            ns.ip("link", "set", "lo", "up");
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertNotNull(line, "serve printed nothing");
            Matcher m = LISTENING.matcher(line);
            assertTrue(m.find(), line);
            String hostPort = m.group(1);
            assertTrue(line.contains("drop source: ebpf"), line);

            long kernelBefore = noPorts(ns);
            ns.sendToClosedPort(SYS, 300);
            long kernel = noPorts(ns) - kernelBefore;
            assertEquals(300, kernel, "the kernel counted our datagrams as NoPorts");
            long counted = -1;
            int same = 0;
            String metrics = "";
            for (long deadline = System.nanoTime() + 15_000_000_000L; System.nanoTime() < deadline && same < 4; ) {
                metrics = get(hostPort, "/metrics").body();
                long now = noSocketDropsIn(metrics, ns.name());
                same = now == counted && now >= 0 ? same + 1 : 0;
                counted = now;
                Thread.sleep(250);
            }
            assertEquals(kernel, counted, "NO_SOCKET drops labelled netns=\"" + ns.name() + "\":\n" + metrics);
            Promtool.Result lint = Promtool.run(metrics, "check", "metrics");
            assertEquals(0, lint.exit(), lint.output());

            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).inheritIO().start().waitFor();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exited after SIGTERM");
            String rest = out.lines().reduce("", (a, b) -> a + "\n" + b);
            assertEquals(143, p.exitValue(), rest);
            assertFalse(rest.contains("\tat "), "no stack trace: " + rest);
            assertFalse(rest.contains("note:"), "identity is known: nothing to explain: " + rest);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aTakenPortIsAOneLineErrorAndExitOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            DoctorCommandTest.Result r = DoctorCommandTest.run("serve", "--source", "none", "--listen",
                    "127.0.0.1:" + taken.getLocalPort());
            assertEquals(ExitCodes.FAILURE, r.exit(), r.err());
            assertTrue(r.err().startsWith("dropscope serve: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + ": Address already in use"), r.err());
            assertTrue(r.err().contains("choose another with --listen"), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }

    @Test
    void snapshotFormatPrometheusIsTheSameMappingAndPassesPromtool() throws Exception {
        DoctorCommandTest.Result r = DoctorCommandTest.run("snapshot", "--format", "prometheus", "--source", "none",
                "--duration", "200ms");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        Promtool.Result lint = Promtool.run(r.out(), "check", "metrics");
        assertEquals(0, lint.exit(), lint.output() + "\n" + r.out());
        assertTrue(r.out().contains("\ndropscope_drop_source{source=\"none\"} 1.0\n"), r.out());
        assertTrue(r.out().contains("\ndropscope_samples_total 1.0\n"), r.out());
        assertTrue(r.out().contains("\n# TYPE dropscope_interface_rx_packets_total counter\n"), r.out());
        assertTrue(r.out().contains("dropscope_interface_rx_packets_total{interface=\"lo\"}"), r.out());
        assertFalse(r.out().contains("dropscope_drops_total"), "no drop source, no drop series");
    }

    @Test
    void healthSaysWhyUntilTheFirstSampleWhenStaleAndAfterAFailure() {
        ServeCommand.State st = new ServeCommand.State(new dev.dropscope.export.PrometheusMetrics(5), "t", 30_000);
        assertEquals("no stack sample yet", st.unhealthy(1_000_000));
        dev.dropscope.model.Snapshot s = dev.dropscope.model.Snapshot.builder().takenAt(1_000_000, 0)
                .error("qdisc", "timed out").build();
        st.onSample(s, null);
        st.onSample(s, null);
        assertEquals(null, st.unhealthy(1_000_000 + 29_000));
        assertEquals("latest stack sample is 95 s old", st.unhealthy(1_000_000 + 95_000));
        Map<String, Double> m = new LinkedHashMap<>();
        for (String line : dev.dropscope.export.PrometheusMetrics.text(st.collect()).split("\n")) {
            if (!line.startsWith("#")) {
                m.put(line.substring(0, line.lastIndexOf(' ')), Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        assertEquals(2.0, m.get("dropscope_samples_total"));
        assertEquals(2.0, m.get("dropscope_collector_errors_total{collector=\"qdisc\"}"), "errors add up over samples");
        st.onFailure("stack sampler", new java.io.IOException("boom"));
        assertEquals("stack sampler failed: boom", st.unhealthy(1_000_000));
    }

    @Test
    void badOptionsAreUsageErrors() {
        String[][] bad = {
            {"serve", "--listen", "9464"},
            {"serve", "--listen", "localhost:99999"},
            {"serve", "--listen", "no.such.host.invalid:9464"},
            {"serve", "--interval", "10ms"},
            {"serve", "--top-sites", "-1"},
            {"serve", "--source", "bpf"},
        };
        for (String[] args : bad) {
            DoctorCommandTest.Result r = DoctorCommandTest.run(args);
            assertEquals(ExitCodes.USAGE, r.exit(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().startsWith("dropscope: "), r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }

    /**
     * serve builds only its own command (the other commands' classes never load in the agent): its help,
     * its parsing and its one-line errors must be those of the whole command line.
     */
    @Test
    void serveStartsFromALeanCommandLineThatReadsItAsTheWholeOneDoes() {
        picocli.CommandLine lean = Main.commandLine(new String[] {"serve"});
        picocli.CommandLine full = Main.commandLine();
        assertEquals(List.of("serve"), List.copyOf(lean.getSubcommands().keySet()), "only serve is built");
        assertTrue(full.getSubcommands().size() > 5, "anything else gets every command");
        assertEquals(full.getCommandName(), lean.getCommandName());
        assertEquals(full.getSubcommands().get("serve").getUsageMessage(), lean.getSubcommands().get("serve").getUsageMessage());
        ServeCommand s = lean.parseArgs("serve", "--web.listen-address", ":9100", "--interval", "2s", "--top-sites", "7")
                .subcommand().commandSpec().commandLine().getCommand();
        assertEquals("/0.0.0.0:9100", s.address.toString());
        assertEquals(2000, s.intervalMillis);
        assertEquals(7, s.topSites);
        // what a user sees: `dropscope serve --help` and a bad option, through main's path (the lean line)
        // and through the whole line, byte for byte
        for (String[] args : new String[][] {{"serve", "--help"}, {"serve", "--interval", "10ms"}, {"serve", "--bogus"},
                {"serve", "--listen", "9464"}, {"serve", "--top-sites", "-1"}}) {
            java.io.StringWriter out1 = new java.io.StringWriter();
            java.io.StringWriter err1 = new java.io.StringWriter();
            int exit1 = Main.run(args, new java.io.PrintWriter(out1, true), new java.io.PrintWriter(err1, true));
            java.io.StringWriter out2 = new java.io.StringWriter();
            java.io.StringWriter err2 = new java.io.StringWriter();
            picocli.CommandLine whole = Main.commandLine();
            whole.setOut(new java.io.PrintWriter(out2, true));
            whole.setErr(new java.io.PrintWriter(err2, true));
            int exit2 = whole.execute(args);
            String what = String.join(" ", args);
            assertEquals(exit2, exit1, what);
            assertEquals(out2.toString(), out1.toString(), what);
            assertEquals(err2.toString(), err1.toString(), what);
            assertFalse((out1.toString() + err1).isBlank(), what + " says something");
        }
    }

    @Test
    void listenForms() {
        ListenAddressConverter c = new ListenAddressConverter();
        Map<String, String> forms = new LinkedHashMap<>();
        forms.put("127.0.0.1:9464", "/127.0.0.1:9464");
        forms.put(":9100", "/0.0.0.0:9100");
        forms.put("[::1]:9464", "/[0:0:0:0:0:0:0:1]:9464");
        forms.put("0.0.0.0:0", "/0.0.0.0:0");
        forms.forEach((in, want) -> assertEquals(want, c.convert(in).toString(), in));
    }
}
