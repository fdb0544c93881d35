package dev.dropscope.netlink.ethtool;

import static dev.dropscope.netlink.ethtool.EthtoolConstants.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.collect.ToolOutput;
import dev.dropscope.model.FeatureState;
import dev.dropscope.netlink.RecordedReplies;
import dev.dropscope.netlink.RecordedReplies.Message;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ethtool decoders on replies captured from 6.18 (src/test/resources/netlink/stack-health), checked
 * against what ethtool(8) printed at the same moment: dsa had GRO switched on, tx-gso-list off and
 * channels set to rx 3 tx 2 first; the host's eth0 (virtio_net) gives rings, which veth lacks.
 */
class EthtoolFixtureTest {
    static final String DIR = "netlink/stack-health/6.18.44-fc-v595/";
    static final List<String> DEVS = List.of("dsa", "dsb", "dsbr", "dsq", "lo");

    static Map<Integer, StringSet> globalSets() throws Exception {
        Map<Integer, StringSet> sets = new HashMap<>();
        for (Message m : RecordedReplies.replies(DIR + "ethtool-strset.hex")) {
            sets.putAll(EthtoolMessages.parseStringSets(m.buffer(), 0, m.bytes().length));
        }
        return sets;
    }

    /** Feature states by name, as the collector builds them: names from the string set, fixed as ethtool. */
    static Map<String, Map<String, FeatureState>> features(String file, StringSet names) throws Exception {
        Map<String, Map<String, FeatureState>> out = new TreeMap<>();
        for (Message m : RecordedReplies.replies(DIR + file)) {
            DeviceFeatures f = EthtoolMessages.parseFeatures(m.buffer(), 0, m.bytes().length);
            Map<String, FeatureState> byName = new TreeMap<>();
            for (int i = 0; i < names.count(); i++) {
                String n = f.active().names().getOrDefault(i, names.name(i));
                if (!n.isEmpty()) {
                    byName.put(n, new FeatureState(f.active().get(i), f.wanted().get(i),
                            !f.hw().get(i) || f.nochange().get(i)));
                }
            }
            out.put(f.dev(), byName);
        }
        return out;
    }

    @Test
    void stringSetsHoldTheFeatureAndStatisticsNames() throws Exception {
        Map<Integer, StringSet> sets = globalSets();
        StringSet features = sets.get(ETH_SS_FEATURES);
        assertTrue(features.strings().contains("tx-tcp-segmentation"), features.toString());
        assertTrue(features.strings().contains("rx-gro"));
        assertEquals(List.of("eth-phy", "eth-mac", "eth-ctrl", "rmon", "phydev"), sets.get(ETH_SS_STATS_STD).strings());
        assertEquals("FramesTransmittedOK", sets.get(ETH_SS_STATS_ETH_MAC).name(0));
        assertEquals("SymbolErrorDuringCarrier", sets.get(ETH_SS_STATS_ETH_PHY).name(0));
        // the device's own ETH_SS_STATS set is ethtool -S's names, in order
        Map<Integer, StringSet> dsa = new HashMap<>();
        for (Message m : RecordedReplies.replies(DIR + "ethtool-strset-dsa.hex")) {
            dsa.putAll(EthtoolMessages.parseStringSets(m.buffer(), 0, m.bytes().length));
        }
        assertEquals(List.copyOf(ToolOutput.ethtoolNicStats(RecordedReplies.text(DIR + "nicstats-dsa.ethtool.txt")).keySet()),
                dsa.get(ETH_SS_STATS).strings());
    }

