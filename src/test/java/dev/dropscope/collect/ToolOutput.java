package dev.dropscope.collect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.dropscope.model.FeatureState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads what the kernel's tools print into our names, so tests can compare: {@code ip -s -s -j link},
 * {@code ethtool -g/-l/-S/-i/--json -k/--json -S --all-groups}, {@code tc -s -j qdisc},
 * {@code ip -s -j ntable}, {@code conntrack -S}. Each parser follows how that tool prints (documented at
 * each), never our own decoder.
 */
public final class ToolOutput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolOutput() {
    }

    public static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }

    /**
     * {@code ip -s -s -j link}'s stats64 under rtnl_link_stats64 names. ip prints rx/tx compressed,
     * nohandler and otherhost_dropped only when non-zero, so their absence means 0.
     */
    public static Map<String, Long> ipStats64(JsonNode stats64) {
        JsonNode rx = stats64.get("rx");
        JsonNode tx = stats64.get("tx");
        Map<String, Long> m = new TreeMap<>();
        m.put("rx_packets", rx.get("packets").asLong());
        m.put("tx_packets", tx.get("packets").asLong());
        m.put("rx_bytes", rx.get("bytes").asLong());
        m.put("tx_bytes", tx.get("bytes").asLong());
        m.put("rx_errors", rx.get("errors").asLong());
        m.put("tx_errors", tx.get("errors").asLong());
        m.put("rx_dropped", rx.get("dropped").asLong());
        m.put("tx_dropped", tx.get("dropped").asLong());
        m.put("multicast", rx.get("multicast").asLong());
        m.put("collisions", tx.get("collisions").asLong());
        m.put("rx_length_errors", rx.get("length_errors").asLong());
        m.put("rx_over_errors", rx.get("over_errors").asLong());
        m.put("rx_crc_errors", rx.get("crc_errors").asLong());
        m.put("rx_frame_errors", rx.get("frame_errors").asLong());
        m.put("rx_fifo_errors", rx.get("fifo_errors").asLong());
        m.put("rx_missed_errors", rx.get("missed_errors").asLong());
        m.put("tx_aborted_errors", tx.get("aborted_errors").asLong());
        m.put("tx_carrier_errors", tx.get("carrier_errors").asLong());
        m.put("tx_fifo_errors", tx.get("fifo_errors").asLong());
        m.put("tx_heartbeat_errors", tx.get("heartbeat_errors").asLong());
        m.put("tx_window_errors", tx.get("window_errors").asLong());
        m.put("rx_compressed", rx.path("compressed").asLong(0));
        m.put("tx_compressed", tx.path("compressed").asLong(0));
        m.put("rx_nohandler", rx.path("nohandler").asLong(0));
        m.put("rx_otherhost_dropped", rx.path("otherhost_dropped").asLong(0));
        return m;
    }

    /**
     * {@code ethtool -g} (rings) or {@code -l} (channels) text: "Pre-set maximums:" then "Current hardware
     * settings:", one "Name: value" per line, "n/a" for what the kernel left out. {@code maxima} and
     * {@code current} map ethtool's labels to our names; "on"/"off" read as 1/0.
     */
    public static Map<String, Long> ethtoolSections(String text, Map<String, String> maxima, Map<String, String> current) {
        Map<String, Long> m = new TreeMap<>();
        Map<String, String> names = null;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("Pre-set maximums")) {
                names = maxima;
                continue;
            }
            if (line.startsWith("Current hardware settings")) {
                names = current;
                continue;
            }
            int colon = line.indexOf(':');
            if (names == null || colon < 0) {
                continue;
            }
            String label = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            String name = names.get(label);
            if (name == null) {
                throw new AssertionError("ethtool printed a field this test does not know: " + line);
            }
            if (value.equals("n/a")) {
                continue;
            }
            m.put(name, value.equals("on") ? 1L : value.equals("off") ? 0L : Long.parseLong(value));
        }
        return m;
    }

    public static Map<String, Long> ethtoolRings(String text) {
        return ethtoolSections(text,
                Map.of("RX", "rx_max", "RX Mini", "rx_mini_max", "RX Jumbo", "rx_jumbo_max", "TX", "tx_max"),
                Map.of("RX", "rx", "RX Mini", "rx_mini", "RX Jumbo", "rx_jumbo", "TX", "tx", "RX Buf Len", "rx_buf_len",
                        "CQE Size", "cqe_size", "TX Push", "tx_push", "TCP data split", "tcp_data_split"));
    }

    public static Map<String, Long> ethtoolChannels(String text) {
        return ethtoolSections(text,
                Map.of("RX", "rx_max", "TX", "tx_max", "Other", "other_max", "Combined", "combined_max"),
                Map.of("RX", "rx_count", "TX", "tx_count", "Other", "other_count", "Combined", "combined_count"));
    }

    /** {@code ethtool -S}: "NIC statistics:" then "     name: value" lines, in the driver's order. */
    public static Map<String, Long> ethtoolNicStats(String text) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            if (!raw.startsWith("     ")) {
                continue;
            }
            int colon = raw.lastIndexOf(':');
            m.put(raw.substring(0, colon).strip(), Long.parseUnsignedLong(raw.substring(colon + 1).strip()));
        }
        return m;
    }

    /** {@code ethtool -i}: "key: value" lines. */
    public static Map<String, String> ethtoolDriverInfo(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            int colon = raw.indexOf(':');
            if (colon > 0) {
                m.put(raw.substring(0, colon).strip(), raw.substring(colon + 1).strip());
            }
        }
        return m;
    }

    /**
     * ethtool(8) shows some kernel features under its legacy name when the legacy group has exactly one
     * member (ethtool's off_flag_def table): these are those groups and their one kernel feature.
     */
    public static final Map<String, String> ETHTOOL_LEGACY_SINGLE = Map.of(
            "rx-checksumming", "rx-checksum",
            "generic-segmentation-offload", "tx-generic-segmentation",
            "generic-receive-offload", "rx-gro",
            "large-receive-offload", "rx-lro",
            "rx-vlan-offload", "rx-vlan-hw-parse",
            "tx-vlan-offload", "tx-vlan-hw-insert",
            "ntuple-filters", "rx-ntuple-filter",
            "receive-hashing", "rx-hashing");

    /**
     * {@code ethtool --json -k DEV} under kernel feature names: legacy single-member names translated,
     * multi-member groups (their "fixed" is null: an aggregate) left out. "requested" is ethtool's word
     * for wanted.
     */
    public static Map<String, FeatureState> ethtoolFeatures(JsonNode dev) {
        Map<String, FeatureState> m = new TreeMap<>();
        dev.fields().forEachRemaining(e -> {
            if (e.getKey().equals("ifname") || e.getValue().get("fixed").isNull()) {
                return;
            }
            String name = ETHTOOL_LEGACY_SINGLE.getOrDefault(e.getKey(), e.getKey());
            JsonNode v = e.getValue();
            m.put(name, new FeatureState(v.get("active").asBoolean(), v.get("requested").asBoolean(),
                    v.get("fixed").asBoolean()));
        });
        return m;
    }

    /** {@code ethtool --json -S DEV --all-groups}: group name to counter name to value. */
    public static Map<String, Map<String, Long>> ethtoolStandardStats(JsonNode dev) {
        Map<String, Map<String, Long>> m = new TreeMap<>();
        dev.fields().forEachRemaining(e -> {
            if (e.getKey().equals("ifname")) {
                return;
            }
            Map<String, Long> g = new TreeMap<>();
            e.getValue().fields().forEachRemaining(c -> g.put(c.getKey(), c.getValue().asLong()));
            m.put(e.getKey(), g);
        });
        return m;
    }

    /**
     * {@code conntrack -S}: "cpu=N found=... chaintoolong=..." per CPU, under our (CTA_STATS_*) names;
     * conntrack spells chain_toolong "chaintoolong".
     */
    public static Map<Integer, Map<String, Long>> conntrackStats(String text) {
        Map<Integer, Map<String, Long>> m = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (!line.startsWith("cpu=")) {
                continue;
            }
            Map<String, Long> c = new TreeMap<>();
            int cpu = -1;
            for (String kv : line.trim().split("\\s+")) {
                String[] p = kv.split("=", 2);
                if (p[0].equals("cpu")) {
                    cpu = Integer.parseInt(p[1]);
                } else {
                    c.put(p[0].equals("chaintoolong") ? "chain_toolong" : p[0], Long.parseLong(p[1]));
                }
            }
            m.put(cpu, c);
        }
        return m;
    }

    /** {@code tc -s -j qdisc show}: "dev handle parent kind" to the counters under our names. */
    public static Map<String, Map<String, Long>> tcQdiscs(JsonNode list) {
        Map<String, Map<String, Long>> m = new TreeMap<>();
        for (JsonNode q : list) {
            String parent = q.path("root").asBoolean(false) ? "root" : q.has("parent") ? q.get("parent").asText() : "?";
            Map<String, Long> s = new TreeMap<>();
            for (String k : List.of("bytes", "packets", "drops", "overlimits", "requeues", "backlog", "qlen")) {
                s.put(k, q.get(k).asLong());
            }
            m.put(q.get("dev").asText() + " " + q.get("handle").asText() + " " + parent + " " + q.get("kind").asText(), s);
        }
        return m;
    }

    /** The table-level entries of {@code ip -s -j ntable show} (those with thresholds), by family/name. */
    public static Map<String, JsonNode> ipNeighbourTables(JsonNode list) {
        Map<String, JsonNode> m = new TreeMap<>();
        for (JsonNode t : list) {
            if (t.has("thresh1")) {
                m.put(t.get("family").asText() + "/" + t.get("name").asText(), t);
            }
        }
        return m;
    }

    /** ndt_stats field names, as ip prints them. */
    public static final List<String> NDT_STATS = List.of("allocs", "destroys", "hash_grows", "res_failed", "lookups",
            "hits", "rcv_probes_mcast", "rcv_probes_ucast", "periodic_gc_runs", "forced_gc_runs", "table_fulls");
}
