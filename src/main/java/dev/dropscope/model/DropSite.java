package dev.dropscope.model;

import java.util.Objects;

/**
 * One place packets die: the same for every source, so the tracepoint and NET_DM aggregate alike.
 *
 * @param location kernel address of the freeing call site (0 when the source gives none)
 * @param reason   {@code enum skb_drop_reason} value on the running kernel (0 when unknown)
 * @param origin   software path or hardware trap
 * @param ifindex  input interface, or -1 when the source does not say
 */
public record DropSite(long location, int reason, DropOrigin origin, int ifindex) {
    public static final int NO_IFINDEX = -1;

    public DropSite {
        Objects.requireNonNull(origin, "origin");
    }
}
