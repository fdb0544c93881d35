package dev.dropscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

class DeltaTest {
    private static final long TWO_32 = 1L << 32;

    @Test
    void increasesAreDividedByTheInterval() {
        assertEquals(50.0, Rates.rate(100, 200, 2.0, CounterWidth.BITS64));
        assertEquals(0.0, Rates.rate(100, 100, 2.0, CounterWidth.BITS64));
        assertEquals(0.0, Rates.rate(100, 200, 0.0, CounterWidth.BITS64), "no interval, no rate");
    }

    @Test
    void aSixtyFourBitCounterThatWentDownWasResetAndGivesZero() {
        assertEquals(0, Rates.increase(5_000_000_000L, 10, CounterWidth.BITS64));
        assertEquals(0, Rates.increase(3_000_000_000L, 10, CounterWidth.BITS64), "even where a u32 would wrap");
    }

    @Test
    void aThirtyTwoBitCounterThatWrappedCountsThroughTheWrap() {
        assertEquals(10 + TWO_32 - 4_294_967_000L, Rates.increase(4_294_967_000L, 10, CounterWidth.BITS32));
        assertEquals(306, Rates.increase(TWO_32 - 296, 10, CounterWidth.BITS32));
        // a drop from below 2^31, or to a value still above 2^31, is a reset, not a wrap
        assertEquals(0, Rates.increase(1_000_000, 10, CounterWidth.BITS32));
        assertEquals(0, Rates.increase(3_000_000_000L, 2_500_000_000L, CounterWidth.BITS32));
    }

    @Test
    void anUnknownWidthCounterWrapsOnlyWhenItWasAThirtyTwoBitValue() {
        assertEquals(306, Rates.increase(TWO_32 - 296, 10, CounterWidth.UNKNOWN));
        assertEquals(0, Rates.increase(TWO_32 + 5, 10, CounterWidth.UNKNOWN), "above 2^32: a 64-bit counter, reset");
    }

    @Test
    void unsignedCountersAboveTwoToTheSixtyThreeStillIncrease() {
        long big = Long.parseUnsignedLong("18446744073709551000");
        assertEquals(100, Rates.increase(big, big + 100, CounterWidth.BITS64));
    }

    @Test
    void ratesLeaveOutGaugesAndKeysMissingOnOneSide() {
        Map<String, Long> a = new LinkedHashMap<>();
        a.put("drops", 10L);
        a.put("qlen", 5L);
        a.put("gone", 1L);
        Map<String, Long> b = new LinkedHashMap<>();
        b.put("drops", 30L);
        b.put("qlen", 1L);
        b.put("new", 7L);
        assertEquals(Map.of("drops", 10.0), Rates.of(a, b, 2.0, CounterWidth.BITS32, QdiscStats.GAUGES));
    }

    private static InterfaceStats iface(String name, int ifindex, long rxPackets, Map<String, Long> nic) {
        return new InterfaceStats(name, ifindex, "veth",
                new InterfaceStats.Settings(Reading.of("veth"), "UP", 1500, 1000, null,
                        Reading.notSupported(), Reading.notSupported(), Reading.notSupported()),
                new InterfaceStats.Counters(Map.of("rx_packets", rxPackets),
                        nic == null ? Reading.notSupported() : Reading.of(nic), Reading.notSupported()));
    }

    @Test
    void deltaGivesPerInterfaceRatesAndNoneForARecreatedInterface() {
        Snapshot before = Snapshot.builder().takenAt(0, 1_000_000_000L)
                .interfaces(List.of(iface("a", 2, 100, Map.of("rx_queue_0_drops", TWO_32 - 10)), iface("b", 3, 50, null)))
                .snmp(Map.of("Udp.RcvbufErrors", 4L, "Tcp.CurrEstab", 9L))
                .softnet(List.of(new SoftnetCpu(0, Map.of("dropped", TWO_32 - 1, "backlog_len", 3L))))
                .build();
        Snapshot after = Snapshot.builder().takenAt(500, 1_500_000_000L)
                .interfaces(List.of(iface("a", 2, 300, Map.of("rx_queue_0_drops", 5L)), iface("b", 9, 80, null)))
                .snmp(Map.of("Udp.RcvbufErrors", 6L, "Tcp.CurrEstab", 2L))
                .softnet(List.of(new SoftnetCpu(0, Map.of("dropped", 1L, "backlog_len", 0L))))
                .build();
        Delta d = Delta.between(before, after);
        assertEquals(0.5, d.seconds());
        assertEquals(400.0, d.interfaces().get("a").stats64().get("rx_packets"));
        assertEquals(30.0, d.interfaces().get("a").nicStats().get("rx_queue_0_drops"), "15 through the 32-bit wrap");
        assertFalse(d.interfaces().containsKey("b"), "ifindex 3 became 9: a new interface, no rate");
        assertEquals(Map.of("Udp.RcvbufErrors", 4.0), d.snmp(), "CurrEstab is a gauge");
        assertEquals(Map.of("dropped", 4.0), d.softnet().get(0), "softnet columns are u32; backlog_len a gauge");
    }

    @Test
    void conntrackRatesAddUpEachCpu() {
        ConntrackState a = new ConntrackState(true, 1L, 10L, 10L, Map.of(), List.of(
                new ConntrackState.Cpu(0, Map.of("drop", 1L)), new ConntrackState.Cpu(1, Map.of("drop", TWO_32 - 1))),
                "ctnetlink");
        ConntrackState b = new ConntrackState(true, 1L, 10L, 10L, Map.of(), List.of(
                new ConntrackState.Cpu(0, Map.of("drop", 3L)), new ConntrackState.Cpu(1, Map.of("drop", 1L))),
                "ctnetlink");
        Delta d = Delta.between(Snapshot.builder().takenAt(0, 0).conntrack(a).build(),
                Snapshot.builder().takenAt(0, 1_000_000_000L).conntrack(b).build());
        assertEquals(Map.of("drop", 4.0), d.conntrack());
    }

    @Test
    void snapshotMapsKeepTheirOrderAndCannotBeChanged() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("z", 1L);
        m.put("a", 2L);
        Snapshot s = Snapshot.builder().snmp(m).build();
        m.put("b", 3L);
        assertEquals(List.of("z", "a"), List.copyOf(s.snmp().keySet()));
        assertThrowsUnsupported(() -> s.snmp().put("q", 1L));
        assertTrue(s.interfaces().isEmpty());
    }

    private static void assertThrowsUnsupported(Runnable r) {
        try {
            r.run();
        } catch (UnsupportedOperationException e) {
            return;
        }
        throw new AssertionError("the map could be changed");
    }
}
