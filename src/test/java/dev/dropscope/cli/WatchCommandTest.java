package dev.dropscope.cli;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropscope.procfs.ProtocolCounters;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * dropscope watch on the real kfree_skb tracepoint of this kernel: UDP to a closed port on the loopback
 * of a namespace made here; the count at __udp4_lib_rcv with reason NO_SOCKET must equal the kernel's
 * own {@code Udp NoPorts} delta in that namespace, exactly.
 */
@Needs(root = true)
class WatchCommandTest {
    private static final Syscalls SYS = Syscalls.get();
    private static Netns ns;

    @BeforeAll
    static void namespace() throws IOException {
        ns = Netns.create("watch");
        ns.ip("link", "set", "lo", "up");
    }

    @AfterAll
    static void cleanup() throws IOException {
        if (ns != null) {
            ns.close();
        }
    }

    record Run(int exit, String out, String err, long kernelDrops) {
    }

    private static long noPorts() throws Exception {
        return ns.inside(SYS, () -> ProtocolCounters.query(Path.of("/proc")).counters().get("Udp.NoPorts"));
    }

    /** The drop source's fds in this JVM: the eBPF source's bpf_link (raw tracepoint) or its perf events. */
    static long sourceFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> {
                try {
                    // the eBPF source on the raw tracepoint holds a bpf_link, not a perf event
                    String t = Files.readSymbolicLink(p).toString();
                    return t.equals("anon_inode:[perf_event]") || t.equals("anon_inode:bpf_link");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    /** Runs watch in this JVM while {@code datagrams} go to a closed port once its perf events (or BPF link) are open. */
    private static Run watchWhileDropping(int datagrams, String... args) throws Exception {
        long fdsBefore = sourceFds();
        long before = noPorts();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() ->
                Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true)));
        long deadline = System.nanoTime() + 20_000_000_000L;
        // the start record is written once the source is open on every CPU (the tracepoint source opens one perf
        // event per CPU: the first fd alone is too early under load); dropwatch's format prints nothing at start,
        // so for it the first fd (the eBPF source's one bpf_link, attached at once) is the sign
        boolean dropwatch = String.join(" ", args).contains("--format dropwatch");
        while ((dropwatch ? sourceFds() == fdsBefore : out.getBuffer().length() == 0)
                && !run.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(run.isDone(), "watch ended before it opened its events: " + err);
        ns.sendToClosedPort(SYS, datagrams);
        long kernel = noPorts() - before;
        int exit = run.get();
        assertEquals(fdsBefore, sourceFds(), "every perf event closed again");
        return new Run(exit, out.toString(), err.toString(), kernel);
    }

    @Test
    void jsonCountsEveryNoSocketDropExactly() throws Exception {
        // the tracepoint is global: another process's NO_SOCKET drop at the same site during the run would
        // be counted too, so a surplus is retried; a shortfall (a lost drop) fails at once
        for (int attempt = 1; ; attempt++) {
            Run r = watchWhileDropping(1000, "watch", "--source", "tracepoint", "--duration", "3s", "--format", "json",
                    "--reason", "NO_SOCKET", "--symbol", "__udp4_lib_rcv");
            assertEquals(ExitCodes.OK, r.exit(), r.err());
            assertEquals(1000, r.kernelDrops(), "the kernel counted our datagrams as NoPorts");
            List<String> lines = r.out().lines().toList();
            JsonNode summary = new ObjectMapper().readTree(lines.get(lines.size() - 1));
            assertEquals("summary", summary.get("type").asText());
            assertEquals("tracepoint", summary.get("source").asText());
            assertEquals(0, summary.get("lost").asLong(), "nothing lost");
            long counted = 0;
            for (JsonNode s : summary.get("sites")) {
                assertEquals("__udp4_lib_rcv", s.get("symbol").asText());
                assertEquals("NO_SOCKET", s.get("reason").asText());
                assertEquals("software", s.get("origin").asText());
                assertTrue(s.get("address").asText().startsWith("0xffffffff"), s.toString());
                counted += s.get("count").asLong();
            }
            // the per-interval records add up to the same total
            JsonNode start = new ObjectMapper().readTree(lines.get(0));
            assertEquals("start", start.get("type").asText());
            assertEquals("tracepoint", start.get("source").asText());
            assertEquals("asked for with --source tracepoint", start.get("why").asText());
            long intervals = 0;
            for (String l : lines.subList(1, lines.size() - 1)) {
                JsonNode o = new ObjectMapper().readTree(l);
                assertEquals("drops", o.get("type").asText(), l);
                intervals += o.get("count").asLong();
            }
            assertEquals(counted, intervals);
            assertTrue(counted >= r.kernelDrops(), "lost drops: counted " + counted + " of " + r.kernelDrops());
            if (counted == r.kernelDrops() || attempt == 3) {
                assertEquals(r.kernelDrops(), counted, "after " + attempt + " attempts");
                return;
            }
        }
    }

