package dev.dropscope.netlink.route;

import java.util.List;

/**
 * rtnetlink values from include/uapi/linux/rtnetlink.h, if_link.h, if.h, neighbour.h, pkt_sched.h and
 * gen_stats.h, checked against the system headers by native/uapi_probe.c. Layout constants are named
 * {@code <STRUCT>_SIZE} and {@code <STRUCT>_<FIELD>_OFFSET} after the C struct and field. The
 * {@code *_MAX} values are left out: they grow with every kernel.
 */
public final class RtnlConstants {
    private RtnlConstants() {
    }

    /** Address families (socket.h) of ndtmsg.ndtm_family and the other family bytes. */
    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    /** Message types (rtnetlink.h). */
    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;
    public static final int RTM_GETLINK = 18;
    public static final int RTM_NEWQDISC = 36;
    public static final int RTM_GETQDISC = 38;
    public static final int RTM_NEWNEIGHTBL = 64;
    public static final int RTM_GETNEIGHTBL = 66;
    public static final int RTM_NEWSTATS = 92;
    public static final int RTM_GETSTATS = 94;

    /** Multicast group for link notifications (enum rtnetlink_groups), joined with NETLINK_ADD_MEMBERSHIP. */
    public static final int RTNLGRP_LINK = 1;

    /** struct ifinfomsg: the fixed header of RTM_*LINK messages. */
    public static final int IFINFOMSG_SIZE = 16;
    public static final int IFINFOMSG_IFI_FAMILY_OFFSET = 0;
    public static final int IFINFOMSG_IFI_TYPE_OFFSET = 2;
    public static final int IFINFOMSG_IFI_INDEX_OFFSET = 4;
    public static final int IFINFOMSG_IFI_FLAGS_OFFSET = 8;
    public static final int IFINFOMSG_IFI_CHANGE_OFFSET = 12;

    /** Bits of ifinfomsg.ifi_flags (if.h, enum net_device_flags). */
    public static final int IFF_UP = 0x1;
    public static final int IFF_BROADCAST = 0x2;
    public static final int IFF_LOOPBACK = 0x8;
    public static final int IFF_POINTOPOINT = 0x10;
    public static final int IFF_RUNNING = 0x40;
    public static final int IFF_NOARP = 0x80;
    public static final int IFF_PROMISC = 0x100;
    public static final int IFF_ALLMULTI = 0x200;
    public static final int IFF_MASTER = 0x400;
    public static final int IFF_SLAVE = 0x800;
    public static final int IFF_MULTICAST = 0x1000;
    public static final int IFF_LOWER_UP = 0x10000;
    public static final int IFF_DORMANT = 0x20000;

    /** RFC 2863 operational states: the u8 in IFLA_OPERSTATE (if.h). */
    public static final int IF_OPER_UNKNOWN = 0;
    public static final int IF_OPER_NOTPRESENT = 1;
    public static final int IF_OPER_DOWN = 2;
    public static final int IF_OPER_LOWERLAYERDOWN = 3;
    public static final int IF_OPER_TESTING = 4;
    public static final int IF_OPER_DORMANT = 5;
    public static final int IF_OPER_UP = 6;

    /** Link attributes (if_link.h). */
    public static final int IFLA_ADDRESS = 1;
    public static final int IFLA_BROADCAST = 2;
    public static final int IFLA_IFNAME = 3;
    public static final int IFLA_MTU = 4;
    public static final int IFLA_LINK = 5;
    public static final int IFLA_QDISC = 6;
    public static final int IFLA_STATS = 7;
    public static final int IFLA_MASTER = 10;
    public static final int IFLA_TXQLEN = 13;
    public static final int IFLA_OPERSTATE = 16;
    public static final int IFLA_LINKMODE = 17;
    public static final int IFLA_LINKINFO = 18;
    public static final int IFLA_IFALIAS = 20;
    public static final int IFLA_STATS64 = 23;
    public static final int IFLA_GROUP = 27;
    public static final int IFLA_EXT_MASK = 29;
    public static final int IFLA_PROMISCUITY = 30;
    public static final int IFLA_NUM_TX_QUEUES = 31;
    public static final int IFLA_NUM_RX_QUEUES = 32;
    public static final int IFLA_CARRIER = 33;
    public static final int IFLA_CARRIER_CHANGES = 35;
    public static final int IFLA_LINK_NETNSID = 37;
    public static final int IFLA_PROTO_DOWN = 39;
    public static final int IFLA_PAD = 42;
    public static final int IFLA_XDP = 43;
    public static final int IFLA_CARRIER_UP_COUNT = 47;
    public static final int IFLA_CARRIER_DOWN_COUNT = 48;
    public static final int IFLA_MIN_MTU = 50;
    public static final int IFLA_MAX_MTU = 51;
    public static final int IFLA_PROP_LIST = 52;
    public static final int IFLA_ALT_IFNAME = 53;
    public static final int IFLA_PERM_ADDRESS = 54;
    public static final int IFLA_PARENT_DEV_NAME = 56;
    public static final int IFLA_PARENT_DEV_BUS_NAME = 57;

