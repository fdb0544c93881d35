package dev.dropscope.netlink;

import static dev.dropscope.netlink.NetlinkConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

class MessageBuilderTest {

    /** A builder over a buffer pre-filled with 0xff, so every byte the builder leaves unwritten shows. */
    private static MessageBuilder dirty(int capacity) {
        ByteBuffer b = ByteBuffer.allocate(capacity).order(ByteOrder.nativeOrder());
        for (int i = 0; i < capacity; i++) {
            b.put(i, (byte) 0xff);
        }
        return new MessageBuilder(b);
    }

    private static byte[] bytes(MessageBuilder m, int len) {
        byte[] out = new byte[len];
        m.buffer().get(m.start(), out, 0, len);
        return out;
    }

    /** Little-endian hex, written out by hand from struct nlmsghdr / genlmsghdr / nlattr. */
    private static byte[] hex(String s) {
        s = s.replace(" ", "");
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    @Test
    void headerOnly() {
        assumeLittleEndian();
        MessageBuilder m = dirty(64).begin(0x1234, NLM_F_REQUEST | NLM_F_DUMP);
        assertEquals(16, m.finish());
        // len=16, type=0x1234, flags=0x301, seq=0, pid=0
        assertArrayEquals(hex("10000000 3412 0103 00000000 00000000"), bytes(m, 16));
    }

    @Test
    void genlHeaderAndEveryAttributeWidthWithZeroedPadding() {
        assumeLittleEndian();
        MessageBuilder m = dirty(128).begin(0x23, NLM_F_REQUEST).genl(2, 2)
                .u8(1, 0x7f)
                .u16(6, 0x86dd)
                .u32(9, 64)
                .u64(2, 0xffffffff83378f65L)
                .flag(20);
        int len = m.finish();
        assertEquals(16 + 4 + 8 + 8 + 8 + 12 + 4, len);
        assertArrayEquals(hex("3c000000 2300 0100 00000000 00000000"
                + "02020000"
                + "0500 0100 7f000000"
                + "0600 0600 dd860000"
                + "0800 0900 40000000"
                + "0c00 0200 658f3783ffffffff"
                + "0400 1400"), bytes(m, len));
    }

    @Test
    void stringsAreNulTerminatedAndPadded() {
        assumeLittleEndian();
        MessageBuilder m = dirty(128).begin(0x10, NLM_F_REQUEST)
                .string(2, "")          // len 5: just the NUL, 3 bytes of padding
                .string(2, "abc")       // len 8: no padding
                .string(2, "abcd")      // len 9: 3 bytes of padding
                .string(2, "\u00e9");    // UTF-8: 2 bytes + NUL, len 7
        int len = m.finish();
        assertEquals(16 + 8 + 8 + 12 + 8, len);
        assertArrayEquals(hex("0500 0200 00000000"
                + "0800 0200 61626300"
                + "0900 0200 6162636400000000"
                + "0700 0200 c3a90000"), Arrays.copyOfRange(bytes(m, len), 16, len));
    }

    @Test
    void bytesOfOddLengthArePadded() {
        assumeLittleEndian();
        MessageBuilder m = dirty(64).begin(0x10, 0).bytes(7, new byte[] {1, 2, 3, 4, 5});
        int len = m.finish();
        assertEquals(16 + 12, len);
        assertArrayEquals(hex("0900 0700 0102030405000000"), Arrays.copyOfRange(bytes(m, len), 16, len));
    }

    @Test
    void nestsCarryNlaFNestedAndTheirWholeLength() {
        assumeLittleEndian();
        MessageBuilder m = dirty(128).begin(0x15, NLM_F_REQUEST).genl(2, 1);
        int header = m.beginNested(1);
        m.string(2, "lo");
        int inner = m.beginNested(3);
        m.u32(1, 5);
        m.endNested(inner);
        int empty = m.beginNested(4);
        m.endNested(empty);
        m.endNested(header);
        int len = m.finish();
        assertEquals(20, header);
        assertArrayEquals(hex("1c00 0180"                 // outer: 4 + 8 + 12 + 4 = 28
                + "0700 0200 6c6f0000"
                + "0c00 0380 0800 0100 05000000"
                + "0400 0480"), Arrays.copyOfRange(bytes(m, len), 20, len));
    }

    @Test
    void roundTripsThroughTheCursor() throws Exception {
        MessageBuilder m = new MessageBuilder(512).begin(0x30, NLM_F_REQUEST).genl(9, 3);
        m.u8(1, 0xff).u16(2, 0xffff).u32(3, 0xffffffff).u64(4, Long.MIN_VALUE).flag(5).string(6, "ds-\u2603");
        int nest = m.beginNested(7);
        for (int i = 0; i < 5; i++) {
            int entry = m.beginNested(i + 1);
            m.u32(1, i * 100).string(2, "e" + i);
            m.endNested(entry);
        }
        m.endNested(nest);
        m.bytes(8, new byte[] {9, 8, 7});
        int len = m.finish();

        ByteBuffer b = m.buffer();
        assertEquals(len, NlMsg.checkedLength(b, 0, len));
        assertEquals(0x30, NlMsg.type(b, 0));
        assertEquals(NLM_F_REQUEST, NlMsg.flags(b, 0));
        assertEquals(9, b.get(16));
        assertEquals(3, b.get(17));
        AttributeCursor c = new AttributeCursor(b, 20, len);
        assertTrue(c.next());
        assertEquals(0xff, c.u8());
        assertTrue(c.next());
        assertEquals(0xffff, c.u16());
        assertTrue(c.next());
        assertEquals(0xffffffff, c.u32());
        assertTrue(c.next());
        assertEquals(Long.MIN_VALUE, c.u64());
        assertTrue(c.next());
        assertEquals(5, c.type());
        assertEquals(0, c.payloadLength());
        assertTrue(c.next());
        assertEquals("ds-\u2603", c.string());
        assertTrue(c.next());
        assertEquals(7, c.type());
        assertTrue(c.isNested());
        AttributeCursor list = c.nested();
        AttributeCursor entry = new AttributeCursor();
        for (int i = 0; i < 5; i++) {
            assertTrue(list.next());
            assertEquals(i + 1, list.type());
            list.nested(entry);
            assertTrue(entry.next());
            assertEquals(i * 100, entry.u32());
            assertTrue(entry.next());
            assertEquals("e" + i, entry.string());
            assertFalse(entry.next());
        }
        assertFalse(list.next());
        assertTrue(c.next());
        assertArrayEquals(new byte[] {9, 8, 7}, c.bytes());
        assertFalse(c.next());
    }

    @Test
    void reserveAddsAZeroedAlignedFamilyHeader() {
        MessageBuilder m = dirty(64).begin(18, NLM_F_REQUEST);
        int ifinfomsg = m.reserve(16);
        assertEquals(16, ifinfomsg);
        int odd = m.reserve(3);
        assertEquals(32, odd);
        m.u32(3, 1);
        int len = m.finish();
        assertEquals(16 + 16 + 4 + 8, len);
        byte[] all = bytes(m, len);
        for (int i = 16; i < 36; i++) {
            assertEquals(0, all[i], "byte " + i);
        }
    }

    @Test
    void beginAtBatchesMessagesAndBeginStartsOver() throws Exception {
        MessageBuilder m = dirty(128);
        int first = m.begin(0x10, NLM_F_REQUEST).genl(3, 1).string(2, "nlctrl").finish();
        int at = align(first);
        int second = m.beginAt(at, 0x11, NLM_F_REQUEST).u32(1, 7).finish();
        assertEquals(at, m.start());
        ByteBuffer b = m.buffer();
        int end = at + second;
        assertEquals(first, NlMsg.checkedLength(b, 0, end));
        int next = NlMsg.next(0, first, end);
        assertEquals(at, next);
        assertEquals(second, NlMsg.checkedLength(b, next, end));
        assertEquals(0x11, NlMsg.type(b, next));
        assertEquals(0, NlMsg.seq(b, next));
        assertEquals(0, NlMsg.pid(b, next));

        assertEquals(16, m.begin(0x12, 0).finish(), "begin starts a fresh message at offset 0");
        assertEquals(0, m.start());
    }

    @Test
    void overflowingTheBufferThrowsInsteadOfWritingPastIt() {
        MessageBuilder m = new MessageBuilder(24).begin(0x10, 0);
        m.u32(1, 1);
        assertThrows(BufferOverflowException.class, () -> m.u8(2, 1));
        assertThrows(BufferOverflowException.class, () -> new MessageBuilder(8).begin(0x10, 0));
    }

    @Test
    void anAttributeLongerThanNlaLenCanSayIsRefused() {
        // nla_len is a u16: 65535 - 4 payload bytes at most; a longer payload must not wrap into a lie
        MessageBuilder m = new MessageBuilder(200_000).begin(0x10, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.bytes(1, new byte[65532]));
        assertTrue(e.getMessage().contains("65536"), e.getMessage());
        m.bytes(1, new byte[65531]);
        assertEquals(16 + 65536, m.finish());
        assertEquals(0xffff, Short.toUnsignedInt(m.buffer().getShort(16)));
    }

    @Test
    void aNestLongerThanNlaLenCanSayIsRefused() {
        MessageBuilder m = new MessageBuilder(200_000).begin(0x10, 0);
        int nest = m.beginNested(1);
        m.bytes(2, new byte[40_000]);
        m.bytes(2, new byte[40_000]);
        assertThrows(IllegalArgumentException.class, () -> m.endNested(nest));
    }

    @Test
    void aForeignOrderBufferStillGetsNativeOrderMessages() throws Exception {
        // ByteBuffer.allocate is big-endian; netlink is host order
        ByteBuffer big = ByteBuffer.allocate(64);
        MessageBuilder m = new MessageBuilder(big).begin(0x10, NLM_F_REQUEST).u32(1, 0x01020304);
        int len = m.finish();
        ByteBuffer nat = ByteBuffer.wrap(big.array()).order(ByteOrder.nativeOrder());
        assertEquals(len, NlMsg.checkedLength(nat, 0, 64));
        assertEquals(0x10, NlMsg.type(nat, 0));
        AttributeCursor c = new AttributeCursor(nat, 16, len);
        assertTrue(c.next());
        assertEquals(0x01020304, c.u32());
    }

    private static void assumeLittleEndian() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN,
                "expected bytes are written out for little-endian hosts (x86-64, aarch64)");
    }
}
