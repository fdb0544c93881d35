package dev.dropscope.perf;

/**
 * Where the fields of {@code skb:kfree_skb} sit in its raw record on the running kernel, as its tracefs
 * {@code format} file says: they move between kernel versions ({@code reason} arrived in 5.17,
 * {@code rx_sk} in 6.10). Offsets are from the start of the raw record (common fields included);
 * -1 means the kernel has no such field.
 *
 * @param eventId        the tracepoint id (tracefs {@code events/skb/kfree_skb/id})
 * @param commonPidOffset {@code common_pid} (s32): the task running when the skb was freed
 * @param locationOffset {@code location} (pointer): the return address of the freeing call
 * @param protocolOffset {@code protocol} (u16, host order: the tracepoint applies ntohs)
 * @param reasonOffset   {@code reason} (enum skb_drop_reason, 4 bytes), or -1
 * @param rxSkOffset     {@code rx_sk} (pointer), or -1
 */
public record KfreeSkbLayout(int eventId, int commonPidOffset, int locationOffset, int protocolOffset,
                             int reasonOffset, int rxSkOffset) {
    /** Largest field offset accepted: a perf sample's size is a u16. */
    static final int MAX_OFFSET = 0xffff;

    public KfreeSkbLayout {
        if (eventId <= 0) {
            throw new IllegalArgumentException("tracepoint id must be positive: " + eventId);
        }
        if (locationOffset < 0 || protocolOffset < 0 || commonPidOffset < 0) {
            throw new IllegalArgumentException("kfree_skb needs common_pid, location and protocol");
        }
        // a perf record is at most 64 KiB: an offset past that is a broken format file, and one near
        // Integer.MAX_VALUE would overflow minimumRawSize() and let the decoder read outside the ring
        for (int off : new int[] {commonPidOffset, locationOffset, protocolOffset, reasonOffset, rxSkOffset}) {
            if (off > MAX_OFFSET) {
                throw new IllegalArgumentException("kfree_skb field offset " + off + " is beyond a perf record");
            }
        }
    }

    /** Raw bytes a record must have for every present field to be inside it. */
    public int minimumRawSize() {
        int end = Math.max(commonPidOffset + 4, Math.max(locationOffset + 8, protocolOffset + 2));
        if (reasonOffset >= 0) {
            end = Math.max(end, reasonOffset + 4);
        }
        if (rxSkOffset >= 0) {
            end = Math.max(end, rxSkOffset + 8);
        }
        return end;
    }
}
