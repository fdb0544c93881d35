package dev.dropscope.diagnosis;

import static dev.dropscope.diagnosis.Snap.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.Finding;
import dev.dropscope.model.Severity;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SocketStats;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** stalled_reader and the socket attribution of udp_rcvbuf_errors and tcp_listen_overflow, on built snapshots. */
class SocketRulesTest {

    static SocketStats.Entry tcp(long cookie, int localPort, String remote, long rqueue, long rmem, long rcvbuf,
                                 long bytesReceived, long rcvWnd, long drops, int pid, String command) {
        return new SocketStats.Entry("tcp", 4, "ESTAB", "10.0.0.1", localPort, remote, 40000 + (int) cookie, cookie,
                1000 + cookie, 0, rqueue, 0, rmem, rcvbuf, drops, bytesReceived, 5000, rcvWnd, 65536, pid, command, null);
    }

    static SocketStats.Entry udp(long cookie, int port, long rcvbuf, long drops, int pid) {
        return new SocketStats.Entry("udp", 4, "UNCONN", "10.0.0.1", port, "0.0.0.0", 0, cookie, 2000 + cookie, 0, 0, 0,
                0, rcvbuf, drops, -1, -1, -1, -1, pid, "udprecv", null);
    }

    static SocketStats.Entry listener(long cookie, int port, long queue, long backlog, long drops, int pid) {
        return new SocketStats.Entry("tcp", 4, "LISTEN", "10.0.0.1", port, "0.0.0.0", 0, cookie, 3000 + cookie, 0, queue,
                backlog, 0, 131072, drops, -1, -1, -1, -1, pid, "myserver", "docker:" + "ab".repeat(32));
    }

    static Snapshot snap(double t, List<SocketStats.Entry> sockets, boolean allDrops, Object... snmp) {
        return at(t, x -> x.snmp(longs(snmp)).sysctl(strings("net.core.rmem_max", "212992", "net.core.rmem_default",
                "212992", "net.core.somaxconn", "4096")).sockets(new SocketStats(sockets.size(), 0, allDrops, sockets, null)));
    }

