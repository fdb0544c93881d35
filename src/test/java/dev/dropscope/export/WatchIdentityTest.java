package dev.dropscope.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropPacket;
import dev.dropscope.model.DropPacket.Payload;
import dev.dropscope.model.DropPacket.Tuple;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.ResolvedPacket;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Interfaces and namespaces in the text and dropwatch formats of {@code watch}, and the start record's
 * word on why they are unknown: shown where the source reports a namespace, and nothing added where it
 * does not (the golden files pin those lines byte for byte; here the same site without a namespace is
 * written next to one with it).
 */
class WatchIdentityTest {
    static final NetnsIdentity BLUE = new NetnsIdentity(4026532301L, "blue", null);
    static final NetnsIdentity DOCKER = new NetnsIdentity(4026532302L, null, new NetnsIdentity.Container("docker",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 4711, "nginx"));
    static final NetnsIdentity INODE = NetnsIdentity.of(4026532303L);

    static ResolvedDropSite udp(int ifindex, String iface, NetnsIdentity netns, boolean benign) {
        return new ResolvedDropSite(0xffffffff8204674cL, "__udp4_lib_rcv", 0x4bc, 0xdd0, null, "NO_SOCKET",
                DropOrigin.SOFTWARE, ifindex, iface, 850, 85, 17.0, benign, false, netns);
    }

    static DropReport report(List<ResolvedDropSite> sites) {
        long total = sites.stream().mapToLong(ResolvedDropSite::count).sum();
        return new DropReport("ebpf", GoldenOutputsTest.T, 5_000_000_000L, 10_000_000_000L, total, total / 10, 0, 0,
                sites, null);
    }

    static String write(String format, Consumer<WatchFormat> body) {
        StringWriter s = new StringWriter();
        PrintWriter out = new PrintWriter(s);
        body.accept(WatchFormat.named(format, out));
        out.flush();
        return s.toString();
    }

    static List<String> lines(String text) {
        return text.lines().toList();
    }

    private static final List<ResolvedDropSite> SITES = List.of(
            udp(7, "veth1", BLUE, false),
            udp(3, null, DOCKER, false),  // a container's namespace without an ip netns name: its interface unnamed
            udp(-1, null, INODE, true),   // no device (a locally made packet)
            udp(3, "dsa", null, false));  // a source without namespaces: as before

    @Test
    void textIntervalAndSummaryLinesEndInTheNamespace() {
        List<String> l = lines(write("text", f -> f.interval(report(SITES))));
        String at = "__udp4_lib_rcv+0x4bc/0xdd0                   NO_SOCKET            ";
        assertEquals(4, l.size(), l.toString());
        assertTrue(l.get(0).endsWith("85       17.0  " + at + "veth1 netns blue"), l.get(0));
        assertTrue(l.get(1).endsWith(at + "if3 netns docker:0123456789ab"), l.get(1));
        assertTrue(l.get(2).endsWith(at + "- netns netns:4026532303  (expected)"), l.get(2));
        assertTrue(l.get(3).endsWith(at + "dsa"), l.get(3));

        List<String> sum = lines(write("text", f -> f.summary(report(SITES), Map.of())));
        assertEquals("       850  " + at + "veth1 netns blue", sum.get(2));
        assertEquals("       850  " + at + "if3 netns docker:0123456789ab", sum.get(3));
        assertEquals("       850  " + at + "- netns netns:4026532303", sum.get(4));
        assertEquals("       850  " + at + "dsa", sum.get(5));
    }

    @Test
    void dropwatchSummaryLinesStayDropwatchsWithOrWithoutANamespace() {
        // dropwatch's summary line has no slot for an interface or namespace, and parsers match it whole
        List<String> l = lines(write("dropwatch", f -> f.interval(report(SITES))));
        String line = "85 drops at __udp4_lib_rcv+4bc (0xffffffff8204674c) [software]";
        assertEquals(List.of(line, line, line, line), l);
    }

