package dev.dropscope.netlink.genl.netdm;

import static dev.dropscope.netlink.NetlinkConstants.NLM_F_REQUEST;
import static dev.dropscope.netlink.genl.netdm.NetDmConstants.*;

import dev.dropscope.netlink.MessageBuilder;

/**
 * The requests dropscope sends to the NET_DM family, byte for byte what dropwatch and the kernel expect
 * (genl version 2; NetlinkSocket adds NLM_F_ACK, the sequence number and the port id).
 */
public final class NetDmRequests {
    /** The genl version dropwatch and the kernel's drop_monitor use. */
    public static final int VERSION = 2;

    private NetDmRequests() {
    }

    private static MessageBuilder command(int familyId, int cmd) {
        return new MessageBuilder(128).begin(familyId, NLM_F_REQUEST).genl(cmd, VERSION);
    }

    /**
     * NET_DM_CMD_START. With neither flag the kernel monitors software drops only (legacy behaviour),
     * so {@code sw=false, hw=false} sends no flag and means "software".
     */
    public static MessageBuilder start(int familyId, boolean sw, boolean hw) {
        return flags(command(familyId, NET_DM_CMD_START), sw, hw);
    }

    /** NET_DM_CMD_STOP for the same origins that were started. */
    public static MessageBuilder stop(int familyId, boolean sw, boolean hw) {
        return flags(command(familyId, NET_DM_CMD_STOP), sw, hw);
    }

    private static MessageBuilder flags(MessageBuilder m, boolean sw, boolean hw) {
        if (sw) {
            m.flag(NET_DM_ATTR_SW_DROPS);
        }
        if (hw) {
            m.flag(NET_DM_ATTR_HW_DROPS);
        }
        return m;
    }

    /**
     * NET_DM_CMD_CONFIG. Null values are left out (the kernel keeps its current setting). Fails with EBUSY
     * while monitoring is on.
     */
    public static MessageBuilder config(int familyId, Integer alertMode, Integer truncLen, Integer queueLen) {
        MessageBuilder m = command(familyId, NET_DM_CMD_CONFIG);
        if (alertMode != null) {
            m.u8(NET_DM_ATTR_ALERT_MODE, alertMode);
        }
        if (truncLen != null) {
            m.u32(NET_DM_ATTR_TRUNC_LEN, truncLen);
        }
        if (queueLen != null) {
            m.u32(NET_DM_ATTR_QUEUE_LEN, queueLen);
        }
        return m;
    }

    public static MessageBuilder configGet(int familyId) {
        return command(familyId, NET_DM_CMD_CONFIG_GET);
    }

    public static MessageBuilder statsGet(int familyId) {
        return command(familyId, NET_DM_CMD_STATS_GET);
    }
}