    /** n stalled connections of pid 4242 on :8080, read or not between the samples. */
    static List<Snapshot> stalled(int n, boolean readSome, boolean zeroWindow, Object... snmpAfter) {
        List<SocketStats.Entry> b = new ArrayList<>();
        List<SocketStats.Entry> a = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            b.add(tcp(i, 8080, "10.0.0.2", 126976, 127808, 131072, 1_000_000, zeroWindow ? 0 : 4096, 3, 4242, "myserver"));
            // arrived: 0 more (peer held at zero window); read: 1000 bytes when readSome (queue shrank by it)
            long q = readSome ? 125976 : 126976;
            a.add(tcp(i, 8080, "10.0.0.2", q, 127808, 131072, 1_000_000, zeroWindow ? 0 : 4096, 4, 4242, "myserver"));
        }
        Object[] zero = {"TcpExt.TCPRcvQDrop", 0, "TcpExt.TCPToZeroWindowAdv", 0};
        return List.of(snap(0, b, true, zero), snap(5, a, true, snmpAfter.length == 0 ? zero : snmpAfter));
    }

    @Test
    void fiftyStuckConnectionsOfOneProcessMakeOneFinding() {
        List<Snapshot> s = stalled(50, false, true, "TcpExt.TCPRcvQDrop", 0, "TcpExt.TCPToZeroWindowAdv", 50);
        Finding f = only(Diagnosis.diagnose(s.get(0), s.get(1), null, null), "stalled_reader");
        assertEquals("pid 4242 (myserver) has 50 TCP connections on 10.0.0.1:8080 with full receive queues (6.1 MiB "
                + "unread); it read nothing in 5.0 s; their peers are held at zero window", f.title());
        assertEquals(Severity.WARNING, f.severity());
        assertEquals("50 (6.1 MiB unread, nothing read in 5.0 s)", evidence(f, "stalled connections on 10.0.0.1:8080"));
        assertEquals("47", evidence(f, "more stalled sockets"));
        assertEquals("+50 in 5.0 s (10/s)", evidence(f, "TcpExt.TCPToZeroWindowAdv"));
        assertEquals(List.of("cat /proc/4242/task/*/stack", "ss -tnpm state established '( sport = :8080 )'",
                "gdb -p 4242 -batch -ex 'thread apply all bt'"), commands(f));
    }

    @Test
    void readingAnythingAtAllIsNotStalled() {
        List<Snapshot> s = stalled(50, true, true);
        assertFalse(has(Diagnosis.diagnose(s.get(0), s.get(1), null, null), "stalled_reader"));
    }

    @Test
    void queueDropsMakeItCriticalAndTheRuntimePicksTheDumpTool() {
        List<Snapshot> s = stalled(3, false, false, "TcpExt.TCPRcvQDrop", 7, "TcpExt.TCPToZeroWindowAdv", 0);
        Finding f = only(Diagnosis.diagnose(s.get(0), s.get(1), null, null), "stalled_reader");
        assertEquals(Severity.CRITICAL, f.severity());
        assertTrue(f.title().endsWith("their receive windows are closed to the peers"), f.title());
        assertEquals("+3 in 5.0 s", evidence(f, "their own drop counters (SK_MEMINFO_DROPS)").substring(0, 11));

        SocketStats.Entry javaWas = tcp(1, 9000, "10.0.0.3", 1000, 120000, 131072, 5000, 0, 0, 77, "java");
        SocketStats.Entry javaNow = tcp(1, 9000, "10.0.0.3", 1000, 120000, 131072, 5000, 0, 0, 77, "java");
        Finding j = only(Diagnosis.diagnose(snap(0, List.of(javaWas), true), snap(2, List.of(javaNow), true), null, null),
                "stalled_reader");
        assertTrue(commands(j).contains("jcmd 77 Thread.print"), commands(j).toString());
        SocketStats.Entry py = tcp(1, 9000, "10.0.0.3", 1000, 120000, 131072, 5000, 0, 0, 78, "python3.11");
        assertTrue(commands(only(Diagnosis.diagnose(snap(0, List.of(py), true), snap(2, List.of(py), true), null, null),
                "stalled_reader")).contains("py-spy dump --pid 78"));
    }

    @Test
    void aQueueFarFromItsBufferOrPresentOnceIsNotStalled() {
        SocketStats.Entry half = tcp(1, 8080, "10.0.0.2", 1000, 60000, 131072, 5000, 4096, 0, 1, "x");
        assertFalse(has(Diagnosis.diagnose(snap(0, List.of(half), true), snap(5, List.of(half), true), null, null),
                "stalled_reader"), "a quarter full and a window open: a reader that is just behind");
        SocketStats.Entry full = tcp(1, 8080, "10.0.0.2", 1000, 130000, 131072, 5000, 0, 0, 1, "x");
        assertFalse(has(Diagnosis.diagnose(snap(0, List.of(), true), snap(5, List.of(full), true), null, null),
                "stalled_reader"), "only in the second sample: not known to be stuck for the window");
        Snapshot noSockets = at(0, x -> x);
        assertFalse(has(Diagnosis.diagnose(noSockets, snap(5, List.of(full), true), null, null), "stalled_reader"));
    }

    @Test
    void twoProcessesOrTwoPortsAreTwoFindings() {
        List<SocketStats.Entry> b = List.of(tcp(1, 8080, "a", 9, 120000, 131072, 9, 0, 0, 1, "one"),
                tcp(2, 8081, "b", 9, 120000, 131072, 9, 0, 0, 1, "one"), tcp(3, 8080, "c", 9, 120000, 131072, 9, 0, 0, 2, "two"));
        assertEquals(3, Diagnosis.diagnose(snap(0, b, true), snap(1, b, true), null, null).stream()
                .filter(f -> f.id().equals("stalled_reader")).count());
    }

    @Test
    void udpDropsNameTheSocketItsProcessAndWhereItsBufferComesFrom() {
        Object[] before = {"Udp.RcvbufErrors", 0, "Udp.InDatagrams", 0};
        Object[] after = {"Udp.RcvbufErrors", 1500, "Udp.InDatagrams", 10};
        // 5353 sets SO_RCVBUF 4096 (rcvbuf 8192), 5354 uses rmem_default; 5355 was not listed before but the
        // earlier sample listed every socket with drops: all its 100 drops are new
        Snapshot b = snap(0, List.of(udp(1, 5353, 8192, 10, 4242), udp(2, 5354, 212992, 0, 4243)), true, before);
        Snapshot a = snap(1, List.of(udp(1, 5353, 8192, 1410, 4242), udp(2, 5354, 212992, 0, 4243),
                udp(3, 5355, 212992, 100, 4244)), true, after);
        Finding f = only(Diagnosis.diagnose(b, a, null, null), "udp_rcvbuf_errors");
        assertEquals("UDP receive buffers overflow (1500/s dropped) at 10.0.0.1:5353 of pid 4242 (udprecv) and 1 more",
                f.title());
        assertEquals("drops +1400 in 1.0 s (1400/s); rcvbuf 8192 (SO_RCVBUF 4096 set by the application (the kernel "
                + "doubles it); rmem_default 212992 does not apply to it)",
                evidence(f, "socket udp 10.0.0.1:5353 of pid 4242 (udprecv)"));
        assertEquals("drops +100 in 1.0 s (100/s); rcvbuf 212992 (net.core.rmem_default: the application does not set "
                + "SO_RCVBUF)", evidence(f, "socket udp 10.0.0.1:5355 of pid 4244 (udprecv)"));
        assertTrue(commands(f).get(1).startsWith("pid 4242 (udprecv) on 10.0.0.1:5353 sets SO_RCVBUF itself (4096 "
                + "bytes, doubled by the kernel to 8192)"), commands(f).get(1));

        // when the earlier sample was cut (allDropsListed false), a socket new to the list has no known rise
        Snapshot cut = snap(0, List.of(udp(1, 5353, 8192, 10, 4242)), false, before);
        Finding g = only(Diagnosis.diagnose(cut, a, null, null), "udp_rcvbuf_errors");
        assertTrue(g.evidence().stream().noneMatch(e -> e.name().contains("5355")), g.evidence().toString());
    }

    @Test
    void withoutSocketDataTheUdpAndListenFindingsAreUnchanged() {
        Object[] b = {"Udp.RcvbufErrors", 0, "TcpExt.ListenOverflows", 0, "TcpExt.ListenDrops", 0};
        Object[] a = {"Udp.RcvbufErrors", 50, "TcpExt.ListenOverflows", 16, "TcpExt.ListenDrops", 16};
        Snapshot plainB = at(0, x -> x.snmp(longs(b)).sysctl(strings("net.core.somaxconn", "4096")));
        Snapshot plainA = at(1, x -> x.snmp(longs(a)).sysctl(strings("net.core.somaxconn", "4096")));
        Snapshot emptyB = at(0, x -> x.snmp(longs(b)).sysctl(strings("net.core.somaxconn", "4096"))
                .sockets(new SocketStats(0, 0, true, List.of(), null)));
        Snapshot emptyA = at(1, x -> x.snmp(longs(a)).sysctl(strings("net.core.somaxconn", "4096"))
                .sockets(new SocketStats(0, 0, true, List.of(), null)));
        assertEquals(Diagnosis.diagnose(plainB, plainA, null, null), Diagnosis.diagnose(emptyB, emptyA, null, null));
        assertEquals("UDP receive buffers overflow (50/s dropped)",
                only(Diagnosis.diagnose(plainB, plainA, null, null), "udp_rcvbuf_errors").title());
    }

    @Test
    void listenOverflowNamesTheListenerAndItsEffectiveBacklog() {
        Object[] b = {"TcpExt.ListenOverflows", 0, "TcpExt.ListenDrops", 0};
        Object[] a = {"TcpExt.ListenOverflows", 16, "TcpExt.ListenDrops", 16};
        Finding f = only(Diagnosis.diagnose(snap(0, List.of(listener(1, 8080, 6, 5, 0, 4242)), true, b),
                snap(1, List.of(listener(1, 8080, 6, 5, 16, 4242)), true, a), null, null), "tcp_listen_overflow");
        String who = "pid 4242 (myserver) in docker container abababababab";
        assertEquals("TCP listen queue overflow: connection attempts dropped (16/s) at 10.0.0.1:8080 of " + who, f.title());
        assertEquals("accept queue 6 of 5 (backlog limit 5 = min(listen() backlog, somaxconn 4096): the application's "
                + "own backlog); drops +16 in 1.0 s (16/s)", evidence(f, "listener 10.0.0.1:8080 of " + who));
        assertTrue(commands(f).get(0).startsWith(who + " listens on 10.0.0.1:8080 with a backlog of 5 (what it passed "
                + "to listen()): raise the backlog"), commands(f).get(0));

        // capped by somaxconn, and no drop counter to go by: the full listener is still named
        Finding capped = only(Diagnosis.diagnose(snap(0, List.of(), false, b),
                snap(1, List.of(listener(2, 443, 4097, 4096, -1, 7)), false, a), null, null), "tcp_listen_overflow");
        assertTrue(evidence(capped, "listener 10.0.0.1:443 of pid 7 (myserver) in docker container abababababab").contains("= min(listen() backlog, somaxconn 4096): "
                + "somaxconn caps it"), capped.evidence().toString());
        assertTrue(commands(capped).get(0).contains("(capped by net.core.somaxconn): raise net.core.somaxconn"),
                commands(capped).get(0));
    }

    @Test
    void tcpDropsAtFullBuffersNameTheConnectionsAndTheirProcess() {
        Object[] b = {"TcpExt.TCPRcvQDrop", 0, "TcpExt.TCPBacklogDrop", 0};
        Object[] a = {"TcpExt.TCPRcvQDrop", 40, "TcpExt.TCPBacklogDrop", 0};
        // two connections of pid 4242 on :8080 dropped data (30 and 10), one of pid 77 dropped none, and one new
        // to the list was unknown before in a cut sample
        List<SocketStats.Entry> before = List.of(
                tcp(1, 8080, "10.0.0.2", 126976, 127808, 131072, 1_000_000, 0, 5, 4242, "myserver"),
                tcp(2, 8080, "10.0.0.3", 126976, 127808, 131072, 1_000_000, 0, 0, 4242, "myserver"),
                tcp(3, 22, "10.0.0.4", 0, 0, 131072, 500, 65536, 2, 77, "sshd"));
        List<SocketStats.Entry> after = List.of(
                tcp(1, 8080, "10.0.0.2", 126976, 127808, 131072, 1_000_000, 0, 35, 4242, "myserver"),
                tcp(2, 8080, "10.0.0.3", 126976, 127808, 131072, 1_000_000, 0, 10, 4242, "myserver"),
                tcp(3, 22, "10.0.0.4", 0, 0, 131072, 500, 65536, 2, 77, "sshd"));
        Finding f = only(Diagnosis.diagnose(snap(0, before, true, b), snap(2, after, true, a), null, null),
                "tcp_backlog_or_memory");
        assertEquals("TCP drops data at full socket buffers: a slow or stuck reader (20/s) at 10.0.0.1:8080 of pid "
                + "4242 (myserver) and 1 more", f.title());
        assertEquals("drops +30 in 2.0 s (15/s); Recv-Q 126976, rmem 127808 of rcvbuf 131072, rcv_wnd 0, last data "
                + "5000 ms ago", evidence(f, "socket tcp 10.0.0.1:8080 <- 10.0.0.2:40001 of pid 4242 (myserver)"));
        assertTrue(evidence(f, "socket tcp 10.0.0.1:8080 <- 10.0.0.3:40002 of pid 4242 (myserver)").startsWith("drops +10 in "));
        assertTrue(f.evidence().stream().noneMatch(e -> e.name().contains("sshd")), f.evidence().toString());
        assertEquals("ss -tnpm state established '( sport = :8080 )'  # pid 4242 (myserver): 2 of its connections on "
                + "10.0.0.1:8080 dropped data; a Recv-Q that stays high means it is not reading them", commands(f).get(0));
        assertEquals("cat /proc/4242/task/*/stack", commands(f).get(1));

        // without socket data the finding is what it was
        Snapshot plainB = at(0, x -> x.snmp(longs(b)));
        Snapshot plainA = at(2, x -> x.snmp(longs(a)));
        Finding plain = only(Diagnosis.diagnose(plainB, plainA, null, null), "tcp_backlog_or_memory");
        assertEquals("TCP drops data at full socket buffers: a slow or stuck reader (20/s)", plain.title());
        assertTrue(commands(plain).get(0).startsWith("ss -tnpm state established  # a socket whose Recv-Q"),
                commands(plain).get(0));
    }

    @Test
    void socketRcvbuffDropSitesAloneStillNameTheUdpSocket() {
        // the drop source saw SOCKET_RCVBUFF at __udp_enqueue_schedule_skb; the SNMP counters are another
        // namespace's and did not move: the socket's own counter still names who dropped
        Snapshot b = snap(0, List.of(udp(1, 5353, 8192, 10, 4242)), true, "Udp.InDatagrams", 0);
        Snapshot a = snap(1, List.of(udp(1, 5353, 8192, 310, 4242)), true, "Udp.InDatagrams", 0);
        Finding f = only(Diagnosis.diagnose(b, a, drops(site("__udp_enqueue_schedule_skb", "SOCKET_RCVBUFF", 300)),
                null), "udp_rcvbuf_errors");
        assertEquals("UDP receive buffers overflow (300/s dropped) at 10.0.0.1:5353 of pid 4242 (udprecv)", f.title());
        assertTrue(evidence(f, "socket udp 10.0.0.1:5353 of pid 4242 (udprecv)").startsWith("drops +300 in 1.0 s"),
                f.evidence().toString());
    }
}
