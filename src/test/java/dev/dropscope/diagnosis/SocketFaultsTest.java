package dev.dropscope.diagnosis;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.collect.NetnsScope;
import dev.dropscope.collect.Sampler;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.Snapshot;
import dev.dropscope.testutil.Netns;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real faults behind socket-level findings, made in namespaces of their own by separate processes (Python,
 * so the owner has a pid and a command of its own): a server that stops reading 50 connections while their
 * clients keep sending, a UDP receiver with a small SO_RCVBUF that reads slowly, and a reader that stops
 * and shrinks its buffer under data already in flight. dropscope's standard
 * collectors sample the namespace through NetnsScope (as {@code snapshot --netns} does); counters only, no
 * drop source, so nothing machine-wide is touched, except in the one test that needs the SOCKET_RCVBUFF drop
 * site (FaultLab's drop source, closed with its window).
 */
@Needs(root = true, tools = {"ip", "nft", "sysctl", "python3", "ss"})
class SocketFaultsTest {
    static final String SERVER = String.join("\n",
            "import socket, sys, time",
            "l = socket.socket()",
            "l.bind(('127.0.0.1', 8080)); l.listen(128)",
            "print('listening', flush=True)",
            "conns = [l.accept()[0] for _ in range(int(sys.argv[1]))]",
            "print('accepted', flush=True)",
            "sys.stdin.readline()  # stalled: reads nothing until told",
            "for c in conns: c.setblocking(False)",
            "print('draining', flush=True)",
            "while True:",
            "    for c in conns:",
            "        try:",
            "            while c.recv(1 << 20): pass",
            "        except BlockingIOError: pass",
            "    time.sleep(0.005)",
            "");
    static final String CLIENTS = String.join("\n",
            "import socket, sys, time",
            "cs = [socket.create_connection(('127.0.0.1', 8080)) for _ in range(int(sys.argv[1]))]",
            "for c in cs: c.setblocking(False)",
            "print('connected', flush=True)",
            "buf = b'x' * 16384",
            "while True:",
            "    for c in cs:",
            "        try: c.send(buf)",
            "        except BlockingIOError: pass",
            "    time.sleep(0.005)",
            "");
    static final String UDP_RECEIVER = String.join("\n",
            "import socket, time",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)",
            "s.bind(('127.0.0.1', 5353))",
            "print('ready', flush=True)",
            "while True:",
            "    s.recv(2048)",
            "    time.sleep(0.05)  # slow reader",
            "");

    /**
     * A reader that reads at full speed (the window opens wide, megabytes in flight on loopback) and then stops
     * and shrinks its SO_RCVBUF to 1 KiB: the data already allowed in arrives at a socket over its buffer,
     * so TCP prunes and drops it (TCPRcvQDrop, RcvPruned, the socket's own d counter).
     */
    static final String SHRINKING_READER = String.join("\n",
            "import socket, sys, threading, time",
            "l = socket.socket(); l.bind(('127.0.0.1', 8081)); l.listen(8)",
            "def client():",
            "    c = socket.create_connection(('127.0.0.1', 8081)); c.setblocking(False)",
            "    buf = b'x' * 65536",
            "    while True:",
            "        try: c.send(buf)",
            "        except BlockingIOError: time.sleep(0.001)",
            "threading.Thread(target=client, daemon=True).start()",
            "s, _ = l.accept()",
            "stop = threading.Event()",
            "threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()",
            "print('reading', flush=True)",
            "while not stop.is_set(): s.recv(1 << 20)",
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)",
            "print('stalled', flush=True)",
            "time.sleep(600)",
            "");

    /** The real interpreter (not a pyenv shim script), so the process's command is python's own. */
    static String python() {
        try {
            String p = Netns.run("python3", "-c", "import sys; print(sys.executable)").strip();
            return Files.isExecutable(Path.of(p)) ? p : null;
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void aServerThatStopsReading50ConnectionsIsNamedAndForgottenOnceItDrains(@TempDir Path tmp) throws Exception {
        Path server = Files.writeString(tmp.resolve("server.py"), SERVER);
        Path clients = Files.writeString(tmp.resolve("clients.py"), CLIENTS);
        Process srv = null;
        Process cli = null;
        try (FaultLab lab = new FaultLab()) {
            Netns n = lab.namespace();
            srv = start(n, server, "50");
            BufferedReader srvOut = lines(srv);
            assertEquals("listening", srvOut.readLine());
            cli = start(n, clients, "50");
            assertEquals("connected", lines(cli).readLine());
            assertEquals("accepted", srvOut.readLine());
            Thread.sleep(1500); // the clients fill every queue and the windows close
            try (NetnsScope scope = NetnsScope.named(FaultLab.SYS, n.name());
                 Sampler sampler = new Sampler(Sampler.standardCollectors(FaultLab.SYS, scope), scope,
                         Duration.ofSeconds(10))) {
                List<Finding> stalled = window(sampler, 2000);
                Finding f = only(stalled, StalledReaderRule.ID);
                long pid = srv.pid();
                String who = "pid " + pid + " (python3";
                assertTrue(f.title().startsWith(who), f.title());
                assertTrue(f.title().contains(" has 50 TCP connections on 127.0.0.1:8080 with full receive queues ("),
                        f.title());
                assertTrue(f.title().contains("; it read nothing in "), f.title());
                assertEquals("50", evidence(f, "stalled connections on 127.0.0.1:8080").split(" ")[0]);
                assertTrue(f.fixes().stream().map(Fix::command).anyMatch(c -> c.equals("py-spy dump --pid " + pid)),
                        f.fixes().toString());
                assertTrue(f.fixes().stream().map(Fix::command).anyMatch(c -> c.equals("cat /proc/" + pid
                        + "/task/*/stack")), f.fixes().toString());
                assertTrue(f.fixes().stream().noneMatch(x -> x.command().startsWith("sysctl")), "no sysctl for this");

                OutputStream in = srv.getOutputStream();
                in.write("drain\n".getBytes(StandardCharsets.UTF_8));
                in.flush();
                assertEquals("draining", srvOut.readLine());
                Thread.sleep(500);
                List<Finding> drained = window(sampler, 2000);
                assertTrue(drained.stream().noneMatch(x -> x.id().equals(StalledReaderRule.ID)), drained.toString());
            }
        } finally {
            stop(cli);
            stop(srv);
        }
    }

    @Test
    void aSlowUdpReceiverIsNamedWithTheDropsSsCounts(@TempDir Path tmp) throws Exception {
        Path receiver = Files.writeString(tmp.resolve("receiver.py"), UDP_RECEIVER);
        Process rcv = null;
        try (FaultLab lab = new FaultLab()) {
            Netns n = lab.namespace();
            rcv = start(n, receiver);
            assertEquals("ready", lines(rcv).readLine());
            try (NetnsScope scope = NetnsScope.named(FaultLab.SYS, n.name());
                 Sampler sampler = new Sampler(Sampler.standardCollectors(FaultLab.SYS, scope), scope,
                         Duration.ofSeconds(10))) {
                Snapshot before = sampler.sample();
                long ssBefore = ssDrops(n, "127.0.0.1:5353");
                n.inside(FaultLab.SYS, () -> {
                    try (DatagramChannel c = DatagramChannel.open(StandardProtocolFamily.INET)) {
                        ByteBuffer b = ByteBuffer.allocate(200);
                        for (int i = 0; i < 2000; i++) {
                            c.send(b.clear(), new InetSocketAddress("127.0.0.1", 5353));
                        }
                    }
                    return null;
                });
                Thread.sleep(300); // nothing more arrives: the counters stand still from here
                Snapshot after = sampler.sample();
                long ssAfter = ssDrops(n, "127.0.0.1:5353");
                List<Finding> findings = Diagnosis.diagnose(before, after, null, null);
                System.out.println("findings: " + findings);
                long pid = rcv.pid();
                Finding f = only(findings, UdpRcvbufRule.ID);
                assertTrue(f.title().contains(" at 127.0.0.1:5353 of pid " + rcv.pid() + " (python3"), f.title());
                String socket = evidence(f, "socket udp 127.0.0.1:5353 of pid " + rcv.pid());
                Matcher m = Pattern.compile("^drops \\+(\\d+) in ").matcher(socket);
                assertTrue(m.find(), socket);
                long ours = Long.parseLong(m.group(1));
                assertTrue(ours > 1000, "most of the 2000 datagrams found the queue full: " + ours);
                assertEquals(ssAfter - ssBefore, ours, "the socket's drops, as ss -uamp counts them");
                assertTrue(socket.contains("rcvbuf 8192 (SO_RCVBUF 4096 set by the application"), socket);
                assertTrue(f.fixes().stream().map(Fix::command).anyMatch(c -> c.startsWith("pid " + pid
                        + " (python3") && c.contains("sets SO_RCVBUF itself")), f.fixes().toString());
            }
        } finally {
            stop(rcv);
        }
    }

    @Test
    void connectionsDroppingDataAtAFullBufferNameTheirProcess(@TempDir Path tmp) throws Exception {
        Path script = Files.writeString(tmp.resolve("shrink.py"), SHRINKING_READER);
        Process p = null;
        try (FaultLab lab = new FaultLab()) {
            Netns n = lab.namespace();
            Process running = start(n, script);
            p = running;
            BufferedReader out = lines(running);
            assertEquals("reading", out.readLine());
            try (NetnsScope scope = NetnsScope.named(FaultLab.SYS, n.name());
                 Sampler sampler = new Sampler(Sampler.standardCollectors(FaultLab.SYS, scope), scope,
                         Duration.ofSeconds(10))) {
                Thread.sleep(300); // the window opens while it reads
                Snapshot before = sampler.sample();
                OutputStream in = running.getOutputStream();
                in.write('\n');
                in.flush();
                assertEquals("stalled", out.readLine());
                Thread.sleep(1000);
                Snapshot after = sampler.sample();
                long ssAfter = ssTcpDrops(n, "127.0.0.1:8081");
                List<Finding> findings = Diagnosis.diagnose(before, after, null, null);
                System.out.println("findings: " + findings);
                Finding f = only(findings, TcpBacklogRule.ID);
                String who = "of pid " + running.pid() + " (python3";
                assertTrue(f.title().contains(" at 127.0.0.1:8081 " + who), f.title());
                String socket = f.evidence().stream()
                        .filter(e -> e.name().startsWith("socket tcp 127.0.0.1:8081 <- 127.0.0.1:")
                                && e.name().contains(who)).map(Evidence::value).findFirst()
                        .orElseThrow(() -> new AssertionError("no socket " + who + " in " + f.evidence()));
                Matcher m = Pattern.compile("^drops \\+(\\d+) in ").matcher(socket);
                assertTrue(m.find(), socket);
                long ours = Long.parseLong(m.group(1));
                assertTrue(ours > 0 && ours <= ssAfter, "drops " + ours + ", ss -tm's d " + ssAfter + " a moment later");
                assertTrue(f.fixes().stream().map(Fix::command).anyMatch(c -> c.equals("cat /proc/" + running.pid()
                        + "/task/*/stack")), f.fixes().toString());
            }
        } finally {
            stop(p);
        }
    }

    /** The d counter of ss -tmn's skmem for the connection whose local address is {@code local}. */
    static long ssTcpDrops(Netns n, String local) throws Exception {
        String out = FaultLab.exec(n, "ss", "-tmn", "state", "established");
        String[] lines = out.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String[] cols = lines[i].trim().split("\\s+"); // Recv-Q Send-Q Local Peer
            if (cols.length >= 4 && cols[2].equals(local)) {
                String all = lines[i] + (i + 1 < lines.length ? lines[i + 1] : "");
                Matcher m = Pattern.compile("skmem:\\([^)]*,d(\\d+)\\)").matcher(all);
                if (m.find()) {
                    return Long.parseLong(m.group(1));
                }
            }
        }
        throw new AssertionError("no " + local + " in ss -tm:\n" + out);
    }

    /**
     * The same receiver seen through a drop source: the kernel's SOCKET_RCVBUFF drops (the reason
     * __udp_enqueue_schedule_skb returns, freed in udp_queue_rcv_one_skb) are in the finding's evidence, and
     * the finding names the receiving process.
     * Drop sites are machine-wide (other work may drop for the same reason meanwhile), so the site is only
     * asserted to hold at least this receiver's drops.
     */
    @Test
    void socketRcvbuffDropSitesComeWithTheProcessThatDropped(@TempDir Path tmp) throws Exception {
        Path receiver = Files.writeString(tmp.resolve("receiver.py"), UDP_RECEIVER);
        Process rcv = null;
        try (FaultLab lab = new FaultLab()) {
            Netns n = lab.namespace();
            rcv = start(n, receiver);
            assertEquals("ready", lines(rcv).readLine());
            long pid = rcv.pid();
            try (FaultLab.Window w = lab.watch(n)) {
                assertTrue(w.hasDropSource(), "a drop source is needed to see SOCKET_RCVBUFF sites: none opened");
                n.inside(FaultLab.SYS, () -> {
                    try (DatagramChannel c = DatagramChannel.open(StandardProtocolFamily.INET)) {
                        ByteBuffer b = ByteBuffer.allocate(200);
                        for (int i = 0; i < 2000; i++) {
                            c.send(b.clear(), new InetSocketAddress("127.0.0.1", 5353));
                        }
                    }
                    return null;
                });
                Thread.sleep(300);
                Finding f = only(w.finish(), UdpRcvbufRule.ID);
                Evidence site = f.evidence().stream().filter(e -> e.name().startsWith("drops at ")
                        && e.name().endsWith("(SOCKET_RCVBUFF)")).findFirst()
                        .orElseThrow(() -> new AssertionError("no SOCKET_RCVBUFF site in " + f.evidence()));
                assertTrue(site.name().contains("udp"), site.name());
                String socket = evidence(f, "socket udp 127.0.0.1:5353 of pid " + pid);
                Matcher m = Pattern.compile("^drops \\+(\\d+) in ").matcher(socket);
                assertTrue(m.find(), socket);
                long ours = Long.parseLong(m.group(1));
                Matcher s = Pattern.compile("^\\+(\\d+) in ").matcher(site.value());
                assertTrue(s.find(), site.value());
                assertTrue(ours > 1000 && Long.parseLong(s.group(1)) >= ours,
                        "the site holds at least this socket's " + ours + " drops: " + site.value());
                assertTrue(f.title().contains(" at 127.0.0.1:5353 of pid " + pid + " (python3"), f.title());
            }
        } finally {
            stop(rcv);
        }
    }

    /** Two samples {@code millis} apart and the diagnosis between them. */
    private static List<Finding> window(Sampler sampler, long millis) throws Exception {
        Snapshot before = sampler.sample();
        Thread.sleep(millis);
        Snapshot after = sampler.sample();
        assertNotNull(after.sockets(), "sockets sampled: " + after.errors());
        System.out.println("sockets: " + after.sockets().total() + " sampled, " + after.sockets().sockets().size()
                + " kept; owners: " + after.sockets().ownersNote() + "; errors " + after.errors());
        List<Finding> f = Diagnosis.diagnose(before, after, null, null);
        System.out.println("findings: " + f);
        return f;
    }

    private static Finding only(List<Finding> findings, String id) {
        List<Finding> f = findings.stream().filter(x -> x.id().equals(id)).toList();
        assertEquals(1, f.size(), id + " in " + findings);
        return f.get(0);
    }

    private static String evidence(Finding f, String namePrefix) {
        return f.evidence().stream().filter(e -> e.name().startsWith(namePrefix)).map(Evidence::value).findFirst()
                .orElseThrow(() -> new AssertionError("no evidence '" + namePrefix + "' in " + f.evidence()));
    }

    /** The d counter of ss -uampn's skmem for the socket bound to {@code local}. */
    static long ssDrops(Netns n, String local) throws Exception {
        String out = FaultLab.exec(n, "ss", "-uampn"); // -n: 5353 would print as "mdns"
        String[] lines = out.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(" " + local + " ")) {
                String all = lines[i] + (i + 1 < lines.length ? lines[i + 1] : "");
                Matcher m = Pattern.compile("skmem:\\([^)]*,d(\\d+)\\)").matcher(all);
                if (m.find()) {
                    return Long.parseLong(m.group(1));
                }
            }
        }
        throw new AssertionError("no " + local + " in ss -uamp:\n" + out);
    }

    private static Process start(Netns n, Path script, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("ip", "netns", "exec", n.name(), python(), "-u",
                script.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static BufferedReader lines(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    private static void stop(Process p) throws InterruptedException {
        if (p != null) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
