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

/** Queueing disciplines over rtnetlink: the RTM_GETQDISC dump and its pure decoder. */
public final class Qdiscs {
    private Qdiscs() {
    }

    /** RTM_GETQDISC, NLM_F_DUMP: every visible qdisc of every link, as {@code tc -s qdisc show} lists them. */
    public static MessageBuilder dumpRequest() {
        return MessageBuilder.dumpRequest(RTM_GETQDISC, TCMSG_SIZE);
    }

    public static List<Qdisc> query(NetlinkSocket rtnl) throws IOException {
        return rtnl.dump("RTM_GETQDISC dump", dumpRequest(), RTM_NEWQDISC, Qdiscs::parse);
    }

    /** Decodes one RTM_NEWQDISC message (nlmsghdr at {@code at}, {@code len} bytes, already bounds-checked). */
    public static Qdisc parse(ByteBuffer b, int at, int len) throws MalformedMessageException {
        int hdr = NlMsg.familyHeader(at, len, TCMSG_SIZE, "RTM_NEWQDISC", "tcmsg");
        int ifindex = b.getInt(hdr + TCMSG_TCM_IFINDEX_OFFSET);
        int handle = b.getInt(hdr + TCMSG_TCM_HANDLE_OFFSET);
        int parent = b.getInt(hdr + TCMSG_TCM_PARENT_OFFSET);
        String kind = null;
        Map<String, Long> stats = new LinkedHashMap<>();
        AttributeCursor c = new AttributeCursor(b, hdr + TCMSG_SIZE, at + len);
        AttributeCursor s = new AttributeCursor();
        int options = -1;
        while (c.next()) {
            if (c.type() == TCA_KIND) {
                kind = c.string();
            } else if (c.type() == TCA_OPTIONS) {
                options = c.payloadOffset() - NLA_HDRLEN;
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
        if (options >= 0) {
            AttributeCursor o = new AttributeCursor(b, options, at + len);
            if (o.next()) {
                options(b, kind, o, stats);
            }
        }
        return new Qdisc(ifindex, handle, parent, kind, stats);
    }

    /** psched ticks are 64 ns (PSCHED_SHIFT 6), as /proc/net/psched's second field says. */
    static final long PSCHED_TICK_NS = 64;

    /**
     * The configured limits of the qdiscs whose queue can be resized, from TCA_OPTIONS (cursor {@code o}
     * on it): {@code limit_packets} (pfifo, fq_codel) or {@code limit_bytes} (bfifo, tbf), and for tbf its
     * {@code rate_bytes_per_s} and {@code burst_bytes} (from the bucket's buffer time, as tc computes it),
     * which a {@code tc qdisc change ... tbf} must repeat.
     */
    static void options(ByteBuffer b, String kind, AttributeCursor o, Map<String, Long> out)
            throws MalformedMessageException {
        int p = o.payloadOffset();
        switch (kind) {
            case "pfifo", "bfifo" -> {
                need(o, TC_FIFO_QOPT_SIZE, kind + " options");
                out.put(kind.equals("pfifo") ? "limit_packets" : "limit_bytes", u32(b, p));
            }
            case "tbf" -> {
                AttributeCursor n = new AttributeCursor();
                o.nested(n);
                Long rate = null;
                long buffer = -1;
                while (n.next()) {
                    if (n.type() == TCA_TBF_PARMS) {
                        need(n, TC_TBF_QOPT_SIZE, "tc_tbf_qopt");
                        int q = n.payloadOffset();
                        out.put("limit_bytes", u32(b, q + TC_TBF_QOPT_LIMIT_OFFSET));
                        buffer = u32(b, q + TC_TBF_QOPT_BUFFER_OFFSET);
                        if (rate == null) {
                            rate = u32(b, q + TC_TBF_QOPT_RATE_RATE_OFFSET);
                        }
                    } else if (n.type() == TCA_TBF_RATE64) {
                        rate = n.u64(); // rates of 4 GB/s and more do not fit the ratespec's u32
                    }
                }
                if (rate != null) {
                    out.put("rate_bytes_per_s", rate);
                    if (buffer >= 0) {
                        // truncated, as tc's tc_calc_xmitsize does: tc prints and takes back the same value
                        out.put("burst_bytes", (long) Math.floor(rate * (double) buffer * PSCHED_TICK_NS / 1e9 + 1e-6));
                    }
                }
            }
            case "fq_codel" -> {
                AttributeCursor n = new AttributeCursor();
                o.nested(n);
                while (n.next()) {
                    if (n.type() == TCA_FQ_CODEL_LIMIT) {
                        need(n, 4, "TCA_FQ_CODEL_LIMIT");
                        out.put("limit_packets", u32(b, n.payloadOffset()));
                    }
                }
            }
            default -> {
            }
        }
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
