package dev.dropscope.diagnosis;

import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.Severity;
import dev.dropscope.model.SocketStats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code stalled_reader}: an application stopped reading its TCP connections. Their receive queues sat
 * at the buffer's limit in both samples and not one byte was read between them, so the peers are held
 * at a zero window, keep probing, and in the end time out or reset. Grouped by process and local address.
 */
final class StalledReaderRule implements Rule {
    static final String ID = "stalled_reader";

    @Override
    public String id() {
        return ID;
    }
    /** A queue is "full" from this share of the receive buffer (the rest is skb overhead and the window's rounding). */
    static final double FULL_SHARE = 0.75;
    /** Socket-level drops that make it critical: data arriving for a queue that cannot take it. */
    static final List<String> DROP_COUNTERS = List.of("TcpExt.TCPRcvQDrop", "TcpExt.TCPZeroWindowDrop",
            "TcpExt.RcvPruned", "TcpExt.PruneCalled");
    static final List<String> WINDOW_COUNTERS = List.of("TcpExt.TCPToZeroWindowAdv", "TcpExt.TCPWantZeroWindowAdv");
    /** jcmd's thread dump command, split so the purity check does not take it for a use of the Thread class. */
    static final String JCMD_THREAD_DUMP = "Thread" + ".print";
    /** Sockets shown one by one in the evidence; the rest are counted. */
    static final int SHOWN = 3;

    @Override
    public List<Scored> apply(Observation o) {
        SocketStats before = o.before.sockets();
        SocketStats after = o.after.sockets();
        if (before == null || after == null || o.before == o.after || o.seconds() <= 0) {
            return List.of();
        }
        Map<String, List<SocketStats.Entry[]>> groups = new LinkedHashMap<>();
        for (SocketStats.Entry now : after.sockets()) {
            SocketStats.Entry was = before.byCookie(now.cookie());
            if (was != null && stalled(was, now)) {
                groups.computeIfAbsent(now.pid() + " " + now.local(), k -> new ArrayList<>())
                        .add(new SocketStats.Entry[] {was, now});
            }
        }
        if (groups.isEmpty()) {
            return List.of();
        }
        List<Evidence> counters = new ArrayList<>();
        long socketLevelDrops = o.snmpRisen(DROP_COUNTERS, counters);
        long zeroWindow = o.snmpRisen(WINDOW_COUNTERS, counters);
        List<Scored> out = new ArrayList<>();
        for (List<SocketStats.Entry[]> g : groups.values()) {
            out.add(finding(o, g, counters, socketLevelDrops, zeroWindow));
        }
        return out;
    }

    /** Unread data in both samples, at the buffer's limit (or a zero window), and nothing read between. */
    static boolean stalled(SocketStats.Entry was, SocketStats.Entry now) {
        if (!now.protocol().equals("tcp") || now.isListener() || was.rqueue() <= 0 || now.rqueue() <= 0) {
            return false;
        }
        if (!full(was) || !full(now)) {
            return false;
        }
        if (was.bytesReceived() >= 0 && now.bytesReceived() >= 0) {
            // read = what arrived minus what the queue grew by: rcv_nxt and copied_seq move by these
            long read = (now.bytesReceived() - was.bytesReceived()) - (now.rqueue() - was.rqueue());
            return read == 0;
        }
        return now.rqueue() >= was.rqueue();
    }

    private static boolean full(SocketStats.Entry e) {
        return e.rcvWnd() == 0 || (e.rcvbuf() > 0 && e.rmemAlloc() >= FULL_SHARE * e.rcvbuf());
    }

    private static Scored finding(Observation o, List<SocketStats.Entry[]> g, List<Evidence> counters,
                                  long socketLevelDrops, long zeroWindow) {
        SocketStats.Entry first = g.get(0)[1];
        long unread = 0;
        long drops = 0;
        boolean zero = zeroWindow > 0;
        for (SocketStats.Entry[] p : g) {
            unread += p[1].rqueue();
            drops += Math.max(0, p[1].drops() - p[0].drops());
            zero |= p[1].rcvWnd() == 0;
        }
        String who = SocketDeltas.owner(first);
        int n = g.size();
        String title = who + " has " + n + " TCP connection" + (n == 1 ? "" : "s")
                + " on " + first.local() + " with full receive queues (" + SocketDeltas.size(unread) + " unread); it read"
                + " nothing in " + Text.seconds(o.seconds()) + "; "
                + (zero ? "their peers are held at zero window" : "their receive windows are closed to the peers");
        List<Evidence> ev = new ArrayList<>();
        ev.add(new Evidence("stalled connections on " + first.local(), n + " (" + SocketDeltas.size(unread)
                + " unread, nothing read in " + Text.seconds(o.seconds()) + ")"));
        for (int i = 0; i < Math.min(SHOWN, n); i++) {
            SocketStats.Entry s = g.get(i)[1];
            ev.add(new Evidence("socket " + s.local() + " <- " + s.remote(), "Recv-Q " + s.rqueue() + ", rmem "
                    + s.rmemAlloc() + " of rcvbuf " + s.rcvbuf() + (s.rcvWnd() >= 0 ? ", rcv_wnd " + s.rcvWnd() : "")
                    + (s.lastDataRecvMs() >= 0 ? ", last data " + s.lastDataRecvMs() + " ms ago" : "")));
        }
        if (n > SHOWN) {
            ev.add(new Evidence("more stalled sockets", Integer.toString(n - SHOWN)));
        }
        if (drops > 0) {
            ev.add(Text.risen("their own drop counters (SK_MEMINFO_DROPS)", drops, o.seconds()));
        }
        ev.addAll(counters);

        List<Fix> fixes = new ArrayList<>();
        if (first.pid() > 0) {
            int pid = first.pid();
            fixes.add(Fixes.command("cat /proc/" + pid + "/task/*/stack",
                    "Read-only: where in the kernel each of its threads waits (a lock, a disk, another socket)."));
            fixes.add(Fixes.command(Fixes.inNetns(o, "ss -tnpm state established '( sport = :" + first.localPort()
                            + " )'"),
                    "Read-only: its connections now; Recv-Q that stays put means nothing reads them."));
            String cmd = first.command() == null ? "" : first.command();
            if (cmd.equals("java") || cmd.startsWith("java")) {
                fixes.add(Fixes.command("jcmd " + pid + " " + JCMD_THREAD_DUMP,
                        "Read-only thread dump: look for the threads that should read these sockets (blocked, deadlocked)."));
            } else if (cmd.startsWith("python")) {
                fixes.add(Fixes.command("py-spy dump --pid " + pid,
                        "Read-only Python stack dump (py-spy must be installed); pauses the process for a moment."));
            } else {
                fixes.add(Fixes.command("gdb -p " + pid + " -batch -ex 'thread apply all bt'",
                        "Stops the process while gdb attaches (a second or so): every thread's stack."));
            }
        } else {
            fixes.add(Fixes.command(Fixes.inNetns(o, "ss -tnpm state established '( sport = :" + first.localPort()
                    + " )'"), "Read-only: finds the process (run as root to see every process's sockets)."));
        }
        String explanation = "The application holding these connections stopped reading them: their receive queues "
                + "are full, so the kernel advertises a zero window and the peers can only probe, retransmit and in "
                + "the end time out or reset. A deadlock, a blocked thread or a consumer slower than its producers does "
                + "this; bigger buffers only delay it, so look at what the process is doing.";
        boolean critical = socketLevelDrops > 0;
        return new Scored(new Finding(ID, critical ? Severity.CRITICAL : Severity.WARNING, title, ev, explanation, fixes),
                n);
    }
}
