package dev.dropscope.collect;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;

import dev.dropscope.cli.Main;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code dropscope snapshot}: clear one-line errors, and JSON with every section for a real namespace. */
class SnapshotCommandTest {

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void anUnknownNamespaceIsOneClearLineAndExitOne() {
        Run r = run("snapshot", "--netns", "ds-coll-nosuch-4d1f");
        assertEquals(1, r.exit());
        assertEquals("dropscope: network namespace 'ds-coll-nosuch-4d1f' not found (/run/netns/ds-coll-nosuch-4d1f)\n",
                r.err());
        assertEquals("", r.out());
    }

    @Test
    void aNamespaceNameThatIsAPathIsRefused() {
        Run r = run("snapshot", "--netns", "../../proc/1/ns/net");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("dropscope: '../../proc/1/ns/net' is not a network namespace name"), r.err());
    }

    @Test
    void badDurationAndFormatAreUsageErrors() {
        Run d = run("snapshot", "--duration", "soon");
        assertEquals(2, d.exit());
        assertTrue(d.err().contains("Invalid value for option '--duration': 'soon'"), d.err());
        Run f = run("snapshot", "--format", "xml");
        assertEquals(2, f.exit());
        assertTrue(f.err().contains("Invalid value for option '--format': 'xml' (expected one of json, text, markdown, prometheus)"), f.err());
    }

    @Test
    @Needs(root = true, tools = {"ip", "ethtool", "tc", "nft", "conntrack", "nstat", "sysctl"})
    void jsonOfANamespaceHoldsEverySectionWithRates() throws Exception {
        try (StackLab lab = StackLab.create()) {
            lab.sendTraffic();
            Path file = Files.createTempFile("ds-coll-snapshot", ".json");
            try {
                Run r = run("snapshot", "--duration", "200ms", "--netns", lab.ns, "--output", file.toString(), "--force");
                assertEquals(0, r.exit(), r.err());
                assertEquals("", r.out());
                JsonNode j = ToolOutput.json(Files.readString(file));
                assertEquals(java.util.Set.of(), dev.dropscope.export.SnapshotFormatsTest.violations(Files.readString(file)),
                        "a live snapshot of a real namespace matches docs/snapshot-schema.json");
                assertEquals("dropscope.snapshot/1", j.get("schema").asText());
                assertEquals(lab.ns, j.get("netns").asText());
                assertEquals(0, j.get("monitor").get("collector_errors").size(), j.get("monitor").toString());
                for (String section : List.of("interfaces", "softnet", "snmp", "rp_filter", "conntrack", "sysctl",
                        "neighbour", "qdiscs", "sockstat", "rates")) {
                    assertTrue(j.has(section) && !j.get(section).isNull() && j.get(section).size() > 0, section);
                }
                JsonNode dsa = null;
                for (JsonNode i : j.get("interfaces")) {
                    if (i.get("name").asText().equals(StackLab.A)) {
                        dsa = i;
                    }
                }
                assertEquals("veth", dsa.get("driver").asText());
                assertTrue(dsa.get("stats64").get("tx_packets").asLong() >= 20);
                assertTrue(dsa.get("rates").get("stats64").has("rx_missed_errors"));
                assertEquals("not supported", dsa.get("ring").get("unavailable").asText());
                assertEquals(3, dsa.get("channels").get("rx_count").asInt());
                assertTrue(dsa.get("features").get("rx-gro").get("active").asBoolean());
                assertFalse(dsa.get("features").get("rx-gro").get("fixed").asBoolean());
                assertTrue(dsa.get("nic_stats").has("peer_ifindex"));
                assertEquals(1, dsa.get("rp_filter").get("interface").asInt());
                assertTrue(j.get("snmp").has("Udp.RcvbufErrors"));
                assertTrue(j.get("snmp").has("TcpExt.ListenOverflows"));
                assertTrue(j.get("rates").get("snmp").has("Udp.RcvbufErrors"));
                assertTrue(j.get("conntrack").get("count").asLong() >= 20);
                assertTrue(j.get("conntrack").get("stats").has("chain_toolong"));
                assertTrue(j.get("sysctl").has("net.core.netdev_max_backlog"));
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }
}
