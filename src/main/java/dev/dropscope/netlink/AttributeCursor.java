package dev.dropscope.netlink;

import static dev.dropscope.netlink.NetlinkConstants.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Walks the attributes in {@code [start, end)} of a buffer without allocating: {@link #next()} moves to
 * the next attribute and the getters read its payload. Every length is checked against the region, so a
 * lying nla_len gives a {@link MalformedMessageException}, never a read outside the message or a loop.
 * A cursor is reusable ({@link #reset}) and not thread-safe.
 */
public final class AttributeCursor {
    private ByteBuffer buf;
    private int next;
    private int end;
    private int at = -1;
    private int rawType;
    private int payloadLength;

    public AttributeCursor() {
    }

    public AttributeCursor(ByteBuffer b, int start, int end) {
        reset(b, start, end);
    }

    /** Points the cursor before the first attribute of {@code [start, end)}. */
    public AttributeCursor reset(ByteBuffer b, int start, int end) {
        if (start < 0 || end > b.limit() || start > end) {
            throw new IllegalArgumentException("attribute region [" + start + ", " + end + ") outside the buffer");
        }
        this.buf = b;
        this.next = start;
        this.end = end;
        this.at = -1;
        return this;
    }

    /**
     * Advances to the next attribute. Returns false at the end of the region (up to 3 bytes of trailing
     * padding are tolerated, as the kernel's nla_ok does).
     */
    public boolean next() throws MalformedMessageException {
        int remaining = end - next;
        if (remaining < NLA_HDRLEN) {
            at = -1;
            return false;
        }
        int len = Short.toUnsignedInt(buf.getShort(next));
        if (len < NLA_HDRLEN || len > remaining) {
            at = -1;
            throw new MalformedMessageException("attribute at offset " + next + " claims " + len + " bytes, "
                    + remaining + " left in its container");
        }
        at = next;
        rawType = Short.toUnsignedInt(buf.getShort(next + 2));
        payloadLength = len - NLA_HDRLEN;
        next = Math.min(end, next + align(len));
        return true;
    }

    /** The attribute type without the NESTED and NET_BYTEORDER flags. */
    public int type() {
        return rawType & NLA_TYPE_MASK;
    }

    public boolean isNested() {
        return (rawType & NLA_F_NESTED) != 0;
    }

    public boolean isNetByteOrder() {
        return (rawType & NLA_F_NET_BYTEORDER) != 0;
    }

    /** Offset of the current attribute's header in the buffer. */
    public int offset() {
        return at;
    }

    public int payloadOffset() {
        return at + NLA_HDRLEN;
    }

    public int payloadLength() {
        return payloadLength;
    }

    public ByteBuffer buffer() {
        return buf;
    }

    private int need(int size) throws MalformedMessageException {
        if (at < 0) {
            throw new IllegalStateException("no current attribute");
        }
        if (payloadLength < size) {
            throw new MalformedMessageException("attribute type " + type() + " at offset " + at + " has "
                    + payloadLength + " payload bytes, needs " + size);
        }
        return at + NLA_HDRLEN;
    }

    /**
     * The payload of a fixed-width integer: exactly {@code size} bytes, as nla_put_u8/16/32/64 write it.
     * A longer one is refused, not cut: a u64 read as a u32 would silently lose its high half.
     */
    private int exactly(int size) throws MalformedMessageException {
        int p = need(size);
        if (payloadLength != size) {
            throw new MalformedMessageException("attribute type " + type() + " at offset " + at + " has "
                    + payloadLength + " payload bytes, a u" + (8 * size) + " has " + size);
        }
        return p;
    }

    public int u8() throws MalformedMessageException {
        return Byte.toUnsignedInt(buf.get(exactly(1)));
    }

    public int u16() throws MalformedMessageException {
        int v = Short.toUnsignedInt(buf.getShort(exactly(2)));
        return isNetByteOrder() ? Integer.reverseBytes(v) >>> 16 : v;
    }

    /** u32 as a Java int (use Integer.toUnsignedLong where the high bit matters). */
    public int u32() throws MalformedMessageException {
        int v = buf.getInt(exactly(4));
        return isNetByteOrder() ? Integer.reverseBytes(v) : v;
    }

    public long u64() throws MalformedMessageException {
        long v = buf.getLong(exactly(8));
        return isNetByteOrder() ? Long.reverseBytes(v) : v;
    }

    /**
     * NLA_UINT (nla_put_uint, kernel 6.8+): 4 bytes when the value fits, 8 otherwise; the only integer
     * whose width the reader cannot know in advance.
     */
    public long uint() throws MalformedMessageException {
        if (need(4) >= 0 && payloadLength == 4) {
            return Integer.toUnsignedLong(u32());
        }
        return u64();
    }

    /**
     * A NUL-terminated string attribute; without a NUL the whole payload is the string (the kernel
     * always sends one, but a hostile message need not).
     */
    public String string() throws MalformedMessageException {
        int p = need(0);
        int n = 0;
        while (n < payloadLength && buf.get(p + n) != 0) {
            n++;
        }
        byte[] bytes = new byte[n];
        buf.get(p, bytes, 0, n);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A copy of the payload. */
    public byte[] bytes() throws MalformedMessageException {
        int p = need(0);
        byte[] bytes = new byte[payloadLength];
        buf.get(p, bytes, 0, payloadLength);
        return bytes;
    }

    /** Points {@code into} at the attributes inside the current (nested) attribute. */
    public AttributeCursor nested(AttributeCursor into) throws MalformedMessageException {
        int p = need(0);
        return into.reset(buf, p, p + payloadLength);
    }

    /** A new cursor over the current attribute's payload. */
    public AttributeCursor nested() throws MalformedMessageException {
        return nested(new AttributeCursor());
    }
}