    /** Attributes nested in IFLA_LINKINFO. */
    public static final int IFLA_INFO_KIND = 1;
    public static final int IFLA_INFO_DATA = 2;
    public static final int IFLA_INFO_XSTATS = 3;
    public static final int IFLA_INFO_SLAVE_KIND = 4;
    public static final int IFLA_INFO_SLAVE_DATA = 5;

    /** struct if_stats_msg: the fixed header of RTM_GETSTATS / RTM_NEWSTATS. */
    public static final int IF_STATS_MSG_SIZE = 12;
    public static final int IF_STATS_MSG_FAMILY_OFFSET = 0;
    public static final int IF_STATS_MSG_IFINDEX_OFFSET = 4;
    public static final int IF_STATS_MSG_FILTER_MASK_OFFSET = 8;

    /** RTM_NEWSTATS attributes; filter_mask bit for attribute a is 1 << (a - 1). UNSPEC doubles as pad. */
    public static final int IFLA_STATS_UNSPEC = 0;
    public static final int IFLA_STATS_LINK_64 = 1;
    public static final int IFLA_STATS_LINK_XSTATS = 2;
    public static final int IFLA_STATS_LINK_XSTATS_SLAVE = 3;
    public static final int IFLA_STATS_LINK_OFFLOAD_XSTATS = 4;
    public static final int IFLA_STATS_AF_SPEC = 5;

    /** struct rtnl_link_stats64 (payload of IFLA_STATS64 and IFLA_STATS_LINK_64): 25 native-endian u64s. */
    public static final int RTNL_LINK_STATS64_SIZE = 200;
    public static final int RTNL_LINK_STATS64_RX_PACKETS_OFFSET = 0;
    public static final int RTNL_LINK_STATS64_TX_PACKETS_OFFSET = 8;
    public static final int RTNL_LINK_STATS64_RX_BYTES_OFFSET = 16;
    public static final int RTNL_LINK_STATS64_TX_BYTES_OFFSET = 24;
    public static final int RTNL_LINK_STATS64_RX_ERRORS_OFFSET = 32;
    public static final int RTNL_LINK_STATS64_TX_ERRORS_OFFSET = 40;
    public static final int RTNL_LINK_STATS64_RX_DROPPED_OFFSET = 48;
    public static final int RTNL_LINK_STATS64_TX_DROPPED_OFFSET = 56;
    public static final int RTNL_LINK_STATS64_MULTICAST_OFFSET = 64;
    public static final int RTNL_LINK_STATS64_COLLISIONS_OFFSET = 72;
    public static final int RTNL_LINK_STATS64_RX_LENGTH_ERRORS_OFFSET = 80;
    public static final int RTNL_LINK_STATS64_RX_OVER_ERRORS_OFFSET = 88;
    public static final int RTNL_LINK_STATS64_RX_CRC_ERRORS_OFFSET = 96;
    public static final int RTNL_LINK_STATS64_RX_FRAME_ERRORS_OFFSET = 104;
    public static final int RTNL_LINK_STATS64_RX_FIFO_ERRORS_OFFSET = 112;
    public static final int RTNL_LINK_STATS64_RX_MISSED_ERRORS_OFFSET = 120;
    public static final int RTNL_LINK_STATS64_TX_ABORTED_ERRORS_OFFSET = 128;
    public static final int RTNL_LINK_STATS64_TX_CARRIER_ERRORS_OFFSET = 136;
    public static final int RTNL_LINK_STATS64_TX_FIFO_ERRORS_OFFSET = 144;
    public static final int RTNL_LINK_STATS64_TX_HEARTBEAT_ERRORS_OFFSET = 152;
    public static final int RTNL_LINK_STATS64_TX_WINDOW_ERRORS_OFFSET = 160;
    public static final int RTNL_LINK_STATS64_RX_COMPRESSED_OFFSET = 168;
    public static final int RTNL_LINK_STATS64_TX_COMPRESSED_OFFSET = 176;
    public static final int RTNL_LINK_STATS64_RX_NOHANDLER_OFFSET = 184;
    /** Since Linux 5.19: older kernels send a 192-byte struct, so readers must check the length. */
    public static final int RTNL_LINK_STATS64_RX_OTHERHOST_DROPPED_OFFSET = 192;

