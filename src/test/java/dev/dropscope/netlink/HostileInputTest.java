package dev.dropscope.netlink;

import static dev.dropscope.netlink.NetlinkConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.netlink.genl.GenlController;
import dev.dropscope.testutil.HexFixture;
import dev.dropscope.testutil.HexFixture.Entry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Decoding never trusts a length: every truncation of every real fixture message, and thousands of
 * seeded corruptions of their length fields, must either decode or fail with MalformedMessageException.
 * Any other exception fails the test; so does a read outside the region, because every input sits in a
 * buffer whose limit is exactly the region (an out-of-bounds read throws IndexOutOfBoundsException);
 * walks are bounded by the number of steps a region of that size can hold.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // hang guard only: an endless loop must fail, not block the build
class HostileInputTest {
    private static final List<HexFixture> FIXTURES = HexFixture.loadAll("fixtures/netdm");
    private static final List<Entry> ENTRIES = HexFixture.allEntries(FIXTURES);
    private static final int MAX_DEPTH = 6;

    private long decoded;
    private long malformed;

    @FunctionalInterface
    private interface Decode {
        void run() throws MalformedMessageException;
    }

    /** A native-order buffer holding exactly {@code bytes}. */
    private static ByteBuffer exact(byte[] bytes) {
        return ByteBuffer.wrap(bytes.clone()).order(ByteOrder.nativeOrder());
    }

    private void cleanly(String what, byte[] input, Decode d) {
        try {
            d.run();
            decoded++;
        } catch (MalformedMessageException e) {
            assertNotNull(e.getMessage());
            assertFalse(e.getMessage().isBlank());
            malformed++;
        } catch (AssertionError e) {
            throw new AssertionError(what + " on " + HexFormat.of().formatHex(input) + ": " + e.getMessage(), e);
        } catch (Throwable t) {
            throw new AssertionError(what + " threw " + t + " on " + HexFormat.of().formatHex(input), t);
        }
    }

