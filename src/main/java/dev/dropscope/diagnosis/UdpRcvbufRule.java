package dev.dropscope.diagnosis;

import dev.dropscope.model.SocketStats;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.ResolvedDropSite;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code udp_rcvbuf_errors}: UDP sockets' receive buffers overflow: the application reads too slowly. */
final class UdpRcvbufRule implements Rule {
    static final String ID = "udp_rcvbuf_errors";

    @Override
    public String id() {
        return ID;
    }
    static final List<String> COUNTERS = List.of("Udp.RcvbufErrors", "Udp6.RcvbufErrors", "UdpLite.RcvbufErrors",
            "UdpLite6.RcvbufErrors");
    static final List<String> MEM_COUNTERS = List.of("Udp.MemErrors", "Udp6.MemErrors");
    static final Set<String> REASONS = Set.of("SOCKET_RCVBUFF");
    /** Memory one queued datagram of a full-size frame takes (its truesize): 2 KiB of data plus the skb. */
    static final long TRUESIZE_PER_DATAGRAM = 2304;
    /**
     * Ceiling for the suggested rmem_max: 64 MiB already holds a second of 500 Mbit/s; beyond that the
     * reader, not the buffer, is the problem.
     */
    static final long RMEM_CAP = 64L << 20;

    /** Sockets named one by one in the evidence. */
    static final int SHOWN = 3;

    /**
     * Where a socket's buffer size comes from: SO_RCVBUF set by the application (the kernel stores twice the
     * value asked for, capped at twice rmem_max), or net.core.rmem_default when it never set one.
     */
    static String bufferOrigin(long rcvbuf, Long rmemDefault, Long rmemMax) {
        if (rmemDefault != null && rcvbuf == rmemDefault) {
            return "net.core.rmem_default: the application does not set SO_RCVBUF";
        }
        if (rmemMax != null && rcvbuf == 2 * rmemMax) {
            return "SO_RCVBUF set by the application, capped at twice net.core.rmem_max";
        }
        return "SO_RCVBUF " + rcvbuf / 2 + " set by the application (the kernel doubles it)"
                + (rmemDefault == null ? "" : "; rmem_default " + rmemDefault + " does not apply to it");
    }

    private static Fix ownerFix(SocketStats.Entry s, Long rmemDefault, Long rmemMax) {
        String who = SocketDeltas.owner(s);
        if (rmemDefault != null && s.rcvbuf() == rmemDefault) {
            return Fixes.command(who + " on " + s.local() + " relies on net.core.rmem_default (" + rmemDefault
                            + " bytes): have it call setsockopt(SO_RCVBUF) with a bigger size, or raise rmem_default",
                    "rmem_default applies to every socket that does not choose its own size.");
        }
        return Fixes.command(who + " on " + s.local() + " sets SO_RCVBUF itself (" + s.rcvbuf() / 2
                        + " bytes, doubled by the kernel to " + s.rcvbuf() + "): raise the size it asks for in its "
                        + "configuration or code" + (rmemMax == null ? "" : ", up to net.core.rmem_max (" + rmemMax + ")")
                        + "; net.core.rmem_default does not apply to it",
                "Only this socket's memory grows; the kernel caps the request at net.core.rmem_max.");
    }

