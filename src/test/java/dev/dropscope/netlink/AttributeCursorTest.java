package dev.dropscope.netlink;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

/**
 * The cursor is tested on hand-laid bytes (struct nlattr: u16 nla_len, u16 nla_type, payload padded to
 * 4), not on MessageBuilder output, so the two halves of the codec do not vouch for each other.
 */
class AttributeCursorTest {

    /** Little helper that lays out raw bytes in native order; deliberately dumb (no alignment logic). */
    private static final class Raw {
        final ByteBuffer b;

        Raw(int size) {
            b = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        }

        Raw u8(int v) {
            b.put((byte) v);
            return this;
        }

        Raw u16(int v) {
            b.putShort((short) v);
            return this;
        }

        Raw u32(int v) {
            b.putInt(v);
            return this;
        }

        Raw u64(long v) {
            b.putLong(v);
            return this;
        }

        Raw bytes(int... v) {
            for (int x : v) {
                b.put((byte) x);
            }
            return this;
        }

        /** A buffer whose limit is exactly what was written: reading past it throws. */
        ByteBuffer done() {
            ByteBuffer out = ByteBuffer.allocate(b.position()).order(ByteOrder.nativeOrder());
            out.put(0, b, 0, b.position());
            return out;
        }
    }

    @Test
    void walksAttributesSkippingPaddingAndReadsEachWidth() throws Exception {
        ByteBuffer b = new Raw(64)
                .u16(5).u16(1).u8(0xfe).bytes(0xaa, 0xaa, 0xaa)       // u8, 3 bytes of padding (garbage: ignored)
                .u16(6).u16(2).u16(0xbeef).bytes(0, 0)                // u16
                .u16(8).u16(3).u32(0xdeadbeef)                        // u32
                .u16(12).u16(4).u64(0x0123456789abcdefL)              // u64
                .u16(4).u16(5)                                        // flag: no payload
                .done();
        AttributeCursor c = new AttributeCursor(b, 0, b.limit());
        assertTrue(c.next());
        assertEquals(1, c.type());
        assertEquals(0, c.offset());
        assertEquals(4, c.payloadOffset());
        assertEquals(1, c.payloadLength());
        assertEquals(0xfe, c.u8());
        assertTrue(c.next());
        assertEquals(2, c.type());
        assertEquals(8, c.offset());
        assertEquals(0xbeef, c.u16());
        assertTrue(c.next());
        assertEquals(3, c.type());
        assertEquals(16, c.offset());
        assertEquals(0xdeadbeef, c.u32());
        assertTrue(c.next());
        assertEquals(4, c.type());
        assertEquals(0x0123456789abcdefL, c.u64());
        assertTrue(c.next());
        assertEquals(5, c.type());
        assertEquals(0, c.payloadLength());
        assertFalse(c.next());
        assertFalse(c.next(), "stays at the end");
    }

    @Test
    void lastAttributeMayOmitItsPadding() throws Exception {
        // the kernel's nla_ok accepts a final attribute whose padding is cut off by the container
        ByteBuffer b = new Raw(16).u16(5).u16(7).u8(9).done();
        AttributeCursor c = new AttributeCursor(b, 0, 5);
        assertTrue(c.next());
        assertEquals(9, c.u8());
        assertFalse(c.next());
    }

    @Test
    void upToThreeTrailingBytesAreIgnoredLikeNlaOk() throws Exception {
        ByteBuffer b = new Raw(16).u16(8).u16(1).u32(42).bytes(1, 2, 3).done();
        AttributeCursor c = new AttributeCursor(b, 0, b.limit());
        assertTrue(c.next());
        assertEquals(42, c.u32());
        assertFalse(c.next());
    }

    @Test
    void lengthBelowHeaderIsMalformed() {
        for (int bad = 0; bad < 4; bad++) {
            ByteBuffer b = new Raw(8).u16(bad).u16(1).u32(0).done();
            AttributeCursor c = new AttributeCursor(b, 0, b.limit());
            MalformedMessageException e = assertThrows(MalformedMessageException.class, c::next);
            assertEquals("attribute at offset 0 claims " + bad + " bytes, 8 left in its container", e.getMessage());
            assertThrows(IllegalStateException.class, c::u8, "no current attribute after a failure");
        }
    }

    @Test
    void lengthPastTheContainerIsMalformedEvenWhenTheBufferGoesOn() {
        // nest of 12 bytes whose inner attribute claims 12: it would run 4 bytes into the next attribute
        ByteBuffer b = new Raw(32)
                .u16(12).u16(NetlinkConstants.NLA_F_NESTED | 1)
                .u16(12).u16(2).u32(7)
                .u16(8).u16(3).u32(99)
                .done();
        AttributeCursor outer = new AttributeCursor(b, 0, b.limit());
        assertDoesNotThrow(outer::next);
        assertTrue(outer.isNested());
        AttributeCursor inner = assertDoesNotThrow(() -> outer.nested());
        MalformedMessageException e = assertThrows(MalformedMessageException.class, inner::next);
        assertEquals("attribute at offset 4 claims 12 bytes, 8 left in its container", e.getMessage());
    }

