package dev.dropscope.perf;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.sys.Syscalls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

class TracefsTest {

    static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    static String labMounts(String file) throws IOException {
        try {
            return Files.readString(Path.of(TracefsTest.class.getClassLoader()
                    .getResource("procfs/6.12.117+deb12-amd64/proc/self/" + file).toURI()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> tracefsMountLines() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .filter(l -> l.split(" ").length > 2 && l.split(" ")[2].equals("tracefs")).toList();
    }

    @Test
    void findsTheLabGuestsMounts() throws IOException {
        String mounts = labMounts("mounts");
        assertEquals(List.of(Path.of("/sys/kernel/tracing")), Tracefs.mountPoints(mounts, "tracefs"));
        assertEquals(List.of(Path.of("/sys/kernel/debug")), Tracefs.mountPoints(mounts, "debugfs"));
        assertEquals(List.of(), Tracefs.mountPoints(mounts, "nfs"));
    }

    @Test
    void lookingIntoDebugfsTracingLeavesAMountBehind() throws IOException {
        // recorded in the lab guest after `ls /sys/kernel/debug/tracing/events/skb`: the kernel automounted
        // a second tracefs there and kept it; this is why Tracefs.open tries debugfs last
        assertEquals(List.of(Path.of("/sys/kernel/tracing"), Path.of("/sys/kernel/debug/tracing")),
                Tracefs.mountPoints(labMounts("mounts-after-debugfs-automount"), "tracefs"));
    }

    @Test
    void octalEscapesInMountPoints() {
        assertEquals("/tmp/with space\\and\ttab", Tracefs.unescapeOctal("/tmp/with\\040space\\134and\\011tab"));
        assertEquals("/plain", Tracefs.unescapeOctal("/plain"));
        assertEquals("/odd\\9", Tracefs.unescapeOctal("/odd\\9"));
    }

    @Test
    void readsRecordedTrees() throws IOException {
        try (Tracefs t = Tracefs.at(TracepointFormatTest.tracefs(TracepointFormatTest.LAB))) {
            assertEquals(Tracefs.Origin.MOUNTED, t.origin());
            assertFalse(t.mountedByUs());
            assertTrue(t.hasEvent("skb", "kfree_skb"));
            assertFalse(t.hasEvent("skb", "no_such_event"));
            assertEquals(1461, t.readFormat("skb", "kfree_skb").id());
            assertEquals(Optional.empty(), t.findFormat("skb", "no_such_event"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jna", "jnr"})
    @Needs(root = true)
    void opensTheRunningKernelsTracefsAndLeavesNoMountBehind(String backend) throws IOException {
        List<String> before = tracefsMountLines();
        Path dir;
        try (Tracefs t = Tracefs.open(Syscalls.named(backend), Path.of("/"))) {
            dir = t.directory();
            TracepointFormat live = t.readFormat("skb", "kfree_skb");
            assertEquals("kfree_skb", live.name());
            assertTrue(live.field("reason").isPresent());
            if (System.getProperty("os.version").equals(TracepointFormatTest.DEV)) {
                assertEquals(TracepointFormatTest.format(TracepointFormatTest.DEV, "skb", "kfree_skb").fields(),
                        live.fields());
                assertEquals(TracepointFormatTest.format(TracepointFormatTest.DEV, "skb", "kfree_skb")
                        .symbols("reason"), live.symbols("reason"));
            }
            if (t.mountedByUs()) {
                assertEquals(before.size() + 1, tracefsMountLines().size());
                assertTrue(tracefsMountLines().stream().anyMatch(l -> l.split(" ")[1].equals(dir.toString())));
            }
            t.close();
            t.close(); // a second close does nothing
        }
        assertEquals(before, tracefsMountLines());
        if (!before.isEmpty()) {
            return; // the system's own mount was used
        }
        assertFalse(Files.exists(dir), dir + " should be removed");
    }

    @Test
    @Needs(root = true)
    void everyFormatFileOfTheRunningKernelParses() throws IOException {
        // thousands of real files: the parser meets every field and print-format shape this kernel has
        int parsed = 0;
        try (Tracefs t = Tracefs.open(Syscalls.get(), Path.of("/"));
             var systems = Files.list(t.directory().resolve("events"))) {
            for (Path system : systems.filter(Files::isDirectory).toList()) {
                try (var events = Files.list(system)) {
                    for (Path event : events.filter(p -> Files.isRegularFile(p.resolve("format"))).toList()) {
                        TracepointFormat f = t.readFormat(system.getFileName().toString(),
                                event.getFileName().toString());
                        assertEquals(event.getFileName().toString(), f.name());
                        assertFalse(f.fields().isEmpty(), f.name());
                        parsed++;
                    }
                }
            }
        }
        assertTrue(parsed > 100, "parsed " + parsed);
    }
}
