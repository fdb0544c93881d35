package dev.dropscope.model;

/**
 * A dropped packet with its location resolved to a name.
 *
 * @param packet        what the source reported
 * @param symbol        function name (or hardware trap), or null
 * @param offset        offset into the function, or -1
 * @param size          function size, or -1
 * @param module        kernel module, or null
 * @param interfaceName input interface name, or null
 * @param netns         the drop's network namespace, or null when the source does not say
 */
public record ResolvedPacket(DropPacket packet, String symbol, long offset, long size, String module,
                             String interfaceName, NetnsIdentity netns) {

    public ResolvedPacket(DropPacket packet, String symbol, long offset, long size, String module,
                          String interfaceName) {
        this(packet, symbol, offset, size, module, interfaceName, null);
    }

    /** "sym+0xoff/0xsize", the kernel's own %pS, or the address. */
    public String location() {
        if (packet.origin() == DropOrigin.HARDWARE) {
            return packet.trap().name();
        }
        if (symbol != null && offset >= 0) {
            return symbol + "+0x" + Long.toHexString(offset) + (size > 0 ? "/0x" + Long.toHexString(size) : "")
                    + (module != null ? " [" + module + "]" : "");
        }
        if (packet.kernelSymbol() != null) {
            return packet.kernelSymbol();
        }
        return String.format("0x%016x", packet.location());
    }
}
