package dev.dropscope.netlink;

import java.io.IOException;

/**
 * The kernel marked a dump NLM_F_DUMP_INTR: the table changed while it was walked across several
 * datagrams, so the parts may disagree (a link missed or listed twice). iproute2 warns "Dump was
 * interrupted and may be inconsistent"; {@link NetlinkSocket#dump} asks again instead.
 */
public final class DumpInterruptedException extends IOException {
    private static final long serialVersionUID = 1L;

    public DumpInterruptedException(String message) {
        super(message);
    }
}
