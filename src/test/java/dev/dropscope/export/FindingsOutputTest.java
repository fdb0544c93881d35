package dev.dropscope.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;

import dev.dropscope.model.Delta;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Severity;
import dev.dropscope.model.Snapshot;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

/** Findings in the snapshot JSON, and the fixes file: sysctl lines only, each under its finding. */
class FindingsOutputTest {
    static final Finding UDP = new Finding("udp_rcvbuf_errors", Severity.CRITICAL, "UDP receive buffers overflow (1200/s dropped)",
            List.of(new Evidence("Udp.RcvbufErrors", "+1200 in 1.0 s (1200/s)")), "Explained.",
            List.of(new Fix("ss -uanpm", null, "Read-only."),
                    new Fix("sysctl -w net.core.rmem_max=16777216", "net.core.rmem_max = 16777216", "Memory."),
                    new Fix("sysctl -w net.ipv4.udp_mem=\"2 4 8\"", "net.ipv4.udp_mem = 2 4 8", "More memory.")));
    static final Finding RP = new Finding("rp_filter_drops", Severity.WARNING, "Reverse-path filter drops",
            List.of(), "Explained.",
            List.of(new Fix("ip netns exec n sysctl -w net.ipv4.conf.dsa.rp_filter=2", "net.ipv4.conf.dsa.rp_filter = 2",
                            "Loose."),
                    new Fix("sysctl -w net.core.rmem_max=16777216", "net.core.rmem_max = 16777216", "Again."),
                    new Fix("evil", "net.x = 1\nrm -rf /", "Not a sysctl line.")));

    @Test
    void theJsonHoldsEachFindingAndTheDropSitesOfTheWindow() throws Exception {
        Snapshot a = Snapshot.builder().takenAt(0, 0).netns("ds-n").build();
        Snapshot b = Snapshot.builder().takenAt(1000, 1_000_000_000L).netns("ds-n").build();
        ResolvedDropSite site = new ResolvedDropSite(0xffffffff81000000L, "udp_queue_rcv_one_skb", 0x437, 0x4c0, null,
                "SOCKET_RCVBUFF", DropOrigin.SOFTWARE, -1, null, 1200, 1200, 1200.0, false, false);
        DropReport r = new DropReport("tracepoint", 0, 1_000_000_000L, 1_000_000_000L, 1200, 1200, 0, 0, List.of(site), null);
        JsonNode j = SnapshotJson.parse(SnapshotJson.write(b, Delta.between(a, b), List.of(UDP),
                new SnapshotJson.Drops(r, "the tracepoint", Map.of("perf_lost", 0L))));
        JsonNode f = j.get("findings").get(0);
        assertEquals("udp_rcvbuf_errors", f.get("id").asText());
        assertEquals("critical", f.get("severity").asText());
        assertEquals("+1200 in 1.0 s (1200/s)", f.get("evidence").get(0).get("value").asText());
        assertTrue(f.get("fixes").get(0).get("persist").isNull());
        assertEquals("net.core.rmem_max = 16777216", f.get("fixes").get(1).get("persist").asText());
        JsonNode d = j.get("drops");
        assertEquals("tracepoint", d.get("source").asText());
        assertTrue(d.get("scope").asText().startsWith("machine-wide"), "a named namespace says the sites are not its own");
        assertEquals("udp_queue_rcv_one_skb+0x437/0x4c0", d.get("sites").get(0).get("location").asText());
        assertEquals("SOCKET_RCVBUFF", d.get("sites").get(0).get("reason").asText());

        JsonNode none = SnapshotJson.parse(SnapshotJson.write(b, Delta.between(a, b), List.of(),
                SnapshotJson.Drops.failed("no drop source: x; findings from counters alone")));
        assertTrue(none.get("drops").get("source").isNull());
        assertEquals("no drop source: x; findings from counters alone", none.get("drops").get("why").asText());
        assertEquals(0, none.get("findings").size());
    }

    @Test
    void theFixesFileHoldsSysctlLinesOnceEachUnderTheirFinding() {
        String text = FixesFile.render(List.of(UDP, RP), "h1", null);
        assertEquals("""
                # dropscope: suggested sysctl settings, for review. Nothing here has been applied.
                # From a snapshot of h1.
                # Keep the lines you agree with in /etc/sysctl.d/90-dropscope.conf, then run 'sysctl --system'.

                # udp_rcvbuf_errors (critical): UDP receive buffers overflow (1200/s dropped)
                # risk: Memory.
                net.core.rmem_max = 16777216
                # risk: More memory.
                net.ipv4.udp_mem = 2 4 8

                # rp_filter_drops (warning): Reverse-path filter drops
                # risk: Loose.
                net.ipv4.conf.dsa.rp_filter = 2
                """, text);
        assertFalse(text.contains("rm -rf"));
    }

    @Test
    void aNamespacesFixesFileSaysWhereItsSettingsBelong() {
        String text = FixesFile.render(List.of(RP), "h1", "ds-n");
        assertTrue(text.contains("# From a snapshot of h1, network namespace ds-n."), text);
        assertTrue(text.contains("'ip netns exec ds-n sysctl -p FILE'"), text);
        assertTrue(FixesFile.render(List.of(), null, null).endsWith("# No sysctl changes suggested: no findings.\n"));
    }
}