    @Test
    void featuresEqualEthtoolK() throws Exception {
        StringSet names = globalSets().get(ETH_SS_FEATURES);
        Map<String, Map<String, FeatureState>> compact = features("ethtool-features-compact.hex", names);
        Map<String, Map<String, FeatureState>> verbose = features("ethtool-features-verbose.hex", names);
        assertEquals(compact, verbose, "compact and verbose bit sets decode to the same features");
        for (String dev : DEVS) {
            Map<String, FeatureState> ethtool = ToolOutput.ethtoolFeatures(
                    ToolOutput.json(RecordedReplies.text(DIR + "features-" + dev + ".ethtool.json")).get(0));
            assertEquals(ethtool, compact.get(dev), dev);
        }
        assertEquals(new FeatureState(true, true, false), compact.get("dsa").get("rx-gro"), "ethtool -K dsa gro on");
        assertEquals(new FeatureState(false, false, false), compact.get("dsa").get("tx-gso-list"));
        assertEquals(new FeatureState(false, false, false), compact.get("dsb").get("rx-gro"), "the peer kept the default");
    }

    @Test
    void hostFeaturesEqualEthtoolK() throws Exception {
        StringSet names = globalSets().get(ETH_SS_FEATURES);
        Map<String, FeatureState> eth0 = features("ethtool-features-host.hex", names).get("eth0");
        assertEquals(ToolOutput.ethtoolFeatures(ToolOutput.json(
                RecordedReplies.text(DIR + "ethtool-features-host.eth0.ethtool.json")).get(0)), eth0);
    }

    @Test
    void channelsEqualEthtoolL() throws Exception {
        Map<String, Map<String, Long>> ours = new TreeMap<>();
        for (Message m : RecordedReplies.replies(DIR + "ethtool-channels.hex")) {
            DeviceValues v = EthtoolMessages.parseChannels(m.buffer(), 0, m.bytes().length);
            ours.put(v.dev(), new TreeMap<>(v.values()));
        }
        for (String dev : DEVS) {
            String text = RecordedReplies.text(DIR + "channels-" + dev + ".ethtool.txt");
            if (text.contains("Operation not supported")) {
                assertFalse(ours.containsKey(dev), dev + ": the dump leaves out what the driver does not support");
            } else {
                assertEquals(ToolOutput.ethtoolChannels(text), ours.get(dev), dev);
            }
        }
        assertEquals(Map.of("rx_max", 4L, "tx_max", 4L, "rx_count", 3L, "tx_count", 2L), ours.get("dsa"));
        Map<String, Long> eth0 = new TreeMap<>();
        for (Message m : RecordedReplies.replies(DIR + "ethtool-channels-host.hex")) {
            DeviceValues v = EthtoolMessages.parseChannels(m.buffer(), 0, m.bytes().length);
            if (v.dev().equals("eth0")) {
                eth0.putAll(v.values());
            }
        }
        assertEquals(ToolOutput.ethtoolChannels(RecordedReplies.text(DIR + "ethtool-channels-host.eth0.ethtool.txt")), eth0);
    }

    @Test
    void ringsEqualEthtoolG() throws Exception {
        // veth has no ring parameters: the namespace's dump answers nothing, and ethtool -g says so
        assertEquals(List.of(), RecordedReplies.replies(DIR + "ethtool-rings.hex"));
        for (String dev : DEVS) {
            assertTrue(RecordedReplies.text(DIR + "rings-" + dev + ".ethtool.txt").contains("Operation not supported"), dev);
        }
        Map<String, Long> eth0 = null;
        for (Message m : RecordedReplies.replies(DIR + "ethtool-rings-host.hex")) {
            DeviceValues v = EthtoolMessages.parseRings(m.buffer(), 0, m.bytes().length);
            if (v.dev().equals("eth0")) {
                eth0 = new TreeMap<>(v.values());
            }
        }
        assertEquals(ToolOutput.ethtoolRings(RecordedReplies.text(DIR + "ethtool-rings-host.eth0.ethtool.txt")), eth0);
        assertEquals(256L, eth0.get("rx_max"));
    }

