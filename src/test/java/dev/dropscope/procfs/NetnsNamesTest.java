package dev.dropscope.procfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/** Namespace names from a procfs and /run/netns laid out in a temporary directory, and from the real ones. */
class NetnsNamesTest {
    private static final String DOCKER_ID = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";

    @TempDir
    Path root;

    private void process(Path proc, int pid, long netns, String comm, String cgroup) throws Exception {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)).resolve("ns"));
        Files.createSymbolicLink(dir.resolve("net"), Path.of("net:[" + netns + "]"));
        Files.writeString(dir.getParent().resolve("comm"), comm + "\n");
        Files.writeString(dir.getParent().resolve("cgroup"), cgroup);
    }

    @Test
    void ipNetnsNameThenContainerThenInode() throws Exception {
        Path run = Files.createDirectories(root.resolve("run/netns"));
        Path proc = Files.createDirectories(root.resolve("proc"));
        Path named = Files.createFile(run.resolve("blue"));
        long blue = (Long) Files.getAttribute(named, "unix:ino");
        process(proc, 1, 4026531840L, "systemd", "0::/init.scope\n");
        process(proc, 4242, 4026532999L, "sh", "0::/system.slice/docker-" + DOCKER_ID + ".scope\n");
        process(proc, 4300, 4026532999L, "nginx", "0::/system.slice/docker-" + DOCKER_ID + ".scope\n");
        process(proc, 77, 4026533000L, "unshare", "0::/user.slice/session-1.scope\n");
        Files.createDirectories(proc.resolve("self"));
        NetnsNames n = new NetnsNames(run, proc, System::nanoTime);

        assertEquals("blue", n.label(blue));
        NetnsNames.Netns c = n.lookup(4026532999L);
        assertNull(c.name());
        assertEquals(4242, c.owner().pid(), "the lowest pid in it");
        assertEquals("sh", c.owner().command());
        assertEquals(new SocketOwners.Container("docker", DOCKER_ID), c.owner().container());
        assertEquals("docker:4f1c2d3e4f5a", c.label());
        NetnsNames.Netns plain = n.lookup(4026533000L);
        assertEquals(77, plain.owner().pid());
        assertNull(plain.owner().container());
        assertEquals("netns:4026533000", plain.label());
        assertEquals("netns:99", n.label(99));
    }

    @Test
    void aNamespaceIsEnteredByItsNameElseByAProcessInItAndKeepsItsLabelWhenThatEnds() throws Exception {
        Path run = Files.createDirectories(root.resolve("run/netns"));
        Path proc = Files.createDirectories(root.resolve("proc"));
        long blue = (Long) Files.getAttribute(Files.createFile(run.resolve("blue")), "unix:ino");
        process(proc, 4242, 4026532999L, "sh", "0::/system.slice/docker-" + DOCKER_ID + ".scope\n");
        process(proc, 4300, 4026532999L, "nginx", "0::/system.slice/docker-" + DOCKER_ID + ".scope\n");
        NetnsNames n = new NetnsNames(run, proc, System::nanoTime);

        assertEquals(run.resolve("blue"), n.path(blue));
        assertEquals(proc.resolve("4242/ns/net"), n.path(4026532999L));
        assertNull(n.path(99), "nobody in it: nothing to enter");
        // the first process ended: the next one in the namespace is used
        deleteTree(proc.resolve("4242"));
        assertEquals(proc.resolve("4300/ns/net"), n.path(4026532999L));
        // all ended: nothing to enter, and the label stays the container's
        deleteTree(proc.resolve("4300"));
        assertNull(n.path(4026532999L));
        assertEquals("docker:4f1c2d3e4f5a", n.label(4026532999L));
    }

    @Test
    void findResolvesWhatWatchNetnsAccepts() throws Exception {
        Path run = Files.createDirectories(root.resolve("run/netns"));
        Path proc = Files.createDirectories(root.resolve("proc"));
        long blue = (Long) Files.getAttribute(Files.createFile(run.resolve("blue")), "unix:ino");
        process(proc, 4242, 4026532999L, "sh", "0::/system.slice/docker-" + DOCKER_ID + ".scope\n");
        process(proc, 77, 4026533000L, "unshare", "0::/user.slice/session-1.scope\n");
        NetnsNames n = new NetnsNames(run, proc, System::nanoTime);

        assertEquals(java.util.Set.of(blue), n.find("blue"));
        assertEquals(java.util.Set.of(4026533000L), n.find("netns:4026533000"));
        assertEquals(java.util.Set.of(4026532999L), n.find("docker:4f1c2d3e4f5a"));
        assertEquals(java.util.Set.of(4026532999L), n.find(DOCKER_ID));
        assertEquals(java.util.Set.of(4026532999L), n.find(DOCKER_ID.substring(0, 12)));
        assertEquals(java.util.Set.of(), n.find(DOCKER_ID.substring(0, 11)), "a prefix shorter than 12 is no id");
        assertEquals(java.util.Set.of(), n.find("red"));
        assertEquals(java.util.Set.of(), n.find("../netns/blue"));
    }

    private static void deleteTree(Path p) throws Exception {
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    @Test
    void anUnknownNamespaceIsLookedUpAgainAfterAWhile() throws Exception {
        Path run = Files.createDirectories(root.resolve("run/netns"));
        Path proc = Files.createDirectories(root.resolve("proc"));
        AtomicLong now = new AtomicLong();
        NetnsNames n = new NetnsNames(run, proc, now::get);
        assertEquals("netns:4026532000", n.label(4026532000L));
        process(proc, 500, 4026532000L, "podman", "0::/machine.slice/libpod-" + DOCKER_ID + ".scope/container\n");
        assertEquals("netns:4026532000", n.label(4026532000L), "cached for a while");
        now.addAndGet(NetnsNames.RETRY_NS);
        assertEquals("podman:4f1c2d3e4f5a", n.label(4026532000L));
    }

    @Test
    void nsLinkTargets() {
        assertEquals(4026531840L, NetnsNames.parseNsInode("net:[4026531840]"));
        assertEquals(-1, NetnsNames.parseNsInode("mnt:[4026531840]"));
        assertEquals(-1, NetnsNames.parseNsInode("net:[]"));
        assertEquals(-1, NetnsNames.parseNsInode("net:[12x]"));
    }

    @Test
    void theRealIpNetnsNameAndTheHostsFirstProcess() throws Exception {
        try (Netns ns = Netns.create("netnsnames")) {
            long inode = (Long) Files.getAttribute(Path.of("/run/netns", ns.name()), "unix:ino");
            NetnsNames n = NetnsNames.system();
            assertEquals(ns.name(), n.label(inode));
            long own = NetnsNames.parseNsInode(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString());
            NetnsNames.Netns h = n.lookup(own);
            // our namespace has no ip-netns name here: its first process is at most our own pid, and in it
            assertNull(h.name(), h.toString());
            assertTrue(h.owner().pid() <= ProcessHandle.current().pid(), h.toString());
            assertEquals(own, NetnsNames.parseNsInode(Files.readSymbolicLink(
                    Path.of("/proc", Integer.toString(h.owner().pid()), "ns/net")).toString()));
            // the kernel's own answer for a thread inside: the same inode
            long inside = ns.inside(Syscalls.get(), () -> NetnsNames.parseNsInode(
                    Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString()));
            assertEquals(inode, inside);
        }
    }
}
