package dev.dropscope.netlink.genl.netdm;

import static dev.dropscope.netlink.NetlinkConstants.GENL_HDRLEN;
import static dev.dropscope.netlink.NetlinkConstants.NLMSG_HDRLEN;
import static dev.dropscope.netlink.genl.netdm.NetDmConstants.*;

import dev.dropscope.netlink.AttributeCursor;
import dev.dropscope.netlink.MalformedMessageException;

import java.nio.ByteBuffer;

/**
 * Decodes what the NET_DM family sends: summary alerts (per-CPU batches of {pc, count} points, plus
 * hardware trap entries), packet alerts, CONFIG_NEW and STATS_NEW. Every length is checked; a message
 * that lies gives a {@link MalformedMessageException}.
 */
public final class NetDmDecoder {

    /** Receives the points of a summary alert without any allocation on the software path. */
    public interface SummaryConsumer {
        /** {@code pc} 0 means the kernel saw a NIC's rx_dropped counter move (no code location). */
        void onSoftwareDrops(long pc, int count);

        void onHardwareDrops(String trapName, int count);
    }

    /** Largest payload copied out of a packet alert: the kernel caps payloads at 64 KiB. */
    public static final int MAX_PAYLOAD = 65535;

    private final AttributeCursor cursor = new AttributeCursor();
    private final AttributeCursor inner = new AttributeCursor();
    private final AttributeCursor innermost = new AttributeCursor();

    /** The genl command of the message at {@code at}; checks a genlmsghdr is there. */
    public static int command(ByteBuffer b, int at, int len) throws MalformedMessageException {
        if (len < NLMSG_HDRLEN + GENL_HDRLEN) {
            throw new MalformedMessageException("NET_DM message of " + len + " bytes has no genlmsghdr");
        }
        return Byte.toUnsignedInt(b.get(at + NLMSG_HDRLEN));
    }

    private AttributeCursor attributes(ByteBuffer b, int at, int len) throws MalformedMessageException {
        command(b, at, len);
        return cursor.reset(b, at + NLMSG_HDRLEN + GENL_HDRLEN, at + len);
    }

    /**
     * Walks a NET_DM_CMD_ALERT: the legacy {@code struct net_dm_alert_msg} in an NLA_UNSPEC attribute
     * (software points, 12 bytes each, unpadded) and NET_DM_ATTR_HW_ENTRIES (hardware traps). Returns
     * the number of points delivered.
     */
    public int summaryAlert(ByteBuffer b, int at, int len, SummaryConsumer consumer) throws MalformedMessageException {
        AttributeCursor c = attributes(b, at, len);
        int points = 0;
        while (c.next()) {
            if (c.type() == 0) {
                int p = c.payloadOffset();
                int n = c.payloadLength();
                if (n < NET_DM_ALERT_MSG_SIZE) {
                    throw new MalformedMessageException("net_dm_alert_msg of " + n + " bytes has no entry count");
                }
                long entries = Integer.toUnsignedLong(b.getInt(p + NET_DM_ALERT_MSG_ENTRIES_OFFSET));
                if (entries > (n - NET_DM_ALERT_MSG_SIZE) / NET_DM_DROP_POINT_SIZE) {
                    throw new MalformedMessageException("net_dm_alert_msg claims " + entries + " points in "
                            + n + " bytes");
                }
                int q = p + NET_DM_ALERT_MSG_POINTS_OFFSET;
                for (int i = 0; i < entries; i++, q += NET_DM_DROP_POINT_SIZE) {
                    // pc is a u8[8] in host order, count a u32 right after it (no padding: 12-byte points)
                    long pc = b.getLong(q + NET_DM_DROP_POINT_PC_OFFSET);
                    int count = b.getInt(q + NET_DM_DROP_POINT_COUNT_OFFSET);
                    consumer.onSoftwareDrops(pc, count);
                    points++;
                }
            } else if (c.type() == NET_DM_ATTR_HW_ENTRIES) {
                c.nested(inner);
                while (inner.next()) {
                    if (inner.type() != NET_DM_ATTR_HW_ENTRY) {
                        continue;
                    }
                    inner.nested(innermost);
                    String trap = null;
                    int count = 0;
                    while (innermost.next()) {
                        if (innermost.type() == NET_DM_ATTR_HW_TRAP_NAME) {
                            trap = innermost.string();
                        } else if (innermost.type() == NET_DM_ATTR_HW_TRAP_COUNT) {
                            count = innermost.u32();
                        }
                    }
                    if (trap == null) {
                        throw new MalformedMessageException("NET_DM_ATTR_HW_ENTRY without a trap name");
                    }
                    consumer.onHardwareDrops(trap, count);
                    points++;
                }
            }
        }
        return points;
    }

