package dev.dropscope.netlink;

/** Values from include/uapi/linux/netlink.h and the socket API (checked by the native layout probe). */
public final class NetlinkConstants {
    private NetlinkConstants() {
    }

    // socket(2)
    public static final int AF_NETLINK = 16;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SOL_NETLINK = 270;
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int POLLIN = 0x1;

    // protocols
    public static final int NETLINK_ROUTE = 0;
    public static final int NETLINK_NETFILTER = 12;
    public static final int NETLINK_GENERIC = 16;

    // SOL_NETLINK options
    public static final int NETLINK_ADD_MEMBERSHIP = 1;
    public static final int NETLINK_DROP_MEMBERSHIP = 2;
    public static final int NETLINK_NO_ENOBUFS = 5;
    public static final int NETLINK_CAP_ACK = 10;
    public static final int NETLINK_EXT_ACK = 11;
    public static final int NETLINK_GET_STRICT_CHK = 12;

    /** sizeof(struct sockaddr_nl): family u16, pad u16, pid u32, groups u32. */
    public static final int SOCKADDR_NL_SIZE = 12;

    // struct nlmsghdr
    public static final int NLMSG_HDRLEN = 16;
    public static final int NLMSG_LENGTH_OFFSET = 0;
    public static final int NLMSG_TYPE_OFFSET = 4;
    public static final int NLMSG_FLAGS_OFFSET = 6;
    public static final int NLMSG_SEQ_OFFSET = 8;
    public static final int NLMSG_PID_OFFSET = 12;

    public static final int NLMSG_NOOP = 1;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int NLMSG_OVERRUN = 4;
    public static final int NLMSG_MIN_TYPE = 0x10;

    public static final int NLM_F_REQUEST = 0x01;
    public static final int NLM_F_MULTI = 0x02;
    public static final int NLM_F_ACK = 0x04;
    public static final int NLM_F_ECHO = 0x08;
    public static final int NLM_F_DUMP_INTR = 0x10;
    public static final int NLM_F_DUMP_FILTERED = 0x20;
    public static final int NLM_F_ROOT = 0x100;
    public static final int NLM_F_MATCH = 0x200;
    public static final int NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    public static final int NLM_F_CAPPED = 0x100;
    public static final int NLM_F_ACK_TLVS = 0x200;

    /** sizeof(struct nlmsgerr) with CAP_ACK: int error + the echoed nlmsghdr. */
    public static final int NLMSGERR_SIZE = 4 + NLMSG_HDRLEN;

    public static final int NLMSGERR_ATTR_MSG = 1;
    public static final int NLMSGERR_ATTR_OFFS = 2;
    public static final int NLMSGERR_ATTR_COOKIE = 3;
    public static final int NLMSGERR_ATTR_POLICY = 4;
    public static final int NLMSGERR_ATTR_MISS_TYPE = 5;
    public static final int NLMSGERR_ATTR_MISS_NEST = 6;

    // struct nlattr
    public static final int NLA_HDRLEN = 4;
    public static final int NLA_F_NESTED = 1 << 15;
    public static final int NLA_F_NET_BYTEORDER = 1 << 14;
    public static final int NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

    // struct genlmsghdr
    public static final int GENL_HDRLEN = 4;

    /** NLMSG_ALIGN / NLA_ALIGN: both 4. */
    public static int align(int length) {
        return (length + 3) & ~3;
    }
}