    @Test
    void nestedWalkStaysInsideItsParent() throws Exception {
        ByteBuffer b = new Raw(64)
                .u16(28).u16(NetlinkConstants.NLA_F_NESTED | 6)
                .u16(8).u16(1).u32(11)
                .u16(16).u16(2)                       // a nest without NLA_F_NESTED (as nlctrl sends OPS)
                .u16(12).u16(1).u64(-1L)
                .u16(8).u16(7).u32(5)
                .done();
        AttributeCursor top = new AttributeCursor(b, 0, b.limit());
        AttributeCursor mid = new AttributeCursor();
        AttributeCursor deep = new AttributeCursor();
        assertTrue(top.next());
        assertEquals(6, top.type(), "the NESTED flag is masked off the type");
        assertTrue(top.isNested());
        top.nested(mid);
        assertTrue(mid.next());
        assertEquals(11, mid.u32());
        assertTrue(mid.next());
        assertFalse(mid.isNested());
        mid.nested(deep);
        assertTrue(deep.next());
        assertEquals(-1L, deep.u64());
        assertFalse(deep.next());
        assertFalse(mid.next(), "the sibling after the nest is not part of it");
        assertTrue(top.next());
        assertEquals(7, top.type());
        assertEquals(5, top.u32());
        assertFalse(top.next());
    }