    /** Runs every decoder over a datagram; each must decode or refuse cleanly, independently of the others. */
    private void decodeEverything(String what, byte[] datagram) {
        cleanly(what + ": message walk", datagram, () -> walkMessages(exact(datagram), true));
        // the decoders of a single message, even on a message of the wrong type
        ByteBuffer b = exact(datagram);
        int len;
        try {
            len = NlMsg.checkedLength(b, 0, b.limit());
        } catch (MalformedMessageException e) {
            malformed++;
            return;
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": checkedLength threw " + e, e);
        }
        cleanly(what + ": NetlinkError.parse", datagram, () -> NetlinkError.parse(exact(datagram), 0, len));
        cleanly(what + ": GenlController.parseFamily", datagram, () -> GenlController.parseFamily(exact(datagram), 0, len));
        cleanly(what + ": NetlinkError.parseDone", datagram, () -> NetlinkError.parseDone(exact(datagram), 0, len, 0));
    }

    /** Walks the messages of a datagram and, in each, its attributes (after the genlmsghdr). */
    private static int walkMessages(ByteBuffer b, boolean speculate) throws MalformedMessageException {
        int end = b.limit();
        int at = 0;
        int steps = 0;
        int attributes = 0;
        while (at < end) {
            assertTrue(++steps <= end / NLMSG_HDRLEN + 1, "message walk did not advance");
            int len = NlMsg.checkedLength(b, at, end);
            assertTrue(len >= NLMSG_HDRLEN && at + len <= end, "checkedLength returned " + len + " at " + at);
            // control messages (NLMSG_ERROR, NLMSG_DONE) carry no genlmsghdr; NetlinkError.parse covers them
            if (NlMsg.type(b, at) >= NLMSG_MIN_TYPE && len >= NLMSG_HDRLEN + GENL_HDRLEN) {
                int start = at + NLMSG_HDRLEN + GENL_HDRLEN;
                attributes += walkAttributes(new AttributeCursor(b, start, at + len), start, at + len, 0, speculate);
            }
            int next = NlMsg.next(at, len, end);
            assertTrue(next > at && next <= end);
            at = next;
        }
        return attributes;
    }

    /**
     * Walks {@code [start, end)} and reads every attribute with every getter. Descends into attributes
     * flagged NLA_F_NESTED (there also in a copy of just the nest, so a read past the nest hits the
     * buffer's limit) and, when {@code speculate}, into any other attribute whose payload could hold
     * attributes (nlctrl's OPS and MCAST_GROUPS are nested without the flag); a speculative descent into
     * something that is not a nest may of course be refused.
     */
    private static int walkAttributes(AttributeCursor c, int start, int end, int depth, boolean speculate)
            throws MalformedMessageException {
        ByteBuffer b = c.buffer();
        int steps = 0;
        int previous = -1;
        while (c.next()) {
            assertTrue(++steps <= (end - start) / NLA_HDRLEN + 1, "attribute walk did not advance");
            assertTrue(c.offset() >= start && c.offset() > previous, "cursor went backwards to " + c.offset());
            assertEquals(c.offset() + NLA_HDRLEN, c.payloadOffset());
            assertTrue(c.payloadLength() >= 0 && c.payloadOffset() + c.payloadLength() <= end,
                    "attribute at " + c.offset() + " ends past its container " + end);
            previous = c.offset();
            readAll(c);
            if (depth >= MAX_DEPTH) {
                continue;
            }
            if (c.isNested()) {
                byte[] nest = new byte[c.payloadLength()];
                b.get(c.payloadOffset(), nest);
                walkAttributes(new AttributeCursor(exact(nest), 0, nest.length), 0, nest.length, depth + 1, speculate);
                walkAttributes(c.nested(), c.payloadOffset(), c.payloadOffset() + c.payloadLength(), depth + 1, speculate);
            } else if (speculate && c.payloadLength() >= NLA_HDRLEN) {
                try {
                    walkAttributes(c.nested(), c.payloadOffset(), c.payloadOffset() + c.payloadLength(), depth + 1, true);
                } catch (MalformedMessageException notANest) {
                    // expected for ordinary payloads
                }
            }
        }
        return steps;
    }

    private static void readAll(AttributeCursor c) {
        int n = c.payloadLength();
        // an integer getter reads exactly its width: the one that matches the payload works, every other is refused
        Decode[] getters = {c::u8, c::u16, c::u32, c::u64};
        int[] widths = {1, 2, 4, 8};
        for (int i = 0; i < getters.length; i++) {
            Decode d = getters[i];
            if (widths[i] == n) {
                assertDoesNotThrow(d::run);
            } else {
                assertThrows(MalformedMessageException.class, d::run, "a u" + 8 * widths[i] + " of " + n + " bytes");
            }
        }
        try {
            assertTrue(c.string().length() <= n);
            assertEquals(n, c.bytes().length);
        } catch (MalformedMessageException e) {
            throw new AssertionError("string/bytes refused a payload of " + n + " bytes", e);
        }
    }

    @Test
    void everyFixtureDecodesWhole() throws Exception {
        assertTrue(ENTRIES.size() >= 100, "fixtures found: " + ENTRIES.size());
        for (Entry e : ENTRIES) {
            ByteBuffer b = e.buffer();
            int attributes = walkMessages(b, false);
            if (e.length() > NLMSG_HDRLEN + GENL_HDRLEN && NlMsg.type(b, 0) != NLMSG_ERROR) {
                assertTrue(attributes > 0, e.toString());
            }
            if (NlMsg.type(b, 0) == NLMSG_ERROR) {
                NetlinkError.parse(b, 0, b.limit());
            }
            if (NlMsg.type(b, 0) == 0x10 && b.get(16) == 1) {
                GenlController.parseFamily(b, 0, b.limit());
            }
        }
        for (HexFixture f : FIXTURES) {
            walkMessages(exact(f.concatenated()), true);
        }
    }

    @Test
    void everyTruncationOfEveryMessage() {
        long cases = 0;
        for (Entry e : ENTRIES) {
            byte[] whole = e.bytes();
            for (int t = 0; t < whole.length; t++) {
                byte[] cut = Arrays.copyOf(whole, t);
                decodeEverything(e + " cut to " + t + " (nlmsg_len as is)", cut);
                cases++;
                if (t >= 4) {
                    byte[] patched = cut.clone();
                    ByteBuffer.wrap(patched).order(ByteOrder.nativeOrder()).putInt(0, t);
                    decodeEverything(e + " cut to " + t + " (nlmsg_len = " + t + ")", patched);
                    cases++;
                }
            }
        }
        assertTrue(cases > 40_000, "cases: " + cases);
        assertTrue(decoded > 0 && malformed > 0, decoded + " decoded, " + malformed + " refused");
    }

    @Test
    void truncatedAttributeListsFailExactlyInsideAnAttribute() throws Exception {
        // with nlmsg_len patched to the cut, the attribute walk must succeed when the cut falls on an
        // attribute boundary (or in the last 0..3 bytes nla_ok ignores) and refuse when it falls inside an
        // attribute's header-plus-payload
        int checked = 0;
        for (Entry e : ENTRIES) {
            ByteBuffer whole = e.buffer();
            if (e.length() <= NLMSG_HDRLEN + GENL_HDRLEN || NlMsg.type(whole, 0) == NLMSG_ERROR) {
                continue;
            }
            List<int[]> attrs = new ArrayList<>(); // {offset, nla_len}
            AttributeCursor c = new AttributeCursor(whole, 20, whole.limit());
            while (c.next()) {
                attrs.add(new int[] {c.offset(), c.payloadLength() + NLA_HDRLEN});
            }
            for (int[] a : attrs) {
                for (int t = a[0]; t < a[0] + a[1]; t++) {
                    byte[] cut = Arrays.copyOf(e.bytes(), t);
                    ByteBuffer.wrap(cut).order(ByteOrder.nativeOrder()).putInt(0, t);
                    boolean insideAttribute = t - a[0] >= NLA_HDRLEN;
                    if (insideAttribute) {
                        int tt = t;
                        assertThrows(MalformedMessageException.class, () -> walkMessages(exact(cut), false),
                                e + " cut at " + tt);
                    } else {
                        assertEquals(attrs.indexOf(a), walkMessages(exact(cut), false), e + " cut at " + t);
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked > 10_000, "checked " + checked);
    }

    /** Offsets of every nla_len in a message: attributes after the genlmsghdr, and inside any nest. */
    private static List<Integer> lengthFields(byte[] message) {
        List<Integer> out = new ArrayList<>();
        ByteBuffer b = exact(message);
        if (NlMsg.type(b, 0) == NLMSG_ERROR) {
            out.add(20); // the echoed request's nlmsg_len
            int flags = NlMsg.flags(b, 0);
            if ((flags & NLM_F_ACK_TLVS) != 0) {
                int tlvs = (flags & NLM_F_CAPPED) != 0 ? 36 : 20 + align(b.getInt(20));
                collect(b, tlvs, message.length, out, 0);
            }
        } else if (message.length > 20) {
            collect(b, 20, message.length, out, 0);
        }
        return out;
    }

    private static void collect(ByteBuffer b, int start, int end, List<Integer> out, int depth) {
        AttributeCursor c = new AttributeCursor(b, start, end);
        try {
            while (c.next()) {
                out.add(c.offset());
                if (depth < 3 && c.payloadLength() >= 4) {
                    List<Integer> inner = new ArrayList<>();
                    try {
                        collect(b, c.payloadOffset(), c.payloadOffset() + c.payloadLength(), inner, depth + 1);
                        out.addAll(inner);
                    } catch (RuntimeException notANest) {
                        // not a nest: no length fields in there
                    }
                }
            }
        } catch (MalformedMessageException e) {
            if (depth == 0) {
                throw new AssertionError(e);
            }
            throw new IllegalStateException(e);
        }
    }

    @Test
    void seededCorruptionOfLengthFields() {
        Random r = new Random(0x6473_6e6c_0001L);
        int[] nlmsgLens = {0, 1, 3, 4, 15, 16, 17, 19, 20, 21, 0xffff, 0x10000, 0x7fffffff, 0x80000000, -1, -16};
        int[] nlaLens = {0, 1, 2, 3, 4, 5, 7, 8, 0x7fff, 0x8000, 0xfffc, 0xffff};
        int cases = 5000;
        for (int i = 0; i < cases; i++) {
            Entry e = ENTRIES.get(r.nextInt(ENTRIES.size()));
            byte[] m = e.bytes();
            ByteBuffer w = ByteBuffer.wrap(m).order(ByteOrder.nativeOrder());
            String what;
            int kind = r.nextInt(5);
            if (kind == 0) {
                int v = r.nextBoolean() ? nlmsgLens[r.nextInt(nlmsgLens.length)] : m.length + r.nextInt(17) - 8;
                w.putInt(0, v);
                what = "nlmsg_len=" + v;
            } else if (kind <= 2) {
                List<Integer> fields = lengthFields(e.bytes());
                if (fields.isEmpty()) {
                    i--;
                    continue;
                }
                int at = fields.get(r.nextInt(fields.size()));
                int old = Short.toUnsignedInt(w.getShort(at));
                int v = r.nextBoolean() ? nlaLens[r.nextInt(nlaLens.length)] : old + r.nextInt(17) - 8;
                if (at == 20 && NlMsg.type(w, 0) == NLMSG_ERROR) {
                    w.putInt(at, r.nextBoolean() ? v : r.nextInt());
                } else {
                    w.putShort(at, (short) v);
                }
                what = "length field at " + at + " " + old + " -> " + v;
            } else if (kind == 3) {
                int n = 1 + r.nextInt(4);
                StringBuilder s = new StringBuilder("bytes");
                for (int k = 0; k < n; k++) {
                    int at = r.nextInt(m.length);
                    m[at] = (byte) r.nextInt(256);
                    s.append(' ').append(at);
                }
                what = s.toString();
            } else {
                // a datagram of several messages, one of whose lengths lies
                Entry second = ENTRIES.get(r.nextInt(ENTRIES.size()));
                int first = align(m.length);
                byte[] d = Arrays.copyOf(m, first + second.length());
                System.arraycopy(second.bytes(), 0, d, first, second.length());
                ByteBuffer.wrap(d).order(ByteOrder.nativeOrder())
                        .putInt(r.nextBoolean() ? 0 : first, nlmsgLens[r.nextInt(nlmsgLens.length)]);
                m = d;
                what = "datagram with " + second;
            }
            decodeEverything(e + " corrupted (" + what + ")", m);
        }
        assertTrue(decoded > 0 && malformed > 0, decoded + " decoded, " + malformed + " refused");
    }
}
