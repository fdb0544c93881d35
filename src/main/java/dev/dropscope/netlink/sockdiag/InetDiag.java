package dev.dropscope.netlink.sockdiag;

import static dev.dropscope.netlink.NetlinkConstants.*;
import static dev.dropscope.netlink.sockdiag.SockDiagConstants.*;

import dev.dropscope.netlink.AttributeCursor;
import dev.dropscope.netlink.MalformedMessageException;
import dev.dropscope.netlink.MessageBuilder;
import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.netlink.NlMsg;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * inet_diag over NETLINK_SOCK_DIAG: the dump request (SOCK_DIAG_BY_FAMILY with struct inet_diag_req_v2)
 * for one family and protocol, and the decoding of its replies (struct inet_diag_msg followed by
 * attributes). {@link Reader} looks at one reply without allocating, so a dump of many sockets can pick
 * the few worth keeping before building an {@link InetSocket} for them. Answers what the socket's own
 * network namespace holds: the socket must be opened in the namespace being looked at.
 */
public final class InetDiag {
    /** Every TCP state (bits 1 << TCP_*): all sockets, listeners and time-wait included. */
    public static final int ALL_STATES = 0xfff;
    /** The extensions asked for: SKMEMINFO (memory, drops) and INFO (tcp_info; UDP has none). */
    static final int EXTENSIONS = 1 << (INET_DIAG_SKMEMINFO - 1) | 1 << (INET_DIAG_INFO - 1);

    private InetDiag() {
    }

    /** The dump request for every socket of {@code family} (AF_INET, AF_INET6) and {@code protocol}. */
    public static MessageBuilder dumpRequest(int family, int protocol, int states) {
        MessageBuilder m = new MessageBuilder(128).begin(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP);
        int h = m.reserve(INET_DIAG_REQ_V2_SIZE);
        ByteBuffer b = m.buffer();
        b.put(h + INET_DIAG_REQ_V2_FAMILY_OFFSET, (byte) family);
        b.put(h + INET_DIAG_REQ_V2_PROTOCOL_OFFSET, (byte) protocol);
        b.put(h + INET_DIAG_REQ_V2_EXT_OFFSET, (byte) EXTENSIONS);
        b.putInt(h + INET_DIAG_REQ_V2_STATES_OFFSET, states);
        // the socket id stays zero: a dump matches on family, protocol and states only
        return m;
    }

    /** Every state but TIME-WAIT: those mini sockets hold no data, no memory and no owner. */
    public static final int LIVE_STATES = ALL_STATES & ~(1 << 6);

    /**
     * Dumps the sockets of one family and protocol in {@code states} (bits 1 << TCP_*); {@code visitor}
     * sees each reply through a reused reader.
     */
    public static void dump(NetlinkSocket s, int family, int protocol, int states, Reader reader, Visitor visitor)
            throws IOException {
        String op = "SOCK_DIAG_BY_FAMILY " + (protocol == IPPROTO_TCP ? "tcp" : protocol == IPPROTO_UDP ? "udp"
                : "protocol " + protocol) + (family == AF_INET6 ? "6" : "") + " dump";
        s.request(op, dumpRequest(family, protocol, states), (b, at, len) -> {
            if (reader.read(b, at, len, protocol)) {
                visitor.onSocket(reader);
            }
        });
    }

    /** Sees each socket of a dump; the reader is valid only during the call. */
    @FunctionalInterface
    public interface Visitor {
        void onSocket(Reader socket) throws IOException;
    }

    /** Decodes one reply into an {@link InetSocket}. */
    public static InetSocket parse(ByteBuffer b, int at, int len, int protocol) throws MalformedMessageException {
        Reader r = new Reader();
        if (!r.read(b, at, len, protocol)) {
            throw new MalformedMessageException("message type " + NlMsg.type(b, at) + " is not SOCK_DIAG_BY_FAMILY");
        }
        return r.toSocket();
    }

    /**
     * A view of one inet_diag reply: {@link #read} checks its lengths and finds the attributes, the getters
     * read fields in place. Reusable, not thread-safe.
     */
    public static final class Reader {
        private final AttributeCursor cursor = new AttributeCursor();
        private ByteBuffer b;
        private int msg;
        private int protocol;
        private int mem = -1;
        private int memLen;
        private int info = -1;
        private int infoLen;

