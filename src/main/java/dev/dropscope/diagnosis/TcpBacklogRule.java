package dev.dropscope.diagnosis;

import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Severity;

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

        List<Fix> fixes = new ArrayList<>();
        fixes.add(Fixes.command(Fixes.inNetns(o, "ss -tnpm state established")
                        + "  # a socket whose Recv-Q stays high is not being read: find why that application stalls",
                "Read-only. Bigger buffers do not help a reader that has stopped; they only delay the reset."));
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
        String explanation = "TCP dropped incoming data because a socket's receive queue or backlog was full, "
                + "or TCP as a whole reached net.ipv4.tcp_mem. The usual cause is an application that stops "
                + "reading (a deadlock, a blocked thread): its buffers fill, the peer retransmits into a full "
                + "queue, sees duplicate ACKs and finally resets the connection.";
        return List.of(new Scored(new Finding(ID, sev, title, ev, explanation, fixes), rate));
    }
}
