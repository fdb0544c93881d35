package dev.dropscope.netlink;

import static dev.dropscope.netlink.NetlinkConstants.*;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds one netlink request in a buffer: header, optional family header (genlmsghdr, ifinfomsg, ...),
 * attributes with their 4-byte alignment, and nests. {@link #finish()} writes nlmsg_len. The sequence
 * number and port are filled in by {@link NetlinkSocket} when it sends.
 */
public final class MessageBuilder {
    private final ByteBuffer buf;
    private int start;
    private int pos;

    /** A builder over its own heap buffer of {@code capacity} bytes. */
    public MessageBuilder(int capacity) {
        this(ByteBuffer.allocate(capacity).order(ByteOrder.nativeOrder()));
    }

    /** A builder over {@code buf}; it always writes native byte order, whatever order {@code buf} has. */
    public MessageBuilder(ByteBuffer buf) {
        this.buf = buf.duplicate().order(ByteOrder.nativeOrder());
    }

    /** Starts a message at offset 0 with the given type and flags (NLM_F_REQUEST is the caller's). */
    public MessageBuilder begin(int type, int flags) {
        return beginAt(0, type, flags);
    }

    /** Starts a message at {@code offset}, for batching several messages into one datagram. */
    public MessageBuilder beginAt(int offset, int type, int flags) {
        start = offset;
        pos = offset + NLMSG_HDRLEN;
        ensure(0);
        for (int i = offset; i < pos; i++) {
            buf.put(i, (byte) 0);
        }
        buf.putShort(start + NLMSG_TYPE_OFFSET, (short) type);
        buf.putShort(start + NLMSG_FLAGS_OFFSET, (short) flags);
        return this;
    }

    /** Appends a genlmsghdr: cmd, version, reserved. */
    public MessageBuilder genl(int cmd, int version) {
        ensure(GENL_HDRLEN);
        buf.put(pos, (byte) cmd);
        buf.put(pos + 1, (byte) version);
        buf.putShort(pos + 2, (short) 0);
        pos += GENL_HDRLEN;
        return this;
    }

    /** Appends {@code length} zero bytes of family header (ifinfomsg, nfgenmsg, ...), returning its offset. */
    public int reserve(int length) {
        ensure(align(length));
        int at = pos;
        for (int i = 0; i < align(length); i++) {
            buf.put(pos + i, (byte) 0);
        }
        pos += align(length);
        return at;
    }

    public ByteBuffer buffer() {
        return buf;
    }

    private void ensure(int more) {
        if (pos + more > buf.capacity()) {
            throw new BufferOverflowException();
        }
    }

    private int header(int type, int payload) {
        int len = NLA_HDRLEN + payload;
        checkNlaLen(type, len);
        ensure(align(len));
        buf.putShort(pos, (short) len);
        buf.putShort(pos + 2, (short) type);
        int p = pos + NLA_HDRLEN;
        for (int i = len; i < align(len); i++) {
            buf.put(pos + i, (byte) 0);
        }
        pos += align(len);
        return p;
    }

    public MessageBuilder flag(int type) {
        header(type, 0);
        return this;
    }

    public MessageBuilder u8(int type, int value) {
        buf.put(header(type, 1), (byte) value);
        return this;
    }

    public MessageBuilder u16(int type, int value) {
        buf.putShort(header(type, 2), (short) value);
        return this;
    }

    public MessageBuilder u32(int type, int value) {
        buf.putInt(header(type, 4), value);
        return this;
    }

    public MessageBuilder u64(int type, long value) {
        buf.putLong(header(type, 8), value);
        return this;
    }

    /** A NUL-terminated string attribute. */
    public MessageBuilder string(int type, String value) {
        byte[] s = value.getBytes(StandardCharsets.UTF_8);
        int p = header(type, s.length + 1);
        buf.put(p, s);
        buf.put(p + s.length, (byte) 0);
        return this;
    }

    public MessageBuilder bytes(int type, byte[] value) {
        buf.put(header(type, value.length), value);
        return this;
    }

    /** Opens a nested attribute (NLA_F_NESTED set); returns the token for {@link #endNested}. */
    public int beginNested(int type) {
        ensure(NLA_HDRLEN);
        int at = pos;
        buf.putShort(pos + 2, (short) (type | NLA_F_NESTED));
        pos += NLA_HDRLEN;
        return at;
    }

    public MessageBuilder endNested(int token) {
        int len = pos - token;
        checkNlaLen(Short.toUnsignedInt(buf.getShort(token + 2)) & NLA_TYPE_MASK, len);
        buf.putShort(token, (short) len);
        return this;
    }

    /** nla_len is a u16: a longer attribute would be written as a length that lies. */
    private static void checkNlaLen(int type, int len) {
        if (len > 0xffff) {
            throw new IllegalArgumentException("attribute type " + type + " of " + len
                    + " bytes does not fit nla_len (at most 65535)");
        }
    }

    /** Writes nlmsg_len and returns it; the message occupies {@code [start, start + length)}. */
    /** A dump request of {@code type} whose family header ({@code headerSize} bytes) is all zeros: AF_UNSPEC, every object. */
    public static MessageBuilder dumpRequest(int type, int headerSize) {
        MessageBuilder m = new MessageBuilder(64).begin(type, NLM_F_REQUEST | NLM_F_DUMP);
        m.reserve(headerSize);
        return m;
    }

    public int finish() {
        int len = pos - start;
        buf.putInt(start + NLMSG_LENGTH_OFFSET, len);
        return len;
    }

    /** Offset where the current message starts. */
    public int start() {
        return start;
    }
}
