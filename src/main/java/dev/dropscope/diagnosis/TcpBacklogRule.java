package dev.dropscope.diagnosis;

import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Severity;
import dev.dropscope.model.SocketStats;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code tcp_backlog_or_memory}: TCP drops segments of established connections because a socket's buffers
 * are full (a slow or stuck reader) or TCP as a whole is short of memory.
 */
final class TcpBacklogRule implements Rule {
    static final String ID = "tcp_backlog_or_memory";

    @Override
    public String id() {
        return ID;
    }
    /** Drops of data on one socket: its backlog, its receive queue, a zero window. */
    static final List<String> SOCKET_COUNTERS = List.of("TcpExt.TCPBacklogDrop", "TcpExt.TCPRcvQDrop",
            "TcpExt.TCPZeroWindowDrop", "TcpExt.PFMemallocDrop", "TcpExt.RcvPruned", "TcpExt.OfoPruned");
    /** TCP as a whole under tcp_mem pressure. */
    static final List<String> MEMORY_COUNTERS = List.of("TcpExt.TCPMemoryPressures", "TcpExt.TCPAbortOnMemory");
    static final Set<String> REASONS = Set.of("SOCKET_BACKLOG", "TCP_ZEROWINDOW", "TCP_OFO_DROP", "PFMEMALLOC");
    /** PROTO_MEM is UDP's too: only TCP's functions count here. */
    static final String PROTO_MEM = "PROTO_MEM";
    /** Ceiling for tcp_rmem's maximum: 64 MiB fills a 10 Gbit/s path with 50 ms of round trip. */
    static final long RMEM_CAP = 64L << 20;
    /** Sockets named one by one in the evidence. */
    static final int SHOWN = 3;

    /** One connection whose own drop counter rose: its queue against its buffer, as ss -tm shows them. */
    static Evidence socketEvidence(SocketDeltas.Risen r, double seconds) {
        SocketStats.Entry s = r.socket();
        return new Evidence("socket tcp " + s.local() + " <- " + s.remote() + " of " + SocketDeltas.owner(s),
                "drops " + Text.rise(r.drops(), seconds) + "; Recv-Q " + s.rqueue()
                        + (s.rcvbuf() >= 0 ? ", rmem " + s.rmemAlloc() + " of rcvbuf " + s.rcvbuf() : "")
                        + (s.rcvWnd() >= 0 ? ", rcv_wnd " + s.rcvWnd() : "")
                        + (s.lastDataRecvMs() >= 0 ? ", last data " + s.lastDataRecvMs() + " ms ago" : ""));
    }

