package dev.dropscope.netlink.nfct;

import static dev.dropscope.netlink.NetlinkConstants.*;
import static dev.dropscope.netlink.nfct.NfctConstants.*;

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

/**
 * Conntrack statistics over ctnetlink (NETLINK_NETFILTER): per CPU (IPCTNL_MSG_CT_GET_STATS_CPU, a dump
 * with one message per possible CPU, the CPU in nfgenmsg.res_id) and the table-wide entry count
 * (IPCTNL_MSG_CT_GET_STATS). The counters are big-endian u32s (nla_put_be32, without NLA_F_NET_BYTEORDER).
 */
public final class CtStats {
    /** CTA_STATS_* names, lower case without the prefix, indexed by attribute type. */
    private static final String[] CPU_NAMES = {null, "searched", "found", "new", "invalid", "ignore", "delete",
        "delete_list", "insert", "insert_failed", "drop", "early_drop", "error", "search_restart",
        "clash_resolve", "chain_toolong"};

    /** The table size: CTA_STATS_GLOBAL_ENTRIES and CTA_STATS_GLOBAL_MAX_ENTRIES (-1 when absent). */
    public record Global(long entries, long maxEntries) {
    }

    private CtStats() {
    }

    private static MessageBuilder request(int msg, int flags) {
        MessageBuilder m = new MessageBuilder(64).begin(NFNL_SUBSYS_CTNETLINK << 8 | msg, NLM_F_REQUEST | flags);
        int h = m.reserve(NFGENMSG_SIZE);
        m.buffer().put(h + NFGENMSG_VERSION_OFFSET, (byte) NFNETLINK_V0); // family AF_UNSPEC, res_id 0
        return m;
    }

    public static MessageBuilder perCpuRequest() {
        return request(IPCTNL_MSG_CT_GET_STATS_CPU, NLM_F_DUMP);
    }

    public static MessageBuilder globalRequest() {
        return request(IPCTNL_MSG_CT_GET_STATS, 0);
    }

    public static List<CtCpuStats> queryPerCpu(NetlinkSocket nfnl) throws IOException {
        List<CtCpuStats> out = new ArrayList<>();
        typed(nfnl, "IPCTNL_MSG_CT_GET_STATS_CPU dump", perCpuRequest(), IPCTNL_MSG_CT_GET_STATS_CPU, out::clear,
                (b, at, len) -> out.add(parsePerCpu(b, at, len)));
        return out;
    }

    public static Global queryGlobal(NetlinkSocket nfnl) throws IOException {
        Global[] out = new Global[1];
        typed(nfnl, "IPCTNL_MSG_CT_GET_STATS", globalRequest(), IPCTNL_MSG_CT_GET_STATS, () -> out[0] = null,
                (b, at, len) -> out[0] = parseGlobal(b, at, len));
        if (out[0] == null) {
            throw new MalformedMessageException("IPCTNL_MSG_CT_GET_STATS: the kernel acknowledged without an answer");
        }
        return out[0];
    }

    private static void typed(NetlinkSocket s, String op, MessageBuilder m, int msg, Runnable restart,
                              NetlinkSocket.Handler h) throws IOException {
        int type = NFNL_SUBSYS_CTNETLINK << 8 | msg;
        s.dump(op, m, restart, (b, at, len) -> {
            if (NlMsg.type(b, at) == type) {
                h.onMessage(b, at, len);
            }
        });
    }

    /** Decodes one IPCTNL_MSG_CT_GET_STATS_CPU reply. */
    public static CtCpuStats parsePerCpu(ByteBuffer b, int at, int len) throws MalformedMessageException {
        int hdr = at + NLMSG_HDRLEN;
        if (len < NLMSG_HDRLEN + NFGENMSG_SIZE) {
            throw new MalformedMessageException("ctnetlink message of " + len + " bytes has no nfgenmsg");
        }
        int cpu = be16(b, hdr + NFGENMSG_RES_ID_OFFSET);
        Map<String, Long> counters = new LinkedHashMap<>();
        AttributeCursor c = new AttributeCursor(b, hdr + NFGENMSG_SIZE, at + len);
        while (c.next()) {
            String name = c.type() < CPU_NAMES.length ? CPU_NAMES[c.type()] : null;
            if (name != null) {
                counters.put(name, be32(c));
            }
        }
        return new CtCpuStats(cpu, counters);
    }

    /** Decodes the IPCTNL_MSG_CT_GET_STATS reply. */
    public static Global parseGlobal(ByteBuffer b, int at, int len) throws MalformedMessageException {
        int hdr = at + NLMSG_HDRLEN;
        if (len < NLMSG_HDRLEN + NFGENMSG_SIZE) {
            throw new MalformedMessageException("ctnetlink message of " + len + " bytes has no nfgenmsg");
        }
        long entries = -1;
        long max = -1;
        AttributeCursor c = new AttributeCursor(b, hdr + NFGENMSG_SIZE, at + len);
        while (c.next()) {
            if (c.type() == CTA_STATS_GLOBAL_ENTRIES) {
                entries = be32(c);
            } else if (c.type() == CTA_STATS_GLOBAL_MAX_ENTRIES) {
                max = be32(c);
            }
        }
        return new Global(entries, max);
    }

    private static long be32(AttributeCursor c) throws MalformedMessageException {
        if (c.payloadLength() < 4) {
            throw new MalformedMessageException("conntrack counter type " + c.type() + " has "
                    + c.payloadLength() + " bytes, needs 4");
        }
        ByteBuffer b = c.buffer();
        int p = c.payloadOffset();
        return (Byte.toUnsignedLong(b.get(p)) << 24) | (Byte.toUnsignedLong(b.get(p + 1)) << 16)
                | (Byte.toUnsignedLong(b.get(p + 2)) << 8) | Byte.toUnsignedLong(b.get(p + 3));
    }

    private static int be16(ByteBuffer b, int p) {
        return (Byte.toUnsignedInt(b.get(p)) << 8) | Byte.toUnsignedInt(b.get(p + 1));
    }
}
