package dev.dropscope.model;

/**
 * A drop site with names: what the user reads. Built from {@link DropSiteStats} by resolving the
 * address (kallsyms), the reason code and the interface index.
 *
 * @param address        kernel address (0 for hardware drops and NIC rx_dropped reports)
 * @param symbol         function name, the hardware trap name, or null when unresolved
 * @param offset         offset into the function (-1 when unresolved)
 * @param size           function size (-1 when unknown)
 * @param module         kernel module, or null for the core kernel
 * @param reason         drop reason name, or null when the source gives none
 * @param origin         software or hardware
 * @param ifindex        input interface, or -1
 * @param interfaceName  its name, or null
 * @param count          drops since monitoring started
 * @param delta          drops in the last interval
 * @param ratePerSecond  delta over the interval
 * @param benign         a drop that is expected in a healthy system (sockets closing, ...)
 * @param other          the bucket of all sites beyond the cap on distinct sites
 * @param netns          the drop's network namespace, or null when the source does not say
 */
public record ResolvedDropSite(long address, String symbol, long offset, long size, String module, String reason,
                               DropOrigin origin, int ifindex, String interfaceName, long count, long delta,
                               double ratePerSecond, boolean benign, boolean other, NetnsIdentity netns) {

    /** A site from a source that does not report namespaces. */
    public ResolvedDropSite(long address, String symbol, long offset, long size, String module, String reason,
                            DropOrigin origin, int ifindex, String interfaceName, long count, long delta,
                            double ratePerSecond, boolean benign, boolean other) {
        this(address, symbol, offset, size, module, reason, origin, ifindex, interfaceName, count, delta,
                ratePerSecond, benign, other, null);
    }

    /** "__udp4_lib_rcv+0x545/0xdd0 [module]", the trap name, "0xffffffff81234567", or "other". */
    public String location() {
        if (other) {
            return "other";
        }
        if (symbol == null) {
            return address == 0 ? "(nil)" : String.format("0x%016x", address);
        }
        if (origin == DropOrigin.HARDWARE || offset < 0) {
            return symbol;
        }
        StringBuilder s = new StringBuilder(symbol).append("+0x").append(Long.toHexString(offset));
        if (size > 0) {
            s.append("/0x").append(Long.toHexString(size));
        }
        if (module != null) {
            s.append(" [").append(module).append(']');
        }
        return s.toString();
    }
}
