package dev.dropscope.collect;

import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropPacket;

/** Where a drop monitor delivers what it saw. Called on the monitor's thread, at up to millions per second. */
public interface DropSink {
    /**
     * {@code count} drops at one site.
     *
     * @param location kernel address (0 for hardware drops and for NIC rx_dropped reports)
     * @param reason   a {@link DropReasons} code ({@link DropReasons#UNKNOWN} when the source gives none)
     * @param ifindex  input interface, or -1
     * @param cpu      CPU, or -1 when the source does not say
     * @param timeNs   CLOCK_MONOTONIC ns of the drop or of its report
     */
    void onDrops(long location, int reason, DropOrigin origin, int ifindex, int cpu, long timeNs, long count);

    /**
     * {@link #onDrops(long, int, DropOrigin, int, int, long, long)} from a source that knows the drop's network
     * namespace: {@code netns} is its inode number ({@code ns.inum}, 0 when unknown). A sink that does not keep
     * namespaces apart counts it without.
     */
    default void onDrops(long location, int reason, DropOrigin origin, int ifindex, long netns, int cpu, long timeNs,
                         long count) {
        onDrops(location, reason, origin, ifindex, cpu, timeNs, count);
    }

    /** Drops the monitor knows happened but could not deliver (ring overflow, netlink overrun, tail drops). */
    void onLost(long count);

    /** Packet mode: one dropped packet with its details (also counted through {@link #onDrops}). */
    default void onPacket(DropPacket packet) {
    }
}
