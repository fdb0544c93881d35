package dev.dropscope.netlink.genl.netdm;

/**
 * Values from include/uapi/linux/net_dropmon.h (the drop monitor's generic netlink family), checked
 * against the system headers by native/uapi_probe.c. The {@code *_MAX} values are left out on purpose:
 * they grow with every kernel, so hard-coding them would tie dropscope to one header version.
 */
public final class NetDmConstants {
    private NetDmConstants() {
    }

    /** Family name, from net/core/drop_monitor.c (not in the UAPI header). */
    public static final String NET_DM_GENL_NAME = "NET_DM";
    /** The family's one multicast group, from net/core/drop_monitor.c (not in the UAPI header). */
    public static final String NET_DM_MCGRP_EVENTS_NAME = "events";

    /** Commands (genlmsghdr.cmd). */
    public static final int NET_DM_CMD_ALERT = 1;
    public static final int NET_DM_CMD_CONFIG = 2;
    public static final int NET_DM_CMD_START = 3;
    public static final int NET_DM_CMD_STOP = 4;
    public static final int NET_DM_CMD_PACKET_ALERT = 5;
    public static final int NET_DM_CMD_CONFIG_GET = 6;
    public static final int NET_DM_CMD_CONFIG_NEW = 7;
    public static final int NET_DM_CMD_STATS_GET = 8;
    public static final int NET_DM_CMD_STATS_NEW = 9;

    /** Id of the "events" group: genetlink.c pins NET_DM's group to 1 for old binaries. */
    public static final int NET_DM_GRP_ALERT = 1;

    /** Legacy NET_DM_CMD_CONFIG option types (struct net_dm_config_entry.type). */
    public static final int NET_DM_CFG_VERSION = 0;
    public static final int NET_DM_CFG_ALERT_COUNT = 1;
    public static final int NET_DM_CFG_ALERT_DELAY = 2;

    /** enum net_dm_attr: top-level attributes of alerts, config and stats messages. */
    public static final int NET_DM_ATTR_ALERT_MODE = 1;
    public static final int NET_DM_ATTR_PC = 2;
    public static final int NET_DM_ATTR_SYMBOL = 3;
    public static final int NET_DM_ATTR_IN_PORT = 4;
    public static final int NET_DM_ATTR_TIMESTAMP = 5;
    public static final int NET_DM_ATTR_PROTO = 6;
    public static final int NET_DM_ATTR_PAYLOAD = 7;
    public static final int NET_DM_ATTR_PAD = 8;
    public static final int NET_DM_ATTR_TRUNC_LEN = 9;
    public static final int NET_DM_ATTR_ORIG_LEN = 10;
    public static final int NET_DM_ATTR_QUEUE_LEN = 11;
    public static final int NET_DM_ATTR_STATS = 12;
    public static final int NET_DM_ATTR_HW_STATS = 13;
    public static final int NET_DM_ATTR_ORIGIN = 14;
    public static final int NET_DM_ATTR_HW_TRAP_GROUP_NAME = 15;
    public static final int NET_DM_ATTR_HW_TRAP_NAME = 16;
    public static final int NET_DM_ATTR_HW_ENTRIES = 17;
    public static final int NET_DM_ATTR_HW_ENTRY = 18;
    public static final int NET_DM_ATTR_HW_TRAP_COUNT = 19;
    public static final int NET_DM_ATTR_SW_DROPS = 20;
    public static final int NET_DM_ATTR_HW_DROPS = 21;
    public static final int NET_DM_ATTR_FLOW_ACTION_COOKIE = 22;
    public static final int NET_DM_ATTR_REASON = 23;

    /** enum net_dm_alert_mode: value of NET_DM_ATTR_ALERT_MODE. */
    public static final int NET_DM_ALERT_MODE_SUMMARY = 0;
    public static final int NET_DM_ALERT_MODE_PACKET = 1;

    /** Attributes nested in NET_DM_ATTR_IN_PORT (they start at 0: there is no UNSPEC). */
    public static final int NET_DM_ATTR_PORT_NETDEV_IFINDEX = 0;
    public static final int NET_DM_ATTR_PORT_NETDEV_NAME = 1;

    /** Attributes nested in NET_DM_ATTR_STATS / NET_DM_ATTR_HW_STATS. */
    public static final int NET_DM_ATTR_STATS_DROPPED = 0;

    /** enum net_dm_origin: value of NET_DM_ATTR_ORIGIN. */
    public static final int NET_DM_ORIGIN_SW = 0;
    public static final int NET_DM_ORIGIN_HW = 1;

    /** struct net_dm_drop_point: one entry of a summary alert; pc is a native-endian u64 in a u8[8]. */
    public static final int NET_DM_DROP_POINT_SIZE = 12;
    public static final int NET_DM_DROP_POINT_PC_OFFSET = 0;
    public static final int NET_DM_DROP_POINT_PC_LEN = 8;
    public static final int NET_DM_DROP_POINT_COUNT_OFFSET = 8;

    /** struct net_dm_alert_msg: u32 entries, then that many packed net_dm_drop_points (summary mode). */
    public static final int NET_DM_ALERT_MSG_SIZE = 4;
    public static final int NET_DM_ALERT_MSG_ENTRIES_OFFSET = 0;
    public static final int NET_DM_ALERT_MSG_POINTS_OFFSET = 4;
}
