package dev.dropscope.netlink;

import static dev.dropscope.netlink.NetlinkConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.netlink.genl.GenlController;
import dev.dropscope.testutil.HexFixture;
import dev.dropscope.testutil.HexFixture.Direction;
import dev.dropscope.testutil.HexFixture.Entry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The encoder against what the capture script actually sent: MessageBuilder plus the socket's framing
 * ({@link NetlinkSocket#frame}: NLM_F_REQUEST|NLM_F_ACK, seq, port) must give the recorded bytes. The
 * socket fills seq and port per request, so they are framed with the recorded values (pid 0: the
 * capture left it to the kernel).
 */
class RequestEncodingTest {

    /** NET_DM's id in the lab where the fixtures were captured (README: "id 0x23 (dynamic...)"). */
    private static final int NET_DM_ID_IN_FIXTURES = 0x23;

    /** include/uapi/linux/net_dropmon.h, enum net_dm_command. */
    private static final Map<String, Integer> NET_DM_CMD = Map.of(
            "NET_DM_CMD_ALERT", 1, "NET_DM_CMD_CONFIG", 2, "NET_DM_CMD_START", 3, "NET_DM_CMD_STOP", 4,
            "NET_DM_CMD_CONFIG_GET", 6, "NET_DM_CMD_STATS_GET", 8);

    /** include/uapi/linux/net_dropmon.h, enum net_dm_attr: type and the width the kernel policy wants. */
    private record Attr(int type, String kind) {
    }

    private static final Map<String, Attr> NET_DM_ATTR = Map.of(
            "ALERT_MODE", new Attr(1, "u8"), "TRUNC_LEN", new Attr(9, "u32"), "QUEUE_LEN", new Attr(11, "u32"),
            "SW_DROPS", new Attr(20, "flag"), "HW_DROPS", new Attr(21, "flag"));

    private static final Pattern SUMMARY = Pattern.compile("^(NET_DM_CMD_\\w+) ver=(\\d+); [^;]*; ?(.*)$");

    private static byte[] frame(MessageBuilder m, int seq) {
        int len = m.finish();
        ByteBuffer wire = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
        NetlinkSocket.frame(m.buffer(), m.start(), len, wire, seq, 0);
        return wire.array();
    }

    /** Builds a NET_DM request from the comment's decoded summary, e.g. "NET_DM_CMD_CONFIG ver=2; ...; ALERT_MODE=1". */
    private static MessageBuilder fromSummary(Entry e) {
        Matcher m = SUMMARY.matcher(e.summary());
        assertTrue(m.matches(), e + ": " + e.summary());
        MessageBuilder b = new MessageBuilder(256).begin(NET_DM_ID_IN_FIXTURES, NLM_F_REQUEST)
                .genl(NET_DM_CMD.get(m.group(1)), Integer.parseInt(m.group(2)));
        String attrs = m.group(3).strip();
        if (attrs.isEmpty()) {
            return b;
        }
        for (String a : attrs.split(", ")) {
            String[] kv = a.split("=");
            Attr attr = NET_DM_ATTR.get(kv[0]);
            assertNotNull(attr, e + ": unknown attribute " + kv[0]);
            String kind = attr.kind();
            if (e.label().contains("1-byte " + kv[0])) {
                kind = "u8"; // the policy-violation request sends this u32 attribute with one byte on purpose
            }
            switch (kind) {
                case "u8":
                    b.u8(attr.type(), Integer.parseInt(kv[1]));
                    break;
                case "u32":
                    b.u32(attr.type(), Integer.parseInt(kv[1]));
                    break;
                case "flag":
                    assertEquals("flag", kv[1]);
                    b.flag(attr.type());
                    break;
                default:
                    fail(kind);
            }
        }
        return b;
    }

    @Test
    void everyNetDmRequestIsByteIdentical() {
        HexFixture f = HexFixture.load("fixtures/netdm/requests.hex");
        assertEquals(28, f.tx().size());
        for (Entry e : f.entries()) {
            assertEquals(Direction.TX, e.direction());
            byte[] ours = frame(fromSummary(e), (int) e.number("seq"));
            assertEquals(HexFormat.of().formatHex(e.bytes()), HexFormat.of().formatHex(ours), e + " " + e.label());
        }
    }

    @Test
    void txMessagesOfTheOtherFixturesAreTheSameRequests() {
        int n = 0;
        for (HexFixture f : HexFixture.loadAll("fixtures/netdm")) {
            if (f.name().equals("ctrl-getfamily.hex")) {
                continue;
            }
            for (Entry e : f.tx()) {
                assertArrayEquals(e.bytes(), frame(fromSummary(e), (int) e.number("seq")), e.toString());
                n++;
            }
        }
        assertTrue(n >= 28 + 10, "requests.hex plus the acks/errors/config/stats requests, got " + n);
    }

    @Test
    void getFamilyRequestIsByteIdentical() {
        // ctrl-getfamily.hex [0]: "CTRL cmd=3 ver=2; len=32 type=0x10 flags=0x5 seq=10074 pid=0; FAMILY_NAME='NET_DM'"
        Entry e = HexFixture.load("fixtures/netdm/ctrl-getfamily.hex").entry(0);
        assertEquals("NET_DM", e.field("FAMILY_NAME").orElseThrow());
        byte[] ours = frame(GenlController.getFamilyRequest("NET_DM"), (int) e.number("seq"));
        assertEquals(HexFormat.of().formatHex(e.bytes()), HexFormat.of().formatHex(ours));
    }

    @Test
    void framingSetsRequestAckSeqAndPortButLeavesDumpsWithoutAck() {
        MessageBuilder plain = new MessageBuilder(64).begin(0x10, 0).genl(3, 2);
        int len = plain.finish();
        ByteBuffer wire = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
        assertFalse(NetlinkSocket.frame(plain.buffer(), 0, len, wire, 41, 4242));
        assertEquals(NLM_F_REQUEST | NLM_F_ACK, NlMsg.flags(wire, 0));
        assertEquals(41, NlMsg.seq(wire, 0));
        assertEquals(4242, NlMsg.pid(wire, 0));
        assertEquals(len, NlMsg.length(wire, 0));

        MessageBuilder dump = new MessageBuilder(64).begin(0x10, NLM_F_DUMP).genl(3, 2);
        len = dump.finish();
        assertTrue(NetlinkSocket.frame(dump.buffer(), 0, len, wire, 42, 1));
        assertEquals(NLM_F_REQUEST | NLM_F_DUMP, NlMsg.flags(wire, 0), "a dump ends at NLMSG_DONE, no ACK asked");

        // the builder's own buffer is not modified by framing
        assertEquals(NLM_F_DUMP, NlMsg.flags(dump.buffer(), 0));
        assertEquals(0, NlMsg.seq(dump.buffer(), 0));
    }

    @Test
    void framingCopiesFromTheMessagesOffset() {
        MessageBuilder m = new MessageBuilder(128);
        int first = m.begin(0x10, 0).string(2, "first").finish();
        int second = m.beginAt(align(first), 0x11, 0).u32(1, 9).finish();
        ByteBuffer wire = ByteBuffer.allocate(second).order(ByteOrder.nativeOrder());
        NetlinkSocket.frame(m.buffer(), m.start(), second, wire, 5, 6);
        assertEquals(0x11, NlMsg.type(wire, 0));
        assertEquals(9, wire.getInt(20));
        assertEquals(List.of(second, 5, 6), List.of(NlMsg.length(wire, 0), NlMsg.seq(wire, 0), NlMsg.pid(wire, 0)));
    }
}