    /** The kernel's field names of struct rtnl_link_stats64 in struct order: field i is the u64 at 8 * i. */
    public static final List<String> RTNL_LINK_STATS64_FIELDS = List.of(
            "rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors",
            "rx_dropped", "tx_dropped", "multicast", "collisions",
            "rx_length_errors", "rx_over_errors", "rx_crc_errors", "rx_frame_errors",
            "rx_fifo_errors", "rx_missed_errors",
            "tx_aborted_errors", "tx_carrier_errors", "tx_fifo_errors", "tx_heartbeat_errors",
            "tx_window_errors",
            "rx_compressed", "tx_compressed", "rx_nohandler", "rx_otherhost_dropped");

    /** struct tcmsg: the fixed header of RTM_*QDISC messages. */
    public static final int TCMSG_SIZE = 20;
    public static final int TCMSG_TCM_FAMILY_OFFSET = 0;
    public static final int TCMSG_TCM_IFINDEX_OFFSET = 4;
    public static final int TCMSG_TCM_HANDLE_OFFSET = 8;
    public static final int TCMSG_TCM_PARENT_OFFSET = 12;
    public static final int TCMSG_TCM_INFO_OFFSET = 16;

    /** Qdisc handles and parents (pkt_sched.h): u32 values, negative as Java ints. */
    public static final int TC_H_MAJ_MASK = 0xFFFF0000;
    public static final int TC_H_MIN_MASK = 0x0000FFFF;
    public static final int TC_H_UNSPEC = 0;
    public static final int TC_H_ROOT = 0xFFFFFFFF;
    public static final int TC_H_INGRESS = 0xFFFFFFF1;
    public static final int TC_H_CLSACT = TC_H_INGRESS;

    /** Qdisc attributes (rtnetlink.h). */
    public static final int TCA_KIND = 1;
    public static final int TCA_OPTIONS = 2;
    public static final int TCA_STATS = 3;
    public static final int TCA_XSTATS = 4;
    public static final int TCA_RATE = 5;
    public static final int TCA_FCNT = 6;
    public static final int TCA_STATS2 = 7;
    public static final int TCA_STAB = 8;
    public static final int TCA_PAD = 9;
    public static final int TCA_DUMP_INVISIBLE = 10;
    public static final int TCA_CHAIN = 11;
    public static final int TCA_HW_OFFLOAD = 12;
    public static final int TCA_INGRESS_BLOCK = 13;
    public static final int TCA_EGRESS_BLOCK = 14;
    public static final int TCA_DUMP_FLAGS = 15;

    /** Attributes nested in TCA_STATS2 (gen_stats.h). */
    public static final int TCA_STATS_BASIC = 1;
    public static final int TCA_STATS_RATE_EST = 2;
    public static final int TCA_STATS_QUEUE = 3;
    public static final int TCA_STATS_APP = 4;
    public static final int TCA_STATS_RATE_EST64 = 5;
    public static final int TCA_STATS_PAD = 6;
    public static final int TCA_STATS_BASIC_HW = 7;
    public static final int TCA_STATS_PKT64 = 8;

    /** struct gnet_stats_basic: payload of TCA_STATS_BASIC (u64 bytes, u32 packets, padded). */
    public static final int GNET_STATS_BASIC_SIZE = 16;
    public static final int GNET_STATS_BASIC_BYTES_OFFSET = 0;
    public static final int GNET_STATS_BASIC_PACKETS_OFFSET = 8;

    /** struct gnet_stats_queue: payload of TCA_STATS_QUEUE, five u32s. */
    public static final int GNET_STATS_QUEUE_SIZE = 20;
    public static final int GNET_STATS_QUEUE_QLEN_OFFSET = 0;
    public static final int GNET_STATS_QUEUE_BACKLOG_OFFSET = 4;
    public static final int GNET_STATS_QUEUE_DROPS_OFFSET = 8;
    public static final int GNET_STATS_QUEUE_REQUEUES_OFFSET = 12;
    public static final int GNET_STATS_QUEUE_OVERLIMITS_OFFSET = 16;

    /** TCA_OPTIONS of tbf (pkt_sched.h): nested, TCA_TBF_PARMS holds struct tc_tbf_qopt. */
    public static final int TCA_TBF_PARMS = 1;
    public static final int TCA_TBF_RATE64 = 4;
    /** struct tc_tbf_qopt: two struct tc_ratespec (rate at offset 8 of each), then limit, buffer, mtu. */
    public static final int TC_TBF_QOPT_SIZE = 36;
    public static final int TC_TBF_QOPT_RATE_RATE_OFFSET = 8;
    public static final int TC_TBF_QOPT_LIMIT_OFFSET = 24;
    public static final int TC_TBF_QOPT_BUFFER_OFFSET = 28;
    /** TCA_OPTIONS of pfifo and bfifo: struct tc_fifo_qopt, one u32 limit (packets or bytes). */
    public static final int TC_FIFO_QOPT_SIZE = 4;
    /** TCA_OPTIONS of fq_codel: nested; the queue limit in packets. */
    public static final int TCA_FQ_CODEL_LIMIT = 2;

