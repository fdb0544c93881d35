package dev.dropscope.netlink.route;

import static dev.dropscope.netlink.NetlinkConstants.*;
import static dev.dropscope.netlink.route.RtnlConstants.*;

import dev.dropscope.netlink.AttributeCursor;
import dev.dropscope.netlink.MalformedMessageException;
import dev.dropscope.netlink.MessageBuilder;
import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.netlink.NlMsg;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Links over rtnetlink: the RTM_GETLINK dump ({@link #query}) and its pure decoder ({@link #parse}), plus
 * the RTM_GETSTATS dump of IFLA_STATS_LINK_64 ({@link #queryStats}) for links whose RTM_NEWLINK lacks
 * IFLA_STATS64.
 */
public final class Links {
    /** ip(8)'s names for the RFC 2863 states, indexed by IF_OPER_*. */
    private static final String[] OPERSTATES = {
        "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"};

    private Links() {
    }

    /** RTM_GETLINK, NLM_F_DUMP, AF_UNSPEC: every link of the socket's namespace. */
    public static MessageBuilder dumpRequest() {
        return MessageBuilder.dumpRequest(RTM_GETLINK, IFINFOMSG_SIZE);
    }

    /** RTM_GETSTATS, NLM_F_DUMP, asking for IFLA_STATS_LINK_64 only. */
    public static MessageBuilder statsDumpRequest() {
        MessageBuilder m = new MessageBuilder(64).begin(RTM_GETSTATS, NLM_F_REQUEST | NLM_F_DUMP);
        int h = m.reserve(IF_STATS_MSG_SIZE);
        m.buffer().putInt(h + IF_STATS_MSG_FILTER_MASK_OFFSET, 1 << (IFLA_STATS_LINK_64 - 1));
        return m;
    }

    public static List<Link> query(NetlinkSocket rtnl) throws IOException {
        return rtnl.dump("RTM_GETLINK dump", dumpRequest(), RTM_NEWLINK, Links::parse);
    }

    /** ifindex to IFLA_STATS_LINK_64 of every link, from RTM_GETSTATS. */
    public static Map<Integer, Map<String, Long>> queryStats(NetlinkSocket rtnl) throws IOException {
        Map<Integer, Map<String, Long>> out = new LinkedHashMap<>();
        rtnl.dump("RTM_GETSTATS dump", statsDumpRequest(), out::clear, (b, at, len) -> {
            if (NlMsg.type(b, at) == RTM_NEWSTATS) {
                parseStats(b, at, len, out);
            }
        });
        return out;
    }

    /** Decodes one RTM_NEWLINK message (nlmsghdr at {@code at}, {@code len} bytes, already bounds-checked). */
    public static Link parse(ByteBuffer b, int at, int len) throws MalformedMessageException {
        int hdr = NlMsg.familyHeader(at, len, IFINFOMSG_SIZE, "RTM_NEWLINK", "ifinfomsg");
        int ifindex = b.getInt(hdr + IFINFOMSG_IFI_INDEX_OFFSET);
        int flags = b.getInt(hdr + IFINFOMSG_IFI_FLAGS_OFFSET);
        String name = null;
        String kind = null;
        String operstate = null;
        int mtu = -1;
        int txqlen = -1;
        int master = 0;
        long carrierChanges = -1;
        Map<String, Long> stats = new LinkedHashMap<>();
        AttributeCursor c = new AttributeCursor(b, hdr + IFINFOMSG_SIZE, at + len);
        AttributeCursor inner = new AttributeCursor();
        while (c.next()) {
            switch (c.type()) {
                case IFLA_IFNAME:
                    name = c.string();
                    break;
                case IFLA_MTU:
                    mtu = c.u32();
                    break;
                case IFLA_TXQLEN:
                    txqlen = c.u32();
                    break;
                case IFLA_MASTER:
                    master = c.u32();
                    break;
                case IFLA_OPERSTATE:
                    operstate = operstateName(c.u8());
                    break;
                case IFLA_CARRIER_CHANGES:
                    carrierChanges = Integer.toUnsignedLong(c.u32());
                    break;
                case IFLA_LINKINFO:
                    c.nested(inner);
                    while (inner.next()) {
                        if (inner.type() == IFLA_INFO_KIND) {
                            kind = inner.string();
                        }
                    }
                    break;
                case IFLA_STATS64:
                    stats = stats64(c);
                    break;
                default:
                    break;
            }
        }
        if (name == null) {
            throw new MalformedMessageException("RTM_NEWLINK for ifindex " + ifindex + " has no IFLA_IFNAME");
        }
        return new Link(ifindex, name, flags, kind, operstate, mtu, txqlen, master, carrierChanges, stats);
    }

    /** Decodes one RTM_NEWSTATS message into {@code out} (ifindex to stats), if it carries IFLA_STATS_LINK_64. */
    public static void parseStats(ByteBuffer b, int at, int len, Map<Integer, Map<String, Long>> out)
            throws MalformedMessageException {
        int hdr = NlMsg.familyHeader(at, len, IF_STATS_MSG_SIZE, "RTM_NEWSTATS", "if_stats_msg");
        int ifindex = b.getInt(hdr + IF_STATS_MSG_IFINDEX_OFFSET);
        AttributeCursor c = new AttributeCursor(b, hdr + IF_STATS_MSG_SIZE, at + len);
        while (c.next()) {
            if (c.type() == IFLA_STATS_LINK_64) {
                out.put(ifindex, stats64(c));
            }
        }
    }

    /**
     * A struct rtnl_link_stats64 attribute: one u64 per whole 8 bytes, named in struct order. The struct
     * grew over time (rx_nohandler in 4.6, rx_otherhost_dropped in 5.19), so a shorter one is an older
     * kernel, and fields past the known names (a newer kernel) are left out.
     */
    static Map<String, Long> stats64(AttributeCursor c) throws MalformedMessageException {
        int n = c.payloadLength();
        if (n % 8 != 0 || n < 8 * 10) {
            throw new MalformedMessageException("rtnl_link_stats64 attribute of " + n
                    + " bytes: not a whole number of u64s, or shorter than any kernel's");
        }
        Map<String, Long> m = new LinkedHashMap<>();
        int fields = Math.min(n / 8, RTNL_LINK_STATS64_FIELDS.size());
        ByteBuffer b = c.buffer();
        int p = c.payloadOffset();
        for (int i = 0; i < fields; i++) {
            m.put(RTNL_LINK_STATS64_FIELDS.get(i), b.getLong(p + 8 * i));
        }
        return m;
    }

    /** ip(8)'s name for an IF_OPER_* value; an unknown number is kept as a number. */
    public static String operstateName(int state) {
        return state >= 0 && state < OPERSTATES.length ? OPERSTATES[state] : Integer.toString(state);
    }
}
