package dev.dropscope.diagnosis;

import static dev.dropscope.diagnosis.Snap.at;
import static dev.dropscope.diagnosis.Snap.commands;
import static dev.dropscope.diagnosis.Snap.evidence;
import static dev.dropscope.diagnosis.Snap.fix;
import static dev.dropscope.diagnosis.Snap.has;
import static dev.dropscope.diagnosis.Snap.iface;
import static dev.dropscope.diagnosis.Snap.longs;
import static dev.dropscope.diagnosis.Snap.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.Finding;
import dev.dropscope.model.Severity;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SoftnetCpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** rx_imbalance on values as kernels and drivers report them. */
class RxImbalanceRuleTest {

    private static List<Finding> diagnose(Snapshot before, Snapshot after) {
        return Diagnosis.diagnose(before, after, null, null);
    }

    /** Softnet lines: per CPU {processed, dropped, time_squeeze}; eth0 received {@code rx} with 2 of 8 channels. */
    private static Snapshot cpus(double t, long rx, long[]... perCpu) {
        List<SoftnetCpu> l = new ArrayList<>();
        for (int c = 0; c < perCpu.length; c++) {
            l.add(new SoftnetCpu(c, longs("processed", perCpu[c][0], "dropped", perCpu[c][1],
                    "time_squeeze", perCpu[c][2])));
        }
        return at(t, x -> x.softnet(l).interfaces(List.of(iface("lo", 1).build(),
                iface("eth0", 2).stats("rx_packets", rx).channels(2, 8).build())));
    }

    private static long[] c(long processed, long dropped, long squeeze) {
        return new long[]{processed, dropped, squeeze};
    }

    @Test
    void oneBusyCpuThatDropsNamesItsShareAndComputedFixes() {
        Snapshot b = cpus(0, 0, c(0, 0, 0), c(0, 0, 0), c(0, 0, 0), c(0, 0, 0));
        Snapshot a = cpus(1, 1_200_000, c(1_164_000, 3400, 20), c(12_000, 0, 0), c(12_000, 0, 0), c(12_000, 0, 0));
        List<Finding> fs = diagnose(b, a);
        Finding f = only(fs, "rx_imbalance");
        assertEquals(Severity.CRITICAL, f.severity());
        assertEquals("97 % of 1.2 M packets processed; 3400 backlog drops there; 20 time squeezes there",
                evidence(f, "cpu 0 (of 4)"));
        assertEquals("Receive work piled on cpu 0 (97 % of packets, 4 CPUs) while packets drop (3400/s)", f.title());
        fix(f, "ethtool -L eth0 combined 8");
        fix(f, "ethtool -X eth0 equal 8");
        fix(f, "echo f > /sys/class/net/eth0/queues/rx-0/rps_cpus");
        fix(f, "echo 4096 > /sys/class/net/eth0/queues/rx-0/rps_flow_cnt");
        assertEquals("net.core.rps_sock_flow_entries = 32768",
                fix(f, "sysctl -w net.core.rps_sock_flow_entries=32768").persist());
        assertTrue(commands(f).stream().anyMatch(x -> x.startsWith("systemctl enable --now irqbalance")));
        // the other findings are what they were: softnet_backlog_drops still fires on its own
        assertTrue(has(fs, "softnet_backlog_drops"));
    }

    @Test
    void busyCpuThatOnlyRunsOutOfBudgetIsInfo() {
        Snapshot b = cpus(0, 0, c(0, 0, 0), c(0, 0, 0));
        Snapshot a = cpus(1, 10_000, c(9_000, 0, 40), c(1_000, 0, 0));
        Finding f = only(diagnose(b, a), "rx_imbalance");
        assertEquals(Severity.INFO, f.severity());
        assertTrue(f.title().endsWith("while it runs out of budget (time_squeeze 40/s)"), f.title());
        fix(f, "echo 3 > /sys/class/net/eth0/queues/rx-0/rps_cpus");
    }

    @Test
    void imbalanceWithoutDropsIsNothing() {
        Snapshot b = cpus(0, 0, c(0, 0, 0), c(0, 0, 0), c(0, 0, 0), c(0, 0, 0));
        Snapshot a = cpus(1, 1_000_000, c(1_000_000, 0, 0), c(10, 0, 0), c(10, 0, 0), c(10, 0, 0));
        assertFalse(has(diagnose(b, a), "rx_imbalance"));
    }

    @Test
    void dropsOnACpuThatIsNotTheBusyOneAreNotImbalance() {
        Snapshot b = cpus(0, 0, c(0, 0, 0), c(0, 0, 0), c(0, 0, 0), c(0, 0, 0));
        Snapshot a = cpus(1, 1_000_000, c(1_000_000, 0, 0), c(10, 500, 0), c(10, 0, 0), c(10, 0, 0));
        assertFalse(has(diagnose(b, a), "rx_imbalance"));
    }

