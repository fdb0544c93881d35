package dev.dropscope.netlink.sockdiag;

/**
 * One TCP or UDP socket as inet_diag reports it. Numbers the kernel did not send are -1; {@code mem}
 * is null without INET_DIAG_SKMEMINFO and {@code tcp} without INET_DIAG_INFO (UDP, or a kernel that
 * refused it).
 *
 * @param state   the TCP state number (UDP sockets report TCP_CLOSE, or TCP_ESTABLISHED when connected)
 * @param rqueue  idiag_rqueue: unread bytes; for a listener the accept queue (connections)
 * @param wqueue  idiag_wqueue: unsent bytes; for a listener its backlog limit, min(listen() backlog, somaxconn)
 * @param cookie  the socket's cookie (stable for its life: it keys a socket across samples)
 */
public record InetSocket(int family, int protocol, int state, String localAddress, int localPort,
                         String remoteAddress, int remotePort, int ifindex, long cookie, long rqueue, long wqueue,
                         long uid, long inode, MemInfo mem, TcpInfo tcp) {

    /** INET_DIAG_SKMEMINFO: the socket's memory in bytes, and its own drop counter. */
    public record MemInfo(long rmemAlloc, long rcvbuf, long wmemAlloc, long sndbuf, long fwdAlloc, long wmemQueued,
                          long optmem, long backlog, long drops) {
    }

    /**
     * The tcp_info fields dropscope reads; -1 for those beyond what this kernel sent.
     *
     * @param length how many bytes of struct tcp_info the kernel sent
     */
    public record TcpInfo(int length, int state, int probes, int backoff, long rcvMss, long unacked,
                          long lastDataSentMs, long lastDataRecvMs, long rttUs, long rcvSpace, long totalRetrans,
                          long bytesAcked, long bytesReceived, long sndWnd, long rcvWnd) {
    }

    public boolean isListener() {
        return protocol == SockDiagConstants.IPPROTO_TCP && state == SockDiagConstants.TCP_LISTEN;
    }
}
