package dev.dropscope.procfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

/** {@code /proc/net/dev} as this machine's kernel prints it, and what bad input gives. */
class ProcNetDevTest {
    /** The layout this machine's kernel prints: lo and ifb0 as captured, eth0 with values in the columns that matter. */
    static final String HOST = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo: 261746621  341879    0    0    0     0          0         0 261746621  341879    0    0    0     0       0          0
              ifb0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
              eth0: 9876543210 12345678    3   17    1     2          0       44 1234567    2345    0    5    0     0       0          0
            """;

    @Test
    void everyColumnByItsKernelName() {
        ProcNetDev d = ProcNetDev.parse(HOST);
        assertEquals(List.of(), d.problems());
        assertEquals(List.of("lo", "ifb0", "eth0"), List.copyOf(d.interfaces().keySet()));
        Map<String, Long> eth = d.interfaces().get("eth0");
        assertEquals(9876543210L, eth.get("rx_bytes"));
        assertEquals(12345678L, eth.get("rx_packets"));
        assertEquals(3L, eth.get("rx_errors"));
        assertEquals(17L, eth.get("rx_dropped"));
        assertEquals(1L, eth.get("rx_fifo_errors"));
        assertEquals(44L, eth.get("multicast"));
        assertEquals(5L, eth.get("tx_dropped"));
        assertEquals(16, eth.size());
        assertEquals(341879L, d.interfaces().get("lo").get("tx_packets"));
        assertEquals(17L, d.sum("rx_dropped"));
        assertEquals(2 * 261746621L + 9876543210L + 1234567L, d.sum("rx_bytes") + d.sum("tx_bytes"));
    }

    @Test
    void aBadLineIsAProblemAndTheOthersStay() {
        ProcNetDev d = ProcNetDev.parse(HOST + "  bad0: 1 2 3\nnocolon 1 2\n  x0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -\n");
        assertEquals(List.of("lo", "ifb0", "eth0"), List.copyOf(d.interfaces().keySet()));
        assertEquals(3, d.problems().size(), d.problems().toString());
        assertTrue(d.problems().get(0).startsWith("bad0: 3 values"), d.problems().toString());
        assertTrue(d.problems().get(2).startsWith("x0.tx_compressed: not a number"), d.problems().toString());
        assertEquals(Map.of(), ProcNetDev.parse("").interfaces());
    }

    @Test
    void anUnreadableFileIsAProblemNotAThrow() {
        ProcNetDev d = ProcNetDev.query(java.nio.file.Path.of("/nonexistent-proc"));
        assertEquals(Map.of(), d.interfaces());
        assertEquals(1, d.problems().size());
        assertTrue(d.problems().get(0).contains("absent"), d.problems().toString());
    }
}
