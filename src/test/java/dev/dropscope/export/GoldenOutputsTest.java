package dev.dropscope.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dropscope.diagnosis.Diagnosis;
import dev.dropscope.model.Delta;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropPacket;
import dev.dropscope.model.DropPacket.Payload;
import dev.dropscope.model.DropPacket.Tuple;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.ResolvedPacket;
import dev.dropscope.model.Snapshot;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Outputs pinned byte for byte, so a reshape of the writers (Jackson databind, builders for the wide records)
 * is proven not to change what scripts read: the snapshot JSON of a built snapshot with every kind of value
 * (u64 above 2^63, unavailable readings, drop sites with and without offsets, hardware sites), the
 * Prometheus exposition of the recorded lab snapshot, and every record of the three watch formats.
 * {@code -Ddropscope.golden.update=true} rewrites the files: read the diff before committing it.
 */
class GoldenOutputsTest {
    static final Path DIR = Path.of(System.getProperty("dropscope.repo", ""), "src/test/resources/golden");

    static void golden(String name, String actual) throws Exception {
        Path p = DIR.resolve(name);
        if (Boolean.getBoolean("dropscope.golden.update")) {
            Files.writeString(p, actual, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(p, StandardCharsets.UTF_8), actual, "golden " + p);
    }

    static final long T = 1_700_000_123_456L;

    static List<ResolvedDropSite> sites() {
        return List.of(
                new ResolvedDropSite(0xffffffff8204674cL, "__udp4_lib_rcv", 0x545, 0xdd0, null, "NO_SOCKET",
                        DropOrigin.SOFTWARE, 3, "dsa", 1200, 240, 48.04, false, false),
                new ResolvedDropSite(0xffffffffc0a81234L, "nf_hook_slow", 0x9a, -1, "nf_tables", "NETFILTER_DROP",
                        DropOrigin.SOFTWARE, -1, null, 17, 0, 0.0, false, false),
                new ResolvedDropSite(0, "ingress_flow_action_drop", -1, -1, null, null, DropOrigin.HARDWARE, 2, "eth0",
                        5, 5, 1.0, false, false),
                new ResolvedDropSite(0xffffffff81c0ffeeL, null, -1, -1, null, "SOCKET_CLOSE", DropOrigin.SOFTWARE, -1,
                        null, 9, 1, 0.2, true, false),
                new ResolvedDropSite(0, null, -1, -1, null, null, DropOrigin.SOFTWARE, -1, null, 3, 3, 0.6, false, true));
    }

    static DropReport report() {
        return new DropReport("tracepoint", T, 5_000_000_000L, 12_345_678_901L, 1234, 249, 7, 2, sites(),
                "kallsyms addresses hidden: kptr_restrict=1");
    }

    static Map<String, Long> health() {
        Map<String, Long> h = new LinkedHashMap<>();
        h.put("perf_lost", 5L);
        h.put("perf_malformed", 0L);
        h.put("bpf_ring_lost", 2L);
        h.put("ring_bytes_per_cpu", 4_194_304L);
        return h;
    }

    @Test
    void snapshotJsonOfABuiltSnapshot() throws Exception {
        Snapshot a = SnapshotJsonTest.snapshot(0, 10);
        Snapshot b = SnapshotJsonTest.snapshot(2_000_000_000L, 30);
        Delta d = Delta.between(a, b);
        golden("snapshot-built.json", SnapshotJson.write(b, d, Diagnosis.diagnose(d, null, null),
                new SnapshotJson.Drops(report(), "asked for with --source tracepoint", health())));
        golden("snapshot-built-single.json", SnapshotJson.write(b, null));
        golden("snapshot-built-none.json", SnapshotJson.write(b, d, List.of(),
                SnapshotJson.Drops.failed("no drop source works: NET_DM denied, tracepoint denied")));
    }

    @Test
    void prometheusOfTheRecordedLabSnapshot() throws Exception {
        SnapshotDocument doc = SnapshotReader.read(SnapshotFormatsTest.AFTER);
        PrometheusMetrics m = new PrometheusMetrics(3);
        golden("lab-after.prom", PrometheusMetrics.text(m.collect(new PrometheusMetrics.Input(doc.snapshot(),
                doc.drops().report(), doc.drops().report().source(), doc.drops().health(), doc.findings(),
                PrometheusMetrics.errorCounts(doc.snapshot()), 12, "0.1.0"))));
    }

    static List<ResolvedPacket> packets() {
        long ns = T * 1_000_000L + 123_456L;
        return List.of(
                // NET_DM software drop, resolved by kallsyms
                new ResolvedPacket(DropPacket.software(ns, 0xffffffff8204674cL, "NO_SOCKET", 3,
                        new Payload(0x0800, 64, 1442, -1), new Tuple("udp", "10.9.0.1", "10.9.0.2", 40000, 9)),
                        "__udp4_lib_rcv", 0x545, 0xdd0, null, "dsa"),
                // NET_DM's own %pS, IPv6 TCP, no ifindex
                new ResolvedPacket(new DropPacket(ns + 1, DropOrigin.SOFTWARE, 0xffffffffc0a81234L,
                        "nf_hook_slow+0x9a/0x130 [nf_tables]", "NETFILTER_DROP", -1, null, DropPacket.Trap.NONE,
                        new Payload(0x86dd, 128, 1500, 100), new Tuple("tcp", "fd00::1", "fd00::2", 443, 51000)),
                        null, -1, -1, null, null),
                // a hardware trap with its group, VLAN and flow cookie
                new ResolvedPacket(new DropPacket(ns + 2, DropOrigin.HARDWARE, 0, null, null, 2, "eth0",
                        new DropPacket.Trap("l2_drops", "ingress_flow_action_drop", "deadbeef"),
                        new Payload(0x0800, 60, 60, 7), new Tuple("icmp", "192.0.2.1", "192.0.2.2", -1, -1)),
                        "ingress_flow_action_drop", -1, -1, null, "eth0"),
                // the eBPF ring: no lengths, no headers
                new ResolvedPacket(DropPacket.software(ns + 3, 0xffffffff81c0ffeeL, null, -1, Payload.protocolOnly(-1),
                        Tuple.NONE), null, -1, -1, null, null));
    }

    /** Every record a watch format writes, for the same input. */
    static String watch(String format) {
        StringWriter s = new StringWriter();
        PrintWriter out = new PrintWriter(s);
        WatchFormat f = WatchFormat.named(format, out);
        f.start(new WatchFormat.Start("tracepoint", "asked for with --source tracepoint", 5000, "summary",
                "kallsyms addresses hidden: kptr_restrict=1"));
        f.interval(report());
        f.interval(report().withoutSites());
        for (ResolvedPacket p : packets()) {
            f.packet(p, "netdm");
        }
        f.summary(report(), health());
        out.flush();
        return s.toString();
    }

    /** Times in the local zone (text, dropwatch) and the start line's wall clock become placeholders. */
    static String placeholders(String text) {
        ZoneId z = ZoneId.systemDefault();
        String r = text.replaceFirst("\"time\":\"[^\"]+\"", "\"time\":\"<now>\"");
        long ns = T * 1_000_000L + 123_456L;
        for (int i = 3; i >= 0; i--) {
            Instant p = Instant.ofEpochSecond(0, ns + i);
            r = r.replace("\n" + DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS").withZone(z).format(p), "\n<packet-time>")
                    .replace(DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.ROOT).withZone(z).format(p),
                            "<asctime>");
        }
        // only at the start of a line: JSON's UTC times stay as they are
        return r.replace("\n" + DateTimeFormatter.ofPattern("HH:mm:ss").withZone(z).format(Instant.ofEpochMilli(T)),
                "\n<time>");
    }

    @Test
    void watchJson() throws Exception {
        golden("watch.jsonl", placeholders(watch("json")));
    }

    @Test
    void watchText() throws Exception {
        golden("watch.txt", placeholders(watch("text")));
    }

    @Test
    void watchDropwatch() throws Exception {
        golden("watch.dropwatch", placeholders(watch("dropwatch")));
    }
}
