package dev.dropscope.diagnosis;

import static dev.dropscope.diagnosis.Snap.fix;
import static dev.dropscope.diagnosis.Snap.longs;
import static dev.dropscope.diagnosis.Snap.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.collect.LinkCollector;
import dev.dropscope.collect.NetnsScope;
import dev.dropscope.collect.ProcNetCollector;
import dev.dropscope.model.Finding;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SoftnetCpu;
import dev.dropscope.testutil.Needs;
import dev.dropscope.testutil.Netns;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * rx_imbalance's inputs read from a real kernel: a veth of four RX queues in a namespace, UDP sent through
 * it, the namespace sampled by dropscope's collectors; then the RPS/RFS fixes the rule computes for it are
 * run exactly as printed and the kernel's values read back. A veth has no RSS and its per-queue ethtool
 * counters are XDP-only, so the imbalance itself is put on the softnet lines (recorded real multi-queue
 * values are in {@link RxImbalanceRuleTest}).
 */
@Needs(root = true, tools = {"ip", "ethtool"})
class RxImbalanceLiveTest {

    private static Snapshot sample(NetnsScope scope, String netns) throws Exception {
        return scope.call(() -> {
            Snapshot.Builder b = Snapshot.builder().netns(netns);
            try (LinkCollector links = new LinkCollector(FaultLab.SYS)) {
                links.collect(b);
            }
            new ProcNetCollector().collect(b);
            return b.takenAt(System.currentTimeMillis(), System.nanoTime()).build();
        });
    }

    /** {@code s} with its softnet lines replaced: the real CPU ids, the counters given per CPU. */
    private static Snapshot withSoftnet(Snapshot s, List<SoftnetCpu> real, long processed0, long dropped0) {
        List<SoftnetCpu> l = new ArrayList<>();
        for (SoftnetCpu c : real) {
            boolean first = c.cpu() == real.get(0).cpu();
            l.add(new SoftnetCpu(c.cpu(), longs("processed", first ? processed0 : processed0 / 100,
                    "dropped", first ? dropped0 : 0, "time_squeeze", 0)));
        }
        return Snapshot.builder().takenAt(s.takenAtMillis(), s.monotonicNanos()).netns(s.netns())
                .interfaces(s.interfaces()).softnet(l).build();
    }

    @Test
    void theRuleReadsAVethOfFourQueuesAndItsRpsFixesAreAcceptedByTheKernel() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns rx = lab.namespace();
            Netns tx = lab.namespace();
            rx.ip("link", "add", "name", "rxa", "numtxqueues", "4", "numrxqueues", "4", "type", "veth",
                    "peer", "name", "rxb", "numtxqueues", "4", "numrxqueues", "4");
            rx.ip("link", "set", "rxb", "netns", tx.name());
            rx.ip("addr", "add", "10.97.0.1/24", "dev", "rxa");
            tx.ip("addr", "add", "10.97.0.2/24", "dev", "rxb");
            rx.ip("link", "set", "rxa", "up");
            tx.ip("link", "set", "rxb", "up");
            try (NetnsScope scope = NetnsScope.named(FaultLab.SYS, rx.name())) {
                Snapshot before = sample(scope, rx.name());
                FaultLab.exec(tx, "bash", "-c", "for i in $(seq 1 500); do echo x > /dev/udp/10.97.0.1/9999; done");
                Snapshot after = sample(scope, rx.name());

                // softnet_stat: every CPU, processed rose by at least the datagrams (machine-wide: others add)
                assertFalse(after.softnet().isEmpty());
                long processed = 0;
                for (SoftnetCpu c : after.softnet()) {
                    SoftnetCpu was = before.softnet().stream().filter(x -> x.cpu() == c.cpu()).findFirst().orElseThrow();
                    processed += c.counters().get("processed") - was.counters().get("processed");
                }
                assertTrue(processed >= 500, "softnet processed rose by " + processed);

                // the veth's channels and ethtool -S as the rule reads them
                InterfaceStats a = after.iface("rxa");
                assertNotNull(a);
                assertTrue(a.stats64().get("rx_packets") - before.iface("rxa").stats64().get("rx_packets") >= 500);
                assertEquals(4L, a.channels().value().get("rx_count"));
                assertEquals(4L, a.channels().value().get("rx_max"));
                Map<String, Long> nic = a.nicStats().value();
                assertTrue(nic.containsKey("rx_queue_3_xdp_packets"), nic.keySet().toString());
                // XDP-only per-queue counters are not the queue's packets: no queue shares from them
                assertEquals(Map.of(), RxImbalanceRule.queuePackets(before.iface("rxa").nicStats().value(), nic));

                // the finding on these interfaces with one busy CPU that drops; its fixes run as printed
                Finding f = only(Diagnosis.diagnose(withSoftnet(before, after.softnet(), 0, 0),
                        withSoftnet(after, after.softnet(), 1_000_000, 3400), null, null), RxImbalanceRule.ID);
                String mask = RxImbalanceRule.cpuMask(after.softnet());
                String dir = "/sys/class/net/rxa/queues/rx-0/";
                String rps = "ip netns exec " + rx.name() + " sh -c 'echo " + mask + " > " + dir + "rps_cpus'";
                String rfs = "ip netns exec " + rx.name() + " sh -c 'echo 8192 > " + dir + "rps_flow_cnt'";
                FaultLab.runFix(fix(f, rps).command());
                FaultLab.runFix(fix(f, rfs).command());
                String read = FaultLab.exec(rx, "cat", dir + "rps_cpus").strip();
                assertEquals(new BigInteger(mask.replace(",", ""), 16), new BigInteger(read.replace(",", ""), 16));
                assertEquals("8192", FaultLab.exec(rx, "cat", dir + "rps_flow_cnt").strip());
            }
        }
    }
}