    @Test
    void standardStatsEqualEthtoolAllGroups() throws Exception {
        Map<Integer, StringSet> sets = globalSets();
        Map<String, Map<String, Map<String, Long>>> ours = new TreeMap<>();
        for (Message m : RecordedReplies.replies(DIR + "ethtool-stats.hex")) {
            DeviceStats s = EthtoolMessages.parseStats(m.buffer(), 0, m.bytes().length);
            Map<String, Map<String, Long>> groups = new TreeMap<>();
            for (DeviceStats.Group g : s.groups()) {
                Map<String, Long> c = new TreeMap<>();
                g.counters().forEach((i, v) -> c.put(sets.get(g.stringSet()).name(i), v));
                groups.put(sets.get(ETH_SS_STATS_STD).name(g.id()), c);
            }
            ours.put(s.dev(), groups);
        }
        for (String dev : DEVS) {
            Map<String, Map<String, Long>> ethtool = ToolOutput.ethtoolStandardStats(
                    ToolOutput.json(RecordedReplies.text(DIR + "stats-" + dev + ".ethtool.json")).get(0));
            // we asked for the four groups ethtool 6.1 knows by number; it names phydev from the string set
            ethtool.remove("phydev");
            assertEquals(ethtool, ours.get(dev), dev);
        }
    }

    @Test
    void ioctlBuffersEqualEthtoolIAndS() throws Exception {
        List<Message> dsa = RecordedReplies.replies(DIR + "ethtool-ioctl-dsa.hex");
        DriverInfo info = EthtoolIoctl.parseDriverInfo(dsa.get(0).buffer(), 0);
        Map<String, String> i = ToolOutput.ethtoolDriverInfo(RecordedReplies.text(DIR + "drvinfo-dsa.ethtool.txt"));
        assertEquals(i.get("driver"), info.driver());
        assertEquals(i.get("version"), info.version(), "veth writes '1.0' over the kernel release: stop at the NUL");
        assertEquals(i.get("firmware-version"), info.firmwareVersion());
        assertEquals(i.get("bus-info"), info.busInfo());

        ByteBuffer strings = dsa.get(2).buffer();
        ByteBuffer values = dsa.get(3).buffer();
        int n = strings.getInt(ETHTOOL_GSTRINGS_LEN_OFFSET);
        assertEquals(n, values.getInt(ETHTOOL_GSTATS_N_STATS_OFFSET));
        assertEquals(info.nStats(), n);
        Map<String, Long> ours = EthtoolIoctl.parseNicStats(strings, ETHTOOL_GSTRINGS_DATA_OFFSET, values,
                ETHTOOL_GSTATS_DATA_OFFSET, n);
        assertEquals(ToolOutput.ethtoolNicStats(RecordedReplies.text(DIR + "nicstats-dsa.ethtool.txt")), ours);
        assertEquals(List.copyOf(ToolOutput.ethtoolNicStats(RecordedReplies.text(DIR + "nicstats-dsa.ethtool.txt")).keySet()),
                List.copyOf(ours.keySet()), "the driver's order");

        DriverInfo eth0 = EthtoolIoctl.parseDriverInfo(RecordedReplies.replies(DIR + "ethtool-ioctl-eth0.hex").get(0).buffer(), 0);
        Map<String, String> e = ToolOutput.ethtoolDriverInfo(RecordedReplies.text(DIR + "drvinfo-eth0.ethtool.txt"));
        assertEquals(e.get("driver"), eth0.driver());
        assertEquals(e.get("bus-info"), eth0.busInfo());
    }

    @Test
    void aDriverThatNamesTwoCountersAlikeKeepsBoth() {
        ByteBuffer names = ByteBuffer.allocate(3 * ETH_GSTRING_LEN);
        names.put(0, "drops".getBytes()).put(ETH_GSTRING_LEN, "drops".getBytes()).put(2 * ETH_GSTRING_LEN, "x".getBytes());
        ByteBuffer values = ByteBuffer.allocate(24).order(java.nio.ByteOrder.nativeOrder());
        values.putLong(0, 1).putLong(8, 2).putLong(16, 3);
        assertEquals(List.of("drops", "drops#2", "x"), List.copyOf(EthtoolIoctl.parseNicStats(names, 0, values, 0, 3).keySet()));
    }
}
