package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropscope.collect.NetnsScope;
import dev.dropscope.procfs.NetnsNames;
import dev.dropscope.procfs.ProtocolCounters;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Needs;
import dev.dropscope.testutil.Netns;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Namespaces without an {@code ip netns} name, as a container runtime makes them: two {@code unshare --net
 * sleep} processes joined by a veth pair, made from inside (no /run/netns file, no device in our own
 * namespace). The eBPF source names the receiving veth inside its namespace, entered through the sleeping
 * process's /proc/PID/ns/net, and a namespace that ends while watched keeps its counts under its inode.
 */
@Needs(root = true, tools = {"ip", "unshare", "nsenter"})
class WatchUnnamedNetnsTest {
    private static final Syscalls SYS = Syscalls.get();
    private Process sender;
    private Process receiver;

    @BeforeEach
    void namespaces() throws Exception {
        sender = unshared();
        receiver = unshared();
        in(sender, "ip", "link", "add", "ds16s", "type", "veth", "peer", "name", "ds16r", "netns",
                Long.toString(receiver.pid()));
        in(sender, "ip", "addr", "add", "10.231.16.1/24", "dev", "ds16s");
        in(receiver, "ip", "addr", "add", "10.231.16.2/24", "dev", "ds16r");
        for (String[] up : new String[][] {{"lo"}, {"ds16s"}}) {
            in(sender, "ip", "link", "set", up[0], "up");
        }
        in(receiver, "ip", "link", "set", "lo", "up");
        in(receiver, "ip", "link", "set", "ds16r", "up");
    }

    @AfterEach
    void end() throws Exception {
        for (Process p : new Process[] {sender, receiver}) {
            if (p != null) {
                p.destroy(); // its namespace, with the veth end in it, goes with it
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** A process in a new network namespace of its own (unshare execs sleep: the pid is the sleeper's). */
    private static Process unshared() throws Exception {
        Process p = new ProcessBuilder("unshare", "--net", "sleep", "120").redirectErrorStream(true).start();
        long own = inode(Path.of("/proc/self/ns/net"));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (inode(Path.of("/proc/" + p.pid() + "/ns/net")) != own && p.isAlive()) {
                    return p;
                }
            } catch (java.io.IOException e) {
                // not yet
            }
            Thread.sleep(10);
        }
        p.destroy();
        throw new AssertionError("unshare --net did not make a namespace");
    }

    private static long inode(Path nsFile) throws java.io.IOException {
        return ((Number) Files.getAttribute(nsFile, "unix:ino")).longValue();
    }

    private static long inode(Process p) throws java.io.IOException {
        return inode(Path.of("/proc/" + p.pid() + "/ns/net"));
    }

    private static void in(Process p, String... cmd) throws Exception {
        String[] all = new String[cmd.length + 4];
        all[0] = "nsenter";
        all[1] = "-t";
        all[2] = Long.toString(p.pid());
        all[3] = "-n";
        System.arraycopy(cmd, 0, all, 4, cmd.length);
        Netns.run(all);
    }

    private static <T> T inside(Process p, java.util.concurrent.Callable<T> body) throws Exception {
        try (NetnsScope s = NetnsScope.at(SYS, Path.of("/proc/" + p.pid() + "/ns/net"), inode(p))) {
            return s.call(body);
        }
    }

    private long noPorts() throws Exception {
        return inside(receiver, () -> ProtocolCounters.query(Path.of("/proc")).counters().get("Udp.NoPorts"));
    }

    private void send(int datagrams) throws Exception {
        inside(sender, () -> {
            try (DatagramSocket s = new DatagramSocket()) {
                byte[] b = new byte[16];
                for (int i = 0; i < datagrams; i++) {
                    s.send(new DatagramPacket(b, b.length, new InetSocketAddress("10.231.16.2", 9)));
                }
            }
            return null;
        });
    }

    /** Starts watch in this JVM; returns once its start record is out (the program is attached). */
    static CompletableFuture<Integer> watch(StringWriter out, StringWriter err, String... args)
            throws Exception {
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() ->
                Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true)));
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (out.getBuffer().length() == 0 && !run.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(run.isDone(), "watch ended before it started: " + err);
        return run;
    }

    private static JsonNode summary(StringWriter out) throws Exception {
        List<String> lines = out.toString().lines().toList();
        JsonNode s = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        assertEquals("summary", s.get("type").asText(), out.toString());
        return s;
    }

    @Test
    void aNamespaceWithoutANameHasItsInterfaceNamedInsideIt() throws Exception {
        long inode = inode(receiver);
        NetnsNames.Netns who = NetnsNames.system().lookup(inode);
        assertEquals(receiver.pid(), who.owner().pid(), "the sleeper is the namespace's first process");
        assertEquals("sleep", who.owner().command());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long before = noPorts();
        CompletableFuture<Integer> run = watch(out, err, "watch", "--source", "ebpf", "--format", "json",
                "--duration", "2s", "--netns", "netns:" + inode, "--interface", "ds16r", "--reason", "NO_SOCKET");
        send(40);
        long kernel = noPorts() - before;
        assertEquals(ExitCodes.OK, run.get(), err.toString());
        assertEquals(40, kernel);
        JsonNode summary = summary(out);
        long counted = 0;
        for (JsonNode s : summary.get("sites")) {
            assertEquals("ds16r", s.get("interface").asText(), "named inside its namespace: " + s);
            assertEquals(inode, s.get("netns").get("inode").asLong(), s.toString());
            assertTrue(s.get("netns").get("name").isNull(), "no ip netns name: " + s);
            counted += s.get("count").asLong();
        }
        // the filter (in the kernel and again in user space) keeps only this namespace's drops
        assertEquals(40, counted, summary.toString());
        // its label: netns:INODE for a process outside any container, else the container its cgroup names
        assertEquals(who.owner().container() == null ? "netns:" + inode : who.label(), who.label());
        assertEquals(who.owner().container() == null, summary.get("sites").get(0).get("netns").get("container").isNull());
    }

