package dev.dropscope.netlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dropscope.netlink.genl.netdm.NetDmConstants;
import dev.dropscope.netlink.genl.netdm.NetDmRequests;
import dev.dropscope.testutil.HexFixture;
import dev.dropscope.testutil.HexFixture.Entry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * NetDmRequests must produce, byte for byte, the requests the capture script sent to the real kernel
 * (requests.hex), once NetlinkSocket has framed them with the recorded sequence number.
 */
class NetDmRequestsTest {
    private static final int ID = 0x23; // NET_DM's dynamic id during the capture (fixture header)

    private static final HexFixture REQUESTS = HexFixture.load("fixtures/netdm/requests.hex");

    private static void assertWire(MessageBuilder m, Entry recorded) {
        int len = m.finish();
        ByteBuffer wire = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
        NetlinkSocket.frame(m.buffer(), m.start(), len, wire, (int) recorded.number("seq"), 0);
        assertArrayEquals(recorded.bytes(), wire.array(), recorded.toString());
    }

    private static Entry entry(String labelStart) {
        List<Entry> tx = REQUESTS.tx();
        return tx.stream().filter(e -> e.label().startsWith(labelStart)).findFirst()
                .orElseThrow(() -> new AssertionError("no request labelled " + labelStart));
    }

    @Test
    void fixtureIdMatchesHeader() {
        assertEquals(ID, REQUESTS.entries().get(0).number("type"));
    }

    @Test
    void startAndStopWithFlags() {
        assertWire(NetDmRequests.start(ID, true, false), entry("START SW_DROPS"));
        assertWire(NetDmRequests.stop(ID, true, false), entry("STOP SW_DROPS"));
        assertWire(NetDmRequests.start(ID, true, true), entry("START SW_DROPS+HW_DROPS"));
        assertWire(NetDmRequests.stop(ID, true, true), entry("STOP SW_DROPS+HW_DROPS"));
    }

    @Test
    void legacyStartWithoutFlags() {
        assertWire(NetDmRequests.start(ID, false, false), entry("START (no flag"));
        assertWire(NetDmRequests.stop(ID, false, false), entry("STOP (no flag"));
    }

    @Test
    void config() {
        assertWire(NetDmRequests.config(ID, NetDmConstants.NET_DM_ALERT_MODE_SUMMARY, 0, 1000), entry("CONFIG defaults"));
        assertWire(NetDmRequests.config(ID, NetDmConstants.NET_DM_ALERT_MODE_SUMMARY, null, null),
                entry("CONFIG alert_mode=summary"));
        assertWire(NetDmRequests.config(ID, NetDmConstants.NET_DM_ALERT_MODE_PACKET, 64, 16),
                entry("CONFIG alert_mode=packet trunc_len=64 queue_len=16"));
    }

    @Test
    void getters() {
        assertWire(NetDmRequests.configGet(ID), entry("CONFIG_GET"));
        assertWire(NetDmRequests.statsGet(ID), entry("STATS_GET"));
    }
}
