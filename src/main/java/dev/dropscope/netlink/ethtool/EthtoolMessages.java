package dev.dropscope.netlink.ethtool;

import static dev.dropscope.netlink.NetlinkConstants.*;
import static dev.dropscope.netlink.ethtool.EthtoolConstants.*;

import dev.dropscope.netlink.AttributeCursor;
import dev.dropscope.netlink.MalformedMessageException;
import dev.dropscope.netlink.MessageBuilder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Requests and pure decoders for the ethtool generic netlink family: string sets, features, rings,
 * channels and standard statistics. Requests go by device name (ETHTOOL_A_HEADER_DEV_NAME) or, with a
 * null name, as a dump over every device of the socket's namespace; a dump leaves out the devices whose
 * driver does not support the request (the kernel skips EOPNOTSUPP), which is how "not supported" shows.
 */
public final class EthtoolMessages {

    /** ETHTOOL_A_RINGS_* names by attribute type, lower case without the prefix. */
    static final String[] RINGS = {null, null, "rx_max", "rx_mini_max", "rx_jumbo_max", "tx_max", "rx", "rx_mini",
        "rx_jumbo", "tx", "rx_buf_len", "tcp_data_split", "cqe_size", "tx_push"};

    /** ETHTOOL_A_CHANNELS_* names by attribute type, lower case without the prefix. */
    static final String[] CHANNELS = {null, null, "rx_max", "tx_max", "other_max", "combined_max", "rx_count",
        "tx_count", "other_count", "combined_count"};

    private EthtoolMessages() {
    }

    // ---------------------------------------------------------------- requests

    /**
     * A GET request of the ethtool family {@code familyId}: a device's, or a dump over all devices when
     * {@code dev} is null; {@code headerFlags} are ETHTOOL_FLAG_* bits.
     */
    public static MessageBuilder request(int familyId, int cmd, int headerAttr, String dev, int headerFlags) {
        MessageBuilder m = new MessageBuilder(512)
                .begin(familyId, NLM_F_REQUEST | (dev == null ? NLM_F_DUMP : 0))
                .genl(cmd, ETHTOOL_GENL_VERSION);
        header(m, headerAttr, dev, headerFlags);
        return m;
    }

    private static void header(MessageBuilder m, int headerAttr, String dev, int headerFlags) {
        int h = m.beginNested(headerAttr);
        if (dev != null) {
            m.string(ETHTOOL_A_HEADER_DEV_NAME, dev);
        }
        if (headerFlags != 0) {
            m.u32(ETHTOOL_A_HEADER_FLAGS, headerFlags);
        }
        m.endNested(h);
    }

    /**
     * STRSET_GET for the given string sets: global ones (ETH_SS_FEATURES, ETH_SS_STATS_STD and the
     * ETH_SS_STATS_* group sets) when {@code dev} is null, a device's own (ETH_SS_STATS) otherwise.
     */
    public static MessageBuilder stringSetsRequest(int familyId, String dev, int... sets) {
        MessageBuilder m = new MessageBuilder(512).begin(familyId, NLM_F_REQUEST).genl(ETHTOOL_MSG_STRSET_GET,
                ETHTOOL_GENL_VERSION);
        header(m, ETHTOOL_A_STRSET_HEADER, dev, 0);
        int all = m.beginNested(ETHTOOL_A_STRSET_STRINGSETS);
        for (int id : sets) {
            int one = m.beginNested(ETHTOOL_A_STRINGSETS_STRINGSET);
            m.u32(ETHTOOL_A_STRINGSET_ID, id);
            m.endNested(one);
        }
        m.endNested(all);
        return m;
    }

    /**
     * STATS_GET asking for the standard groups {@code 0 .. groupCount-1} (a compact bit set, as ethtool
     * --all-groups sends), for one device or as a dump.
     */
    public static MessageBuilder statsRequest(int familyId, String dev, int groupCount) {
        MessageBuilder m = request(familyId, ETHTOOL_MSG_STATS_GET, ETHTOOL_A_STATS_HEADER, dev, 0);
        int g = m.beginNested(ETHTOOL_A_STATS_GROUPS);
        m.flag(ETHTOOL_A_BITSET_NOMASK);
        m.u32(ETHTOOL_A_BITSET_SIZE, groupCount);
        int words = (groupCount + 31) / 32;
        byte[] value = new byte[words * 4];
        ByteBuffer v = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        for (int i = 0; i < groupCount; i++) {
            v.putInt((i / 32) * 4, v.getInt((i / 32) * 4) | 1 << (i % 32));
        }
        m.bytes(ETHTOOL_A_BITSET_VALUE, value);
        m.endNested(g);
        return m;
    }