    /** struct ndtmsg: the fixed header of RTM_*NEIGHTBL messages. */
    public static final int NDTMSG_SIZE = 4;
    public static final int NDTMSG_NDTM_FAMILY_OFFSET = 0;

    /** Neighbour table attributes (neighbour.h). */
    public static final int NDTA_NAME = 1;
    public static final int NDTA_THRESH1 = 2;
    public static final int NDTA_THRESH2 = 3;
    public static final int NDTA_THRESH3 = 4;
    public static final int NDTA_CONFIG = 5;
    public static final int NDTA_PARMS = 6;
    public static final int NDTA_STATS = 7;
    public static final int NDTA_GC_INTERVAL = 8;
    public static final int NDTA_PAD = 9;

    /** Attributes nested in NDTA_PARMS. */
    public static final int NDTPA_IFINDEX = 1;
    public static final int NDTPA_REFCNT = 2;
    public static final int NDTPA_REACHABLE_TIME = 3;
    public static final int NDTPA_BASE_REACHABLE_TIME = 4;
    public static final int NDTPA_RETRANS_TIME = 5;
    public static final int NDTPA_GC_STALETIME = 6;
    public static final int NDTPA_DELAY_PROBE_TIME = 7;
    public static final int NDTPA_QUEUE_LEN = 8;
    public static final int NDTPA_APP_PROBES = 9;
    public static final int NDTPA_UCAST_PROBES = 10;
    public static final int NDTPA_MCAST_PROBES = 11;
    public static final int NDTPA_ANYCAST_DELAY = 12;
    public static final int NDTPA_PROXY_DELAY = 13;
    public static final int NDTPA_PROXY_QLEN = 14;
    public static final int NDTPA_LOCKTIME = 15;
    public static final int NDTPA_QUEUE_LENBYTES = 16;
    public static final int NDTPA_MCAST_REPROBES = 17;
    public static final int NDTPA_PAD = 18;
    public static final int NDTPA_INTERVAL_PROBE_TIME_MS = 19;

    /** struct ndt_config: payload of NDTA_CONFIG (ndtc_entries against NDTA_THRESH3 shows a full table). */
    public static final int NDT_CONFIG_SIZE = 32;
    public static final int NDT_CONFIG_NDTC_KEY_LEN_OFFSET = 0;
    public static final int NDT_CONFIG_NDTC_ENTRY_SIZE_OFFSET = 2;
    public static final int NDT_CONFIG_NDTC_ENTRIES_OFFSET = 4;
    public static final int NDT_CONFIG_NDTC_LAST_FLUSH_OFFSET = 8;
    public static final int NDT_CONFIG_NDTC_LAST_RAND_OFFSET = 12;
    public static final int NDT_CONFIG_NDTC_HASH_RND_OFFSET = 16;
    public static final int NDT_CONFIG_NDTC_HASH_MASK_OFFSET = 20;
    public static final int NDT_CONFIG_NDTC_HASH_CHAIN_GC_OFFSET = 24;
    public static final int NDT_CONFIG_NDTC_PROXY_QLEN_OFFSET = 28;

    /** struct ndt_stats: payload of NDTA_STATS, eleven u64s. */
    public static final int NDT_STATS_SIZE = 88;
    public static final int NDT_STATS_NDTS_ALLOCS_OFFSET = 0;
    public static final int NDT_STATS_NDTS_DESTROYS_OFFSET = 8;
    public static final int NDT_STATS_NDTS_HASH_GROWS_OFFSET = 16;
    public static final int NDT_STATS_NDTS_RES_FAILED_OFFSET = 24;
    public static final int NDT_STATS_NDTS_LOOKUPS_OFFSET = 32;
    public static final int NDT_STATS_NDTS_HITS_OFFSET = 40;
    public static final int NDT_STATS_NDTS_RCV_PROBES_MCAST_OFFSET = 48;
    public static final int NDT_STATS_NDTS_RCV_PROBES_UCAST_OFFSET = 56;
    public static final int NDT_STATS_NDTS_PERIODIC_GC_RUNS_OFFSET = 64;
    public static final int NDT_STATS_NDTS_FORCED_GC_RUNS_OFFSET = 72;
    public static final int NDT_STATS_NDTS_TABLE_FULLS_OFFSET = 80;
}
