package dev.dropscope.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The block layout byte by byte, and Wireshark's own reader (tshark) on what the writer makes. */
class PcapngWriterTest {

    /** One parsed block: type and body (between the two length words). */
    record Block(int type, ByteBuffer body) {
    }

    /** Walks the blocks, checking both lengths and the 32-bit alignment of each. */
    static List<Block> blocks(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<Block> out = new ArrayList<>();
        while (b.hasRemaining()) {
            int start = b.position();
            int type = b.getInt();
            int len = b.getInt(start + 4);
            assertEquals(0, len % 4, "block length is a multiple of 4");
            assertEquals(len, b.getInt(start + len - 4), "trailing block total length");
            ByteBuffer body = ByteBuffer.wrap(file, start + 8, len - 12).slice().order(ByteOrder.LITTLE_ENDIAN);
            out.add(new Block(type, body));
            b.position(start + len);
        }
        return out;
    }

    /** Options from {@code at} in {@code body}: code -> value, in order, ending at opt_endofopt. */
    static List<Object[]> options(ByteBuffer body, int at) {
        List<Object[]> out = new ArrayList<>();
        while (at < body.limit()) {
            int code = Short.toUnsignedInt(body.getShort(at));
            int len = Short.toUnsignedInt(body.getShort(at + 2));
            if (code == 0) {
                assertEquals(0, len);
                assertEquals(body.limit(), at + 4, "opt_endofopt ends the options");
                return out;
            }
            byte[] v = new byte[len];
            body.get(at + 4, v);
            out.add(new Object[] {code, v});
            at += 4 + (len + 3) / 4 * 4;
        }
        return out;
    }

    @Test
    void blockLayout() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PcapngWriter w = new PcapngWriter(bytes, "dropscope", 128);
        int shbEnd = bytes.size();
        assertEquals(0, w.interfaceId("lo@host", PcapngWriter.LINKTYPE_ETHERNET));
        assertEquals(0, w.interfaceId("lo@host", PcapngWriter.LINKTYPE_ETHERNET), "one IDB per interface");
        assertEquals(1, w.interfaceId("veth0@ns1", PcapngWriter.LINKTYPE_RAW));
        byte[] data = {0x45, 0, 0, 0x1d, 1, 2, 3};
        w.packet(1, 0x0000_0001_2345_6789L, data, 5, 29, "reason=NO_SOCKET");
        w.packet(0, 7, data, 0, 0, null);
        assertEquals(2, w.packets());