    // ---------------------------------------------------------------- replies

    /** Offset of the attributes of a genl message, after checking its command. */
    private static int attributes(ByteBuffer b, int at, int len, int expectedCmd, String what)
            throws MalformedMessageException {
        if (len < NLMSG_HDRLEN + GENL_HDRLEN) {
            throw new MalformedMessageException(what + " of " + len + " bytes has no genlmsghdr");
        }
        int cmd = Byte.toUnsignedInt(b.get(at + NLMSG_HDRLEN));
        if (cmd != expectedCmd) {
            throw new MalformedMessageException(what + ": genl command " + cmd + ", expected " + expectedCmd);
        }
        return at + NLMSG_HDRLEN + GENL_HDRLEN;
    }

    /** ifindex and name from a reply's ETHTOOL_A_*_HEADER nest. */
    private record Header(int ifindex, String dev) {
    }

    private static Header header(AttributeCursor c) throws MalformedMessageException {
        AttributeCursor h = c.nested();
        int ifindex = 0;
        String dev = null;
        while (h.next()) {
            if (h.type() == ETHTOOL_A_HEADER_DEV_INDEX) {
                ifindex = h.u32();
            } else if (h.type() == ETHTOOL_A_HEADER_DEV_NAME) {
                dev = h.string();
            }
        }
        return new Header(ifindex, dev);
    }

    private static Header requireHeader(Header h, String what) throws MalformedMessageException {
        if (h == null || h.dev() == null) {
            throw new MalformedMessageException(what + " without a device header");
        }
        return h;
    }

