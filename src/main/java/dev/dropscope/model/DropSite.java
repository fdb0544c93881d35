package dev.dropscope.model;

import java.util.Objects;

/**
 * One place packets die: the same for every source, so the tracepoint and NET_DM aggregate alike.
 *
 * @param location kernel address of the freeing call site (0 when the source gives none)
 * @param reason   {@code enum skb_drop_reason} value on the running kernel (0 when unknown)
 * @param origin   software path or hardware trap
 * @param ifindex  input interface, or -1 when the source does not say (0: the packet had no device)
 * @param netns    inode number of the drop's network namespace ({@code ns.inum}), or {@link #NO_NETNS}
 */
public record DropSite(long location, int reason, DropOrigin origin, int ifindex, long netns) {
    public static final int NO_IFINDEX = -1;
    /** The source does not say which namespace (or the packet had neither device nor socket). */
    public static final long NO_NETNS = 0;

    public DropSite {
        Objects.requireNonNull(origin, "origin");
    }

    /** A site from a source that does not report namespaces. */
    public DropSite(long location, int reason, DropOrigin origin, int ifindex) {
        this(location, reason, origin, ifindex, NO_NETNS);
    }
}