    static ResolvedPacket packet(NetnsIdentity netns, int ifindex, String resolvedName) {
        DropPacket d = DropPacket.software(GoldenOutputsTest.T * 1_000_000L, 0xffffffff8204674cL, "NO_SOCKET", ifindex,
                new Payload(0x0800, 44, 44, -1), new Tuple("udp", "127.0.0.1", "127.0.0.1", 40000, 9));
        if (netns != null) {
            d = d.with(netns.inode(), DropPacket.Capture.NONE);
        }
        return new ResolvedPacket(d, "__udp4_lib_rcv", 0x4bc, 0xdd0, null, resolvedName, netns);
    }

    @Test
    void packetsInTextShowTheNamespaceAfterTheInterface() {
        String with = write("text", f -> f.packet(packet(BLUE, 1, "lo"), "ebpf"));
        assertTrue(with.endsWith("  __udp4_lib_rcv+0x4bc/0xdd0  NO_SOCKET  lo netns blue  udp 127.0.0.1:40000 -> "
                + "127.0.0.1:9  len 44\n"), with);
        String without = write("text", f -> f.packet(packet(null, 1, "lo"), "netdm"));
        assertTrue(without.endsWith("  __udp4_lib_rcv+0x4bc/0xdd0  NO_SOCKET  lo  udp 127.0.0.1:40000 -> "
                + "127.0.0.1:9  len 44\n"), without);
    }

    @Test
    void packetsInDropwatchFillItsInputPortLines() {
        List<String> with = lines(write("dropwatch", f -> f.packet(packet(BLUE, 1, "lo"), "ebpf")));
        assertEquals(List.of("drop at: __udp4_lib_rcv+0x4bc/0xdd0 (0xffffffff8204674c)", "origin: software",
                "input port ifindex: 1", "input port name: lo", "input port netns: blue"), with.subList(0, 5));
        assertTrue(with.get(5).startsWith("timestamp: "), with.toString());
        List<String> unnamed = lines(write("dropwatch", f -> f.packet(packet(DOCKER, 3, null), "ebpf")));
        assertEquals(List.of("input port ifindex: 3", "input port netns: docker:0123456789ab"), unnamed.subList(2, 4));
        // NET_DM software drops: dropwatch prints no name for them, and neither do we
        List<String> without = lines(write("dropwatch", f -> f.packet(packet(null, 1, "lo"), "netdm")));
        assertEquals(List.of("drop at: __udp4_lib_rcv+0x4bc/0xdd0 (0xffffffff8204674c)", "origin: software",
                "input port ifindex: 1"), without.subList(0, 3));
        assertTrue(without.get(3).startsWith("timestamp: "), without.toString());
        assertFalse(String.join("\n", without).contains("netns"), without.toString());
    }

    static final String WHY = "interfaces and namespaces are unknown: no usable BTF: /nonexistent/vmlinux: "
            + "no BTF: the kernel was built without CONFIG_DEBUG_INFO_BTF";

    @Test
    void theStartRecordSaysWhyIdentityIsUnknown() throws Exception {
        WatchFormat.Start unknown = new WatchFormat.Start("ebpf", "the default", 1000, "summary", null, WHY);
        WatchFormat.Start known = new WatchFormat.Start("ebpf", "the default", 1000, "summary", null, null);

        JsonNode j = Json.SNAKE.readTree(write("json", f -> f.start(unknown)));
        assertEquals(WHY, j.get("identity_unknown_why").asText());
        List<String> keys = new java.util.ArrayList<>();
        j.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("type", "time", "source", "why", "mode", "interval_s", "symbols_note",
                "identity_unknown_why"), keys);
        assertFalse(Json.SNAKE.readTree(write("json", f -> f.start(known))).has("identity_unknown_why"),
                "left out when identity is known");

        assertEquals(List.of("dropscope watch: ebpf source (the default), summary mode, every 1s", "note: " + WHY),
                lines(write("text", f -> f.start(unknown))).subList(0, 2));
        assertEquals(2, lines(write("text", f -> f.start(known))).size(), "the title and the column header");
        assertEquals("", write("dropwatch", f -> f.start(unknown)), "dropwatch prints nothing before its alerts");
    }
}
