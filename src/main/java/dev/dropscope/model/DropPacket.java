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
 * @param trapGroup      hardware trap group, or null
 * @param trapName       hardware trap name, or null
 * @param protocol       ethertype, or -1
 * @param length         payload bytes captured
 * @param originalLength the packet's length at the drop, or -1
 * @param l4             "udp", "tcp", "icmp", ..., or null
 * @param source         source address, or null
 * @param destination    destination address, or null
 * @param sourcePort     -1 when none
 * @param destinationPort -1 when none
 * @param vlan           outer VLAN id, or -1
 * @param flowCookie     hardware flow-action cookie as hex, or null
 */
public record DropPacket(long timeEpochNs, DropOrigin origin, long location, String kernelSymbol, String reason,
                         int ifindex, String interfaceName, String trapGroup, String trapName, int protocol,
                         int length, int originalLength, String l4, String source, String destination,
                         int sourcePort, int destinationPort, int vlan, String flowCookie) {
}
