package dev.dropscope.collect;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.Snapshot;
import dev.dropscope.sys.Syscalls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The host's own NIC, read only (nothing on the host is changed): on this machine eth0 is virtio_net,
 * the one device here with ring parameters, which veth lacks. Settings are compared exactly; the driver's
 * counters move with the host's traffic, so each ethtool value must lie between our read before and
 * our read after it.
 */
@Needs(root = true, tools = "ethtool")
@EnabledIf(value = "dev.dropscope.collect.HostEthtoolLiveTest#hostNicPresent",
        disabledReason = "this host has no eth0 whose driver reports ring sizes (ethtool -g eth0)")
class HostEthtoolLiveTest {
    static final String DEV = "eth0";

    /** Whether this host has the NIC; without root or ethtool that is for @Needs to report. */
    static boolean hostNicPresent() {
        return !Tools.isRoot() || !Tools.has("ethtool") || Files.exists(Path.of("/sys/class/net", DEV))
                && Tools.run(List.of("ethtool", "-g", DEV)).exit() == 0;
    }

    static InterfaceStats read(LinkCollector c) throws Exception {
        Snapshot.Builder b = Snapshot.builder();
        c.collect(b);
        Snapshot s = b.build();
        assertEquals(List.of(), s.errors());
        return s.iface(DEV);
    }

    @Test
    void ringsChannelsFeaturesAndDriverEqualEthtool() throws Exception {
        try (LinkCollector c = new LinkCollector(Syscalls.get())) {
            InterfaceStats before = read(c);
            Map<String, Long> ring = ToolOutput.ethtoolRings(Tools.runOrFail("ethtool", "-g", DEV));
            Map<String, Long> channels = ToolOutput.ethtoolChannels(Tools.runOrFail("ethtool", "-l", DEV));
            String driver = ToolOutput.ethtoolDriverInfo(Tools.runOrFail("ethtool", "-i", DEV)).get("driver");
            var features = ToolOutput.ethtoolFeatures(ToolOutput.json(Tools.runOrFail("ethtool", "--json", "-k", DEV)).get(0));
            Map<String, Long> nic = ToolOutput.ethtoolNicStats(Tools.runOrFail("ethtool", "-S", DEV));
            InterfaceStats after = read(c);

            assertEquals(ring, new TreeMap<>(after.ring().value()));
            assertTrue(ring.containsKey("rx_max") && ring.containsKey("tx"), ring.toString());
            assertEquals(channels, new TreeMap<>(after.channels().value()));
            assertEquals(driver, after.driver().value());
            assertEquals(features, new TreeMap<>(after.features().value()));
            assertEquals(List.copyOf(nic.keySet()), List.copyOf(after.nicStats().value().keySet()));
            for (Map.Entry<String, Long> e : nic.entrySet()) {
                long lo = before.nicStats().value().get(e.getKey());
                long hi = after.nicStats().value().get(e.getKey());
                assertTrue(lo <= e.getValue() && e.getValue() <= hi,
                        e.getKey() + ": ethtool " + e.getValue() + " outside our reads " + lo + ".." + hi);
            }
        }
    }
}
