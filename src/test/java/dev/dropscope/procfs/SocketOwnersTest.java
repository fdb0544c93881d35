package dev.dropscope.procfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** Socket owners from /proc/PID/fd links: the pure parsers on real texts, the walk on a built tree and on this JVM. */
class SocketOwnersTest {
    static final String ID = "4f1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";

    @Test
    void socketLinksAndNothingElse() {
        assertEquals(31158, SocketOwners.parseSocketInode("socket:[31158]"));
        assertEquals(-1, SocketOwners.parseSocketInode("pipe:[31158]"));
        assertEquals(-1, SocketOwners.parseSocketInode("/dev/null"));
        assertEquals(-1, SocketOwners.parseSocketInode("socket:[]"));
        assertEquals(-1, SocketOwners.parseSocketInode("socket:[12a]"));
        assertEquals(-1, SocketOwners.parseSocketInode("anon_inode:[eventpoll]"));
        assertEquals(4026532281L, NetnsNames.parseNsInode("net:[4026532281]"));
        assertEquals(-1, NetnsNames.parseNsInode("mnt:[4026531841]"));
        assertEquals(-1, NetnsNames.parseNsInode("net:[]"));
        assertEquals(-1, SocketOwners.parsePid("self"));
        assertEquals(4242, SocketOwners.parsePid("4242"));
        assertEquals(-1, SocketOwners.parsePid("99999999999"));
        assertEquals("myserver", SocketOwners.parseComm("myserver\n"));
        assertNull(SocketOwners.parseComm("\n"));
    }

