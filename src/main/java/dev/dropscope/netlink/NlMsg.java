package dev.dropscope.netlink;

import static dev.dropscope.netlink.NetlinkConstants.*;

import java.nio.ByteBuffer;

/**
 * Reads {@code struct nlmsghdr} fields at an absolute offset in a native-order buffer, and walks the
 * messages of one datagram without trusting any length it finds.
 */
public final class NlMsg {
    private NlMsg() {
    }

    /**
     * Where the family header ({@code headerSize} bytes, e.g. ifinfomsg) of the message at {@code at} starts,
     * after checking the message holds it: "RTM_NEWLINK of 20 bytes has no ifinfomsg" otherwise.
     */
    public static int familyHeader(int at, int len, int headerSize, String message, String header)
            throws MalformedMessageException {
        if (len < NetlinkConstants.NLMSG_HDRLEN + headerSize) {
            throw new MalformedMessageException(message + " of " + len + " bytes has no " + header);
        }
        return at + NetlinkConstants.NLMSG_HDRLEN;
    }

    public static int length(ByteBuffer b, int at) {
        return b.getInt(at + NLMSG_LENGTH_OFFSET);
    }

    public static int type(ByteBuffer b, int at) {
        return Short.toUnsignedInt(b.getShort(at + NLMSG_TYPE_OFFSET));
    }

    public static int flags(ByteBuffer b, int at) {
        return Short.toUnsignedInt(b.getShort(at + NLMSG_FLAGS_OFFSET));
    }

    public static int seq(ByteBuffer b, int at) {
        return b.getInt(at + NLMSG_SEQ_OFFSET);
    }

    public static int pid(ByteBuffer b, int at) {
        return b.getInt(at + NLMSG_PID_OFFSET);
    }

    /**
     * Checks the message at {@code at} fits in {@code [at, end)} and returns its length.
     *
     * @throws MalformedMessageException when the header is cut short or nlmsg_len is below the header
     *                                   size or runs past the datagram
     */
    public static int checkedLength(ByteBuffer b, int at, int end) throws MalformedMessageException {
        if (end - at < NLMSG_HDRLEN) {
            throw new MalformedMessageException("netlink header truncated: " + (end - at) + " of 16 bytes at offset " + at);
        }
        int len = length(b, at);
        if (len < NLMSG_HDRLEN || len > end - at) {
            throw new MalformedMessageException("netlink message at offset " + at + " claims " + Integer.toUnsignedString(len)
                    + " bytes, " + (end - at) + " available");
        }
        return len;
    }

    /** Offset of the message after the one at {@code at} of length {@code len}, never past {@code end}. */
    public static int next(int at, int len, int end) {
        return Math.min(end, at + align(len));
    }
}
