package dev.dropscope.netlink;

import static dev.dropscope.netlink.NetlinkConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.sys.Errno;
import dev.dropscope.testutil.HexFixture;
import dev.dropscope.testutil.HexFixture.Direction;
import dev.dropscope.testutil.HexFixture.Entry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * NLMSG_ERROR decoding against the real drop-monitor captures: acks.hex and errors.hex (CAP_ACK was
 * off for the capture, so errors echo the whole request; ACKs are capped by the kernel anyway).
 */
class NetlinkErrorTest {
    private static final HexFixture ACKS = HexFixture.load("fixtures/netdm/acks.hex");
    private static final HexFixture ERRORS = HexFixture.load("fixtures/netdm/errors.hex");
    private static final Pattern ERROR = Pattern.compile("^NLMSG_ERROR (?:ACK|ERROR (-\\d+) \\((\\w+)\\));");

    private static NetlinkError parse(Entry e) throws MalformedMessageException {
        ByteBuffer b = e.buffer();
        int len = NlMsg.checkedLength(b, 0, b.limit());
        assertEquals(NLMSG_ERROR, NlMsg.type(b, 0));
        return NetlinkError.parse(b, 0, len);
    }

    /** Every reply of both files, checked against its comment and against the request it answers. */
    @Test
    void everyReplyMatchesTheIndependentDecoder() throws Exception {
        int checked = 0;
        for (HexFixture f : List.of(ACKS, ERRORS)) {
            List<Entry> entries = f.entries();
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                if (e.direction() != Direction.RX) {
                    continue;
                }
                Matcher m = ERROR.matcher(e.summary());
                assertTrue(m.find(), e + ": " + e.summary());
                Entry request = entries.get(i - 1);
                assertEquals(Direction.TX, request.direction());
                assertEquals("reply to " + request.label(), e.label());

                NetlinkError err = parse(e);
                int expectedErrno = m.group(1) == null ? 0 : -Integer.parseInt(m.group(1));
                assertEquals(expectedErrno, err.errno(), e.toString());
                assertEquals(expectedErrno == 0, err.isAck());
                assertEquals(request.number("type"), err.requestType(), e.toString());
                assertEquals(request.number("seq"), err.requestSeq(), e.toString());
                assertEquals(e.field("MSG").orElse(null), err.extackMessage(), e.toString());
                assertEquals(e.field("OFFS").map(Integer::parseInt).orElse(-1), err.extackOffset(), e.toString());
                assertEquals(-1, err.missingType(), e.toString());
                checked++;
            }
        }
        assertEquals(10 + 5, checked);
    }

    @Test
    void startWhileRunningIsEagainWithTheDropMonitorsMessage() throws Exception {
        // errors.hex [1]: "NLMSG_ERROR ERROR -11 (EAGAIN); ... flags=0x200 ... echoed request 24 bytes;
        //                  ext_ack: MSG='drop_monitor: Trace state already set to requested state'"
        NetlinkError e = parse(ERRORS.entry(1));
        assertEquals(Errno.EAGAIN, e.errno());
        assertEquals(11, e.errno());
        assertEquals("drop_monitor: Trace state already set to requested state", e.extackMessage());
        assertEquals(-1, e.extackOffset());
        assertEquals(0x23, e.requestType());
        assertEquals(10081, e.requestSeq());
    }

    @Test
    void configWhileMonitoringIsEbusy() throws Exception {
        // errors.hex [3]: "ERROR -16 (EBUSY) ... MSG='drop_monitor: Cannot configure drop monitor during monitoring'"
        NetlinkError e = parse(ERRORS.entry(3));
        assertEquals(Errno.EBUSY, e.errno());
        assertEquals("drop_monitor: Cannot configure drop monitor during monitoring", e.extackMessage());
        NetlinkException x = new NetlinkException("NET_DM_CMD_CONFIG", e);
        assertEquals(Errno.EBUSY, x.errno());
        assertEquals("drop_monitor: Cannot configure drop monitor during monitoring", x.extackMessage());
        assertEquals("NET_DM_CMD_CONFIG: Device or resource busy (EBUSY): "
                + "drop_monitor: Cannot configure drop monitor during monitoring", x.getMessage());
    }

    @Test
    void invalidAlertModeIsEinval() throws Exception {
        // errors.hex [5]: "ERROR -22 (EINVAL) ... MSG='drop_monitor: Invalid alert mode'"
        NetlinkError e = parse(ERRORS.entry(5));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("drop_monitor: Invalid alert mode", e.extackMessage());
        assertEquals(-1, e.extackOffset());
    }

    @Test
    void policyViolationCarriesMessageAndOffsetOfTheBadAttribute() throws Exception {
        // errors.hex [7]: "ERROR -22 (EINVAL) ... MSG='invalid attribute length', OFFS=20, POLICY=..."
        NetlinkError e = parse(ERRORS.entry(7));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("invalid attribute length", e.extackMessage());
        assertEquals(20, e.extackOffset());
        // offset 20 of the request (errors.hex [6]) is its only attribute: 16 nlmsghdr + 4 genlmsghdr,
        // the 1-byte TRUNC_LEN (type 9) the policy refused
        ByteBuffer req = ERRORS.entry(6).buffer();
        assertEquals(5, Short.toUnsignedInt(req.getShort(20)));
        assertEquals(9, Short.toUnsignedInt(req.getShort(22)));
        assertEquals("NET_DM_CMD_CONFIG: Invalid argument (EINVAL): invalid attribute length (attribute at offset 20)",
                new NetlinkException("NET_DM_CMD_CONFIG", e).getMessage());
    }

    @Test
    void alertFromUserSpaceIsEopnotsuppWithoutExtack() throws Exception {
        // errors.hex [9]: "ERROR -95 (ENOTSUP); len=40 ... flags=0x0 ... echoed request 20 bytes" (ENOTSUP == EOPNOTSUPP)
        NetlinkError e = parse(ERRORS.entry(9));
        assertEquals(Errno.EOPNOTSUPP, e.errno());
        assertNull(e.extackMessage());
        assertEquals(-1, e.extackOffset());
        assertEquals(-1, e.missingType());
        assertEquals(10099, e.requestSeq());
        assertEquals("NET_DM_CMD_ALERT: Operation not supported (EOPNOTSUPP)",
                new NetlinkException("NET_DM_CMD_ALERT", e).getMessage());
    }

    @Test
    void ackMayCarryAWarning() throws Exception {
        // acks.hex [7]: "NLMSG_ERROR ACK; len=100 type=0x2 flags=0x300 ... echoed request 16 bytes;
        //                ext_ack: MSG='drop_monitor: Trace state already set to requested state'"
        NetlinkError e = parse(ACKS.entry(7));
        assertTrue(e.isAck());
        assertEquals(0, e.errno());
        assertEquals("drop_monitor: Trace state already set to requested state", e.extackMessage());
        assertEquals(10084, e.requestSeq());
        // and a plain ACK (acks.hex [1], flags=0x100) has none
        NetlinkError plain = parse(ACKS.entry(1));
        assertTrue(plain.isAck());
        assertNull(plain.extackMessage());
        assertEquals(10079, plain.requestSeq());
    }

    /** Capped error with MISS_TYPE/MISS_NEST, laid out by hand from struct nlmsgerr and enum nlmsgerr_attrs. */
    @Test
    void missingAttributeType() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(52).order(ByteOrder.nativeOrder());
        b.putInt(0, 52).putShort(4, (short) NLMSG_ERROR).putShort(6, (short) (NLM_F_CAPPED | NLM_F_ACK_TLVS))
                .putInt(8, 77).putInt(12, 0);
        b.putInt(16, -Errno.EINVAL);
        b.putInt(20, 40).putShort(24, (short) 0x14).putShort(26, (short) 5).putInt(28, 77).putInt(32, 1234);
        b.putShort(36, (short) 8).putShort(38, (short) NLMSGERR_ATTR_MISS_TYPE).putInt(40, 3);
        b.putShort(44, (short) 8).putShort(46, (short) NLMSGERR_ATTR_MISS_NEST).putInt(48, 20);
        NetlinkError e = NetlinkError.parse(b, 0, 52);
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals(0x14, e.requestType());
        assertEquals(77, e.requestSeq());
        assertEquals(3, e.missingType());
        assertNull(e.extackMessage());
        assertEquals("X: Invalid argument (EINVAL): (missing attribute 3)", new NetlinkException("X", e).getMessage());
    }

    /** NLMSG_DONE: nlmsghdr, int error, then ext-ack TLVs when NLM_F_ACK_TLVS (laid out by hand). */
    private static ByteBuffer done(int error, int flags, String msg, int offs) {
        byte[] m = msg == null ? new byte[0] : (msg + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int len = 20 + (msg == null ? 0 : align(4 + m.length)) + (offs < 0 ? 0 : 8);
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
        b.putInt(0, len).putShort(4, (short) NLMSG_DONE).putShort(6, (short) (NLM_F_MULTI | flags)).putInt(8, 4711);
        b.putInt(16, error);
        int at = 20;
        if (msg != null) {
            b.putShort(at, (short) (4 + m.length)).putShort(at + 2, (short) NLMSGERR_ATTR_MSG).put(at + 4, m);
            at += align(4 + m.length);
        }
        if (offs >= 0) {
            b.putShort(at, (short) 8).putShort(at + 2, (short) NLMSGERR_ATTR_OFFS).putInt(at + 4, offs);
        }
        return b;
    }

    @Test
    void doneOfASuccessfulDumpIsNoError() throws Exception {
        for (ByteBuffer b : List.of(done(0, 0, null, -1), done(17, 0, null, -1))) {
            NetlinkError d = NetlinkError.parseDone(b, 0, b.limit(), 18);
            assertTrue(d.isAck());
            assertEquals(18, d.requestType());
            assertEquals(4711, d.requestSeq());
        }
        // a DONE with no payload at all (the codec must not read an errno that is not there)
        ByteBuffer bare = done(0, 0, null, -1);
        assertTrue(NetlinkError.parseDone(bare, 0, 16, 18).isAck());
    }

    @Test
    void doneOfAFailedDumpCarriesErrnoMessageAndOffset() throws Exception {
        ByteBuffer b = done(-Errno.EINVAL, NLM_F_ACK_TLVS, "Invalid target network namespace id", 32);
        NetlinkError d = NetlinkError.parseDone(b, 0, b.limit(), 18);
        assertEquals(Errno.EINVAL, d.errno());
        assertEquals("Invalid target network namespace id", d.extackMessage());
        assertEquals(32, d.extackOffset());
        assertEquals(18, d.requestType());
        // without NLM_F_ACK_TLVS the bytes after the errno are not TLVs
        ByteBuffer plain = done(-Errno.EINVAL, 0, "ignored", -1);
        assertNull(NetlinkError.parseDone(plain, 0, plain.limit(), 18).extackMessage());
        assertThrows(MalformedMessageException.class, () -> NetlinkError.parseDone(done(-5000, 0, null, -1), 0, 20, 18));
        ByteBuffer lying = done(-Errno.EINVAL, NLM_F_ACK_TLVS, "abc", -1);
        lying.putShort(20, (short) 200);
        assertThrows(MalformedMessageException.class, () -> NetlinkError.parseDone(lying, 0, lying.limit(), 18));
    }

    @Test
    void impossibleOrShortErrorsAreMalformed() {
        Entry ack = ACKS.entry(1);
        List<ByteBuffer> bad = new ArrayList<>();
        ByteBuffer positive = ack.buffer();
        positive.putInt(16, 5);
        bad.add(positive);
        ByteBuffer huge = ack.buffer();
        huge.putInt(16, -4096);
        bad.add(huge);
        for (ByteBuffer b : bad) {
            assertThrows(MalformedMessageException.class, () -> NetlinkError.parse(b, 0, b.limit()));
        }
        ByteBuffer b = ack.buffer();
        for (int len = 0; len < 36; len++) {
            int l = len;
            MalformedMessageException x = assertThrows(MalformedMessageException.class, () -> NetlinkError.parse(b, 0, l));
            assertEquals("NLMSG_ERROR of " + len + " bytes is shorter than struct nlmsgerr", x.getMessage());
        }
    }

    @Test
    void echoedRequestThatDoesNotFitIsMalformed() {
        // errors.hex [1] echoes 24 bytes uncapped, then TLVs: make the echoed nlmsg_len lie
        for (int lie : new int[] {0, 15, 200, 0x7ffffffd, 0x7fffffff, -1, Integer.MIN_VALUE}) {
            ByteBuffer b = ERRORS.entry(1).buffer();
            b.putInt(20, lie);
            assertThrows(MalformedMessageException.class, () -> NetlinkError.parse(b, 0, b.limit()), "echoed len " + lie);
        }
    }
}
