package dev.dropscope.netlink.ethtool;

/**
 * ethtool values: the generic netlink family from include/uapi/linux/ethtool_netlink.h, and the older
 * SIOCETHTOOL ioctl from linux/ethtool.h, sockios.h and if.h (driver info and the free-form NIC counters
 * have no netlink equivalent). Checked against the system headers by native/uapi_probe.c. The
 * {@code *_MAX}/{@code *_CNT} values are left out: they grow with every kernel.
 */
public final class EthtoolConstants {
    private EthtoolConstants() {
    }

    /** Generic netlink family name, version and notification group. */
    public static final String ETHTOOL_GENL_NAME = "ethtool";
    public static final int ETHTOOL_GENL_VERSION = 1;
    public static final String ETHTOOL_MCGRP_MONITOR_NAME = "monitor";

    /** Requests, user to kernel: a different enum from the replies, so GET and GET_REPLY ids differ. */
    public static final int ETHTOOL_MSG_STRSET_GET = 1;
    public static final int ETHTOOL_MSG_LINKINFO_GET = 2;
    public static final int ETHTOOL_MSG_LINKSTATE_GET = 6;
    public static final int ETHTOOL_MSG_FEATURES_GET = 11;
    public static final int ETHTOOL_MSG_RINGS_GET = 15;
    public static final int ETHTOOL_MSG_CHANNELS_GET = 17;
    public static final int ETHTOOL_MSG_STATS_GET = 32;

    /** Replies and notifications, kernel to user. */
    public static final int ETHTOOL_MSG_STRSET_GET_REPLY = 1;
    public static final int ETHTOOL_MSG_LINKINFO_GET_REPLY = 2;
    public static final int ETHTOOL_MSG_LINKINFO_NTF = 3;
    public static final int ETHTOOL_MSG_LINKSTATE_GET_REPLY = 6;
    public static final int ETHTOOL_MSG_FEATURES_GET_REPLY = 11;
    public static final int ETHTOOL_MSG_FEATURES_NTF = 13;
    public static final int ETHTOOL_MSG_RINGS_GET_REPLY = 16;
    public static final int ETHTOOL_MSG_RINGS_NTF = 17;
    public static final int ETHTOOL_MSG_CHANNELS_GET_REPLY = 18;
    public static final int ETHTOOL_MSG_CHANNELS_NTF = 19;
    public static final int ETHTOOL_MSG_STATS_GET_REPLY = 33;

    /** Bits of ETHTOOL_A_HEADER_FLAGS; ETHTOOL_FLAG_STATS asks for the optional statistics nests. */
    public static final int ETHTOOL_FLAG_COMPACT_BITSETS = 1 << 0;
    public static final int ETHTOOL_FLAG_OMIT_REPLY = 1 << 1;
    public static final int ETHTOOL_FLAG_STATS = 1 << 2;

    /** Request header, nested in every message's *_HEADER attribute. */
    public static final int ETHTOOL_A_HEADER_DEV_INDEX = 1;
    public static final int ETHTOOL_A_HEADER_DEV_NAME = 2;
    public static final int ETHTOOL_A_HEADER_FLAGS = 3;

    /** Bit sets: ETHTOOL_A_BITSET_BITS holds ETHTOOL_A_BITSET_BITS_BIT nests of ETHTOOL_A_BITSET_BIT_*. */
    public static final int ETHTOOL_A_BITSET_BIT_INDEX = 1;
    public static final int ETHTOOL_A_BITSET_BIT_NAME = 2;
    public static final int ETHTOOL_A_BITSET_BIT_VALUE = 3;
    public static final int ETHTOOL_A_BITSET_BITS_BIT = 1;
    public static final int ETHTOOL_A_BITSET_NOMASK = 1;
    public static final int ETHTOOL_A_BITSET_SIZE = 2;
    public static final int ETHTOOL_A_BITSET_BITS = 3;
    public static final int ETHTOOL_A_BITSET_VALUE = 4;
    public static final int ETHTOOL_A_BITSET_MASK = 5;

    /** String sets: STRSET > STRINGSETS > STRINGSET > STRINGS > STRING, innermost first. */
    public static final int ETHTOOL_A_STRING_INDEX = 1;
    public static final int ETHTOOL_A_STRING_VALUE = 2;
    public static final int ETHTOOL_A_STRINGS_STRING = 1;
    public static final int ETHTOOL_A_STRINGSET_ID = 1;
    public static final int ETHTOOL_A_STRINGSET_COUNT = 2;
    public static final int ETHTOOL_A_STRINGSET_STRINGS = 3;
    public static final int ETHTOOL_A_STRINGSETS_STRINGSET = 1;
    public static final int ETHTOOL_A_STRSET_HEADER = 1;
    public static final int ETHTOOL_A_STRSET_STRINGSETS = 2;
    public static final int ETHTOOL_A_STRSET_COUNTS_ONLY = 3;

