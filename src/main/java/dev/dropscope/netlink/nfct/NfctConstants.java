package dev.dropscope.netlink.nfct;

/**
 * Conntrack statistics over nfnetlink, from include/uapi/linux/netfilter/nfnetlink.h and
 * nfnetlink_conntrack.h, checked against the system headers by native/uapi_probe.c. A message type is
 * {@code NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_*}.
 */
public final class NfctConstants {
    private NfctConstants() {
    }

    /** nfnetlink subsystem and header version. */
    public static final int NFNL_SUBSYS_CTNETLINK = 1;
    public static final int NFNETLINK_V0 = 0;

    /** struct nfgenmsg: the fixed header; res_id is big-endian (it carries the CPU id in STATS_CPU). */
    public static final int NFGENMSG_SIZE = 4;
    public static final int NFGENMSG_NFGEN_FAMILY_OFFSET = 0;
    public static final int NFGENMSG_VERSION_OFFSET = 1;
    public static final int NFGENMSG_RES_ID_OFFSET = 2;

    /** enum cntl_msg_types: the statistics requests (STATS_CPU is a dump, one message per CPU). */
    public static final int IPCTNL_MSG_CT_GET_STATS_CPU = 4;
    public static final int IPCTNL_MSG_CT_GET_STATS = 5;

    /** enum ctattr_stats_cpu: u32 counters per CPU; current kernels omit the "no longer used" ones. */
    public static final int CTA_STATS_SEARCHED = 1;
    public static final int CTA_STATS_FOUND = 2;
    public static final int CTA_STATS_NEW = 3;
    public static final int CTA_STATS_INVALID = 4;
    public static final int CTA_STATS_IGNORE = 5;
    public static final int CTA_STATS_DELETE = 6;
    public static final int CTA_STATS_DELETE_LIST = 7;
    public static final int CTA_STATS_INSERT = 8;
    public static final int CTA_STATS_INSERT_FAILED = 9;
    public static final int CTA_STATS_DROP = 10;
    public static final int CTA_STATS_EARLY_DROP = 11;
    public static final int CTA_STATS_ERROR = 12;
    public static final int CTA_STATS_SEARCH_RESTART = 13;
    public static final int CTA_STATS_CLASH_RESOLVE = 14;
    public static final int CTA_STATS_CHAIN_TOOLONG = 15;

    /** enum ctattr_stats_global: u32 attributes of IPCTNL_MSG_CT_GET_STATS. */
    public static final int CTA_STATS_GLOBAL_ENTRIES = 1;
    public static final int CTA_STATS_GLOBAL_MAX_ENTRIES = 2;
}
