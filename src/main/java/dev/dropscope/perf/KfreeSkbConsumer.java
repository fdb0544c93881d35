package dev.dropscope.perf;

/**
 * Receives decoded {@code skb:kfree_skb} samples as primitives: called up to millions of times a
 * second, so nothing is allocated per drop.
 */
public interface KfreeSkbConsumer {
    /**
     * One freed-and-dropped skb.
     *
     * @param cpu      CPU the drop happened on
     * @param timeNs   CLOCK_MONOTONIC nanoseconds (comparable with {@link System#nanoTime()})
     * @param pid      {@code common_pid}: the task that was running (for loopback traffic, the sender)
     * @param location return address in the kernel that freed the skb (symbolize with Kallsyms)
     * @param reason   {@code enum skb_drop_reason} value, 0 when the kernel has no reason field
     * @param protocol {@code skb->protocol} in host order (0x0800 IPv4, 0x86dd IPv6)
     * @param rxSk     {@code rx_sk} pointer (non-zero when a receiving socket was known), 0 when absent
     */
    void onDrop(int cpu, long timeNs, int pid, long location, int reason, int protocol, long rxSk);

    /** The kernel could not write {@code count} samples on {@code cpu}: its ring was full. */
    default void onLost(int cpu, long count) {
    }
}
