package dev.dropscope.btf;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parser and the skb queries on small hand-built blobs: the layouts they must read, and every kind of bad input. */
class BtfTest {

    /**
     * A miniature of the kernel's types, ids fixed: sk_buff with dev inside an anonymous union inside an
     * anonymous struct (as 6.x has it), the header offsets in an anonymous struct, net_device,
     * possible_net_t, net with ns_common, sock with sock_common, enum skb_drop_reason, the kfree_skb
     * prototype of 6.11+ and a kind_flag struct of bitfields.
     */
    static BtfBlob kernelLike(ByteOrder order) {
        BtfBlob b = new BtfBlob().order(order);
        b.integer("unsigned int", 4, false);                                                  // 1
        b.integer("int", 4, true);                                                            // 2
        b.integer("short unsigned int", 2, false);                                            // 3
        b.integer("unsigned char", 1, false);                                                 // 4
        b.ptr(0);                                                                             // 5 void *
        b.ptr(14);                                                                            // 6 net_device *
        b.struct("", Btf.Kind.UNION, 8, "dev", 6, 0, "dev_scratch", 5, 0);                    // 7
        b.struct("", Btf.Kind.STRUCT, 16, "next", 5, 0, "", 7, 64);                           // 8
        b.ptr(4);                                                                             // 9 unsigned char *
        b.type("", Btf.Kind.ARRAY, false, 0, 0, 4, 1, 48);                                    // 10 cb[48]
        b.struct("", Btf.Kind.STRUCT, 6, "transport_header", 3, 0, "network_header", 3, 16,
                "mac_header", 3, 32);                                                         // 11
        b.ptr(19);                                                                            // 12 sock *
        b.struct("sk_buff", Btf.Kind.STRUCT, 96, "", 8, 0, "sk", 12, 128, "cb", 10, 192, "len", 1, 576,
                "", 11, 608, "head", 9, 704);                                                 // 13
        b.struct("net_device", Btf.Kind.STRUCT, 32, "ifindex", 2, 64, "nd_net", 15, 128);     // 14
        b.struct("possible_net_t", Btf.Kind.STRUCT, 8, "net", 16, 0);                         // 15
        b.ptr(17);                                                                            // 16 net *
        b.struct("net", Btf.Kind.STRUCT, 24, "passive", 1, 0, "ns", 18, 64);                  // 17
        b.struct("ns_common", Btf.Kind.STRUCT, 16, "stashed", 5, 0, "inum", 1, 64, "count", 1, 96); // 18
        b.struct("sock", Btf.Kind.STRUCT, 32, "__sk_common", 20, 0);                          // 19
        b.struct("sock_common", Btf.Kind.STRUCT, 32, "skc_hash", 1, 0, "skc_net", 15, 128);   // 20
        b.type("skb_drop_reason", Btf.Kind.ENUM, false, 3, 4, b.name("SKB_NOT_DROPPED_YET"), 0,
                b.name("SKB_DROP_REASON_NOT_SPECIFIED"), 2, b.name("SKB_DROP_REASON_NO_SOCKET"), 3); // 21
        b.type("", Btf.Kind.FUNC_PROTO, false, 5, 0, 0, 5, 0, 23, 0, 5, 0, 21, 0, 12);        // 22
        b.ptr(13);                                                                            // 23 sk_buff *
        b.ptr(22);                                                                            // 24
        b.type("btf_trace_kfree_skb", Btf.Kind.TYPEDEF, false, 0, 24);                        // 25
        b.type("flags", Btf.Kind.STRUCT, true, 2, 4, b.name("a"), 1, 3L << 24, b.name("b"), 1, 5L << 24 | 3); // 26
        return b;
    }

