package dev.dropscope.netlink;

import dev.dropscope.sys.NativeIoException;

/** The kernel refused a request: errno plus the extended-ack message and offset when it gave them. */
public final class NetlinkException extends NativeIoException {
    private static final long serialVersionUID = 1L;

    private final transient NetlinkError error;

    public NetlinkException(String operation, NetlinkError error) {
        super(operation, error.errno(), detail(error));
        this.error = error;
    }

    private static String detail(NetlinkError e) {
        StringBuilder s = new StringBuilder();
        if (e.extackMessage() != null) {
            s.append(e.extackMessage());
        }
        if (e.extackOffset() >= 0) {
            s.append(s.length() > 0 ? " " : "").append("(attribute at offset ").append(e.extackOffset()).append(')');
        }
        if (e.missingType() >= 0) {
            s.append(s.length() > 0 ? " " : "").append("(missing attribute ").append(e.missingType()).append(')');
        }
        return s.toString();
    }

    public NetlinkError error() {
        return error;
    }

    /** The kernel's extended-ack message, or null. */
    public String extackMessage() {
        return error.extackMessage();
    }
}
