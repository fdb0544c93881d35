package dev.dropscope.netlink.genl;

import static dev.dropscope.netlink.NetlinkConstants.*;
import static dev.dropscope.netlink.genl.GenlConstants.*;

import dev.dropscope.netlink.AttributeCursor;
import dev.dropscope.netlink.MalformedMessageException;
import dev.dropscope.netlink.MessageBuilder;
import dev.dropscope.netlink.NetlinkException;
import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.sys.Errno;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The generic netlink controller (nlctrl): resolves a family by name. */
public final class GenlController {
    private GenlController() {
    }

    /**
     * The CTRL_CMD_GETFAMILY request for {@code name}. Sent with nlctrl's own version (2), as the
     * recorded requests are; the controller ignores the version.
     */
    public static MessageBuilder getFamilyRequest(String name) {
        return new MessageBuilder(256).begin(GENL_ID_CTRL, NLM_F_REQUEST).genl(CTRL_CMD_GETFAMILY, CTRL_VERSION)
                .string(CTRL_ATTR_FAMILY_NAME, name);
    }

    /**
     * Looks {@code name} up on a NETLINK_GENERIC socket; empty when this kernel has no such family
     * (ENOENT: not built, or its module not loaded).
     */
    public static Optional<GenlFamily> resolve(NetlinkSocket socket, String name) throws IOException {
        GenlFamily[] found = new GenlFamily[1];
        try {
            socket.request("CTRL_CMD_GETFAMILY " + name, getFamilyRequest(name),
                    (b, at, len) -> found[0] = parseFamily(b, at, len));
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
        return Optional.ofNullable(found[0]);
    }

    /** Decodes a CTRL_CMD_NEWFAMILY message (nlmsghdr at {@code at}, {@code len} bytes). */
    public static GenlFamily parseFamily(ByteBuffer b, int at, int len) throws MalformedMessageException {
        int attrs = at + NLMSG_HDRLEN + GENL_HDRLEN;
        if (len < NLMSG_HDRLEN + GENL_HDRLEN) {
            throw new MalformedMessageException("controller message of " + len + " bytes has no genlmsghdr");
        }
        String name = null;
        int id = -1;
        int version = 0;
        int hdrsize = 0;
        int maxattr = 0;
        List<GenlFamily.Operation> ops = new ArrayList<>();
        Map<String, Integer> groups = new LinkedHashMap<>();
        AttributeCursor c = new AttributeCursor(b, attrs, at + len);
        AttributeCursor outer = new AttributeCursor();
        AttributeCursor inner = new AttributeCursor();
        while (c.next()) {
            switch (c.type()) {
                case CTRL_ATTR_FAMILY_NAME:
                    name = c.string();
                    break;
                case CTRL_ATTR_FAMILY_ID:
                    id = c.u16();
                    break;
                case CTRL_ATTR_VERSION:
                    version = c.u32();
                    break;
                case CTRL_ATTR_HDRSIZE:
                    hdrsize = c.u32();
                    break;
                case CTRL_ATTR_MAXATTR:
                    maxattr = c.u32();
                    break;
                case CTRL_ATTR_OPS:
                    c.nested(outer);
                    while (outer.next()) {
                        outer.nested(inner);
                        int opId = -1;
                        int opFlags = 0;
                        while (inner.next()) {
                            if (inner.type() == CTRL_ATTR_OP_ID) {
                                opId = inner.u32();
                            } else if (inner.type() == CTRL_ATTR_OP_FLAGS) {
                                opFlags = inner.u32();
                            }
                        }
                        if (opId >= 0) {
                            ops.add(new GenlFamily.Operation(opId, opFlags));
                        }
                    }
                    break;
                case CTRL_ATTR_MCAST_GROUPS:
                    c.nested(outer);
                    while (outer.next()) {
                        outer.nested(inner);
                        String gname = null;
                        int gid = -1;
                        while (inner.next()) {
                            if (inner.type() == CTRL_ATTR_MCAST_GRP_NAME) {
                                gname = inner.string();
                            } else if (inner.type() == CTRL_ATTR_MCAST_GRP_ID) {
                                gid = inner.u32();
                            }
                        }
                        if (gname != null && gid >= 0) {
                            groups.put(gname, gid);
                        }
                    }
                    break;
                default:
                    break;
            }
        }
        if (name == null || id < 0) {
            throw new MalformedMessageException("controller message without family name or id");
        }
        return new GenlFamily(name, id, version, hdrsize, maxattr, List.copyOf(ops), Map.copyOf(groups));
    }
}