    /** Decodes a STRSET_GET reply into its string sets by id. */
    public static Map<Integer, StringSet> parseStringSets(ByteBuffer b, int at, int len) throws MalformedMessageException {
        AttributeCursor c = new AttributeCursor(b, attributes(b, at, len, ETHTOOL_MSG_STRSET_GET_REPLY,
                "STRSET_GET reply"), at + len);
        Map<Integer, StringSet> out = new LinkedHashMap<>();
        while (c.next()) {
            if (c.type() != ETHTOOL_A_STRSET_STRINGSETS) {
                continue;
            }
            AttributeCursor sets = c.nested();
            while (sets.next()) {
                if (sets.type() != ETHTOOL_A_STRINGSETS_STRINGSET) {
                    continue;
                }
                AttributeCursor set = sets.nested();
                int id = -1;
                int count = -1;
                Map<Integer, String> strings = new TreeMap<>();
                while (set.next()) {
                    switch (set.type()) {
                        case ETHTOOL_A_STRINGSET_ID:
                            id = set.u32();
                            break;
                        case ETHTOOL_A_STRINGSET_COUNT:
                            count = set.u32();
                            break;
                        case ETHTOOL_A_STRINGSET_STRINGS:
                            strings(set.nested(), strings);
                            break;
                        default:
                            break;
                    }
                }
                if (id < 0) {
                    throw new MalformedMessageException("string set without ETHTOOL_A_STRINGSET_ID");
                }
                int n = Math.max(count, strings.isEmpty() ? 0 : ((TreeMap<Integer, String>) strings).lastKey() + 1);
                if (n > 1 << 20) {
                    throw new MalformedMessageException("string set " + id + " claims " + n + " strings");
                }
                List<String> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(strings.getOrDefault(i, ""));
                }
                out.put(id, new StringSet(id, list));
            }
        }
        return out;
    }

    private static void strings(AttributeCursor c, Map<Integer, String> out) throws MalformedMessageException {
        AttributeCursor s = new AttributeCursor();
        while (c.next()) {
            if (c.type() != ETHTOOL_A_STRINGS_STRING) {
                continue;
            }
            c.nested(s);
            int index = -1;
            String value = null;
            while (s.next()) {
                if (s.type() == ETHTOOL_A_STRING_INDEX) {
                    index = s.u32();
                } else if (s.type() == ETHTOOL_A_STRING_VALUE) {
                    value = s.string();
                }
            }
            if (index < 0 || value == null) {
                throw new MalformedMessageException("string without index or value");
            }
            out.put(index, value);
        }
    }

    /** Decodes a FEATURES_GET reply. */
    public static DeviceFeatures parseFeatures(ByteBuffer b, int at, int len) throws MalformedMessageException {
        AttributeCursor c = new AttributeCursor(b, attributes(b, at, len, ETHTOOL_MSG_FEATURES_GET_REPLY,
                "FEATURES_GET reply"), at + len);
        Header h = null;
        Bitset hw = null;
        Bitset wanted = null;
        Bitset active = null;
        Bitset nochange = null;
        while (c.next()) {
            switch (c.type()) {
                case ETHTOOL_A_FEATURES_HEADER:
                    h = header(c);
                    break;
                case ETHTOOL_A_FEATURES_HW:
                    hw = parseBitset(c.nested());
                    break;
                case ETHTOOL_A_FEATURES_WANTED:
                    wanted = parseBitset(c.nested());
                    break;
                case ETHTOOL_A_FEATURES_ACTIVE:
                    active = parseBitset(c.nested());
                    break;
                case ETHTOOL_A_FEATURES_NOCHANGE:
                    nochange = parseBitset(c.nested());
                    break;
                default:
                    break;
            }
        }
        h = requireHeader(h, "FEATURES_GET reply");
        if (hw == null || wanted == null || active == null || nochange == null) {
            throw new MalformedMessageException("FEATURES_GET reply for " + h.dev() + " lacks one of its four bit sets");
        }
        return new DeviceFeatures(h.ifindex(), h.dev(), hw, wanted, active, nochange);
    }

    /** Decodes a RINGS_GET reply. */
    public static DeviceValues parseRings(ByteBuffer b, int at, int len) throws MalformedMessageException {
        return values(b, at, len, ETHTOOL_MSG_RINGS_GET_REPLY, ETHTOOL_A_RINGS_HEADER, RINGS, "RINGS_GET reply");
    }

    /** Decodes a CHANNELS_GET reply. */
    public static DeviceValues parseChannels(ByteBuffer b, int at, int len) throws MalformedMessageException {
        return values(b, at, len, ETHTOOL_MSG_CHANNELS_GET_REPLY, ETHTOOL_A_CHANNELS_HEADER, CHANNELS,
                "CHANNELS_GET reply");
    }

    private static DeviceValues values(ByteBuffer b, int at, int len, int cmd, int headerAttr, String[] names,
                                       String what) throws MalformedMessageException {
        AttributeCursor c = new AttributeCursor(b, attributes(b, at, len, cmd, what), at + len);
        Header h = null;
        Map<String, Long> values = new LinkedHashMap<>();
        while (c.next()) {
            if (c.type() == headerAttr) {
                h = header(c);
            } else if (c.type() < names.length && names[c.type()] != null) {
                values.put(names[c.type()], unsigned(c));
            }
        }
        h = requireHeader(h, what);
        return new DeviceValues(h.ifindex(), h.dev(), values);
    }

    /** A u8, u32 or u64 attribute by its length, unsigned (u64 above 2^63 stays as its bits). */
    private static long unsigned(AttributeCursor c) throws MalformedMessageException {
        switch (c.payloadLength()) {
            case 1:
                return c.u8();
            case 2:
                return c.u16();
            case 4:
                return Integer.toUnsignedLong(c.u32());
            case 8:
                return c.u64();
            default:
                throw new MalformedMessageException("attribute type " + c.type() + " of " + c.payloadLength()
                        + " bytes is not an integer");
        }
    }

    /** Decodes a STATS_GET reply. */
    public static DeviceStats parseStats(ByteBuffer b, int at, int len) throws MalformedMessageException {
        AttributeCursor c = new AttributeCursor(b, attributes(b, at, len, ETHTOOL_MSG_STATS_GET_REPLY,
                "STATS_GET reply"), at + len);
        Header h = null;
        List<DeviceStats.Group> groups = new ArrayList<>();
        AttributeCursor g = new AttributeCursor();
        AttributeCursor s = new AttributeCursor();
        while (c.next()) {
            if (c.type() == ETHTOOL_A_STATS_HEADER) {
                h = header(c);
            } else if (c.type() == ETHTOOL_A_STATS_GRP) {
                c.nested(g);
                int id = -1;
                int ss = -1;
                Map<Integer, Long> counters = new HashMap<>();
                List<DeviceStats.Bucket> hist = new ArrayList<>();
                while (g.next()) {
                    switch (g.type()) {
                        case ETHTOOL_A_STATS_GRP_ID:
                            id = g.u32();
                            break;
                        case ETHTOOL_A_STATS_GRP_SS_ID:
                            ss = g.u32();
                            break;
                        case ETHTOOL_A_STATS_GRP_STAT:
                            // one counter per nest, its attribute type is its index (0 is a valid index)
                            g.nested(s);
                            while (s.next()) {
                                counters.put(s.type(), s.u64());
                            }
                            break;
                        case ETHTOOL_A_STATS_GRP_HIST_RX:
                        case ETHTOOL_A_STATS_GRP_HIST_TX:
                            hist.add(bucket(g.nested(), g.type() == ETHTOOL_A_STATS_GRP_HIST_RX));
                            break;
                        default:
                            break;
                    }
                }
                if (id < 0 || ss < 0) {
                    throw new MalformedMessageException("statistics group without id or string set");
                }
                groups.add(new DeviceStats.Group(id, ss, counters, hist));
            }
        }
        h = requireHeader(h, "STATS_GET reply");
        return new DeviceStats(h.ifindex(), h.dev(), groups);
    }

    private static DeviceStats.Bucket bucket(AttributeCursor c, boolean rx) throws MalformedMessageException {
        long low = -1;
        long high = -1;
        long val = -1;
        while (c.next()) {
            switch (c.type()) {
                case ETHTOOL_A_STATS_GRP_HIST_BKT_LOW:
                    low = Integer.toUnsignedLong(c.u32());
                    break;
                case ETHTOOL_A_STATS_GRP_HIST_BKT_HI:
                    high = Integer.toUnsignedLong(c.u32());
                    break;
                case ETHTOOL_A_STATS_GRP_HIST_VAL:
                    val = c.u64();
                    break;
                default:
                    break;
            }
        }
        if (low < 0 || high < 0 || val == -1) {
            throw new MalformedMessageException("histogram bucket without its bounds or value");
        }
        return new DeviceStats.Bucket(rx, low, high, val);
    }

    /** Decodes a bit set nest (compact or verbose). */
    public static Bitset parseBitset(AttributeCursor c) throws MalformedMessageException {
        boolean nomask = false;
        int size = -1;
        BitSet value = new BitSet();
        BitSet mask = new BitSet();
        boolean compactValue = false;
        Map<Integer, String> names = new HashMap<>();
        AttributeCursor bit = new AttributeCursor();
        while (c.next()) {
            switch (c.type()) {
                case ETHTOOL_A_BITSET_NOMASK:
                    nomask = true;
                    break;
                case ETHTOOL_A_BITSET_SIZE:
                    size = c.u32();
                    break;
                case ETHTOOL_A_BITSET_VALUE:
                    words(c, value);
                    compactValue = true;
                    break;
                case ETHTOOL_A_BITSET_MASK:
                    words(c, mask);
                    break;
                case ETHTOOL_A_BITSET_BITS:
                    AttributeCursor bits = c.nested();
                    while (bits.next()) {
                        if (bits.type() != ETHTOOL_A_BITSET_BITS_BIT) {
                            continue;
                        }
                        bits.nested(bit);
                        int index = -1;
                        String name = null;
                        boolean on = false;
                        while (bit.next()) {
                            if (bit.type() == ETHTOOL_A_BITSET_BIT_INDEX) {
                                index = bit.u32();
                            } else if (bit.type() == ETHTOOL_A_BITSET_BIT_NAME) {
                                name = bit.string();
                            } else if (bit.type() == ETHTOOL_A_BITSET_BIT_VALUE) {
                                on = true;
                            }
                        }
                        if (index < 0 || index >= 1 << 20) {
                            throw new MalformedMessageException("bit set entry without a plausible index: " + index);
                        }
                        if (name != null) {
                            names.put(index, name);
                        }
                        mask.set(index);
                        // in a list (no mask) every listed bit is set; otherwise BIT_VALUE says so
                        if (on || nomask) {
                            value.set(index);
                        }
                    }
                    break;
                default:
                    break;
            }
        }
        if (size < 0) {
            throw new MalformedMessageException("bit set without ETHTOOL_A_BITSET_SIZE");
        }
        if (compactValue && size > 0 && value.length() > size) {
            throw new MalformedMessageException("bit set of size " + size + " has bit " + (value.length() - 1) + " set");
        }
        return new Bitset(size, value, nomask ? null : mask, names);
    }

    private static void words(AttributeCursor c, BitSet into) throws MalformedMessageException {
        if (c.payloadLength() % 4 != 0) {
            throw new MalformedMessageException("bit set array of " + c.payloadLength() + " bytes is not u32 words");
        }
        ByteBuffer b = c.buffer();
        int p = c.payloadOffset();
        for (int w = 0; w < c.payloadLength() / 4; w++) {
            int word = b.getInt(p + 4 * w);
            for (int i = 0; i < 32; i++) {
                if ((word >>> i & 1) != 0) {
                    into.set(w * 32 + i);
                }
            }
        }
    }
}
