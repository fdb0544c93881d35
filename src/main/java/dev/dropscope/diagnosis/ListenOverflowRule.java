package dev.dropscope.diagnosis;

import dev.dropscope.model.SocketStats;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.ResolvedDropSite;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code tcp_listen_overflow}: a listening socket's accept queue (or SYN queue) is full. */
final class ListenOverflowRule implements Rule {
    static final String ID = "tcp_listen_overflow";

    @Override
    public String id() {
        return ID;
    }
    static final String OVERFLOWS = "TcpExt.ListenOverflows";
    /** Every drop at a listener, overflows included. */
    static final String DROPS = "TcpExt.ListenDrops";
    static final String SYN_QUEUE_FULL = "TcpExt.TCPReqQFullDrop";
    static final Set<String> REASONS = Set.of("TCP_LISTEN_OVERFLOW");
    /** somaxconn is an int since 5.4 but was a u16 before: stay within both. */
    static final long SOMAXCONN_CAP = 65535;
    /** Ceiling for tcp_max_syn_backlog: 64 Ki half-open requests cost about 16 MiB. */
    static final long SYN_BACKLOG_CAP = 65536;

    /** Listeners named one by one in the evidence. */
    static final int SHOWN = 3;

    /** A listener, its queue against its limit, and that limit as min(listen() backlog, somaxconn). */
    static Evidence listenerEvidence(SocketStats.Entry l, Long somaxconn, String drops) {
        String limit = somaxconn == null ? "backlog limit " + l.wqueue()
                : "backlog limit " + l.wqueue() + " = min(listen() backlog, somaxconn " + somaxconn + ")"
                        + (l.wqueue() < somaxconn ? ": the application's own backlog" : ": somaxconn caps it");
        return new Evidence("listener " + l.local() + " of " + SocketDeltas.owner(l), "accept queue " + l.rqueue()
                + " of " + l.wqueue() + " (" + limit + ")" + (drops == null ? "" : "; drops " + drops));
    }

    @Override
    public List<Scored> apply(Observation o) {
        long overflows = o.snmpIncrease(OVERFLOWS);
        long drops = o.snmpIncrease(DROPS);
        long synFull = o.snmpIncrease(SYN_QUEUE_FULL);
        List<ResolvedDropSite> sites = o.sitesWithReason(REASONS);
        long n = Math.max(Math.max(overflows, drops), Math.max(synFull, Observation.dropsAt(sites)));
        if (n == 0) {
            return List.of();
        }
        List<Evidence> ev = new ArrayList<>();
        if (o.foreign == null) { // another namespace's counters are not in the snapshot: no "+0"
            ev.add(Text.risen(OVERFLOWS, overflows, o.seconds()));
            ev.add(Text.risen(DROPS, drops, o.seconds()));
        }
        if (synFull > 0) {
            ev.add(Text.risen(SYN_QUEUE_FULL, synFull, o.seconds()));
        }
        sites.forEach(s -> ev.add(Text.site(s, o.seconds())));
        Long somaxconn = o.sysctlLong("net.core.somaxconn");
        Long synBacklog = o.sysctlLong("net.ipv4.tcp_max_syn_backlog");
        if (somaxconn != null) {
            ev.add(new Evidence("net.core.somaxconn", Long.toString(somaxconn)));
        }
        if (synBacklog != null) {
            ev.add(new Evidence("net.ipv4.tcp_max_syn_backlog", Long.toString(synBacklog)));
        }
        double rate = o.perSecond(n);
        List<SocketStats.Entry> listeners = new ArrayList<>();
        for (SocketDeltas.Risen r : SocketDeltas.withRisingDrops(o, "tcp", true)) {
            listeners.add(r.socket());
            if (listeners.size() <= SHOWN) {
                ev.add(listenerEvidence(r.socket(), somaxconn, Text.rise(r.drops(), o.seconds())));
            }
        }
        if (listeners.isEmpty() && o.after.sockets() != null && o.before != o.after) {
            // no drop counter to go by: the listeners whose accept queue is full now
            for (SocketStats.Entry e : o.after.sockets().sockets()) {
                if (e.isListener() && e.wqueue() >= 0 && e.rqueue() >= e.wqueue() && listeners.size() < SHOWN) {
                    listeners.add(e);
                    ev.add(listenerEvidence(e, somaxconn, null));
                }
            }
        }
        long newSomaxconn = somaxconn == null ? 4096 : Fixes.grow(somaxconn, 0, SOMAXCONN_CAP);

        List<Fix> fixes = new ArrayList<>();
        if (!listeners.isEmpty()) {
            SocketStats.Entry l = listeners.get(0);
            boolean capped = somaxconn != null && l.wqueue() >= somaxconn;
            fixes.add(Fixes.command(SocketDeltas.owner(l) + " listens on " + l.local() + " with a backlog of "
                            + l.wqueue() + (capped ? " (capped by net.core.somaxconn)" : " (what it passed to listen())")
                            + ": " + (capped ? "raise net.core.somaxconn and its listen() backlog" : "raise the backlog it "
                            + "passes to listen() in its configuration or code") + ", and find why it accepts slowly",
                    "A longer queue makes clients wait instead of retrying; it does not make the application faster."));
        }
        fixes.add(Fixes.command("raise the listen() backlog in the application (e.g. listen(fd, " + newSomaxconn
                        + ")) and make it accept() faster; " + Fixes.inNetns(o, "ss -lnt")
                        + " shows each listener: Send-Q is its backlog, Recv-Q at Send-Q means full",
                "A longer queue holds more connections waiting for a busy application: clients wait instead "
                        + "of retrying, which hides a slow accept loop."));
        if (somaxconn != null && newSomaxconn > somaxconn) {
            fixes.add(Fixes.sysctl(o, "net.core.somaxconn", newSomaxconn,
                    "Only the ceiling: the queue is min(listen() backlog, somaxconn), so the application's "
                            + "backlog must be raised too; each queued connection holds a socket's memory."));
        }
        if (synBacklog != null && synBacklog < SYN_BACKLOG_CAP) {
            fixes.add(Fixes.sysctl(o, "net.ipv4.tcp_max_syn_backlog", Fixes.grow(synBacklog, 0, SYN_BACKLOG_CAP),
                    "More half-open connections are kept (about 256 bytes each), also those of a SYN flood."));
        }
        String title = "TCP listen queue overflow: connection attempts dropped (" + o.pace(rate) + ")";
        if (!listeners.isEmpty()) {
            title += " at " + listeners.get(0).local() + " of " + SocketDeltas.owner(listeners.get(0));
        }
        String explanation = "A listening socket's accept queue was full, so the kernel dropped the client's SYN "
                + "or handshake ACK (ListenOverflows, ListenDrops); clients see slow connects and retries. The "
                + "queue is min(the application's listen() backlog, net.core.somaxconn): raise both, and look at "
                + "why the application accepts so slowly.";
        return List.of(new Scored(new Finding(ID, Severities.loss(rate), title, ev, explanation, fixes), rate));
    }
}