    /** Decodes a NET_DM_CMD_PACKET_ALERT (software or hardware origin). */
    public PacketAlert packetAlert(ByteBuffer b, int at, int len) throws MalformedMessageException {
        AttributeCursor c = attributes(b, at, len);
        int origin = NET_DM_ORIGIN_SW;
        long pc = 0;
        String symbol = null;
        String reason = null;
        int ifindex = -1;
        String ifname = null;
        long timestamp = 0;
        int origLen = -1;
        int proto = -1;
        byte[] payload = null;
        int payloadOffset = -1;
        int payloadLength = 0;
        String trapGroup = null;
        String trapName = null;
        byte[] cookie = null;
        while (c.next()) {
            switch (c.type()) {
                case NET_DM_ATTR_ORIGIN:
                    origin = c.u16();
                    break;
                case NET_DM_ATTR_PC:
                    pc = c.u64();
                    break;
                case NET_DM_ATTR_SYMBOL:
                    symbol = c.string();
                    break;
                case NET_DM_ATTR_REASON:
                    reason = c.string();
                    break;
                case NET_DM_ATTR_IN_PORT:
                    c.nested(inner);
                    while (inner.next()) {
                        if (inner.type() == NET_DM_ATTR_PORT_NETDEV_IFINDEX) {
                            ifindex = inner.u32();
                        } else if (inner.type() == NET_DM_ATTR_PORT_NETDEV_NAME) {
                            ifname = inner.string();
                        }
                    }
                    break;
                case NET_DM_ATTR_TIMESTAMP:
                    timestamp = c.u64();
                    break;
                case NET_DM_ATTR_ORIG_LEN:
                    origLen = c.u32();
                    break;
                case NET_DM_ATTR_PROTO:
                    proto = c.u16();
                    break;
                case NET_DM_ATTR_PAYLOAD:
                    payloadOffset = c.payloadOffset();
                    payloadLength = Math.min(c.payloadLength(), MAX_PAYLOAD);
                    payload = new byte[payloadLength];
                    b.get(payloadOffset, payload, 0, payloadLength);
                    break;
                case NET_DM_ATTR_HW_TRAP_GROUP_NAME:
                    trapGroup = c.string();
                    break;
                case NET_DM_ATTR_HW_TRAP_NAME:
                    trapName = c.string();
                    break;
                case NET_DM_ATTR_FLOW_ACTION_COOKIE:
                    cookie = c.bytes();
                    break;
                default:
                    break; // NET_DM_ATTR_PAD and attributes newer than this decoder
            }
        }
        PacketHeaders headers = payload == null ? PacketHeaders.NONE
                : PacketHeaders.decodeEthernet(b, payloadOffset, payloadLength, proto);
        return new PacketAlert(origin, pc, symbol, reason, ifindex, ifname, timestamp, origLen, proto,
                payload == null ? new byte[0] : payload, headers, trapGroup, trapName, cookie);
    }

    /** Decodes NET_DM_CMD_CONFIG_NEW. */
    public NetDmConfig config(ByteBuffer b, int at, int len) throws MalformedMessageException {
        AttributeCursor c = attributes(b, at, len);
        int mode = -1;
        long trunc = -1;
        long queue = -1;
        while (c.next()) {
            switch (c.type()) {
                case NET_DM_ATTR_ALERT_MODE:
                    mode = c.u8();
                    break;
                case NET_DM_ATTR_TRUNC_LEN:
                    trunc = Integer.toUnsignedLong(c.u32());
                    break;
                case NET_DM_ATTR_QUEUE_LEN:
                    queue = Integer.toUnsignedLong(c.u32());
                    break;
                default:
                    break;
            }
        }
        if (mode < 0) {
            throw new MalformedMessageException("NET_DM_CMD_CONFIG_NEW without NET_DM_ATTR_ALERT_MODE");
        }
        return new NetDmConfig(mode, trunc, queue);
    }

    /** Decodes NET_DM_CMD_STATS_NEW: software and hardware "tail dropped" counts (-1 when absent). */
    public NetDmStats stats(ByteBuffer b, int at, int len) throws MalformedMessageException {
        AttributeCursor c = attributes(b, at, len);
        long sw = -1;
        long hw = -1;
        while (c.next()) {
            if (c.type() == NET_DM_ATTR_STATS || c.type() == NET_DM_ATTR_HW_STATS) {
                long dropped = -1;
                c.nested(inner);
                while (inner.next()) {
                    if (inner.type() == NET_DM_ATTR_STATS_DROPPED) {
                        dropped = inner.u64();
                    }
                }
                if (c.type() == NET_DM_ATTR_STATS) {
                    sw = dropped;
                } else {
                    hw = dropped;
                }
            }
        }
        return new NetDmStats(sw, hw);
    }
}
