package dev.dropscope.netlink;

import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.testutil.HexFixture;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

class NlMsgTest {

    private static ByteBuffer header(int len, int type, int flags, int seq, int pid, int size) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        b.putInt(0, len).putShort(4, (short) type).putShort(6, (short) flags).putInt(8, seq).putInt(12, pid);
        return b;
    }

    @Test
    void readsHeaderFieldsOfARealReply() throws Exception {
        // ctrl-getfamily.hex [1]: "len=196 type=0x10 flags=0x0 seq=10074 pid=179"
        HexFixture.Entry e = HexFixture.load("fixtures/netdm/ctrl-getfamily.hex").entry(1);
        ByteBuffer b = e.buffer();
        assertEquals(196, NlMsg.checkedLength(b, 0, b.limit()));
        assertEquals(196, NlMsg.length(b, 0));
        assertEquals(0x10, NlMsg.type(b, 0));
        assertEquals(0, NlMsg.flags(b, 0));
        assertEquals(10074, NlMsg.seq(b, 0));
        assertEquals(179, NlMsg.pid(b, 0));
    }

    @Test
    void typeAndFlagsAreUnsigned() {
        ByteBuffer b = header(16, 0xfffe, 0x8301, -1, -2, 16);
        assertEquals(0xfffe, NlMsg.type(b, 0));
        assertEquals(0x8301, NlMsg.flags(b, 0));
        assertEquals(-1, NlMsg.seq(b, 0));
        assertEquals(-2, NlMsg.pid(b, 0));
    }

    @Test
    void truncatedHeaderIsMalformed() {
        ByteBuffer b = header(16, 0x10, 0, 0, 0, 16);
        for (int end = 0; end < 16; end++) {
            int e = end;
            MalformedMessageException x = assertThrows(MalformedMessageException.class, () -> NlMsg.checkedLength(b, 0, e));
            assertEquals("netlink header truncated: " + end + " of 16 bytes at offset 0", x.getMessage());
        }
    }

    @Test
    void lengthsThatLieAreMalformed() throws Exception {
        for (int len : new int[] {0, 1, 15, 33, 0x7fffffff, 0x80000000, -16, -1}) {
            ByteBuffer b = header(len, 0x10, 0, 0, 0, 32);
            MalformedMessageException x = assertThrows(MalformedMessageException.class, () -> NlMsg.checkedLength(b, 0, 32));
            assertEquals("netlink message at offset 0 claims " + Integer.toUnsignedString(len) + " bytes, 32 available",
                    x.getMessage());
        }
        assertEquals(32, NlMsg.checkedLength(header(32, 0x10, 0, 0, 0, 32), 0, 32));
        assertEquals(16, NlMsg.checkedLength(header(16, 0x10, 0, 0, 0, 32), 0, 32));
    }

    @Test
    void checkedLengthIsRelativeToTheMessageOffset() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(48).order(ByteOrder.nativeOrder());
        b.putInt(20, 28);
        assertEquals(28, NlMsg.checkedLength(b, 20, 48));
        b.putInt(20, 29);
        assertThrows(MalformedMessageException.class, () -> NlMsg.checkedLength(b, 20, 48));
        assertThrows(MalformedMessageException.class, () -> NlMsg.checkedLength(b, 40, 48));
    }

    @Test
    void nextAlignsAndNeverPassesTheEnd() {
        assertEquals(20, NlMsg.next(0, 20, 100));
        assertEquals(24, NlMsg.next(0, 21, 100));
        assertEquals(124, NlMsg.next(100, 21, 200));
        assertEquals(22, NlMsg.next(0, 21, 22), "a last message without its padding ends the datagram");
    }

    @Test
    void walksADatagramOfSeveralRealMessages() throws Exception {
        HexFixture f = HexFixture.load("fixtures/netdm/config-get-default.hex");
        byte[] all = f.concatenated();
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.nativeOrder());
        int at = 0;
        int i = 0;
        while (at < b.limit()) {
            int len = NlMsg.checkedLength(b, at, b.limit());
            HexFixture.Entry e = f.entry(i++);
            assertEquals(e.number("len"), len);
            assertEquals(e.number("type"), NlMsg.type(b, at));
            assertEquals(e.number("flags"), NlMsg.flags(b, at));
            assertEquals(e.number("seq"), NlMsg.seq(b, at));
            assertEquals(e.number("pid"), NlMsg.pid(b, at));
            at = NlMsg.next(at, len, b.limit());
        }
        assertEquals(f.entries().size(), i);
    }
}