    @Test
    void dropwatchFormatPrintsDropwatchLines() throws Exception {
        Run r = watchWhileDropping(200, "watch", "--duration", "3s", "--format", "dropwatch", "--symbol", "__udp4_lib_rcv");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        Pattern line = Pattern.compile("(\\d+) drops at __udp4_lib_rcv\\+([0-9a-f]+) \\(0x([0-9a-f]{16})\\) \\[software\\]");
        long counted = 0;
        for (String l : r.out().lines().toList()) {
            Matcher m = line.matcher(l);
            assertTrue(m.matches(), "not a dropwatch line: '" + l + "'");
            counted += Long.parseLong(m.group(1));
        }
        assertTrue(counted >= 200, r.out());
    }

    /** --source ebpf end to end; the exact count (IPv6, away from other processes' drops) is EbpfMonitorLiveTest's. */
    @Test
    void ebpfSourceCountsEveryNoSocketDropAndNamesItself() throws Exception {
        Run r = watchWhileDropping(1000, "watch", "--source", "ebpf", "--duration", "3s", "--format", "json",
                "--reason", "NO_SOCKET", "--symbol", "__udp4_lib_rcv");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals(1000, r.kernelDrops());
        List<String> lines = r.out().lines().toList();
        JsonNode summary = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        assertEquals("ebpf", summary.get("source").asText());
        assertEquals(0, summary.get("lost").asLong(), "nothing lost");
        long counted = 0;
        for (JsonNode s : summary.get("sites")) {
            assertEquals("__udp4_lib_rcv", s.get("symbol").asText());
            assertEquals("NO_SOCKET", s.get("reason").asText());
            counted += s.get("count").asLong();
        }
        assertTrue(counted >= 1000, "every drop of ours counted (others' may add): " + counted);
    }

    @Test
    void textFormatSaysWhichSourceAndWhy() throws Exception {
        Run r = watchWhileDropping(10, "watch", "--duration", "2s");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        String first = r.out().lines().findFirst().orElseThrow();
        assertTrue(first.startsWith("dropscope watch: ebpf source (it counts in the kernel, with reasons, at the lowest cost; "
                + "NET_DM is not usable"), first);
        assertTrue(r.out().contains("__udp4_lib_rcv+0x"), r.out());
        assertTrue(r.out().contains("NO_SOCKET"), r.out());
        assertTrue(r.out().contains("\nsummary: "), r.out());
    }

    @Test
    void limitEndsTheRunLikeAlertlimit() throws Exception {
        Run r = watchWhileDropping(50, "watch", "--format", "dropwatch", "--limit", "1", "--symbol", "__udp4_lib_rcv",
                "--duration", "30s");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals(1, r.out().lines().count(), r.out());
    }

    static DoctorCommandTest.Result run(String... args) {
        return DoctorCommandTest.run(args);
    }

