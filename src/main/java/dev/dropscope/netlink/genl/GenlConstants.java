package dev.dropscope.netlink.genl;

/** Values from include/uapi/linux/genetlink.h (checked by the native layout probe). */
public final class GenlConstants {
    private GenlConstants() {
    }

    public static final int GENL_ID_CTRL = 0x10;
    /** nlctrl's family version (CTRL_ATTR_VERSION of nlctrl itself). */
    public static final int CTRL_VERSION = 2;

    public static final int CTRL_CMD_NEWFAMILY = 1;
    public static final int CTRL_CMD_GETFAMILY = 3;

    public static final int CTRL_ATTR_FAMILY_ID = 1;
    public static final int CTRL_ATTR_FAMILY_NAME = 2;
    public static final int CTRL_ATTR_VERSION = 3;
    public static final int CTRL_ATTR_HDRSIZE = 4;
    public static final int CTRL_ATTR_MAXATTR = 5;
    public static final int CTRL_ATTR_OPS = 6;
    public static final int CTRL_ATTR_MCAST_GROUPS = 7;

    public static final int CTRL_ATTR_OP_ID = 1;
    public static final int CTRL_ATTR_OP_FLAGS = 2;

    public static final int CTRL_ATTR_MCAST_GRP_NAME = 1;
    public static final int CTRL_ATTR_MCAST_GRP_ID = 2;

    /** GENL_ADMIN_PERM: the op needs CAP_NET_ADMIN. */
    public static final int GENL_ADMIN_PERM = 0x01;
}