    /** LINKINFO attributes. */
    public static final int ETHTOOL_A_LINKINFO_HEADER = 1;
    public static final int ETHTOOL_A_LINKINFO_PORT = 2;
    public static final int ETHTOOL_A_LINKINFO_PHYADDR = 3;
    public static final int ETHTOOL_A_LINKINFO_TP_MDIX = 4;
    public static final int ETHTOOL_A_LINKINFO_TP_MDIX_CTRL = 5;
    public static final int ETHTOOL_A_LINKINFO_TRANSCEIVER = 6;

    /** LINKSTATE attributes (SQI_MAX is an attribute, the best possible SQI, not an enum bound). */
    public static final int ETHTOOL_A_LINKSTATE_HEADER = 1;
    public static final int ETHTOOL_A_LINKSTATE_LINK = 2;
    public static final int ETHTOOL_A_LINKSTATE_SQI = 3;
    public static final int ETHTOOL_A_LINKSTATE_SQI_MAX = 4;
    public static final int ETHTOOL_A_LINKSTATE_EXT_STATE = 5;
    public static final int ETHTOOL_A_LINKSTATE_EXT_SUBSTATE = 6;

    /** FEATURES attributes, each a bit set over string set ETH_SS_FEATURES. */
    public static final int ETHTOOL_A_FEATURES_HEADER = 1;
    public static final int ETHTOOL_A_FEATURES_HW = 2;
    public static final int ETHTOOL_A_FEATURES_WANTED = 3;
    public static final int ETHTOOL_A_FEATURES_ACTIVE = 4;
    public static final int ETHTOOL_A_FEATURES_NOCHANGE = 5;

    /** RINGS attributes (the *_MAX ones are attributes: the hardware limits). */
    public static final int ETHTOOL_A_RINGS_HEADER = 1;
    public static final int ETHTOOL_A_RINGS_RX_MAX = 2;
    public static final int ETHTOOL_A_RINGS_RX_MINI_MAX = 3;
    public static final int ETHTOOL_A_RINGS_RX_JUMBO_MAX = 4;
    public static final int ETHTOOL_A_RINGS_TX_MAX = 5;
    public static final int ETHTOOL_A_RINGS_RX = 6;
    public static final int ETHTOOL_A_RINGS_RX_MINI = 7;
    public static final int ETHTOOL_A_RINGS_RX_JUMBO = 8;
    public static final int ETHTOOL_A_RINGS_TX = 9;
    public static final int ETHTOOL_A_RINGS_RX_BUF_LEN = 10;
    public static final int ETHTOOL_A_RINGS_TCP_DATA_SPLIT = 11;
    public static final int ETHTOOL_A_RINGS_CQE_SIZE = 12;
    public static final int ETHTOOL_A_RINGS_TX_PUSH = 13;

    /** CHANNELS attributes (the *_MAX ones are attributes: the hardware limits). */
    public static final int ETHTOOL_A_CHANNELS_HEADER = 1;
    public static final int ETHTOOL_A_CHANNELS_RX_MAX = 2;
    public static final int ETHTOOL_A_CHANNELS_TX_MAX = 3;
    public static final int ETHTOOL_A_CHANNELS_OTHER_MAX = 4;
    public static final int ETHTOOL_A_CHANNELS_COMBINED_MAX = 5;
    public static final int ETHTOOL_A_CHANNELS_RX_COUNT = 6;
    public static final int ETHTOOL_A_CHANNELS_TX_COUNT = 7;
    public static final int ETHTOOL_A_CHANNELS_OTHER_COUNT = 8;
    public static final int ETHTOOL_A_CHANNELS_COMBINED_COUNT = 9;

    /** STATS attributes. */
    public static final int ETHTOOL_A_STATS_PAD = 1;
    public static final int ETHTOOL_A_STATS_HEADER = 2;
    public static final int ETHTOOL_A_STATS_GROUPS = 3;
    public static final int ETHTOOL_A_STATS_GRP = 4;

    /** Standard statistics groups: bit numbers in ETHTOOL_A_STATS_GROUPS (string set ETH_SS_STATS_STD). */
    public static final int ETHTOOL_STATS_ETH_PHY = 0;
    public static final int ETHTOOL_STATS_ETH_MAC = 1;
    public static final int ETHTOOL_STATS_ETH_CTRL = 2;
    public static final int ETHTOOL_STATS_RMON = 3;