    @Override
    public List<Scored> apply(Observation o) {
        long counted = 0;
        List<Evidence> ev = new ArrayList<>();
        for (String k : COUNTERS) {
            long inc = o.snmpIncrease(k);
            if (inc > 0 || (k.startsWith("Udp.") && o.after.snmp().containsKey(k))) {
                ev.add(Text.risen(k, inc, o.seconds()));
            }
            counted += inc;
        }
        List<ResolvedDropSite> sites = o.sitesWithReason(REASONS);
        long n = Math.max(counted, Observation.dropsAt(sites));
        if (n == 0) {
            return List.of();
        }
        sites.forEach(s -> ev.add(Text.site(s, o.seconds())));
        long memErrors = o.snmpRisen(MEM_COUNTERS, ev);
        long inDatagrams = o.snmpIncrease("Udp.InDatagrams") + o.snmpIncrease("Udp6.InDatagrams");
        if (o.foreign == null) { // another namespace's counters are not in the snapshot: no "+0 delivered"
            ev.add(Text.risen("Udp.InDatagrams + Udp6.InDatagrams (delivered)", inDatagrams, o.seconds()));
        }
        Long rmemMax = o.sysctlLong("net.core.rmem_max");
        Long rmemDefault = o.sysctlLong("net.core.rmem_default");
        if (rmemMax != null) {
            ev.add(new Evidence("net.core.rmem_max", Long.toString(rmemMax)));
        }
        if (rmemDefault != null) {
            ev.add(new Evidence("net.core.rmem_default", Long.toString(rmemDefault)));
        }
        double rate = o.perSecond(n);
        List<SocketDeltas.Risen> sockets = SocketDeltas.withRisingDrops(o, "udp", false);
        for (int i = 0; i < Math.min(SHOWN, sockets.size()); i++) {
            SocketDeltas.Risen r = sockets.get(i);
            ev.add(new Evidence("socket udp " + r.socket().local() + " of " + SocketDeltas.owner(r.socket()),
                    "drops " + Text.rise(r.drops(), o.seconds()) + "; rcvbuf " + r.socket().rcvbuf() + " ("
                            + bufferOrigin(r.socket().rcvbuf(), rmemDefault, rmemMax) + ")"));
        }
        if (sockets.size() > SHOWN) {
            ev.add(new Evidence("more UDP sockets with drops", Integer.toString(sockets.size() - SHOWN)));
        }

        List<Fix> fixes = new ArrayList<>();
        fixes.add(Fixes.command(Fixes.inNetns(o, "ss -uanpm"),
                "Read-only: finds the socket; in skmem:(...) 'rb' is its buffer limit and 'd' its drops."));
        if (!sockets.isEmpty()) {
            fixes.add(ownerFix(sockets.get(0).socket(), rmemDefault, rmemMax));
        }
        // room for four times what overflowed in one second, as memory the queued datagrams take
        long need = 4 * (long) Math.ceil(rate) * TRUESIZE_PER_DATAGRAM;
        long newMax = rmemMax == null ? Fixes.powerOfTwoAtLeast(Math.max(need, 8L << 20))
                : Fixes.grow(rmemMax, need, RMEM_CAP);
        fixes.add(Fixes.command("raise the socket's buffer in the application: setsockopt(SO_RCVBUF, " + newMax
                        + ") (the kernel caps it at net.core.rmem_max), or read faster / with more threads (SO_REUSEPORT)",
                "A bigger buffer absorbs bursts; if the reader is slower on average, it only delays the drops."));
        if (rmemMax == null || newMax > rmemMax) {
            fixes.add(Fixes.sysctl(o, "net.core.rmem_max", newMax,
                    "Lets any socket that asks queue up to " + Text.bytes(newMax) + " of kernel memory; "
                            + "net.ipv4.udp_mem still caps all UDP sockets together."));
        }
        if (rmemDefault != null && rmemDefault < newMax) {
            long newDefault = Math.min(newMax, Fixes.grow(rmemDefault, 0, newMax));
            fixes.add(Fixes.sysctl(o, "net.core.rmem_default", newDefault,
                    "Applies to every socket that does not set SO_RCVBUF, TCP excepted: "
                            + Text.bytes(newDefault) + " each, so hosts with many UDP sockets use more memory."));
        }
        long[] udpMem = o.sysctlLongs("net.ipv4.udp_mem");
        if (memErrors > 0 && udpMem != null && udpMem.length == 3) {
            String v = udpMem[0] * 2 + " " + udpMem[1] * 2 + " " + udpMem[2] * 2;
            fixes.add(Fixes.sysctl(o, "net.ipv4.udp_mem", v, "UDP as a whole may then use up to "
                    + Text.bytes(udpMem[2] * 2 * 4096) + " (pages of 4 KiB) before every UDP socket drops."));
        }
        String title = "UDP receive buffers overflow (" + o.pace(rate) + " dropped)";
        if (!sockets.isEmpty()) {
            title += " at " + sockets.get(0).socket().local() + " of " + SocketDeltas.owner(sockets.get(0).socket())
                    + (sockets.size() > 1 ? " and " + (sockets.size() - 1) + " more" : "");
        }
        String explanation = "A UDP socket's receive queue was full, so the kernel dropped the datagram "
                + "(RcvbufErrors, SOCKET_RCVBUFF): the application reads more slowly than datagrams arrive, or its "
                + "buffer is too small for the bursts. Give the socket a bigger SO_RCVBUF (capped by "
                + "net.core.rmem_max) or make the reader faster.";
        return List.of(new Scored(new Finding(ID, Severities.loss(rate), title, ev, explanation, fixes), rate));
    }
}
