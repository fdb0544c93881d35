package dev.dropscope.model;

import java.util.List;

/**
 * The sockets worth looking at out of every TCP and UDP socket of the namespace (inet_diag): those with
 * the most drops, the fullest receive queues, and listeners with connections waiting; each with the
 * process that holds it when it could be found. Bounded: at most a few hundred entries whatever the
 * socket count.
 *
 * @param total           every TCP and UDP socket the dump returned
 * @param withDrops       sockets whose own drop counter is not zero
 * @param allDropsListed  true when every socket with drops is in {@code sockets}: a socket absent here had
 *                        none, so its drops in a later sample all came after this one
 * @param ownersNote      why some owners are missing ("cut short after 20 ms", "12 processes' fds not
 *                        readable without CAP_SYS_PTRACE"), or null
 */
public record SocketStats(int total, int withDrops, boolean allDropsListed, List<Entry> sockets, String ownersNote) {

    public SocketStats {
        sockets = Maps.copy(sockets);
    }

    /**
     * One socket. Numbers the kernel did not send are -1; {@code pid} is 0 and {@code command} null
     * when no process could be found for it.
     *
     * @param protocol      "tcp" or "udp"
     * @param family        4 or 6
     * @param state         as ss names it: ESTAB, LISTEN, UNCONN, CLOSE-WAIT, ...
     * @param cookie        the kernel's socket cookie: the same socket in two snapshots has the same cookie
     * @param rqueue        unread bytes; for a listener the connections waiting to be accepted
     * @param wqueue        unsent bytes; for a listener its backlog limit, min(listen() backlog, somaxconn)
     * @param rmemAlloc     receive memory in use (SK_MEMINFO_RMEM_ALLOC)
     * @param rcvbuf        receive buffer limit (SK_MEMINFO_RCVBUF): twice what SO_RCVBUF asked for
     * @param drops         the socket's own drop counter (SK_MEMINFO_DROPS)
     * @param bytesReceived tcpi_bytes_received: every byte that arrived, read or not
     * @param lastDataRecvMs tcpi_last_data_recv: milliseconds since data last arrived
     * @param rcvWnd        tcpi_rcv_wnd: the window we advertise (0: the peer must stop)
     * @param container     "runtime:id" of the owner's container, or null
     */
    public record Entry(String protocol, int family, String state, String localAddress, int localPort,
                        String remoteAddress, int remotePort, long cookie, long inode, long uid, long rqueue,
                        long wqueue, long rmemAlloc, long rcvbuf, long drops, long bytesReceived,
                        long lastDataRecvMs, long rcvWnd, long sndWnd, int pid, String command, String container) {

        public boolean isListener() {
            return "LISTEN".equals(state);
        }

        /** {@code 10.0.0.1:8080}, IPv6 in brackets. */
        public String local() {
            return (family == 6 ? "[" + localAddress + "]" : localAddress) + ":" + localPort;
        }

        public String remote() {
            return (family == 6 ? "[" + remoteAddress + "]" : remoteAddress) + ":" + remotePort;
        }
    }

    /** The entry with {@code cookie}, or null. */
    public Entry byCookie(long cookie) {
        for (Entry e : sockets) {
            if (e.cookie() == cookie) {
                return e;
            }
        }
        return null;
    }
}