    @Test
    void badOptionsAreOneLineUsageErrors() {
        String[][] bad = {
            {"watch", "--interval", "5ms"},
            {"watch", "--format", "xml"},
            {"watch", "--duration", "soon"},
            {"watch", "--takeover", "--passive"},
            {"watch", "--no-sw"},
            {"watch", "--trunc", "64"},
            {"watch", "--reason", "NO SOCKET"},
            {"watch", "--pcap", "x.pcapng"},
            {"watch", "--mode", "packet", "--pcap", "-", "--force"},
        };
        for (String[] args : bad) {
            DoctorCommandTest.Result r = run(args);
            assertEquals(ExitCodes.USAGE, r.exit(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().startsWith("dropscope: "), r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }

    @Test
    void hardwareDropsNeedNetDm() {
        DoctorCommandTest.Result r = run("watch", "--source", "tracepoint", "--hw", "--duration", "1s");
        assertEquals(ExitCodes.FAILURE, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("NET_DM is needed for hardware drops (devlink traps)"), r.err());
    }

    @Test
    void netdmMissingSaysHowToFix() {
        DoctorCommandTest.Result r = run("watch", "--source", "netdm", "--duration", "1s");
        assertEquals(ExitCodes.FAILURE, r.exit(), r.err());
        assertTrue(r.err().contains("modprobe drop_monitor"), r.err());
        assertTrue(r.err().contains("--source auto uses eBPF or the tracepoint"), r.err());
    }

    @Test
    void hardwareDropsWithAutoNameNetDmAndHowToGetIt() {
        DoctorCommandTest.Result r = run("watch", "--hw", "--duration", "1s");
        assertEquals(ExitCodes.FAILURE, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("NET_DM is needed for hardware drops (devlink traps); without it, each other "
                + "source sees software drops only: the NET_DM family is not in this kernel"), r.err());
        assertTrue(r.err().contains("modprobe drop_monitor"), r.err());
    }

    @Test
    void netnsAndInterfaceFiltersNeedASourceThatKnowsThem() {
        // the tracepoint source does not know namespaces: filtering on them would silently show nothing
        DoctorCommandTest.Result r = run("watch", "--source", "tracepoint", "--netns", "blue", "--duration", "1s");
        assertEquals(ExitCodes.FAILURE, r.exit(), r.err());
        assertEquals("dropscope watch: --netns needs the eBPF source with BTF; network namespaces are unknown: the "
                + "tracepoint source does not report them\n", r.err());
        r = run("watch", "--source", "tracepoint", "--interface", "lo", "--duration", "1s");
        assertEquals(ExitCodes.FAILURE, r.exit(), r.err());
        assertTrue(r.err().startsWith("dropscope watch: --interface needs NET_DM packet alerts or the eBPF source with "
                + "BTF"), r.err());
    }

    @Test
    void ebpfDropRecordsNameTheirNamespaceAndInterfaceAndFilterOnThem() throws Exception {
        Run r = watchWhileDropping(40, "watch", "--source", "ebpf", "--format", "json", "--duration", "2s",
                "--netns", ns.name(), "--interface", "lo");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals(40, r.kernelDrops());
        List<String> lines = r.out().lines().toList();
        JsonNode summary = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        long counted = 0;
        for (JsonNode s : summary.get("sites")) {
            assertEquals("lo", s.get("interface").asText(), "named inside its own namespace: " + s);
            assertEquals(1, s.get("ifindex").asInt(), s.toString());
            assertEquals(nsInode(), s.get("netns").get("inode").asLong(), s.toString());
            assertEquals(ns.name(), s.get("netns").get("name").asText(), s.toString());
            assertTrue(s.get("netns").get("container").isNull(), s.toString());
            counted += s.get("count").asLong();
        }
        // only this namespace's drops pass the filter, so none of the machine's other drops are counted
        assertEquals(40, counted, summary.toString());
    }

    @Test
    void textLinesNameTheNamespaceAfterTheInterface() throws Exception {
        Run r = watchWhileDropping(30, "watch", "--source", "ebpf", "--duration", "2s", "--netns", ns.name(),
                "--interface", "lo");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertFalse(r.out().contains("note: interfaces and namespaces are unknown"), r.out());
        long counted = 0;
        boolean summary = false;
        for (String l : lines.subList(2, lines.size())) {
            if (l.startsWith("summary: ") || l.startsWith("monitor:") || l.isEmpty()) {
                summary = true;
                continue;
            }
            assertTrue(l.endsWith(" lo netns " + ns.name()) && l.contains("__udp4_lib_rcv+0x") && l.contains("NO_SOCKET"),
                    "a site of our namespace: '" + l + "'");
            if (summary) {
                counted += Long.parseLong(l.strip().split(" +")[0]);
            }
        }
        assertEquals(30, counted, r.out());
    }

    /** {@code dropscope watch ARGS} as its own process (for an environment of its own), its standard output. */
    private static String watchProcess(Map<String, String> env, String... args) throws Exception {
        String jvm = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(jvm, "-cp", cp, "dev.dropscope.cli.Main", "watch"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("DROPSCOPE_EBPF_IDENTITY");
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "watch ended");
            assertEquals(ExitCodes.OK, p.exitValue(), out);
            return out;
        } finally {
            p.destroyForcibly();
        }
    }

    /** The eBPF program without identity (DROPSCOPE_EBPF_IDENTITY=0): the start record says so and why. */
    @Test
    void theStartRecordSaysWhyInterfacesAndNamespacesAreUnknown() throws Exception {
        String off = "interfaces and namespaces are unknown: turned off";
        JsonNode start = new ObjectMapper().readTree(watchProcess(Map.of("DROPSCOPE_EBPF_IDENTITY", "0"),
                "--source", "ebpf", "--format", "json", "--duration", "500ms").lines().findFirst().orElseThrow());
        assertEquals("start", start.get("type").asText());
        assertEquals(off, start.get("identity_unknown_why").asText(), start.toString());
        List<String> text = watchProcess(Map.of("DROPSCOPE_EBPF_IDENTITY", "0"), "--source", "ebpf", "--duration",
                "500ms").lines().toList();
        assertTrue(text.get(0).startsWith("dropscope watch: ebpf source"), text.toString());
        assertEquals("note: " + off, text.get(1), text.toString());
        // with BTF (this machine has it) identity is known: nothing said
        start = new ObjectMapper().readTree(watchProcess(Map.of(), "--source", "ebpf", "--format", "json",
                "--duration", "500ms").lines().findFirst().orElseThrow());
        assertEquals("ebpf", start.get("source").asText());
        assertFalse(start.has("identity_unknown_why"), start.toString());
        // a source that never reports namespaces says so too
        start = new ObjectMapper().readTree(watchProcess(Map.of(), "--source", "tracepoint", "--format", "json",
                "--duration", "500ms").lines().findFirst().orElseThrow());
        assertEquals("network namespaces are unknown: the tracepoint source does not report them",
                start.get("identity_unknown_why").asText(), start.toString());
    }

    @Test
    void packetModeWithoutNetDmUsesTheEbpfRing() throws Exception {
        Run r = watchWhileDropping(10, "watch", "--mode", "packet", "--format", "json", "--duration", "2s");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        JsonNode start = new ObjectMapper().readTree(r.out().lines().findFirst().orElseThrow());
        assertEquals("ebpf", start.get("source").asText(), start.toString());
        assertTrue(start.get("why").asText().startsWith("NET_DM is not usable (the NET_DM family is not in this kernel)"),
                start.toString());
        JsonNode packet = null;
        for (String l : r.out().lines().toList()) {
            JsonNode o = new ObjectMapper().readTree(l);
            // machine-wide: the first of our namespace's drops, not another test's
            if (o.get("type").asText().equals("packet") && "NO_SOCKET".equals(o.get("reason").asText())
                    && o.has("netns") && ns.name().equals(o.get("netns").get("name").asText())) {
                packet = o;
                break;
            }
        }
        assertNotNull(packet, r.out());
        assertEquals("__udp4_lib_rcv", packet.get("symbol").asText(), packet.toString());
        assertEquals("0x0800", packet.get("protocol").asText(), packet.toString());
        // with BTF the ring carries the packet from its mac header (lo's 14 zero bytes): 14 + 20 + 8 + 16
        assertEquals(58, packet.get("original_length").asInt(), packet.toString());
        assertEquals(58, packet.get("length").asInt(), packet.toString());
        assertEquals("udp", packet.get("l4").asText(), packet.toString());
        assertEquals("127.0.0.1", packet.get("dst").asText(), packet.toString());
        assertEquals(9, packet.get("dport").asInt(), packet.toString());
        // lo of the test namespace, named there (not the host's ifindex table)
        assertEquals("lo", packet.get("interface").asText(), packet.toString());
        assertEquals(ns.name(), packet.get("netns").get("name").asText(), packet.toString());
    }

    /** The namespace's inode, as the kernel's ns.inum and stat(2) of its /run/netns file both say. */
    private static long nsInode() throws IOException {
        return (Long) Files.getAttribute(Path.of("/run/netns", ns.name()), "unix:ino");
    }

    @Test
    void pcapOfTheEbpfRingHasEachDropWithItsPortAndComment() throws Exception {
        Path dir = Files.createTempDirectory("dropscope-pcap-");
        Path file = dir.resolve("drops.pcapng");
        try {
            Run r = watchWhileDropping(25, "watch", "--source", "ebpf", "--mode", "packet", "--pcap", file.toString(),
                    "--reason", "NO_SOCKET", "--duration", "2s");
            assertEquals(ExitCodes.OK, r.exit(), r.err());
            assertEquals(25, r.kernelDrops());
            try (Stream<Path> left = Files.list(dir)) {
                assertEquals(List.of(file), left.toList(), "renamed into place, no temporary file left");
            }
            String netns = ns.name(); // the ip netns name of the namespace with the drops' inode
            assertTrue(nsInode() > 0);
            List<String> ours = new ArrayList<>();
            for (String l : dev.dropscope.export.Tshark.fields(file, "udp.dstport", "frame.comment",
                    "frame.interface_name", "frame.len", "frame.cap_len")) {
                // the tracepoint is machine-wide: other namespaces' drops are in the file too
                if (l.contains("netns=" + netns)) {
                    ours.add(l);
                }
            }
            assertEquals(25, ours.size(), "one packet per drop in our namespace");
            for (String l : ours) {
                String[] c = l.split("\t", -1);
                assertEquals("9", c[0], l);
                assertTrue(c[1].matches("reason=NO_SOCKET location=__udp4_lib_rcv\\+0x[0-9a-f]+ netns=" + netns), l);
                assertEquals("lo@" + netns, c[2], "IDB named IF@NETNS");
                assertEquals("58", c[3], l);
                assertEquals("58", c[4], l);
            }
            // an existing file is refused without --force, and left as it was
            long size = Files.size(file);
            DoctorCommandTest.Result again = run("watch", "--source", "ebpf", "--mode", "packet", "--pcap",
                    file.toString(), "--duration", "1s");
            assertEquals(ExitCodes.FAILURE, again.exit());
            assertEquals("dropscope: " + file + " already exists; not overwriting it (use --force to replace it)\n",
                    again.err());
            assertEquals(size, Files.size(file));
        } finally {
            try (Stream<Path> left = Files.list(dir)) {
                for (Path p : left.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }
}
