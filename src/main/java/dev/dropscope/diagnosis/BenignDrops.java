package dev.dropscope.diagnosis;

import java.util.Set;

/**
 * Drops that happen in a healthy system and should not hide real problems: packets still queued on a
 * socket when it closes, queues purged on teardown, and frees on delivery paths that older kernels and
 * drivers report through kfree_skb although the packet was consumed. Classified by the freeing function
 * and, where the kernel gives one, the reason.
 */
public final class BenignDrops {
    /** Functions whose drops are teardown of queues that nobody will read any more. */
    private static final Set<String> TEARDOWN = Set.of(
            "udp_destruct_common", "udp_destruct_sock", "inet_sock_destruct", "sk_stream_kill_queues",
            "skb_queue_purge", "skb_queue_purge_reason", "__skb_queue_purge", "__skb_queue_purge_reason",
            "unix_release_sock", "tcp_write_queue_purge", "packet_release", "netlink_release");

    /**
     * Functions that free packets after delivering them ("consume" paths): before consume_skb() was used
     * everywhere these showed up in drop monitors as drops, with no reason or NOT_SPECIFIED.
     */
    private static final Set<String> CONSUME = Set.of(
            "skb_free_datagram", "skb_free_datagram_locked", "skb_consume_udp", "__consume_stateless_skb",
            "consume_skb", "napi_consume_skb", "skb_release_data", "kfree_skb_partial");

    /**
     * Reasons that say "the socket was closing", whatever the function; TCP_CLOSE is a segment that arrived
     * for a socket already closed (late retransmissions after close).
     */
    private static final Set<String> CLOSE_REASONS = Set.of("SOCKET_CLOSE", "QUEUE_PURGE", "TCP_CLOSE");

    private BenignDrops() {
    }

    /** True when a drop in {@code function} with {@code reason} (either may be null) is expected. */
    public static boolean isBenign(String function, String reason) {
        if (reason != null && CLOSE_REASONS.contains(reason)) {
            return true;
        }
        if (function == null || !(TEARDOWN.contains(function) || CONSUME.contains(function))) {
            return false;
        }
        // a teardown or consume function with a specific error reason is a real drop; NOT_SPECIFIED or none is not
        return reason == null || reason.equals("NOT_SPECIFIED");
    }
}