    @Test
    void oneCpuIsNeverImbalanced() {
        Snapshot b = cpus(0, 0, c(0, 0, 0));
        Snapshot a = cpus(1, 1_000_000, c(1_000_000, 5000, 100));
        assertFalse(has(diagnose(b, a), "rx_imbalance"));
    }

    @Test
    void twoBalancedCpusThatDropAreNotImbalanced() {
        Snapshot b = cpus(0, 0, c(0, 0, 0), c(0, 0, 0));
        // 70/30 on two CPUs is flow hashing, not imbalance (75 % needed)
        Snapshot a = cpus(1, 1_000_000, c(700_000, 5000, 100), c(300_000, 10, 0));
        assertFalse(has(diagnose(b, a), "rx_imbalance"));
        Snapshot even = cpus(1, 1_000_000, c(500_000, 5000, 100), c(500_000, 5000, 100));
        assertFalse(has(diagnose(b, even), "rx_imbalance"));
    }

    @Test
    void anIdleMachineIsNotImbalanced() {
        Snapshot b = cpus(0, 0, c(0, 0, 0), c(0, 0, 0));
        Snapshot a = cpus(1, 900, c(900, 3, 1), c(0, 0, 0));
        assertFalse(has(diagnose(b, a), "rx_imbalance"));
    }

    // ------------------------------------------------------------------ RX queues from ethtool -S

    /** eth0 with four queues under the driver's naming {@code fmt} (%d = queue), and its ring drops. */
    private static Snapshot queues(double t, String fmt, long[] perQueue, long missed, String netns) {
        List<Object> kv = new ArrayList<>();
        for (int q = 0; q < perQueue.length; q++) {
            kv.add(String.format(fmt, q));
            kv.add(perQueue[q]);
        }
        kv.add("rx_bytes");
        kv.add(0L);
        return at(t, x -> x.netns(netns).interfaces(List.of(iface("eth0", 2)
                .stats("rx_packets", Math.round(t * 100_000), "rx_missed_errors", missed)
                .channels(4, 4).nic(kv.toArray()).build())));
    }

    @Test
    void oneBusyQueueUnderEachNamingSchemeIsFoundWhileTheNicDrops() {
        for (String fmt : List.of("rx_queue_%d_packets", "rx-%d.packets", "rxq_%d_packets", "rx%d_packets")) {
            Snapshot b = queues(0, fmt, new long[]{0, 0, 0, 0}, 0, null);
            Snapshot a = queues(1, fmt, new long[]{10_000, 45_000, 2_000, 3_000}, 1200, null);
            Finding f = only(diagnose(b, a), "rx_imbalance");
            assertEquals("75 % of 60 k packets received; 1200 rx drops on eth0", evidence(f, "eth0 rx queue 1 (of 4)"), fmt);
            assertEquals("Receive traffic piled on eth0 rx queue 1 (75 % of packets, 4 queues) while packets drop "
                    + "(1200/s)", f.title());
            assertEquals(Severity.CRITICAL, f.severity());
            fix(f, "ethtool -X eth0 equal 4");
            assertFalse(commands(f).stream().anyMatch(x -> x.contains("rps")), "no softnet_stat: no CPU mask");
            assertFalse(commands(f).stream().anyMatch(x -> x.startsWith("ethtool -L")), "already at 4 of 4");
        }
    }

    @Test
    void aBusyQueueWithoutNicDropsIsNothing() {
        Snapshot b = queues(0, "rx_queue_%d_packets", new long[]{0, 0, 0, 0}, 0, null);
        Snapshot a = queues(1, "rx_queue_%d_packets", new long[]{90_000, 1, 1, 1}, 0, null);
        assertFalse(has(diagnose(b, a), "rx_imbalance"));
    }

    private static Snapshot withSoftnet(Snapshot s, List<SoftnetCpu> cpus) {
        return Snapshot.builder().takenAt(s.takenAtMillis(), s.monotonicNanos()).netns(s.netns())
                .interfaces(s.interfaces()).softnet(cpus).build();
    }

    @Test
    void inANamespaceTheSysfsWritesRunInItsOwnShell() {
        List<SoftnetCpu> six = new ArrayList<>();
        for (int c = 0; c < 6; c++) {
            six.add(new SoftnetCpu(c, longs("processed", 0, "dropped", 0, "time_squeeze", 0)));
        }
        Snapshot b = withSoftnet(queues(0, "rx-%d.packets", new long[]{0, 0, 0, 0}, 0, "lab"), six);
        Snapshot a = withSoftnet(queues(1, "rx-%d.packets", new long[]{0, 0, 90_000, 0}, 50, "lab"), six);
        Finding f = only(diagnose(b, a), "rx_imbalance");
        fix(f, "ip netns exec lab ethtool -X eth0 equal 4");
        fix(f, "ip netns exec lab sh -c 'echo 3f > /sys/class/net/eth0/queues/rx-2/rps_cpus'");
        fix(f, "ip netns exec lab sh -c 'echo 8192 > /sys/class/net/eth0/queues/rx-2/rps_flow_cnt'");
        // rps_sock_flow_entries is machine-wide: no ip netns exec
        fix(f, "sysctl -w net.core.rps_sock_flow_entries=32768");
    }