    /** Attributes nested in ETHTOOL_A_STATS_GRP. */
    public static final int ETHTOOL_A_STATS_GRP_PAD = 1;
    public static final int ETHTOOL_A_STATS_GRP_ID = 2;
    public static final int ETHTOOL_A_STATS_GRP_SS_ID = 3;
    public static final int ETHTOOL_A_STATS_GRP_STAT = 4;
    public static final int ETHTOOL_A_STATS_GRP_HIST_RX = 5;
    public static final int ETHTOOL_A_STATS_GRP_HIST_TX = 6;
    public static final int ETHTOOL_A_STATS_GRP_HIST_BKT_LOW = 7;
    public static final int ETHTOOL_A_STATS_GRP_HIST_BKT_HI = 8;
    public static final int ETHTOOL_A_STATS_GRP_HIST_VAL = 9;

    /** Counter ids inside ETHTOOL_A_STATS_GRP_STAT for the PHY group (start at 0: no UNSPEC). */
    public static final int ETHTOOL_A_STATS_ETH_PHY_5_SYM_ERR = 0;

    /** Counter ids for the MAC group, named after their IEEE 802.3 clause 30.3.1.1.x. */
    public static final int ETHTOOL_A_STATS_ETH_MAC_2_TX_PKT = 0;
    public static final int ETHTOOL_A_STATS_ETH_MAC_3_SINGLE_COL = 1;
    public static final int ETHTOOL_A_STATS_ETH_MAC_4_MULTI_COL = 2;
    public static final int ETHTOOL_A_STATS_ETH_MAC_5_RX_PKT = 3;
    public static final int ETHTOOL_A_STATS_ETH_MAC_6_FCS_ERR = 4;
    public static final int ETHTOOL_A_STATS_ETH_MAC_7_ALIGN_ERR = 5;
    public static final int ETHTOOL_A_STATS_ETH_MAC_8_TX_BYTES = 6;
    public static final int ETHTOOL_A_STATS_ETH_MAC_9_TX_DEFER = 7;
    public static final int ETHTOOL_A_STATS_ETH_MAC_10_LATE_COL = 8;
    public static final int ETHTOOL_A_STATS_ETH_MAC_11_XS_COL = 9;
    public static final int ETHTOOL_A_STATS_ETH_MAC_12_TX_INT_ERR = 10;
    public static final int ETHTOOL_A_STATS_ETH_MAC_13_CS_ERR = 11;
    public static final int ETHTOOL_A_STATS_ETH_MAC_14_RX_BYTES = 12;
    public static final int ETHTOOL_A_STATS_ETH_MAC_15_RX_INT_ERR = 13;
    public static final int ETHTOOL_A_STATS_ETH_MAC_18_TX_MCAST = 14;
    public static final int ETHTOOL_A_STATS_ETH_MAC_19_TX_BCAST = 15;
    public static final int ETHTOOL_A_STATS_ETH_MAC_20_XS_DEFER = 16;
    public static final int ETHTOOL_A_STATS_ETH_MAC_21_RX_MCAST = 17;
    public static final int ETHTOOL_A_STATS_ETH_MAC_22_RX_BCAST = 18;
    public static final int ETHTOOL_A_STATS_ETH_MAC_23_IR_LEN_ERR = 19;
    public static final int ETHTOOL_A_STATS_ETH_MAC_24_OOR_LEN = 20;
    public static final int ETHTOOL_A_STATS_ETH_MAC_25_TOO_LONG_ERR = 21;

    /** Counter ids for the MAC Control group. */
    public static final int ETHTOOL_A_STATS_ETH_CTRL_3_TX = 0;
    public static final int ETHTOOL_A_STATS_ETH_CTRL_4_RX = 1;
    public static final int ETHTOOL_A_STATS_ETH_CTRL_5_RX_UNSUP = 2;

    /** Counter ids for the RMON group (the histograms come as HIST_RX/HIST_TX nests instead). */
    public static final int ETHTOOL_A_STATS_RMON_UNDERSIZE = 0;
    public static final int ETHTOOL_A_STATS_RMON_OVERSIZE = 1;
    public static final int ETHTOOL_A_STATS_RMON_FRAG = 2;
    public static final int ETHTOOL_A_STATS_RMON_JABBER = 3;