        /**
         * Points the reader at the message in {@code [at, at + len)}. Returns false for a message of
         * another type (skipped); throws when an inet_diag reply is cut short or lies about a length.
         */
        public boolean read(ByteBuffer b, int at, int len, int protocol) throws MalformedMessageException {
            if (len < NLMSG_HDRLEN || at + len > b.limit()) {
                throw new MalformedMessageException("sock_diag message of " + len + " bytes at " + at
                        + " does not fit its buffer");
            }
            if (NlMsg.type(b, at) != SOCK_DIAG_BY_FAMILY) {
                return false;
            }
            if (len < NLMSG_HDRLEN + INET_DIAG_MSG_SIZE) {
                throw new MalformedMessageException("inet_diag reply of " + len + " bytes has no inet_diag_msg (needs "
                        + (NLMSG_HDRLEN + INET_DIAG_MSG_SIZE) + ")");
            }
            int m = at + NLMSG_HDRLEN;
            int family = Byte.toUnsignedInt(b.get(m + INET_DIAG_MSG_FAMILY_OFFSET));
            if (family != AF_INET && family != AF_INET6) {
                throw new MalformedMessageException("inet_diag reply of address family " + family
                        + " (expected AF_INET or AF_INET6)");
            }
            this.b = b;
            this.msg = m;
            this.protocol = protocol;
            mem = -1;
            memLen = 0;
            info = -1;
            infoLen = 0;
            cursor.reset(b, m + INET_DIAG_MSG_SIZE, at + len);
            while (cursor.next()) {
                if (cursor.type() == INET_DIAG_SKMEMINFO) {
                    mem = cursor.payloadOffset();
                    memLen = cursor.payloadLength();
                } else if (cursor.type() == INET_DIAG_INFO) {
                    info = cursor.payloadOffset();
                    infoLen = cursor.payloadLength();
                }
            }
            return true;
        }

        public int family() {
            return Byte.toUnsignedInt(b.get(msg + INET_DIAG_MSG_FAMILY_OFFSET));
        }

        public int protocol() {
            return protocol;
        }

        public int state() {
            return Byte.toUnsignedInt(b.get(msg + INET_DIAG_MSG_STATE_OFFSET));
        }

        public boolean isListener() {
            return protocol == IPPROTO_TCP && state() == TCP_LISTEN;
        }

        public long rqueue() {
            return Integer.toUnsignedLong(b.getInt(msg + INET_DIAG_MSG_RQUEUE_OFFSET));
        }

        public long wqueue() {
            return Integer.toUnsignedLong(b.getInt(msg + INET_DIAG_MSG_WQUEUE_OFFSET));
        }

        public long inode() {
            return Integer.toUnsignedLong(b.getInt(msg + INET_DIAG_MSG_INODE_OFFSET));
        }

        public long cookie() {
            int id = msg + INET_DIAG_MSG_ID_OFFSET + INET_DIAG_SOCKID_COOKIE_OFFSET;
            return Integer.toUnsignedLong(b.getInt(id)) | Integer.toUnsignedLong(b.getInt(id + 4)) << 32;
        }

        /** An SK_MEMINFO_* value, or -1 when the kernel did not send that many. */
        public long memInfo(int index) {
            if (mem < 0 || memLen < (index + 1) * 4) {
                return -1;
            }
            return Integer.toUnsignedLong(b.getInt(mem + index * 4));
        }

        /** The socket's own drop counter (SK_MEMINFO_DROPS), -1 when not sent. */
        public long drops() {
            return memInfo(SK_MEMINFO_DROPS);
        }

        private long infoU32(int offset) {
            return info >= 0 && infoLen >= offset + 4 ? Integer.toUnsignedLong(b.getInt(info + offset)) : -1;
        }

        private long infoU64(int offset) {
            // a u64 counter past 2^63 would read negative: it cannot get there, but -1 must keep meaning "absent"
            return info >= 0 && infoLen >= offset + 8 ? b.getLong(info + offset) & Long.MAX_VALUE : -1;
        }

        private int infoU8(int offset) {
            return info >= 0 && infoLen >= offset + 1 ? Byte.toUnsignedInt(b.get(info + offset)) : -1;
        }

