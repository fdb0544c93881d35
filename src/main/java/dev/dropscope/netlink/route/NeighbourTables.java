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

/** Neighbour (ARP, NDISC) tables over rtnetlink: the RTM_GETNEIGHTBL dump and its pure decoder. */
public final class NeighbourTables {
    /** struct ndt_stats field names without the ndts_ prefix, in struct order (u64 each). */
    public static final List<String> STATS_FIELDS = List.of("allocs", "destroys", "hash_grows", "res_failed",
            "lookups", "hits", "rcv_probes_mcast", "rcv_probes_ucast", "periodic_gc_runs", "forced_gc_runs",
            "table_fulls");

    /** NDTPA_* attribute names, lower case without the prefix, indexed by attribute type. */
    private static final String[] PARMS = {null, "ifindex", "refcnt", "reachable_time", "base_reachable_time",
        "retrans_time", "gc_staletime", "delay_probe_time", "queue_len", "app_probes", "ucast_probes",
        "mcast_probes", "anycast_delay", "proxy_delay", "proxy_qlen", "locktime", "queue_lenbytes",
        "mcast_reprobes", null, "interval_probe_time_ms"};

    private NeighbourTables() {
    }

    /** RTM_GETNEIGHTBL, NLM_F_DUMP, AF_UNSPEC: every table, then every device's parms. */
    public static MessageBuilder dumpRequest() {
        return MessageBuilder.dumpRequest(RTM_GETNEIGHTBL, NDTMSG_SIZE);
    }

    public static List<NeighbourTable> query(NetlinkSocket rtnl) throws IOException {
        return rtnl.dump("RTM_GETNEIGHTBL dump", dumpRequest(), RTM_NEWNEIGHTBL, NeighbourTables::parse);
    }

    /** Decodes one RTM_NEWNEIGHTBL message (nlmsghdr at {@code at}, {@code len} bytes, already bounds-checked). */
    public static NeighbourTable parse(ByteBuffer b, int at, int len) throws MalformedMessageException {
        int hdr = NlMsg.familyHeader(at, len, NDTMSG_SIZE, "RTM_NEWNEIGHTBL", "ndtmsg");
        int fam = Byte.toUnsignedInt(b.get(hdr + NDTMSG_NDTM_FAMILY_OFFSET));
        String name = null;
        long t1 = -1;
        long t2 = -1;
        long t3 = -1;
        long gc = -1;
        Map<String, Long> config = new LinkedHashMap<>();
        Map<String, Long> stats = new LinkedHashMap<>();
        Map<String, Long> parms = new LinkedHashMap<>();
        AttributeCursor c = new AttributeCursor(b, hdr + NDTMSG_SIZE, at + len);
        AttributeCursor p = new AttributeCursor();
        while (c.next()) {
            switch (c.type()) {
                case NDTA_NAME:
                    name = c.string();
                    break;
                case NDTA_THRESH1:
                    t1 = Integer.toUnsignedLong(c.u32());
                    break;
                case NDTA_THRESH2:
                    t2 = Integer.toUnsignedLong(c.u32());
                    break;
                case NDTA_THRESH3:
                    t3 = Integer.toUnsignedLong(c.u32());
                    break;
                case NDTA_GC_INTERVAL:
                    gc = c.u64();
                    break;
                case NDTA_CONFIG:
                    config(c, config);
                    break;
                case NDTA_STATS:
                    stats(c, stats);
                    break;
                case NDTA_PARMS:
                    c.nested(p);
                    while (p.next()) {
                        String n = p.type() < PARMS.length ? PARMS[p.type()] : null;
                        if (n == null) {
                            continue; // NDTPA_PAD, or an attribute newer than this decoder
                        }
                        parms.put(n, p.payloadLength() >= 8 ? p.u64() : Integer.toUnsignedLong(p.u32()));
                    }
                    break;
                default:
                    break;
            }
        }
        if (name == null) {
            throw new MalformedMessageException("RTM_NEWNEIGHTBL without NDTA_NAME");
        }
        return new NeighbourTable(familyName(fam), name, t1, t2, t3, gc, config, stats, parms);
    }

    private static void config(AttributeCursor c, Map<String, Long> out) throws MalformedMessageException {
        if (c.payloadLength() < NDT_CONFIG_SIZE) {
            throw new MalformedMessageException("NDTA_CONFIG of " + c.payloadLength() + " bytes, needs " + NDT_CONFIG_SIZE);
        }
        ByteBuffer b = c.buffer();
        int p = c.payloadOffset();
        out.put("key_len", (long) Short.toUnsignedInt(b.getShort(p + NDT_CONFIG_NDTC_KEY_LEN_OFFSET)));
        out.put("entry_size", (long) Short.toUnsignedInt(b.getShort(p + NDT_CONFIG_NDTC_ENTRY_SIZE_OFFSET)));
        out.put("entries", u32(b, p + NDT_CONFIG_NDTC_ENTRIES_OFFSET));
        out.put("last_flush", u32(b, p + NDT_CONFIG_NDTC_LAST_FLUSH_OFFSET));
        out.put("last_rand", u32(b, p + NDT_CONFIG_NDTC_LAST_RAND_OFFSET));
        out.put("hash_rnd", u32(b, p + NDT_CONFIG_NDTC_HASH_RND_OFFSET));
        out.put("hash_mask", u32(b, p + NDT_CONFIG_NDTC_HASH_MASK_OFFSET));
        out.put("hash_chain_gc", u32(b, p + NDT_CONFIG_NDTC_HASH_CHAIN_GC_OFFSET));
        out.put("proxy_qlen", u32(b, p + NDT_CONFIG_NDTC_PROXY_QLEN_OFFSET));
    }

    /** struct ndt_stats: whole u64s in struct order; an older kernel's shorter struct gives fewer fields. */
    private static void stats(AttributeCursor c, Map<String, Long> out) throws MalformedMessageException {
        int n = c.payloadLength();
        if (n % 8 != 0) {
            throw new MalformedMessageException("NDTA_STATS of " + n + " bytes is not a whole number of u64s");
        }
        ByteBuffer b = c.buffer();
        int p = c.payloadOffset();
        int fields = Math.min(n / 8, STATS_FIELDS.size());
        for (int i = 0; i < fields; i++) {
            out.put(STATS_FIELDS.get(i), b.getLong(p + 8 * i));
        }
    }

    /** "inet", "inet6", or the number as a string. */
    public static String familyName(int family) {
        if (family == AF_INET) {
            return "inet";
        }
        if (family == AF_INET6) {
            return "inet6";
        }
        return Integer.toString(family);
    }

    private static long u32(ByteBuffer b, int p) {
        return Integer.toUnsignedLong(b.getInt(p));
    }
}