    @Test
    void theKernelFilterHoldsTheNamespacesAndTheirDevicesThereNow() throws Exception {
        long inode = inode(receiver);
        NetnsNames names = NetnsNames.system();
        dev.dropscope.collect.NetnsInterfaces devices = new dev.dropscope.collect.NetnsInterfaces(SYS, names::path);
        String link = Netns.run("nsenter", "-t", Long.toString(receiver.pid()), "-n", "ip", "-o", "link", "show",
                "dev", "ds16r").strip();
        int ds16r = Integer.parseInt(link.substring(0, link.indexOf(':')));
        String f = WatchCommand.kernelFilter(List.of("netns:" + inode), List.of("ds16r"), names, devices).toString();
        assertEquals("Filter[interface=[" + inode + "/" + ds16r + "]]", f);
        long lo = Math.min(inode, inode(sender));
        long hi = Math.max(inode, inode(sender));
        // lo is in both namespaces, each under its own ifindex 1
        assertEquals("Filter[interface=[" + lo + "/1, " + hi + "/1]]", WatchCommand.kernelFilter(
                List.of("netns:" + inode, "netns:" + inode(sender)), List.of("lo"), names, devices).toString());
        // ds16r is not in the sender's namespace: only the receiver's pair (the sender's is added if it appears)
        assertEquals("Filter[interface=[" + inode + "/" + ds16r + "]]", WatchCommand.kernelFilter(
                List.of("netns:" + inode, "netns:" + inode(sender)), List.of("ds16r"), names, devices).toString());
        assertEquals("Filter[netns=[" + lo + ", " + hi + "]]", WatchCommand.kernelFilter(
                List.of("netns:" + inode, "netns:" + inode(sender)), List.of(), names, devices).toString());
        // a name that means no namespace now adds no key (the program keeps nothing of it until it appears)
        assertEquals("Filter[netns=[" + inode + "]]", WatchCommand.kernelFilter(List.of("netns:" + inode, "ds-nosuch"),
                List.of(), names, devices).toString());
        assertEquals("Filter[netns=[]]", WatchCommand.kernelFilter(List.of("ds-nosuch"), List.of(), names, devices)
                .toString());
        // --interface alone: ifindexes mean nothing across namespaces
        assertTrue(WatchCommand.kernelFilter(List.of(), List.of("ds16r"), names, devices).keepsAll());
    }

    @Test
    void aNamespaceThatEndsWhileWatchedKeepsItsCountsUnderItsInode() throws Exception {
        long inode = inode(receiver);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long before = noPorts();
        CompletableFuture<Integer> run = watch(out, err, "watch", "--source", "ebpf", "--format", "json",
                "--duration", "3s", "--interval", "5s", "--reason", "NO_SOCKET");
        send(30);
        long kernel = noPorts() - before;
        // both namespaces end before watch reports anything: the name, the pid and the device are gone
        for (Process p : new Process[] {sender, receiver}) {
            p.destroy();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Files.exists(Path.of("/proc/" + receiver.pid())) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(ExitCodes.OK, run.get(), err.toString());
        assertEquals(30, kernel);
        JsonNode summary = summary(out);
        long counted = 0;
        for (JsonNode s : summary.get("sites")) {
            if (s.get("netns") != null && s.get("netns").get("inode").asLong() == inode) {
                assertEquals("NO_SOCKET", s.get("reason").asText(), s.toString());
                // nobody is left to name it: the user sees netns:INODE
                assertTrue(s.get("netns").get("name").isNull(), s.toString());
                assertTrue(s.get("netns").get("container").isNull(), s.toString());
                counted += s.get("count").asLong();
            }
        }
        assertEquals(30, counted, "nothing lost with the namespace: " + summary);
    }

    @Test
    void aNamedNamespaceDeletedWhileWatchedKeepsItsCountsAndItsLastName() throws Exception {
        Netns named = Netns.create("gone");
        long inode;
        String name = named.name();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> run;
        try {
            named.ip("link", "set", "lo", "up");
            inode = inode(Path.of("/run/netns", name));
            run = watch(out, err, "watch", "--source", "ebpf", "--format", "json", "--duration", "2500ms",
                    "--interval", "300ms", "--reason", "NO_SOCKET");
            named.sendToClosedPort(SYS, 20);
            Thread.sleep(900); // reports name it meanwhile
        } finally {
            named.close(); // ip netns del: the name is gone, and with its last reference the namespace
        }
        assertTrue(Files.notExists(Path.of("/run/netns", name)));
        assertEquals(ExitCodes.OK, run.get(), err.toString());
        long counted = 0;
        for (JsonNode s : summary(out).get("sites")) {
            if (s.get("netns") != null && s.get("netns").get("inode").asLong() == inode) {
                assertEquals(name, s.get("netns").get("name").asText(), "the last name known: " + s);
                counted += s.get("count").asLong();
            }
        }
        assertEquals(20, counted, out.toString());
    }
}