    @Test
    void readsTheIdentityChainThroughAnonymousMembersInEitherByteOrder() throws BtfException {
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            Btf btf = Btf.parse(kernelLike(order).bytes());
            assertEquals(26, btf.maxId());
            assertEquals(new SkbBtf.Identity(8, 8, 16, 16, 16, 16), SkbBtf.identity(btf), order.toString());
            assertEquals(new SkbBtf.Headers(88, 78, 76, 80, 72, 2), SkbBtf.headers(btf));
            assertEquals(new SkbBtf.KfreeSkbArgs(0, 1, 2, 3,
                    "(void *, struct sk_buff *, void *, enum skb_drop_reason, struct sock *)"), SkbBtf.kfreeSkbArgs(btf));
            assertEquals(Map.of("SKB_NOT_DROPPED_YET", 0L, "SKB_DROP_REASON_NOT_SPECIFIED", 2L,
                    "SKB_DROP_REASON_NO_SOCKET", 3L), SkbBtf.enumValues(btf, "skb_drop_reason"));
            assertEquals(96, btf.sizeOf(SkbBtf.struct(btf, "sk_buff")));
            assertEquals(48, btf.sizeOf(10));
            assertEquals("struct net_device *", btf.describe(6));
        }
    }

    @Test
    void decodesKindFlagBitfieldOffsets() throws BtfException {
        Btf btf = Btf.parse(kernelLike(ByteOrder.LITTLE_ENDIAN).bytes());
        assertEquals(List.of(new Btf.Member("a", 1, 0, 3), new Btf.Member("b", 1, 3, 5)), btf.members(26));
        Btf.Field b = btf.member(26, "b");
        assertEquals(3, b.bitOffset());
        assertEquals(5, b.bitfieldSize());
        // a bitfield is not a field a program can load
        BtfException e = assertThrows(BtfException.class, () -> SkbBtf.offset(btf, 26, "b", 4, false));
        assertEquals("BTF: struct flags.b is a bitfield, not a field we can read", e.getMessage());
    }

    @Test
    void kfreeSkbBefore611HasNoRxSk() throws BtfException {
        BtfBlob b = kernelLike(ByteOrder.LITTLE_ENDIAN);
        b.type("", Btf.Kind.FUNC_PROTO, false, 4, 0, 0, 5, 0, 23, 0, 5, 0, 21);              // 27
        b.ptr(27);                                                                            // 28
        // a second typedef of the same name comes after the first: find() takes the first, so build a fresh blob
        BtfBlob old = new BtfBlob();
        old.ptr(0);                                                                           // 1 void *
        old.struct("sk_buff", Btf.Kind.STRUCT, 8, "len", 6, 0);                               // 2
        old.ptr(2);                                                                           // 3
        old.type("skb_drop_reason", Btf.Kind.ENUM, false, 0, 4);                              // 4
        old.type("", Btf.Kind.FUNC_PROTO, false, 4, 0, 0, 1, 0, 3, 0, 1, 0, 4);               // 5
        old.integer("unsigned int", 4, false);                                                // 6
        old.ptr(5);                                                                           // 7
        old.type("btf_trace_kfree_skb", Btf.Kind.TYPEDEF, false, 0, 7);                       // 8
        assertEquals(new SkbBtf.KfreeSkbArgs(0, 1, 2, -1, "(void *, struct sk_buff *, void *, enum skb_drop_reason)"),
                SkbBtf.kfreeSkbArgs(Btf.parse(old.bytes())));
    }

    @Test
    void aMissingMemberSaysWhich() throws BtfException {
        BtfBlob b = new BtfBlob();
        b.integer("int", 4, true);
        b.struct("sk_buff", Btf.Kind.STRUCT, 4, "len", 1, 0);
        BtfException e = assertThrows(BtfException.class, () -> SkbBtf.identity(Btf.parse(b.bytes())));
        assertEquals("BTF has no struct net_device", e.getMessage());
        b.struct("net_device", Btf.Kind.STRUCT, 4, "mtu", 1, 0);
        b.struct("net", Btf.Kind.STRUCT, 4, "x", 1, 0);
        b.struct("sock", Btf.Kind.STRUCT, 4, "x", 1, 0);
        e = assertThrows(BtfException.class, () -> SkbBtf.identity(Btf.parse(b.bytes())));
        assertEquals("BTF: struct sk_buff has no member 'dev'", e.getMessage());
    }

    // ---------------------------------------------------------------- bad input: one line, BtfException only

    /** Parses and runs every query; only a BtfException with a one-line message may come out. */
    static void refused(byte[] blob, String expected) {
        BtfException e = assertThrows(BtfException.class, () -> everything(blob));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' does not say '" + expected + "'");
    }

    static void everything(byte[] blob) throws BtfException {
        Btf btf = Btf.parse(blob);
        for (int id = 0; id <= btf.maxId(); id++) {
            btf.name(id);
            btf.sizeOf(id);
            btf.describe(id);
            btf.resolve(id);
        }
        SkbBtf.identity(btf);
        SkbBtf.headers(btf);
        SkbBtf.kfreeSkbArgs(btf);
    }

    private static byte[] patched(byte[] blob, Consumer<ByteBuffer> edit) {
        ByteBuffer b = ByteBuffer.wrap(blob.clone()).order(ByteOrder.LITTLE_ENDIAN);
        edit.accept(b);
        return b.array();
    }

    /** Byte offset in the blob of type id {@code id}'s struct btf_type in kernelLike(LE), found by walking. */
    private static int typeAt(byte[] blob, int id) {
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        int pos = 24;
        for (int i = 1; i < id; i++) {
            int info = b.getInt(pos + 4);
            int vlen = info & 0xffff;
            int kind = info >>> 24 & 0x1f;
            int extra = switch (kind) {
                case 1, 14, 17 -> 4;
                case 3 -> 12;
                case 4, 5, 15, 19 -> 12 * vlen;
                case 6, 13 -> 8 * vlen;
                default -> 0;
            };
            pos += 12 + extra;
        }
        return pos;
    }

    @Test
    void refusesTruncatedBlobs() {
        byte[] good = kernelLike(ByteOrder.LITTLE_ENDIAN).bytes();
        refused(new byte[0], "BTF truncated: 0 bytes");
        refused(java.util.Arrays.copyOf(good, 23), "the header alone is 24");
        refused(java.util.Arrays.copyOf(good, good.length - 1), "string section");
        refused(java.util.Arrays.copyOf(good, 100), "type section");
        // the header says the type section ends 4 bytes early: the last record is cut
        refused(kernelLike(ByteOrder.LITTLE_ENDIAN).bytes(-4, 0), "BTF truncated: type id 26");
        refused(patched(good, b -> b.putInt(12, 8)), "type id 1 at 0 has 8 of its 12 bytes");
        refused(patched(good, b -> b.putInt(4, 5000)), "header length 5000 outside 24..");
    }

    @Test
    void refusesWrongMagicVersionAndLayout() {
        byte[] good = kernelLike(ByteOrder.LITTLE_ENDIAN).bytes();
        refused(patched(good, b -> b.putShort(0, (short) 0x1234)), "not BTF: magic 3412");
        refused(patched(good, b -> b.put(2, (byte) 2)), "BTF version 2");
        refused(patched(good, b -> b.putInt(8, 2)), "not 4-byte aligned");
        refused(patched(good, b -> b.putInt(16, 0)), "overlaps the string section");
        // the string section's last byte is not a NUL
        refused(patched(good, b -> b.put(good.length - 1, (byte) 'x')), "must start and end with a NUL");
    }

    @Test
    void refusesOutOfRangeNamesReferencesAndKinds() {
        byte[] good = kernelLike(ByteOrder.LITTLE_ENDIAN).bytes();
        refused(patched(good, b -> b.putInt(typeAt(good, 13), 1 << 20)), "type id 13: name at string offset 1048576");
        refused(patched(good, b -> b.putInt(typeAt(good, 13), -1)), "string offset 4294967295");
        refused(patched(good, b -> b.putInt(typeAt(good, 13) + 12 + 4, 99)), "member 0 refers to type id 99");
        refused(patched(good, b -> b.putInt(typeAt(good, 6) + 8, 27)), "type refers to type id 27, the blob has ids 0..26");
        refused(patched(good, b -> b.putInt(typeAt(good, 5) + 4, 25 << 24)), "type id 5 has unknown kind 25");
        refused(patched(good, b -> b.putInt(typeAt(good, 5) + 4, 0)), "type id 5 has unknown kind 0");
        refused(patched(good, b -> b.putInt(typeAt(good, 22) + 12 + 8 * 4, 1 << 20)), "parameter 4 name");
        refused(patched(good, b -> b.putInt(typeAt(good, 1) + 12, 64)), "INT of 4 bytes with 64 bits");
    }

    @Test
    void refusesReferenceLoops() {
        BtfBlob b = new BtfBlob();
        b.type("a", Btf.Kind.TYPEDEF, false, 0, 2);
        b.type("b", Btf.Kind.CONST, false, 0, 1);
        refused(b.bytes(), "type id 1: typedef/modifier chain longer than 32");
        BtfBlob self = new BtfBlob();
        self.type("", Btf.Kind.PTR, false, 0, 1);
        refused(self.bytes(), "reference chain longer than 32");
        // an array of itself
        BtfBlob arr = new BtfBlob();
        arr.integer("int", 4, true);
        arr.type("", Btf.Kind.ARRAY, false, 0, 0, 2, 1, 1);
        refused(arr.bytes(), "arrays nested deeper than 32");
        // a struct whose anonymous member is itself: the member search is bounded
        BtfBlob anon = new BtfBlob();
        anon.struct("sk_buff", Btf.Kind.STRUCT, 8, "", 1, 0);
        BtfException e = assertThrows(BtfException.class, () -> Btf.parse(anon.bytes()).member(1, "dev"));
        assertTrue(e.getMessage().contains("anonymous members nested deeper than 32"), e.getMessage());
    }

    @Test
    void refusesImpossibleSizesAndOffsets() throws BtfException {
        BtfBlob big = new BtfBlob();
        big.integer("int", 4, true);
        big.type("", Btf.Kind.ARRAY, false, 0, 0, 1, 1, 0xffffffffL);
        big.type("", Btf.Kind.ARRAY, false, 0, 0, 2, 1, 0xffffffffL);
        BtfException e = assertThrows(BtfException.class, () -> Btf.parse(big.bytes()).sizeOf(3));
        assertTrue(e.getMessage().contains("is impossible (over 2 GiB)"), e.getMessage());

        BtfBlob past = new BtfBlob();
        past.integer("int", 4, true);
        past.ptr(0);
        past.struct("sk_buff", Btf.Kind.STRUCT, 16, "dev", 2, 128);
        e = assertThrows(BtfException.class, () -> SkbBtf.offset(Btf.parse(past.bytes()), 3, "dev", 8, true));
        assertEquals("BTF: struct sk_buff.dev at bit 128 ends past the 16-byte struct", e.getMessage());

        // a member whose type is not what the program reads: a u16 where a pointer is expected
        BtfBlob wrong = new BtfBlob();
        wrong.integer("short unsigned int", 2, false);
        wrong.struct("sk_buff", Btf.Kind.STRUCT, 16, "dev", 1, 0);
        e = assertThrows(BtfException.class, () -> SkbBtf.offset(Btf.parse(wrong.bytes()), 2, "dev", 8, true));
        assertEquals("BTF: struct sk_buff.dev is short unsigned int (2 bytes), expected a pointer", e.getMessage());
    }
}
