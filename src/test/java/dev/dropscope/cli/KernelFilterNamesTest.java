package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.bpf.DropPrograms;
import dev.dropscope.collect.NetnsScope;
import dev.dropscope.procfs.NetnsNames;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --netns} names resolved again at each report, on a fixture /run/netns and /proc: an ip netns name
 * made again (another inode) replaces the old key at once, a container started later is found at the next
 * process scan (at most every {@link KernelFilterNames#PROCESS_SCAN_NS}), a name not there yet adds no key
 * and is reported missing, and a namespace once meant stays "ever meant" for the user-space filter.
 */
class KernelFilterNamesTest {
    private static final String DOCKER_ID = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";

    @TempDir
    Path root;

    private static void process(Path proc, int pid, long netns, String cgroup) throws Exception {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)).resolve("ns"));
        Files.createSymbolicLink(dir.resolve("net"), Path.of("net:[" + netns + "]"));
        Files.writeString(dir.getParent().resolve("comm"), "sh\n");
        Files.writeString(dir.getParent().resolve("cgroup"), cgroup);
    }

    private static long ino(Path p) throws Exception {
        return (Long) Files.getAttribute(p, "unix:ino");
    }

    @Test
    void namesAreFollowedFromReportToReport() throws Exception {
        Path run = Files.createDirectories(root.resolve("run/netns"));
        Path proc = Files.createDirectories(root.resolve("proc"));
        Path keep = Files.createFile(root.resolve("keep")); // holds the old inode so the new file gets another
        Files.createFile(run.resolve("blue"));
        long blue = ino(run.resolve("blue"));
        process(proc, 1, 4026531840L, "0::/init.scope\n");
        long[] now = {0};
        NetnsNames names = new NetnsNames(run, proc, () -> now[0]);
        KernelFilterNames kf = new KernelFilterNames(List.of("blue", "green", "docker:4f1c2d3e4f5a"), List.of(),
                names, null, () -> now[0]);
        assertEquals(DropPrograms.Filter.By.NETNS, kf.by());
        assertEquals(DropPrograms.Filter.netns(blue), kf.resolve());
        assertEquals(List.of("green", "docker:4f1c2d3e4f5a"), kf.missing());

        // blue made again: a new inode, followed at the next report; green appears
        Files.move(run.resolve("blue"), keep.resolveSibling("old-blue"));
        Files.createFile(run.resolve("blue"));
        Files.createFile(run.resolve("green"));
        long blue2 = ino(run.resolve("blue"));
        long green = ino(run.resolve("green"));
        assertTrue(blue2 != blue);
        now[0] += 1_000_000L;
        assertEquals(DropPrograms.Filter.netns(blue2, green), kf.refresh());
        assertEquals(List.of("docker:4f1c2d3e4f5a"), kf.missing());
        assertTrue(kf.everMeant(blue), "the old blue stays kept in user space");

        // a container started now is found at the next process scan, not before
        process(proc, 4242, 4026532999L, "0::/system.slice/docker-" + DOCKER_ID + ".scope\n");
        now[0] += 1_000_000L;
        assertFalse(kf.refresh().keys().contains(new DropPrograms.Filter.Key(4026532999L, 0)));
        now[0] += KernelFilterNames.PROCESS_SCAN_NS;
        assertEquals(DropPrograms.Filter.netns(blue2, green, 4026532999L), kf.refresh());
        assertEquals(List.of(), kf.missing());

        // without --netns: no kernel filter at all
        assertTrue(new KernelFilterNames(List.of(), List.of("eth0"), names, null).resolve().keepsAll());
    }

    @Test
    void hostMeansOurOwnNamespaceAsTheLabelsSay() throws Exception {
        assertTrue(NetnsScope.ownIsHost(), "the tests run in the machine's own namespace");
        NetnsNames names = new NetnsNames(Files.createDirectories(root.resolve("run/netns")),
                Files.createDirectories(root.resolve("proc")), () -> 0);
        KernelFilterNames kf = new KernelFilterNames(List.of("host"), List.of(), names, null, () -> 0);
        assertEquals(DropPrograms.Filter.netns(NetnsScope.ownInode()), kf.resolve());
        assertEquals(List.of(), kf.missing());
    }

    @Test
    void nameChecksThatCannotMeanAContainerSkipTheProcessScan() {
        assertFalse(NetnsNames.mayNameContainer("blue"));
        assertFalse(NetnsNames.mayNameContainer("netns:4026532999"));
        assertTrue(NetnsNames.mayNameContainer("docker:4f1c2d3e4f5a"));
        assertTrue(NetnsNames.mayNameContainer("4f1c2d3e4f5a"));
    }
}
