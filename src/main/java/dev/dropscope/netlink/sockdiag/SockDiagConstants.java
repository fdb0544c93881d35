package dev.dropscope.netlink.sockdiag;

/**
 * Socket diagnostics over NETLINK_SOCK_DIAG, from include/uapi/linux/sock_diag.h, inet_diag.h and tcp.h,
 * checked against the system headers by native/uapi_probe.c. Offsets are in bytes from the start of
 * their struct; multi-byte fields are in host order except the ports and addresses (network order).
 */
public final class SockDiagConstants {
    private SockDiagConstants() {
    }

    /** The netlink protocol and the one request type every family answers. */
    public static final int NETLINK_SOCK_DIAG = 4;
    public static final int SOCK_DIAG_BY_FAMILY = 20;

    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;

    /** struct inet_diag_sockid: ports and addresses big-endian, the cookie two host-order u32s (low first). */
    public static final int INET_DIAG_SOCKID_SIZE = 48;
    public static final int INET_DIAG_SOCKID_SPORT_OFFSET = 0;
    public static final int INET_DIAG_SOCKID_DPORT_OFFSET = 2;
    public static final int INET_DIAG_SOCKID_SRC_OFFSET = 4;
    public static final int INET_DIAG_SOCKID_DST_OFFSET = 20;
    public static final int INET_DIAG_SOCKID_IF_OFFSET = 36;
    public static final int INET_DIAG_SOCKID_COOKIE_OFFSET = 40;

    /** struct inet_diag_req_v2: the dump request. */
    public static final int INET_DIAG_REQ_V2_SIZE = 56;
    public static final int INET_DIAG_REQ_V2_FAMILY_OFFSET = 0;
    public static final int INET_DIAG_REQ_V2_PROTOCOL_OFFSET = 1;
    public static final int INET_DIAG_REQ_V2_EXT_OFFSET = 2;
    public static final int INET_DIAG_REQ_V2_STATES_OFFSET = 4;
    public static final int INET_DIAG_REQ_V2_ID_OFFSET = 8;

    /** struct inet_diag_msg: one socket of the reply. */
    public static final int INET_DIAG_MSG_SIZE = 72;
    public static final int INET_DIAG_MSG_FAMILY_OFFSET = 0;
    public static final int INET_DIAG_MSG_STATE_OFFSET = 1;
    public static final int INET_DIAG_MSG_TIMER_OFFSET = 2;
    public static final int INET_DIAG_MSG_RETRANS_OFFSET = 3;
    public static final int INET_DIAG_MSG_ID_OFFSET = 4;
    public static final int INET_DIAG_MSG_EXPIRES_OFFSET = 52;
    public static final int INET_DIAG_MSG_RQUEUE_OFFSET = 56;
    public static final int INET_DIAG_MSG_WQUEUE_OFFSET = 60;
    public static final int INET_DIAG_MSG_UID_OFFSET = 64;
    public static final int INET_DIAG_MSG_INODE_OFFSET = 68;

    /** Reply attributes; a request asks for attribute X with bit {@code 1 << (X - 1)} of idiag_ext. */
    public static final int INET_DIAG_MEMINFO = 1;
    public static final int INET_DIAG_INFO = 2;
    public static final int INET_DIAG_SKMEMINFO = 7;
    public static final int INET_DIAG_SHUTDOWN = 8;

    /** The u32 array of INET_DIAG_SKMEMINFO, by index; older kernels send fewer (no DROPS before 3.x). */
    public static final int SK_MEMINFO_RMEM_ALLOC = 0;
    public static final int SK_MEMINFO_RCVBUF = 1;
    public static final int SK_MEMINFO_WMEM_ALLOC = 2;
    public static final int SK_MEMINFO_SNDBUF = 3;
    public static final int SK_MEMINFO_FWD_ALLOC = 4;
    public static final int SK_MEMINFO_WMEM_QUEUED = 5;
    public static final int SK_MEMINFO_OPTMEM = 6;
    public static final int SK_MEMINFO_BACKLOG = 7;
    public static final int SK_MEMINFO_DROPS = 8;
    public static final int SK_MEMINFO_VARS = 9;

    /** TCP states (include/net/tcp_states.h; the values glibc's netinet/tcp.h also has). */
    public static final int TCP_ESTABLISHED = 1;
    public static final int TCP_CLOSE = 7;
    public static final int TCP_LISTEN = 10;

    /**
     * struct tcp_info, the fields read. The kernel sends as much of it as it has: a field is read only
     * when the attribute's length covers it (tcpi_rcv_wnd came with 6.2).
     */
    public static final int TCP_INFO_STATE_OFFSET = 0;
    public static final int TCP_INFO_PROBES_OFFSET = 3;
    public static final int TCP_INFO_BACKOFF_OFFSET = 4;
    public static final int TCP_INFO_RCV_MSS_OFFSET = 20;
    public static final int TCP_INFO_UNACKED_OFFSET = 24;
    public static final int TCP_INFO_LAST_DATA_SENT_OFFSET = 44;
    public static final int TCP_INFO_LAST_DATA_RECV_OFFSET = 52;
    public static final int TCP_INFO_RTT_OFFSET = 68;
    public static final int TCP_INFO_RCV_SPACE_OFFSET = 96;
    public static final int TCP_INFO_TOTAL_RETRANS_OFFSET = 100;
    public static final int TCP_INFO_BYTES_ACKED_OFFSET = 120;
    public static final int TCP_INFO_BYTES_RECEIVED_OFFSET = 128;
    public static final int TCP_INFO_SND_WND_OFFSET = 228;
    public static final int TCP_INFO_RCV_WND_OFFSET = 232;
}
