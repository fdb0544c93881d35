package dev.dropscope.testutil;

import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.testutil.HexFixture.Direction;
import dev.dropscope.testutil.HexFixture.Entry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class HexFixtureTest {

    @Test
    void loadsEveryNetdmFixtureAndAgreesWithItsOwnHeaderAndComments() {
        List<HexFixture> all = HexFixture.loadAll("fixtures/netdm");
        Set<String> names = all.stream().map(HexFixture::name).collect(Collectors.toSet());
        // the README's file table
        assertTrue(names.containsAll(Set.of("acks.hex", "alert-packet-full.hex", "alert-packet-trunc64.hex",
                "alert-summary.hex", "config-get-default.hex", "config-get-packet.hex", "config-set-packet-full.hex",
                "config-set-packet-trunc64.hex", "ctrl-getfamily.hex", "errors.hex", "requests.hex",
                "stats-get-after-overflow.hex", "stats-get-initial.hex")), names.toString());
        for (HexFixture f : all) {
            // "# messages: N" is written by the capture script, independently of this loader
            assertEquals(Integer.parseInt(f.header("messages").orElseThrow()), f.entries().size(), f.name());
            assertTrue(f.header("kernel").orElseThrow().startsWith("Linux 6.12.117"), f.name());
            for (Entry e : f.entries()) {
                assertNotEquals(Direction.UNKNOWN, e.direction(), e.toString());
                assertFalse(e.label().isEmpty(), e.toString());
                // the comment's len= is the decoder's reading of nlmsg_len; it must match the byte count
                assertEquals(e.length(), e.number("len"), e.toString());
                ByteBuffer b = e.buffer();
                assertEquals(ByteOrder.nativeOrder(), b.order());
                assertEquals(0, b.position());
                assertEquals(e.length(), b.limit());
                assertEquals(e.length(), b.capacity());
                assertEquals(e.number("len"), Integer.toUnsignedLong(b.getInt(0)), e.toString());
            }
        }
    }

    @Test
    void parsesCommentsIntoDirectionLabelSummaryAndFields() {
        HexFixture f = HexFixture.load("fixtures/netdm/errors.hex");
        assertEquals("errors.hex", f.name());
        assertEquals("NET_DM id=0x23 version=2 mcast group 'events' id=1", f.header("family").orElseThrow());
        assertEquals(5, f.tx().size());
        assertEquals(5, f.rx().size());
        Entry e = f.entry(7);
        assertEquals(7, e.index());
        assertEquals(Direction.RX, e.direction());
        assertEquals("reply to CONFIG with 1-byte TRUNC_LEN (policy violation)", e.label());
        assertTrue(e.summary().startsWith("NLMSG_ERROR ERROR -22 (EINVAL); len=124"), e.summary());
        assertEquals("invalid attribute length", e.field("MSG").orElseThrow());
        assertEquals(20, e.number("OFFS"));
        assertEquals(0x200, e.number("flags"));
        assertEquals("0c00040000000000000000000c000500ffffffff000000000800010004000000", e.field("POLICY").orElseThrow());
        assertTrue(e.field("NOPE").isEmpty());

        Entry reply = HexFixture.load("fixtures/netdm/ctrl-getfamily.hex").entry(1);
        assertEquals("[events:1]", reply.field("MCAST_GROUPS").orElseThrow());
        assertEquals("NET_DM", reply.field("FAMILY_NAME").orElseThrow());
        assertEquals(0x23, reply.number("FAMILY_ID"));
        // a key must start a word: "ID" is not found inside "FAMILY_ID"
        assertTrue(reply.field("ID").isEmpty());
    }

    @Test
    void bytesAreDefensiveCopies() {
        Entry e = HexFixture.load("fixtures/netdm/acks.hex").entry(0);
        byte[] b = e.bytes();
        b[0] = 0x7f;
        assertNotEquals(0x7f, e.bytes()[0]);
        e.buffer().put(0, (byte) 0x7f);
        assertNotEquals(0x7f, e.buffer().get(0));
    }

    @Test
    void parsesTextWithAndWithoutDescriptions() {
        HexFixture f = HexFixture.parse("t.hex", "# title\n# messages: 2\n#\n# [0] tx hello: A=1, B='x y'\n0a0B ff\n\nDEAD\n");
        assertEquals(List.of("title", "messages: 2", ""), f.header());
        assertEquals(2, f.entries().size());
        assertArrayEquals(new byte[] {0x0a, 0x0b, (byte) 0xff}, f.entry(0).bytes());
        assertEquals("hello", f.entry(0).label());
        assertEquals(1, f.entry(0).number("A"));
        assertEquals("x y", f.entry(0).field("B").orElseThrow());
        assertEquals(Direction.UNKNOWN, f.entry(1).direction());
        assertArrayEquals(new byte[] {(byte) 0xde, (byte) 0xad}, f.entry(1).bytes());
        // each message padded to 4 bytes, the last one too, as the kernel lays out a datagram
        assertArrayEquals(new byte[] {0x0a, 0x0b, (byte) 0xff, 0, (byte) 0xde, (byte) 0xad, 0, 0}, f.concatenated());
    }

    @Test
    void badFixturesGiveAClearError() {
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
                () -> HexFixture.parse("bad.hex", "# [0] tx x: y\nabc\n"));
        assertEquals("bad.hex:2: odd number of hex digits (3)", odd.getMessage());
        IllegalArgumentException nonHex = assertThrows(IllegalArgumentException.class,
                () -> HexFixture.parse("bad.hex", "zz\n"));
        assertTrue(nonHex.getMessage().startsWith("bad.hex:1: not a hex digit"), nonHex.getMessage());
        IllegalArgumentException numbering = assertThrows(IllegalArgumentException.class,
                () -> HexFixture.parse("bad.hex", "# [3] rx x: y\n00\n"));
        assertTrue(numbering.getMessage().contains("numbered [3]"), numbering.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HexFixture.load("fixtures/netdm/missing.hex"));
    }
}
