package dev.dropscope.export;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A pcapng writer (draft-ietf-opsawg-pcapng): one Section Header Block, an Interface Description Block the
 * first time an interface is named, then one Enhanced Packet Block per packet. Little-endian, every block
 * and option padded to 32 bits, the block's total length at both ends. Each block is written and flushed
 * whole, so the stream is a valid capture after every block: a reader may follow it while it grows
 * ({@code tail -f}, {@code wireshark -k -i -}), and an interrupted writer leaves nothing half-written.
 * {@link #batched} keeps the packets' blocks until {@link #flush} (or {@value #BATCH_BYTES} bytes) and then
 * writes them in one call: still whole blocks only, one system call per batch instead of per packet.
 * Timestamps are nanoseconds ({@code if_tsresol} 9).
 */
public final class PcapngWriter implements Closeable {
    /** The captured bytes start at an Ethernet header. */
    public static final int LINKTYPE_ETHERNET = 1;
    /** The captured bytes start at an IPv4 or IPv6 header. */
    public static final int LINKTYPE_RAW = 101;

    static final int SHB = 0x0A0D0D0A;
    static final int IDB = 0x00000001;
    static final int EPB = 0x00000006;
    static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    static final int OPT_ENDOFOPT = 0;
    static final int OPT_COMMENT = 1;
    static final int SHB_USERAPPL = 4;
    static final int IF_NAME = 2;
    static final int IF_TSRESOL = 9;

    private final OutputStream out;
    private final int snapLen;
    private final Map<String, Integer> interfaces = new HashMap<>();
    private long packets;
    /** Blocks not written yet (batched only). */
    private byte[] pending = new byte[0];
    private int pendingBytes;
    private boolean batched;

    /** Written out when this many bytes wait, without waiting for {@link #flush}. */
    static final int BATCH_BYTES = 64 << 10;

    /**
     * Writes the section header at once.
     *
     * @param snapLen the most bytes any packet carries (0: no limit), written into each interface
     */
    public PcapngWriter(OutputStream out, String application, int snapLen) throws IOException {
        this.out = out;
        this.snapLen = snapLen;
        Block b = new Block(SHB);
        b.buf.putInt(BYTE_ORDER_MAGIC).putShort((short) 1).putShort((short) 0).putLong(-1L); // section length unknown
        b.option(SHB_USERAPPL, application.getBytes(StandardCharsets.UTF_8));
        write(b);
    }

    /**
     * The interface id for {@code name} with {@code linkType}, writing its Interface Description Block the
     * first time the pair is seen.
     */
    public int interfaceId(String name, int linkType) throws IOException {
        String key = linkType + "\0" + name;
        Integer id = interfaces.get(key);
        if (id != null) {
            return id;
        }
        Block b = new Block(IDB);
        b.buf.putShort((short) linkType).putShort((short) 0).putInt(snapLen);
        b.option(IF_NAME, name.getBytes(StandardCharsets.UTF_8));
        b.option(IF_TSRESOL, new byte[] {9});
        write(b);
        id = interfaces.size();
        interfaces.put(key, id);
        return id;
    }

    /**
     * One Enhanced Packet Block.
     *
     * @param captured       the bytes captured (all of {@code data} up to {@code capturedLength})
     * @param originalLength the packet's length on the wire (at least {@code capturedLength})
     * @param comment        an {@code opt_comment}, or null
     */
    public void packet(int interfaceId, long epochNs, byte[] data, int capturedLength, int originalLength,
                       String comment) throws IOException {
        if (interfaceId < 0 || interfaceId >= interfaces.size()) {
            throw new IllegalArgumentException("no interface " + interfaceId);
        }
        if (capturedLength < 0 || capturedLength > data.length) {
            throw new IllegalArgumentException("captured length " + capturedLength + " of " + data.length + " bytes");
        }
        Block b = new Block(EPB, capturedLength);
        b.buf.putInt(interfaceId).putInt((int) (epochNs >>> 32)).putInt((int) epochNs)
                .putInt(capturedLength).putInt(Math.max(originalLength, capturedLength))
                .put(data, 0, capturedLength);
        b.pad();
        if (comment != null) {
            b.option(OPT_COMMENT, comment.getBytes(StandardCharsets.UTF_8));
        }
        write(b);
        packets++;
    }

    /**
     * From now on blocks wait until {@link #flush} or until {@value #BATCH_BYTES} bytes wait: a caller that
     * flushes after each batch of packets (watch: each drain of the ring). Returns this writer.
     */
    public PcapngWriter batched() {
        batched = true;
        return this;
    }

    /** Enhanced Packet Blocks written. */
    public long packets() {
        return packets;
    }

    /** Writes the blocks that wait and flushes the stream. */
    public void flush() throws IOException {
        writePending();
        out.flush();
    }

    private void writePending() throws IOException {
        if (pendingBytes > 0) {
            int n = pendingBytes;
            pendingBytes = 0; // a failed write is not retried: the caller ends on the first failure
            out.write(pending, 0, n);
        }
    }

    private void write(Block b) throws IOException {
        if (!batched) {
            out.write(b.finish());
            out.flush();
            return;
        }
        int n = b.finishedLength();
        if (pendingBytes + n > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingBytes + n + 4096));
        }
        b.finishInto(pending, pendingBytes);
        pendingBytes += n;
        if (pendingBytes >= BATCH_BYTES) {
            writePending();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            writePending();
        } finally {
            out.close();
        }
    }

    /** A block under construction: type and first length written, the body appended, then both lengths. */
    private static final class Block {
        ByteBuffer buf;
        private boolean hasOptions;

        Block(int type) {
            this(type, 0);
        }

        Block(int type, int extra) {
            buf = ByteBuffer.allocate(256 + extra + 3).order(ByteOrder.LITTLE_ENDIAN);
            buf.putInt(type).putInt(0);
        }

        void option(int code, byte[] value) {
            grow(4 + value.length + 3 + 4);
            buf.putShort((short) code).putShort((short) value.length).put(value);
            pad();
            hasOptions = true;
        }

        void pad() {
            while (buf.position() % 4 != 0) {
                buf.put((byte) 0);
            }
        }

        private void grow(int more) {
            if (buf.remaining() < more + 8) {
                ByteBuffer n = ByteBuffer.allocate(buf.capacity() * 2 + more + 8).order(ByteOrder.LITTLE_ENDIAN);
                buf.flip();
                n.put(buf);
                buf = n;
            }
        }

        byte[] finish() {
            byte[] bytes = new byte[finishedLength()];
            finishInto(bytes, 0);
            return bytes;
        }

        private boolean ended;

        /** Ends the block (end of options, total length at both ends); returns its length. */
        int finishedLength() {
            if (!ended) {
                ended = true;
                if (hasOptions) {
                    grow(4);
                    buf.putShort((short) OPT_ENDOFOPT).putShort((short) 0);
                }
                grow(4);
                int total = buf.position() + 4;
                buf.putInt(total);
                buf.putInt(4, total);
            }
            return buf.position();
        }

        /** Copies the ended block to {@code to} at {@code at}. */
        void finishInto(byte[] to, int at) {
            int total = finishedLength();
            buf.get(0, to, at, total);
        }
    }
}