    /** String set ids (enum ethtool_stringset), shared by ETHTOOL_A_STRINGSET_ID and the ioctls. */
    public static final int ETH_SS_TEST = 0;
    public static final int ETH_SS_STATS = 1;
    public static final int ETH_SS_PRIV_FLAGS = 2;
    public static final int ETH_SS_NTUPLE_FILTERS = 3;
    public static final int ETH_SS_FEATURES = 4;
    public static final int ETH_SS_RSS_HASH_FUNCS = 5;
    public static final int ETH_SS_TUNABLES = 6;
    public static final int ETH_SS_PHY_STATS = 7;
    public static final int ETH_SS_PHY_TUNABLES = 8;
    public static final int ETH_SS_LINK_MODES = 9;
    public static final int ETH_SS_MSG_CLASSES = 10;
    public static final int ETH_SS_WOL_MODES = 11;
    public static final int ETH_SS_SOF_TIMESTAMPING = 12;
    public static final int ETH_SS_TS_TX_TYPES = 13;
    public static final int ETH_SS_TS_RX_FILTERS = 14;
    public static final int ETH_SS_UDP_TUNNEL_TYPES = 15;
    public static final int ETH_SS_STATS_STD = 16;
    public static final int ETH_SS_STATS_ETH_PHY = 17;
    public static final int ETH_SS_STATS_ETH_MAC = 18;
    public static final int ETH_SS_STATS_ETH_CTRL = 19;
    public static final int ETH_SS_STATS_RMON = 20;

    /** The socket the ioctls go through: any AF_INET datagram socket of the namespace. */
    public static final int AF_INET = 2;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = 0x80000;

    /** The ioctl side: SIOCETHTOOL (sockios.h) with an ifreq whose ifr_data points at an ethtool_* struct. */
    public static final int SIOCETHTOOL = 0x8946;
    public static final int ETHTOOL_GDRVINFO = 0x03;
    public static final int ETHTOOL_GSTRINGS = 0x1b;
    public static final int ETHTOOL_GSTATS = 0x1d;
    public static final int ETHTOOL_GSSET_INFO = 0x37;
    public static final int ETH_GSTRING_LEN = 32;
    public static final int ETHTOOL_FWVERS_LEN = 32;
    public static final int ETHTOOL_BUSINFO_LEN = 32;

    /** struct ethtool_drvinfo (ETHTOOL_GDRVINFO); the strings are NUL-padded char arrays. */
    public static final int ETHTOOL_DRVINFO_SIZE = 196;
    public static final int ETHTOOL_DRVINFO_CMD_OFFSET = 0;
    public static final int ETHTOOL_DRVINFO_DRIVER_OFFSET = 4;
    public static final int ETHTOOL_DRVINFO_DRIVER_LEN = 32;
    public static final int ETHTOOL_DRVINFO_VERSION_OFFSET = 36;
    public static final int ETHTOOL_DRVINFO_VERSION_LEN = 32;
    public static final int ETHTOOL_DRVINFO_FW_VERSION_OFFSET = 68;
    public static final int ETHTOOL_DRVINFO_BUS_INFO_OFFSET = 100;
    public static final int ETHTOOL_DRVINFO_N_PRIV_FLAGS_OFFSET = 176;
    public static final int ETHTOOL_DRVINFO_N_STATS_OFFSET = 180;

    /** struct ethtool_sset_info (ETHTOOL_GSSET_INFO): one u32 count in data[] per bit set in sset_mask. */
    public static final int ETHTOOL_SSET_INFO_SIZE = 16;
    public static final int ETHTOOL_SSET_INFO_CMD_OFFSET = 0;
    public static final int ETHTOOL_SSET_INFO_SSET_MASK_OFFSET = 8;
    public static final int ETHTOOL_SSET_INFO_DATA_OFFSET = 16;

    /** struct ethtool_gstrings (ETHTOOL_GSTRINGS): len strings of ETH_GSTRING_LEN bytes follow. */
    public static final int ETHTOOL_GSTRINGS_SIZE = 12;
    public static final int ETHTOOL_GSTRINGS_CMD_OFFSET = 0;
    public static final int ETHTOOL_GSTRINGS_STRING_SET_OFFSET = 4;
    public static final int ETHTOOL_GSTRINGS_LEN_OFFSET = 8;
    public static final int ETHTOOL_GSTRINGS_DATA_OFFSET = 12;

    /** struct ethtool_stats (ETHTOOL_GSTATS), named after the ioctl to keep clear of ETHTOOL_STATS_*. */
    public static final int ETHTOOL_GSTATS_SIZE = 8;
    public static final int ETHTOOL_GSTATS_CMD_OFFSET = 0;
    public static final int ETHTOOL_GSTATS_N_STATS_OFFSET = 4;
    public static final int ETHTOOL_GSTATS_DATA_OFFSET = 8;

    /** struct ifreq as the ioctl argument (64-bit: ifr_data is a pointer in the union at 16). */
    public static final int IFNAMSIZ = 16;
    public static final int IFREQ_SIZE = 40;
    public static final int IFREQ_IFR_NAME_OFFSET = 0;
    public static final int IFREQ_IFR_DATA_OFFSET = 16;
}