        List<Block> bl = blocks(bytes.toByteArray());
        assertEquals(List.of(PcapngWriter.SHB, PcapngWriter.IDB, PcapngWriter.IDB, PcapngWriter.EPB, PcapngWriter.EPB),
                bl.stream().map(Block::type).toList());
        // SHB: magic, version 1.0, section length -1, shb_userappl
        ByteBuffer shb = bl.get(0).body();
        assertEquals(0x1A2B3C4D, shb.getInt(0));
        assertEquals(1, shb.getShort(4));
        assertEquals(0, shb.getShort(6));
        assertEquals(-1L, shb.getLong(8));
        List<Object[]> so = options(shb, 16);
        assertEquals(4, so.get(0)[0]);
        assertEquals("dropscope", new String((byte[]) so.get(0)[1], StandardCharsets.UTF_8));
        assertEquals(shbEnd, 8 + shb.limit() + 4, "the header is flushed before any interface");
        // IDB: link type, reserved, snaplen, if_name, if_tsresol 9
        ByteBuffer idb = bl.get(2).body();
        assertEquals(101, idb.getShort(0));
        assertEquals(0, idb.getShort(2));
        assertEquals(128, idb.getInt(4));
        List<Object[]> io = options(idb, 8);
        assertEquals(2, io.get(0)[0]);
        assertEquals("veth0@ns1", new String((byte[]) io.get(0)[1], StandardCharsets.UTF_8));
        assertEquals(9, io.get(1)[0]);
        assertArrayEquals(new byte[] {9}, (byte[]) io.get(1)[1]);
        assertEquals(1, bl.get(1).body().getShort(0));
        // EPB: interface, timestamp high/low, captured, original, data padded, opt_comment
        ByteBuffer epb = bl.get(3).body();
        assertEquals(1, epb.getInt(0));
        assertEquals(1, epb.getInt(4));
        assertEquals(0x23456789, epb.getInt(8));
        assertEquals(5, epb.getInt(12));
        assertEquals(29, epb.getInt(16));
        byte[] got = new byte[8];
        epb.get(20, got);
        assertArrayEquals(new byte[] {0x45, 0, 0, 0x1d, 1, 0, 0, 0}, got, "data then zero padding to 32 bits");
        List<Object[]> eo = options(epb, 28);
        assertEquals(1, eo.get(0)[0]);
        assertEquals("reason=NO_SOCKET", new String((byte[]) eo.get(0)[1], StandardCharsets.UTF_8));
        // no data, no options: 28 bytes of fixed fields + both lengths
        assertEquals(20, bl.get(4).body().limit());
    }

    /**
     * Batched: the same bytes as block by block, but nothing of the packets reaches the stream before flush,
     * and each write the stream sees holds whole blocks only (a reader following it never sees half a block).
     */
    @Test
    void batchedWritesWholeBlocksOnFlush() throws Exception {
        ByteArrayOutputStream one = new ByteArrayOutputStream();
        List<Integer> writes = new ArrayList<>();
        ByteArrayOutputStream batchedBytes = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                writes.add(len);
                super.write(b, off, len);
            }
        };
        PcapngWriter a = new PcapngWriter(one, "dropscope", 128);
        PcapngWriter b = new PcapngWriter(batchedBytes, "dropscope", 128).batched();
        int header = batchedBytes.size();
        byte[] ip = udp4(40000, 9999);
        for (PcapngWriter w : List.of(a, b)) {
            int raw = w.interfaceId("veth1@ns-a", PcapngWriter.LINKTYPE_RAW);
            for (int i = 0; i < 3; i++) {
                w.packet(raw, 1_700_000_000_000_000_000L + i, ip, ip.length, ip.length, "reason=NO_SOCKET n=" + i);
            }
        }
        assertEquals(header, batchedBytes.size(), "nothing but the header before flush");
        b.flush();
        assertArrayEquals(one.toByteArray(), batchedBytes.toByteArray(), "the same bytes as block by block");
        assertEquals(List.of(header, batchedBytes.size() - header), writes, "the header, then one write of whole blocks");
        // past the batch size it writes without waiting for flush, whole blocks again
        byte[] big = new byte[1000];
        int n = PcapngWriter.BATCH_BYTES / 1000 + 2;
        for (int i = 0; i < n; i++) {
            b.packet(0, i, big, big.length, big.length, null);
        }
        int epb = 8 + 20 + 1000 + 4;
        assertEquals(3, writes.size(), "one write once " + PcapngWriter.BATCH_BYTES + " bytes wait");
        assertEquals(0, writes.get(2) % epb, "whole blocks: " + writes.get(2));
        b.close();
        assertEquals(n * epb, writes.get(2) + writes.get(3), "close writes the rest");
        assertEquals(5 + n, blocks(batchedBytes.toByteArray()).size(), "SHB, IDB, 3 + n EPBs");
    }

    @Test
    void refusesWhatCannotBeWritten() throws Exception {
        PcapngWriter w = new PcapngWriter(new ByteArrayOutputStream(), "dropscope", 0);
        assertThrows(IllegalArgumentException.class, () -> w.packet(0, 0, new byte[4], 4, 4, null));
        w.interfaceId("lo", PcapngWriter.LINKTYPE_ETHERNET);
        assertThrows(IllegalArgumentException.class, () -> w.packet(0, 0, new byte[4], 5, 5, null));
    }

    @Test
    void tsharkReadsItBack() throws Exception {
        Path f = Files.createTempFile("dropscope-", ".pcapng");
        try {
            try (PcapngWriter w = new PcapngWriter(Files.newOutputStream(f), "dropscope", 0)) {
                int raw = w.interfaceId("veth1@ns-a", PcapngWriter.LINKTYPE_RAW);
                int eth = w.interfaceId("lo@host", PcapngWriter.LINKTYPE_ETHERNET);
                byte[] ip = udp4(40000, 9999);
                w.packet(raw, 1_700_000_000_123_456_789L, ip, ip.length, ip.length, "reason=NO_SOCKET netns=ns-a");
                byte[] frame = new byte[14 + ip.length];
                frame[12] = 0x08;
                System.arraycopy(ip, 0, frame, 14, ip.length);
                w.packet(eth, 1_700_000_001_000_000_000L, frame, 30, frame.length, "second");
            }
            List<String> lines = Tshark.fields(f, "frame.interface_name", "udp.dstport", "frame.comment",
                    "frame.time_epoch", "frame.len", "frame.cap_len");
            assertEquals(2, lines.size(), lines.toString());
            String[] a = lines.get(0).split("\t", -1);
            assertEquals("veth1@ns-a", a[0]);
            assertEquals("9999", a[1]);
            assertEquals("reason=NO_SOCKET netns=ns-a", a[2]);
            assertEquals("1700000000.123456789", a[3]);
            String[] b = lines.get(1).split("\t", -1);
            assertEquals("lo@host", b[0]);
            assertEquals("second", b[2]);
            assertEquals(String.valueOf(14 + 29), b[4]);
            assertEquals("30", b[5]);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** An IPv4/UDP datagram with one byte of payload (checksums zero: tshark does not check them). */
    static byte[] udp4(int sport, int dport) {
        ByteBuffer b = ByteBuffer.allocate(29);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 29).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0)
                .put(new byte[] {10, 0, 0, 1}).put(new byte[] {10, 0, 0, 2})
                .putShort((short) sport).putShort((short) dport).putShort((short) 9).putShort((short) 0)
                .put((byte) 'x');
        return b.array();
    }
}
