package dev.dropscope.collect;

import static dev.dropscope.netlink.sockdiag.SockDiagConstants.*;

import dev.dropscope.model.SocketStats;
import dev.dropscope.model.Snapshot;
import dev.dropscope.netlink.NetlinkException;
import dev.dropscope.netlink.sockdiag.InetDiag;
import dev.dropscope.netlink.sockdiag.InetSocket;
import dev.dropscope.procfs.ProcFiles;
import dev.dropscope.procfs.SocketOwners;
import dev.dropscope.sys.Errno;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The sockets behind drops and full queues: every TCP and UDP socket of the namespace over inet_diag
 * (IPv4 and IPv6), of which only the few worth showing are kept (most drops, fullest receive queues,
 * listeners with a queue), each with its owning process from /proc. A reply is looked at in place and
 * turned into a record only when it makes one of those lists, so a host with 10 000 sockets costs little.
 */
public final class SocketCollector implements Collector {
    public static final String NAME = "sockets";
    /** Sockets kept by their drop counter. */
    static final int TOP_DROPS = 64;
    /** Connections and UDP sockets kept by unread bytes: room for a server's whole stuck pool. */
    static final int TOP_QUEUE = 128;
    /** Listeners kept by their accept queue. */
    static final int TOP_LISTEN = 32;
    /** CPU time the owner lookup may take per sample; the next sample goes on where it stopped. */
    static final long OWNER_BUDGET_NANOS = 50_000_000L;

    private static final String[] STATES = {"UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2",
        "TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING", "NEW-SYN-RECV"};

    private final LazySocket diag;
    private final SocketOwners owners;
    private final InetDiag.Reader reader = new InetDiag.Reader();

    public SocketCollector(Syscalls sys) {
        this(sys, ProcFiles.PROC);
    }

    public SocketCollector(Syscalls sys, Path proc) {
        this.diag = new LazySocket(sys, NETLINK_SOCK_DIAG);
        this.owners = new SocketOwners(proc);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** One kept socket and the number it was ranked by. */
    private record Ranked(long key, InetSocket socket) {
    }

    /** A bounded list of the {@code limit} biggest keys: a min-heap, so a reply that would not make it is skipped unbuilt. */
    private static final class Top {
        final int limit;
        final PriorityQueue<Ranked> heap;

        Top(int limit) {
            this.limit = limit;
            this.heap = new PriorityQueue<>(limit + 1, Comparator.comparingLong(Ranked::key));
        }

        void offer(long key, InetDiag.Reader r) {
            if (heap.size() < limit) {
                heap.add(new Ranked(key, r.toSocket()));
            } else if (key > heap.peek().key()) {
                heap.poll();
                heap.add(new Ranked(key, r.toSocket()));
            }
        }
    }

    @Override
    public void collect(Snapshot.Builder into) throws IOException {
        Top drops = new Top(TOP_DROPS);
        Top queue = new Top(TOP_QUEUE);
        Top listen = new Top(TOP_LISTEN);
        int[] counts = new int[2]; // total, with drops
        int dumped = 0;
        for (int protocol : new int[] {IPPROTO_TCP, IPPROTO_UDP}) {
            for (int family : new int[] {AF_INET, AF_INET6}) {
                try {
                    InetDiag.dump(diag.get(), family, protocol, InetDiag.LIVE_STATES, reader, r -> {
                        counts[0]++;
                        long d = r.drops();
                        if (d > 0) {
                            counts[1]++;
                            drops.offer(d, r);
                        }
                        long q = r.rqueue();
                        if (q > 0) {
                            (r.isListener() ? listen : queue).offer(q, r);
                        }
                    });
                    dumped++;
                } catch (NetlinkException e) {
                    // no IPv6 in this kernel or namespace, or no udp_diag module: the others still count
                    if (e.errno() != Errno.ENOENT && e.errno() != Errno.EAFNOSUPPORT) {
                        into.error(NAME, e.getMessage());
                    }
                }
            }
        }
        if (dumped == 0) {
            into.error(NAME, "inet_diag answered no dump: sockets not shown");
            return;
        }
        Map<Long, InetSocket> kept = new LinkedHashMap<>();
        for (Top t : List.of(drops, listen, queue)) {
            for (Ranked r : t.heap) {
                kept.putIfAbsent(r.socket().cookie(), r.socket());
            }
        }
        Set<Long> inodes = new HashSet<>();
        kept.values().forEach(s -> inodes.add(s.inode()));
        SocketOwners.Lookup found = owners.query(inodes, OWNER_BUDGET_NANOS);
        String note = null;
        if (!found.complete()) {
            note = "owner lookup cut short after " + OWNER_BUDGET_NANOS / 1_000_000 + " ms of CPU, " + found.scanned()
                    + " processes looked at (the next samples go on where it stopped)";
        }
        if (found.denied() > 0) {
            String d = found.denied() + " processes' sockets not readable: /proc/PID/fd of another user's process "
                    + "needs CAP_SYS_PTRACE (root has it)";
            note = note == null ? d : note + "; " + d;
        }
        List<SocketStats.Entry> entries = new ArrayList<>(kept.size());
        for (InetSocket s : kept.values()) {
            entries.add(entry(s, found.owners().get(s.inode())));
        }
        entries.sort(Comparator.comparingLong(SocketStats.Entry::drops).reversed()
                .thenComparing(Comparator.comparingLong(SocketStats.Entry::rqueue).reversed())
                .thenComparingLong(SocketStats.Entry::cookie));
        into.sockets(new SocketStats(counts[0], counts[1], counts[1] <= TOP_DROPS, entries, note));
    }

    static SocketStats.Entry entry(InetSocket s, SocketOwners.Owner owner) {
        String state = s.protocol() == IPPROTO_UDP ? (s.state() == TCP_ESTABLISHED ? "ESTAB" : "UNCONN")
                : s.state() < STATES.length ? STATES[s.state()] : "state " + s.state();
        InetSocket.MemInfo m = s.mem();
        InetSocket.TcpInfo t = s.tcp();
        String container = owner == null || owner.container() == null ? null
                : owner.container().runtime() + ":" + owner.container().id();
        return new SocketStats.Entry(s.protocol() == IPPROTO_TCP ? "tcp" : "udp", s.family() == AF_INET6 ? 6 : 4,
                state, s.localAddress(), s.localPort(), s.remoteAddress(), s.remotePort(), s.cookie(), s.inode(), s.uid(),
                s.rqueue(), s.wqueue(), m == null ? -1 : m.rmemAlloc(), m == null ? -1 : m.rcvbuf(),
                m == null ? -1 : m.drops(), t == null ? -1 : t.bytesReceived(), t == null ? -1 : t.lastDataRecvMs(),
                t == null ? -1 : t.rcvWnd(), t == null ? -1 : t.sndWnd(), owner == null ? 0 : owner.pid(),
                owner == null ? null : owner.command(), container);
    }

    @Override
    public void close() {
        diag.close();
    }
}
