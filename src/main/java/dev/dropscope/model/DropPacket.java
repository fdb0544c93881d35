package dev.dropscope.model;

/**
 * One dropped packet seen in packet mode, with what its first bytes said.
 *
 * @param timeEpochNs    time of the drop, ns since the epoch
 * @param origin         software or hardware
 * @param location       kernel address (0 for hardware drops)
 * @param kernelSymbol   the kernel's own %pS of the location, or null
 * @param reason         drop reason name, or null
 * @param ifindex        input interface, or -1
 * @param interfaceName  input interface name when the kernel sent it (hardware drops), or null
 * @param trap           the hardware trap; {@link Trap#NONE} for software drops
 * @param payload        what was captured of the packet
 * @param tuple          its flow, as the headers said; {@link Tuple#NONE} when they said nothing
 * @param netns          inode of the drop's network namespace, or {@link DropSite#NO_NETNS}
 * @param capture        the packet's first bytes, or {@link Capture#NONE}
 */
public record DropPacket(long timeEpochNs, DropOrigin origin, long location, String kernelSymbol, String reason,
                         int ifindex, String interfaceName, Trap trap, Payload payload, Tuple tuple, long netns,
                         Capture capture) {

    public DropPacket {
        trap = trap == null ? Trap.NONE : trap;
        tuple = tuple == null ? Tuple.NONE : tuple;
        capture = capture == null ? Capture.NONE : capture;
    }

    /** A packet from a source that reports neither namespace nor bytes. */
    public DropPacket(long timeEpochNs, DropOrigin origin, long location, String kernelSymbol, String reason,
                      int ifindex, String interfaceName, Trap trap, Payload payload, Tuple tuple) {
        this(timeEpochNs, origin, location, kernelSymbol, reason, ifindex, interfaceName, trap, payload, tuple,
                DropSite.NO_NETNS, Capture.NONE);
    }

    /** The same packet with its namespace and first bytes. */
    public DropPacket with(long netns, Capture capture) {
        return new DropPacket(timeEpochNs, origin, location, kernelSymbol, reason, ifindex, interfaceName, trap,
                payload, tuple, netns, capture);
    }

    /** Where captured bytes start. */
    public enum Start {
        /** At an Ethernet header (NET_DM's payload; an skb whose mac header is set). */
        MAC,
        /** At the IPv4/IPv6 header (an skb without a mac header: tunnels, locally made packets). */
        NETWORK
    }

    /**
     * The packet's first bytes as the source captured them (never changed after: not copied).
     *
     * @param bytes the captured bytes
     * @param start the header they start at
     */
    public record Capture(byte[] bytes, Start start) {
        public static final Capture NONE = new Capture(new byte[0], Start.MAC);
    }

    /** A software drop at {@code location}: no trap, no interface name, no kernel %pS. */
    public static DropPacket software(long timeEpochNs, long location, String reason, int ifindex, Payload payload,
                                      Tuple tuple) {
        return new DropPacket(timeEpochNs, DropOrigin.SOFTWARE, location, null, reason, ifindex, null, Trap.NONE,
                payload, tuple);
    }

    /**
     * A hardware trap.
     *
     * @param group      trap group, or null
     * @param name       trap name, or null
     * @param flowCookie flow-action cookie as hex, or null
     */
    public record Trap(String group, String name, String flowCookie) {
        public static final Trap NONE = new Trap(null, null, null);
    }

    /**
     * What was captured.
     *
     * @param protocol       ethertype, or -1
     * @param length         payload bytes captured
     * @param originalLength the packet's length at the drop, or -1
     * @param vlan           outer VLAN id, or -1
     */
    public record Payload(int protocol, int length, int originalLength, int vlan) {
        /** Only the ethertype is known (the eBPF ring carries no bytes and no length). */
        public static Payload protocolOnly(int protocol) {
            return new Payload(protocol, 0, -1, -1);
        }
    }

    /**
     * The flow.
     *
     * @param l4              "udp", "tcp", "icmp", ..., or null
     * @param source          source address, or null
     * @param destination     destination address, or null
     * @param sourcePort      -1 when none
     * @param destinationPort -1 when none
     */
    public record Tuple(String l4, String source, String destination, int sourcePort, int destinationPort) {
        public static final Tuple NONE = new Tuple(null, null, null, -1, -1);
    }
}