    @Test
    void netByteOrderFlagSwapsIntegers() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder());
        b.putShort(0, (short) 6).putShort(2, (short) (NetlinkConstants.NLA_F_NET_BYTEORDER | 1));
        b.put(4, (byte) 0x12).put(5, (byte) 0x34);                         // big-endian 0x1234
        b.putShort(8, (short) 8).putShort(10, (short) (NetlinkConstants.NLA_F_NET_BYTEORDER | 2));
        b.put(12, (byte) 0xc0).put(13, (byte) 0xa8).put(14, (byte) 0x00).put(15, (byte) 0x01);
        b.putShort(16, (short) 8).putShort(18, (short) 3);
        b.putInt(20, 0x01020304);
        AttributeCursor c = new AttributeCursor(b, 0, 24);
        assertTrue(c.next());
        assertTrue(c.isNetByteOrder());
        assertEquals(1, c.type());
        assertEquals(0x1234, c.u16());
        assertTrue(c.next());
        assertEquals(0xc0a80001, c.u32());
        assertTrue(c.next());
        assertFalse(c.isNetByteOrder());
        assertEquals(0x01020304, c.u32());
    }

    @Test
    void netByteOrderU64() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
        b.putShort(0, (short) 12).putShort(2, (short) (NetlinkConstants.NLA_F_NET_BYTEORDER | 1));
        for (int i = 0; i < 8; i++) {
            b.put(4 + i, (byte) (i + 1));
        }
        AttributeCursor c = new AttributeCursor(b, 0, 12);
        assertTrue(c.next());
        assertEquals(0x0102030405060708L, c.u64());
    }

    /** A u64 (nla_put_u64) read as a u32 is refused, not cut to its low half; so is every other wrong width. */
    @Test
    void integerGetterOnTooLongPayloadIsMalformed() throws Exception {
        ByteBuffer b = new Raw(28).u16(12).u16(7).u32(1).u32(2).u16(8).u16(8).u32(5).u16(5).u16(9).u8(3).bytes(0, 0, 0)
                .done();
        AttributeCursor c = new AttributeCursor(b, 0, b.limit());
        assertTrue(c.next());
        MalformedMessageException e = assertThrows(MalformedMessageException.class, c::u32);
        assertEquals("attribute type 7 at offset 0 has 8 payload bytes, a u32 has 4", e.getMessage());
        assertThrows(MalformedMessageException.class, c::u16);
        assertThrows(MalformedMessageException.class, c::u8);
        assertEquals(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 0x0000000200000001L : 0x0000000100000002L,
                c.u64());
        assertEquals(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 0x0000000200000001L : 0x0000000100000002L,
                c.uint(), "NLA_UINT: 8 bytes when the value needs them");
        assertTrue(c.next());
        assertEquals(5, c.u32());
        assertEquals(5, c.uint(), "NLA_UINT: 4 bytes when the value fits");
        assertThrows(MalformedMessageException.class, c::u16);
        assertTrue(c.next());
        assertEquals(3, c.u8());
        assertThrows(MalformedMessageException.class, c::uint);
    }

    @Test
    void integerGetterOnTooShortPayloadIsMalformed() throws Exception {
        ByteBuffer b = new Raw(16).u16(5).u16(9).u8(1).bytes(0, 0, 0).u16(8).u16(10).u32(3).done();
        AttributeCursor c = new AttributeCursor(b, 0, b.limit());
        assertTrue(c.next());
        assertEquals(1, c.u8());
        MalformedMessageException e = assertThrows(MalformedMessageException.class, c::u16);
        assertEquals("attribute type 9 at offset 0 has 1 payload bytes, needs 2", e.getMessage());
        assertThrows(MalformedMessageException.class, c::u32);
        assertThrows(MalformedMessageException.class, c::u64);
        assertTrue(c.next());
        assertThrows(MalformedMessageException.class, c::u64);
        assertEquals(3, c.u32());
    }

    @Test
    void stringsStopAtNulOrAtTheEndOfThePayload() throws Exception {
        ByteBuffer b = new Raw(64)
                .u16(8).u16(1).bytes('e', 't', 'h', 0)                        // "eth" NUL-terminated
                .u16(7).u16(2).bytes('a', 'b', 'c').u8(0xee)                  // no NUL; the pad byte is not read
                .u16(4).u16(3)                                                 // empty payload
                .u16(9).u16(4).bytes('x', 0, 'y', 'z', 0).bytes(0, 0, 0)      // stops at the first NUL
                .u16(8).u16(5).bytes(0xc3, 0xa9, 't', 0)                      // UTF-8 "ét"
                .done();
        AttributeCursor c = new AttributeCursor(b, 0, b.limit());
        assertTrue(c.next());
        assertEquals("eth", c.string());
        assertTrue(c.next());
        assertEquals("abc", c.string());
        assertTrue(c.next());
        assertEquals("", c.string());
        assertTrue(c.next());
        assertEquals("x", c.string());
        assertTrue(c.next());
        assertEquals("\u00e9t", c.string());
    }

    @Test
    void bytesIsACopyOfExactlyThePayload() throws Exception {
        ByteBuffer b = new Raw(16).u16(7).u16(1).bytes(1, 2, 3, 0x55).done();
        AttributeCursor c = new AttributeCursor(b, 0, b.limit());
        assertTrue(c.next());
        byte[] p = c.bytes();
        assertArrayEquals(new byte[] {1, 2, 3}, p);
        p[0] = 9;
        assertEquals(1, c.bytes()[0]);
    }

    @Test
    void gettersBeforeNextAreAProgrammingError() {
        AttributeCursor c = new AttributeCursor(ByteBuffer.allocate(8), 0, 8);
        assertThrows(IllegalStateException.class, c::u32);
    }

    @Test
    void regionOutsideTheBufferIsRejected() {
        ByteBuffer b = ByteBuffer.allocate(8);
        assertThrows(IllegalArgumentException.class, () -> new AttributeCursor(b, 0, 9));
        assertThrows(IllegalArgumentException.class, () -> new AttributeCursor(b, -1, 4));
        assertThrows(IllegalArgumentException.class, () -> new AttributeCursor(b, 5, 4));
    }

    @Test
    void resetReusesTheCursor() throws Exception {
        ByteBuffer b = new Raw(16).u16(8).u16(1).u32(1).u16(8).u16(2).u32(2).done();
        AttributeCursor c = new AttributeCursor(b, 0, 16);
        assertTrue(c.next());
        assertTrue(c.next());
        c.reset(b, 8, 16);
        assertTrue(c.next());
        assertEquals(2, c.type());
        assertEquals(8, c.offset());
        assertFalse(c.next());
    }

    @Test
    void walkingAndReadingIntegersDoesNotAllocate() throws Exception {
        // "zero-allocation attribute cursor" (the Foundation issue): measured with the JVM's per-thread
        // allocation counter, not with time. 64 attributes x 2000 walks; one allocation per attribute
        // would be at least 16 bytes x 128,000.
        Raw r = new Raw(64 * 8);
        for (int i = 0; i < 64; i++) {
            r.u16(8).u16(i).u32(i * 3);
        }
        ByteBuffer b = r.done();
        AttributeCursor c = new AttributeCursor();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = walk(c, b, 2000); // warm up (class loading, interpreter profiles)
        long before = mx.getCurrentThreadAllocatedBytes();
        sum += walk(c, b, 2000);
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertEquals(2 * 2000L * (3L * 63 * 64 / 2), sum);
        assertTrue(allocated < 4096, "walking allocated " + allocated + " bytes");
    }

    private static long walk(AttributeCursor c, ByteBuffer b, int times) throws MalformedMessageException {
        long sum = 0;
        for (int t = 0; t < times; t++) {
            c.reset(b, 0, b.limit());
            while (c.next()) {
                sum += c.u32();
            }
        }
        return sum;
    }
}