    @Test
    void containersOfEachRuntime() {
        // cgroup v2 lines as docker (systemd driver and cgroupfs), podman, containerd under k8s, CRI-O write them
        assertEquals(new SocketOwners.Container("docker", ID),
                SocketOwners.parseContainer("0::/system.slice/docker-" + ID + ".scope\n"));
        assertEquals(new SocketOwners.Container("docker", ID), SocketOwners.parseContainer("0::/docker/" + ID + "\n"));
        assertEquals(new SocketOwners.Container("podman", ID), SocketOwners.parseContainer(
                "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + ID + ".scope/container\n"));
        assertEquals(new SocketOwners.Container("containerd", ID), SocketOwners.parseContainer(
                "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f1e2d3c_4b5a_6978_8a9b_0c1d2e3f4a5b"
                        + ".slice/cri-containerd-" + ID + ".scope\n"));
        assertEquals(new SocketOwners.Container("cri-o", ID), SocketOwners.parseContainer(
                "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podabc.slice/crio-" + ID + ".scope\n"));
        assertEquals(new SocketOwners.Container("kubernetes", ID), SocketOwners.parseContainer(
                "12:memory:/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/" + ID + "\n"
                        + "0::/\n"));
        // cgroup v1 with many hierarchies: any line will do
        assertEquals(new SocketOwners.Container("docker", ID),
                SocketOwners.parseContainer("12:pids:/docker/" + ID + "\n11:cpuset:/docker/" + ID + "\n"));
        assertNull(SocketOwners.parseContainer("0::/user.slice/user-0.slice/session-3.scope\n"));
        assertNull(SocketOwners.parseContainer("0::/system.slice/" + ID + ".service\n"), "an id but no runtime");
        assertNull(SocketOwners.parseContainer(""));
    }

    @Test
    void aWalkFindsOwnersCachesThemAndWalksAgainOnlyForNewInodes(@TempDir Path proc) throws Exception {
        process(proc, 100, "nginx", "0::/system.slice/docker-" + ID + ".scope\n", "socket:[5001]", "pipe:[7]",
                "socket:[5002]");
        process(proc, 200, "myserver", "0::/user.slice\n", "socket:[6001]", "/dev/null");
        Files.createDirectories(proc.resolve("self"));
        Files.createDirectories(proc.resolve("net"));

        SocketOwners owners = new SocketOwners(proc);
        SocketOwners.Lookup l = owners.query(Set.of(5002L, 6001L, 0L, 9999L), 1_000_000_000L);
        assertTrue(l.complete());
        assertEquals(2, l.owners().size());
        assertEquals(new SocketOwners.Owner(100, "nginx", new SocketOwners.Container("docker", ID)), l.owners().get(5002L));
        assertEquals(new SocketOwners.Owner(200, "myserver", null), l.owners().get(6001L));
        assertEquals(2, l.scanned());

        // the same inodes again: the cache answers (9999 was looked for and is nobody's), no walk
        SocketOwners.Lookup again = owners.query(Set.of(5002L, 6001L, 9999L), 1_000_000_000L);
        assertEquals(0, again.scanned());
        assertEquals(l.owners(), again.owners());
        // 5001 was seen on the first walk: still no walk
        assertEquals(0, owners.query(Set.of(5001L), 1_000_000_000L).scanned());

        process(proc, 300, "late", "0::/\n", "socket:[7001]");
        SocketOwners.Lookup late = owners.query(Set.of(7001L), 1_000_000_000L);
        assertTrue(late.scanned() > 0);
        assertEquals(300, late.owners().get(7001L).pid());
    }

    @Test
    void inAnotherNamespaceItsOwnProcessesAreReadFirstAndTheOthersOnlyForWhatIsLeft(@TempDir Path proc) throws Exception {
        // dropscope (self) and 100 in the host's namespace (net:[1]), 300 in the one looked at (net:[2], the
        // collector thread's)
        process(proc, 1, "systemd", "0::/init.scope\n", "socket:[10]");
        process(proc, 100, "host", "0::/\n", "socket:[5001]", "socket:[5002]");
        process(proc, 300, "inside", "0::/\n", "socket:[7001]", "socket:[7002]", "socket:[7003]");
        netns(proc.resolve("self"), 1);
        netns(proc.resolve("1"), 1);
        netns(proc.resolve("100"), 1);
        netns(proc.resolve("300"), 2);
        netns(proc.resolve("thread-self"), 2);

        SocketOwners owners = new SocketOwners(proc);
        SocketOwners.Lookup l = owners.query(Set.of(7002L), 1_000_000_000L);
        assertTrue(l.complete());
        assertEquals(300, l.owners().get(7002L).pid());
        assertEquals(1, l.scanned(), "the host's processes were not read");
        assertFalse(owners.cachedInodes().contains(5001L));

        // a socket of this namespace held by a process outside it (passed over a unix socket, or made before
        // a setns): found by the second round
        SocketOwners.Lookup outside = owners.query(Set.of(7002L, 5002L), 1_000_000_000L);
        assertTrue(outside.complete());
        assertEquals(100, outside.owners().get(5002L).pid());

        // in dropscope's own namespace nothing is skipped
        netns(proc.resolve("thread-self"), 1);
        SocketOwners host = new SocketOwners(proc);
        SocketOwners.Lookup all = host.query(Set.of(7003L, 10L), 1_000_000_000L);
        assertEquals(2, all.owners().size());
    }

    @Test
    void aSpentBudgetIsSaid(@TempDir Path proc) throws Exception {
        process(proc, 100, "a", "0::/\n", "socket:[1]");
        SocketOwners.Lookup l = new SocketOwners(proc).query(Set.of(1L), -1);
        assertFalse(l.complete(), "no time at all: cut short");
        assertTrue(l.owners().isEmpty());
    }

    @Test
    void theLiveProcFindsThisJvmsOwnSocket() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            long inode = -1;
            try (var fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                for (Path fd : fds) {
                    try {
                        long i = SocketOwners.parseSocketInode(Files.readSymbolicLink(fd).toString());
                        if (i > 0) {
                            inode = i;
                        }
                    } catch (java.io.IOException e) {
                        // the directory stream's own fd is gone by now
                    }
                }
            }
            assertTrue(inode > 0, "this JVM holds a socket");
            SocketOwners.Lookup l = new SocketOwners(ProcFiles.PROC).query(Set.of(inode), 5_000_000_000L);
            assertEquals(ProcessHandle.current().pid(), l.owners().get(inode).pid());
            assertEquals("java", l.owners().get(inode).command());
        }
    }

    private static void netns(Path dir, long inode) throws Exception {
        Files.createDirectories(dir.resolve("ns"));
        Files.deleteIfExists(dir.resolve("ns/net"));
        Files.createSymbolicLink(dir.resolve("ns/net"), Path.of("net:[" + inode + "]"));
    }

    private static void process(Path proc, int pid, String comm, String cgroup, String... links) throws Exception {
        Path d = proc.resolve(Integer.toString(pid));
        Files.createDirectories(d.resolve("fd"));
        Files.writeString(d.resolve("comm"), comm + "\n");
        Files.writeString(d.resolve("cgroup"), cgroup);
        for (int i = 0; i < links.length; i++) {
            Files.createSymbolicLink(d.resolve("fd").resolve(Integer.toString(i + 3)), Path.of(links[i]));
        }
    }
}
