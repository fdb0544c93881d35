package dev.dropscope.netlink;

import static dev.dropscope.netlink.NetlinkConstants.*;

import java.nio.ByteBuffer;

/**
 * A decoded NLMSG_ERROR: the errno (0 for an ACK), the echoed request header, and the extended-ack
 * TLVs when the kernel sent them (message, offset of the bad attribute, missing attribute type).
 */
public record NetlinkError(int errno, int requestType, int requestSeq, String extackMessage,
                           int extackOffset, int missingType) {

    /** True for an ACK (error 0), which may still carry an ext-ack warning message. */
    public boolean isAck() {
        return errno == 0;
    }

    /**
     * Decodes the NLMSG_ERROR message at {@code at} of length {@code len} (already bounds-checked by
     * {@link NlMsg#checkedLength}).
     */
    public static NetlinkError parse(ByteBuffer b, int at, int len) throws MalformedMessageException {
        int payload = at + NLMSG_HDRLEN;
        int end = at + len;
        if (end - payload < NLMSGERR_SIZE) {
            throw new MalformedMessageException("NLMSG_ERROR of " + len + " bytes is shorter than struct nlmsgerr");
        }
        int error = b.getInt(payload);
        if (error > 0 || error < -4095) {
            throw new MalformedMessageException("NLMSG_ERROR carries impossible error " + error);
        }
        int echoed = payload + 4;
        int echoedLen = NlMsg.length(b, echoed);
        int reqType = NlMsg.type(b, echoed);
        int reqSeq = NlMsg.seq(b, echoed);
        int flags = NlMsg.flags(b, at);
        if ((flags & NLM_F_ACK_TLVS) != 0) {
            // without NLM_F_CAPPED the whole request is echoed before the TLVs
            int tlvs = (flags & NLM_F_CAPPED) != 0 ? echoed + NLMSG_HDRLEN : echoed + align(echoedLen);
            if (echoedLen < NLMSG_HDRLEN || tlvs > end || tlvs < echoed) {
                throw new MalformedMessageException("NLMSG_ERROR echoes a request of " + echoedLen
                        + " bytes that does not fit in " + len);
            }
            return withTlvs(b, tlvs, end, -error, reqType, reqSeq);
        }
        return new NetlinkError(-error, reqType, reqSeq, null, -1, -1);
    }

    /**
     * Decodes the NLMSG_DONE that ends a dump (already bounds-checked): errno 0 when the dump succeeded,
     * else the negative errno it carries with the ext-ack TLVs after it. The request is not echoed in a
     * DONE, so its type comes from the caller; its seq is the DONE's own.
     */
    public static NetlinkError parseDone(ByteBuffer b, int at, int len, int requestType) throws MalformedMessageException {
        int seq = NlMsg.seq(b, at);
        if (len < NLMSG_HDRLEN + 4) {
            return new NetlinkError(0, requestType, seq, null, -1, -1); // a bare DONE: nothing to report
        }
        int error = b.getInt(at + NLMSG_HDRLEN);
        if (error >= 0) {
            return new NetlinkError(0, requestType, seq, null, -1, -1); // the dump's message count, or 0
        }
        if (error < -4095) {
            throw new MalformedMessageException("NLMSG_DONE carries impossible error " + error);
        }
        if ((NlMsg.flags(b, at) & NLM_F_ACK_TLVS) == 0) {
            return new NetlinkError(-error, requestType, seq, null, -1, -1);
        }
        return withTlvs(b, at + NLMSG_HDRLEN + 4, at + len, -error, requestType, seq);
    }

    private static NetlinkError withTlvs(ByteBuffer b, int tlvs, int end, int errno, int reqType, int reqSeq)
            throws MalformedMessageException {
        String msg = null;
        int offs = -1;
        int miss = -1;
        AttributeCursor c = new AttributeCursor(b, tlvs, end);
        while (c.next()) {
            switch (c.type()) {
                case NLMSGERR_ATTR_MSG:
                    msg = c.string();
                    break;
                case NLMSGERR_ATTR_OFFS:
                    offs = c.u32();
                    break;
                case NLMSGERR_ATTR_MISS_TYPE:
                    miss = c.u32();
                    break;
                default:
                    break;
            }
        }
        return new NetlinkError(errno, reqType, reqSeq, msg, offs, miss);
    }
}
