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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Queueing disciplines over rtnetlink: the RTM_GETQDISC dump and its pure decoder. */
public final class Qdiscs {
    private Qdiscs() {
    }

    /** RTM_GETQDISC, NLM_F_DUMP: every visible qdisc of every link, as {@code tc -s qdisc show} lists them. */
    public static MessageBuilder dumpRequest() {
        MessageBuilder m = new MessageBuilder(64).begin(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_DUMP);
        m.reserve(TCMSG_SIZE);
        return m;
    }

    public static List<Qdisc> query(NetlinkSocket rtnl) throws IOException {
        List<Qdisc> out = new ArrayList<>();
        rtnl.request("RTM_GETQDISC dump", dumpRequest(), (b, at, len) -> {
            if (NlMsg.type(b, at) == RTM_NEWQDISC) {
                out.add(parse(b, at, len));
            }
        });
        return out;
    }

    /** Decodes one RTM_NEWQDISC message (nlmsghdr at {@code at}, {@code len} bytes, already bounds-checked). */
    public static Qdisc parse(ByteBuffer b, int at, int len) throws MalformedMessageException {
        int hdr = at + NLMSG_HDRLEN;
        if (len < NLMSG_HDRLEN + TCMSG_SIZE) {
            throw new MalformedMessageException("RTM_NEWQDISC of " + len + " bytes has no tcmsg");
        }
        int ifindex = b.getInt(hdr + TCMSG_TCM_IFINDEX_OFFSET);
        int handle = b.getInt(hdr + TCMSG_TCM_HANDLE_OFFSET);
        int parent = b.getInt(hdr + TCMSG_TCM_PARENT_OFFSET);
        String kind = null;
        Map<String, Long> stats = new LinkedHashMap<>();
        AttributeCursor c = new AttributeCursor(b, hdr + TCMSG_SIZE, at + len);
        AttributeCursor s = new AttributeCursor();
        while (c.next()) {
            if (c.type() == TCA_KIND) {
                kind = c.string();
            } else if (c.type() == TCA_STATS2) {
                c.nested(s);
                Long pkt64 = null;
                while (s.next()) {
                    int p = s.payloadOffset();
                    switch (s.type()) {
                        case TCA_STATS_BASIC:
                            need(s, GNET_STATS_BASIC_PACKETS_OFFSET + 4, "gnet_stats_basic");
                            stats.put("bytes", b.getLong(p + GNET_STATS_BASIC_BYTES_OFFSET));
                            stats.put("packets", u32(b, p + GNET_STATS_BASIC_PACKETS_OFFSET));
                            break;
                        case TCA_STATS_PKT64:
                            pkt64 = s.u64();
                            break;
                        case TCA_STATS_QUEUE:
                            need(s, GNET_STATS_QUEUE_SIZE, "gnet_stats_queue");
                            stats.put("qlen", u32(b, p + GNET_STATS_QUEUE_QLEN_OFFSET));
                            stats.put("backlog", u32(b, p + GNET_STATS_QUEUE_BACKLOG_OFFSET));
                            stats.put("drops", u32(b, p + GNET_STATS_QUEUE_DROPS_OFFSET));
                            stats.put("requeues", u32(b, p + GNET_STATS_QUEUE_REQUEUES_OFFSET));
                            stats.put("overlimits", u32(b, p + GNET_STATS_QUEUE_OVERLIMITS_OFFSET));
                            break;
                        default:
                            break;
                    }
                }
                if (pkt64 != null) {
                    stats.put("packets", pkt64); // the u32 in gnet_stats_basic wraps; the kernel adds this one
                }
            }
        }
        if (kind == null) {
            throw new MalformedMessageException("RTM_NEWQDISC on ifindex " + ifindex + " has no TCA_KIND");
        }
        return new Qdisc(ifindex, handle, parent, kind, stats);
    }

    private static void need(AttributeCursor c, int size, String what) throws MalformedMessageException {
        if (c.payloadLength() < size) {
            throw new MalformedMessageException(what + " attribute of " + c.payloadLength() + " bytes, needs " + size);
        }
    }

    private static long u32(ByteBuffer b, int p) {
        return Integer.toUnsignedLong(b.getInt(p));
    }
}