    @Override
    public List<Scored> apply(Observation o) {
        List<Evidence> ev = new ArrayList<>();
        long socketDrops = o.snmpRisen(SOCKET_COUNTERS, ev);
        long memory = o.snmpRisen(MEMORY_COUNTERS, ev);
        List<ResolvedDropSite> sites = new ArrayList<>(o.sitesWithReason(REASONS));
        for (ResolvedDropSite s : o.sitesWithReason(Set.of(PROTO_MEM))) {
            if (s.symbol() != null && s.symbol().contains("tcp")) {
                sites.add(s);
            }
        }
        long siteDrops = Observation.dropsAt(sites);
        if (socketDrops == 0 && memory == 0 && siteDrops == 0) {
            return List.of();
        }
        sites.forEach(s -> ev.add(Text.site(s, o.seconds())));
        long[] tcpMem = o.sysctlLongs("net.ipv4.tcp_mem");
        long[] tcpRmem = o.sysctlLongs("net.ipv4.tcp_rmem");
        if (tcpMem != null) {
            ev.add(new Evidence("net.ipv4.tcp_mem", o.sysctl("net.ipv4.tcp_mem").trim() + " (pages)"));
        }
        if (tcpRmem != null) {
            ev.add(new Evidence("net.ipv4.tcp_rmem", o.sysctl("net.ipv4.tcp_rmem").trim()));
        }
        Long tcpPages = o.after.sockstat().get("TCP.mem");
        if (tcpPages != null) {
            ev.add(new Evidence("sockstat TCP mem", tcpPages + " pages in use"));
        }
        double rate = o.perSecond(Math.max(socketDrops, siteDrops));
        // the connections whose own drop counter (SK_MEMINFO_DROPS) rose: who the drops happened to
        List<SocketDeltas.Risen> sockets = SocketDeltas.withRisingDrops(o, "tcp", false);
        for (int i = 0; i < Math.min(SHOWN, sockets.size()); i++) {
            ev.add(socketEvidence(sockets.get(i), o.seconds()));
        }
        if (sockets.size() > SHOWN) {
            ev.add(new Evidence("more TCP connections with drops", Integer.toString(sockets.size() - SHOWN)));
        }

        List<Fix> fixes = new ArrayList<>();
        if (!sockets.isEmpty()) {
            SocketStats.Entry first = sockets.get(0).socket();
            long n = sockets.stream().filter(r -> r.socket().pid() == first.pid()
                    && r.socket().localPort() == first.localPort()).count();
            fixes.add(Fixes.command(Fixes.inNetns(o, "ss -tnpm state established '( sport = :" + first.localPort()
                            + " )'") + "  # " + SocketDeltas.owner(first) + ": " + n + " of its connections on "
                            + first.local() + " dropped data; a Recv-Q that stays high means it is not reading them",
                    "Read-only. Bigger buffers do not help a reader that has stopped; they only delay the reset."));
            if (first.pid() > 0) {
                fixes.add(Fixes.command("cat /proc/" + first.pid() + "/task/*/stack",
                        "Read-only: where in the kernel each of its threads waits (a lock, a disk, another socket)."));
            }
        } else {
            fixes.add(Fixes.command(Fixes.inNetns(o, "ss -tnpm state established")
                            + "  # a socket whose Recv-Q stays high is not being read: find why that application stalls",
                    "Read-only. Bigger buffers do not help a reader that has stopped; they only delay the reset."));
        }
        if (memory > 0 && tcpMem != null && tcpMem.length == 3) {
            String v = tcpMem[0] * 2 + " " + tcpMem[1] * 2 + " " + tcpMem[2] * 2;
            fixes.add(Fixes.sysctl(o, "net.ipv4.tcp_mem", v, "TCP as a whole may then take up to "
                    + Text.bytes(tcpMem[2] * 2 * 4096) + " of memory before it drops and aborts connections."));
        }
        if (socketDrops > 0 && tcpRmem != null && tcpRmem.length == 3 && tcpRmem[2] < RMEM_CAP) {
            String v = tcpRmem[0] + " " + tcpRmem[1] + " " + Fixes.grow(tcpRmem[2], 0, RMEM_CAP);
            fixes.add(Fixes.sysctl(o, "net.ipv4.tcp_rmem", v,
                    "Each connection may buffer more before the window closes: more memory per busy socket."));
        }
        Severity sev = Severities.loss(rate);
        String title = memory > 0 && socketDrops == 0
                ? "TCP under memory pressure (tcp_mem)"
                : "TCP drops data at full socket buffers: a slow or stuck reader (" + o.pace(rate) + ")";
        if (!sockets.isEmpty()) {
            SocketStats.Entry first = sockets.get(0).socket();
            title += " at " + first.local() + " of " + SocketDeltas.owner(first)
                    + (sockets.size() > 1 ? " and " + (sockets.size() - 1) + " more" : "");
        }
        String explanation = "TCP dropped incoming data because a socket's receive queue or backlog was full, "
                + "or TCP as a whole reached net.ipv4.tcp_mem. The usual cause is an application that stops "
                + "reading (a deadlock, a blocked thread): its buffers fill, the peer retransmits into a full "
                + "queue, sees duplicate ACKs and finally resets the connection.";
        return List.of(new Scored(new Finding(ID, sev, title, ev, explanation, fixes), rate));
    }
}
