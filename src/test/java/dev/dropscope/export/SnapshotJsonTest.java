package dev.dropscope.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;

import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.Delta;
import dev.dropscope.model.FeatureState;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.Reading;
import dev.dropscope.model.RpFilterState;
import dev.dropscope.model.Snapshot;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The minimal JSON form: kernel names, unsigned counters, "not supported" as a state, stable order. */
class SnapshotJsonTest {

    static Snapshot snapshot(long nanos, long rxPackets) {
        Map<String, Long> stats = new LinkedHashMap<>();
        stats.put("rx_packets", rxPackets);
        stats.put("rx_bytes", Long.parseUnsignedLong("18446744073709551615"));
        Map<String, Long> snmp = new LinkedHashMap<>();
        snmp.put("Tcp.MaxConn", -1L);
        snmp.put("Udp.RcvbufErrors", 3L);
        return Snapshot.builder().takenAt(1_000, nanos).host("h").kernelRelease("6.18")
                .interfaces(List.of(new InterfaceStats("dsa", 3, "veth",
                        new InterfaceStats.Settings(Reading.of("veth"), "UP", 1400, 500, null, Reading.notSupported(),
                                Reading.of(Map.of("rx_count", 3L)),
                                Reading.of(Map.of("rx-gro", new FeatureState(true, true, false)))),
                        new InterfaceStats.Counters(stats,
                                Reading.unavailable("ETHTOOL_GSTATS dsa: Input/output error (EIO)"),
                                Reading.of(Map.of())))))
                .snmp(snmp)
                .conntrack(ConntrackState.notLoaded())
                .rpFilter(new RpFilterState(0, 0, Map.of("dsa", 1), Map.of("dsa", 1)))
                .error("qdisc", "timed out after 5000 ms")
                .build();
    }

    @Test
    void namesValuesAndRatesAsTheKernelSpellsThem() throws Exception {
        Snapshot a = snapshot(0, 10);
        Snapshot b = snapshot(2_000_000_000L, 30);
        JsonNode j = SnapshotJson.parse(SnapshotJson.write(b, Delta.between(a, b)));
        assertEquals("dropscope.snapshot/1", j.get("schema").asText());
        JsonNode dsa = j.get("interfaces").get(0);
        assertEquals(List.of("name", "ifindex", "kind", "driver", "operstate", "mtu", "txqueuelen", "master", "stats64",
                "ring", "channels", "features", "nic_stats", "standard_stats", "rp_filter", "rates"), fieldNames(dsa));
        assertEquals("18446744073709551615", dsa.get("stats64").get("rx_bytes").asText(), "u64 stays unsigned");
        assertEquals("not supported", dsa.get("ring").get("unavailable").asText());
        assertEquals("ETHTOOL_GSTATS dsa: Input/output error (EIO)", dsa.get("nic_stats").get("unavailable").asText());
        assertTrue(dsa.get("features").get("rx-gro").get("active").asBoolean());
        assertEquals(10.0, dsa.get("rates").get("stats64").get("rx_packets").asDouble());
        assertEquals(1, dsa.get("rp_filter").get("effective").asInt());
        assertEquals(-1, j.get("snmp").get("Tcp.MaxConn").asLong(), "snmp is signed: MaxConn -1 by design");
        assertEquals(List.of("Udp.RcvbufErrors"), fieldNames(j.get("rates").get("snmp")));
        assertEquals(false, j.get("conntrack").get("loaded").asBoolean());
        assertEquals("qdisc", j.get("monitor").get("collector_errors").get(0).get("collector").asText());
        assertEquals(SnapshotJson.write(b, Delta.between(a, b)), SnapshotJson.write(b, Delta.between(a, b)));
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> l = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(l::add);
        return l;
    }
}