    @Test
    void theRpsMaskCoversEveryCpuInThirtyTwoBitGroups() {
        List<SoftnetCpu> l = new ArrayList<>();
        for (int c = 0; c < 40; c++) {
            l.add(new SoftnetCpu(c, Map.of()));
        }
        assertEquals("ff,ffffffff", RxImbalanceRule.cpuMask(l));
        assertEquals("5", RxImbalanceRule.cpuMask(List.of(new SoftnetCpu(0, Map.of()), new SoftnetCpu(2, Map.of()))));
    }

    @Test
    void theQueuesInterruptsSayWhichCpuTheyLandOn() {
        // eth0's two queues: rx-0's interrupt all on cpu 0 (where the work piled up), rx-1's on cpu 1
        List<dev.dropscope.model.RxQueueIrq> was = List.of(
                new dev.dropscope.model.RxQueueIrq("eth0", 0, 38, List.of(100L, 0L, 0L, 0L), "0-3"),
                new dev.dropscope.model.RxQueueIrq("eth0", 1, 39, List.of(0L, 50L, 0L, 0L), "1"),
                new dev.dropscope.model.RxQueueIrq("eth1", 0, 40, List.of(0L, 0L, 0L, 0L), "0-3"));
        List<dev.dropscope.model.RxQueueIrq> now = List.of(
                new dev.dropscope.model.RxQueueIrq("eth0", 0, 38, List.of(9100L, 0L, 0L, 0L), "0-3"),
                new dev.dropscope.model.RxQueueIrq("eth0", 1, 39, List.of(0L, 150L, 0L, 0L), "1"),
                new dev.dropscope.model.RxQueueIrq("eth1", 0, 40, List.of(0L, 0L, 0L, 900L), "0-3"));
        Snapshot b = at(0, x -> cpusInto(x, 0, c(0, 0, 0), c(0, 0, 0), c(0, 0, 0), c(0, 0, 0)).rxIrqs(was));
        Snapshot a = at(1, x -> cpusInto(x, 1_200_000, c(1_164_000, 3400, 20), c(12_000, 0, 0), c(12_000, 0, 0),
                c(12_000, 0, 0)).rxIrqs(now));
        Finding f = only(diagnose(b, a), "rx_imbalance");
        assertEquals("landed on cpu 0 (100 % of 9000); smp_affinity_list 0-3", evidence(f, "eth0 rx-0 interrupt (irq 38)"));
        assertEquals("landed on cpu 1 (100 % of 100); smp_affinity_list 1", evidence(f, "eth0 rx-1 interrupt (irq 39)"));
        assertTrue(f.evidence().stream().noneMatch(e -> e.name().startsWith("eth1")), "eth1 received nothing here");
        assertTrue(commands(f).stream().anyMatch(x -> x.endsWith("smp_affinity_list; now eth0 rx-0 irq 38 on cpu 0 "
                + "(allowed 0-3), eth0 rx-1 irq 39 on cpu 1 (allowed 1))")), commands(f).toString());

        // without interrupts known (a snapshot read back from JSON) the finding is what it was
        Finding plain = only(diagnose(cpus(0, 0, c(0, 0, 0), c(0, 0, 0), c(0, 0, 0), c(0, 0, 0)),
                cpus(1, 1_200_000, c(1_164_000, 3400, 20), c(12_000, 0, 0), c(12_000, 0, 0), c(12_000, 0, 0))),
                "rx_imbalance");
        assertTrue(commands(plain).stream().anyMatch(x -> x.endsWith("grep the interface in /proc/interrupts for N)")));
        assertTrue(plain.evidence().stream().noneMatch(e -> e.name().contains("interrupt")));
    }

    private static Snapshot.Builder cpusInto(Snapshot.Builder x, long rx, long[]... perCpu) {
        List<SoftnetCpu> l = new ArrayList<>();
        for (int c = 0; c < perCpu.length; c++) {
            l.add(new SoftnetCpu(c, longs("processed", perCpu[c][0], "dropped", perCpu[c][1],
                    "time_squeeze", perCpu[c][2])));
        }
        return x.softnet(l).interfaces(List.of(iface("lo", 1).build(), iface("eth0", 2).stats("rx_packets", rx)
                .channels(2, 8).build(), iface("eth1", 3).build()));
    }
}
