package dev.dropscope.model;

/** How wide a kernel counter is, which decides what a decrease between two samples means. */
public enum CounterWidth {
    /** A u64: a decrease is a reset (the interface or namespace was recreated), never a wrap. */
    BITS64,
    /** A u32 (softnet_stat, conntrack per CPU, qdisc drops): a decrease from above 2^31 to below is a wrap. */
    BITS32,
    /**
     * Width not known (a driver's {@code ethtool -S} value is a u64 on the wire but may be a 32-bit
     * hardware register): a decrease from a value between 2^31 and 2^32 to below 2^31 is taken as a
     * 32-bit wrap, any other decrease as a reset.
     */
    UNKNOWN
}