        /** tcpi_bytes_received, -1 without tcp_info. */
        public long bytesReceived() {
            return infoU64(TCP_INFO_BYTES_RECEIVED_OFFSET);
        }

        /** Builds the socket record (addresses formatted as ss prints them). */
        public InetSocket toSocket() {
            int id = msg + INET_DIAG_MSG_ID_OFFSET;
            int family = family();
            String local = address(b, id + INET_DIAG_SOCKID_SRC_OFFSET, family);
            String remote = address(b, id + INET_DIAG_SOCKID_DST_OFFSET, family);
            int sport = be16(b, id + INET_DIAG_SOCKID_SPORT_OFFSET);
            int dport = be16(b, id + INET_DIAG_SOCKID_DPORT_OFFSET);
            InetSocket.MemInfo m = mem < 0 ? null : new InetSocket.MemInfo(memInfo(SK_MEMINFO_RMEM_ALLOC),
                    memInfo(SK_MEMINFO_RCVBUF), memInfo(SK_MEMINFO_WMEM_ALLOC), memInfo(SK_MEMINFO_SNDBUF),
                    memInfo(SK_MEMINFO_FWD_ALLOC), memInfo(SK_MEMINFO_WMEM_QUEUED), memInfo(SK_MEMINFO_OPTMEM),
                    memInfo(SK_MEMINFO_BACKLOG), memInfo(SK_MEMINFO_DROPS));
            InetSocket.TcpInfo t = info < 0 ? null : new InetSocket.TcpInfo(infoLen, infoU8(TCP_INFO_STATE_OFFSET),
                    infoU8(TCP_INFO_PROBES_OFFSET), infoU8(TCP_INFO_BACKOFF_OFFSET), infoU32(TCP_INFO_RCV_MSS_OFFSET),
                    infoU32(TCP_INFO_UNACKED_OFFSET), infoU32(TCP_INFO_LAST_DATA_SENT_OFFSET),
                    infoU32(TCP_INFO_LAST_DATA_RECV_OFFSET), infoU32(TCP_INFO_RTT_OFFSET),
                    infoU32(TCP_INFO_RCV_SPACE_OFFSET), infoU32(TCP_INFO_TOTAL_RETRANS_OFFSET),
                    infoU64(TCP_INFO_BYTES_ACKED_OFFSET), infoU64(TCP_INFO_BYTES_RECEIVED_OFFSET),
                    infoU32(TCP_INFO_SND_WND_OFFSET), infoU32(TCP_INFO_RCV_WND_OFFSET));
            return new InetSocket(family, protocol, state(), local, sport, remote, dport,
                    b.getInt(id + INET_DIAG_SOCKID_IF_OFFSET), cookie(), rqueue(), wqueue(),
                    Integer.toUnsignedLong(b.getInt(msg + INET_DIAG_MSG_UID_OFFSET)), inode(), m, t);
        }
    }

    private static int be16(ByteBuffer b, int p) {
        return Byte.toUnsignedInt(b.get(p)) << 8 | Byte.toUnsignedInt(b.get(p + 1));
    }

    /** An address of inet_diag_sockid (network order) as ss prints it: dotted quad, or RFC 5952 for IPv6. */
    static String address(ByteBuffer b, int at, int family) {
        if (family == AF_INET) {
            return Byte.toUnsignedInt(b.get(at)) + "." + Byte.toUnsignedInt(b.get(at + 1)) + "."
                    + Byte.toUnsignedInt(b.get(at + 2)) + "." + Byte.toUnsignedInt(b.get(at + 3));
        }
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) {
            w[i] = Byte.toUnsignedInt(b.get(at + 2 * i)) << 8 | Byte.toUnsignedInt(b.get(at + 2 * i + 1));
        }
        if (w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0xffff) {
            return "::ffff:" + (w[6] >> 8) + "." + (w[6] & 0xff) + "." + (w[7] >> 8) + "." + (w[7] & 0xff);
        }
        // the longest run of two or more zero words becomes "::" (the first of equal runs)
        int bestAt = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestAt = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(40);
        for (int i = 0; i < 8; i++) {
            if (i == bestAt) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(w[i]));
        }
        return sb.toString();
    }
}
