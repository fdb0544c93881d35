package dev.dropscope.perf;

import dev.dropscope.testutil.Needs;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Everything the reader takes from the kernel goes back, exactly once, also when opening fails. */
@Needs(root = true)
class TracepointReaderLifecycleTest {
    private static KfreeSkbLayout layout;

    @BeforeAll
    static void setUp() throws IOException {
        layout = LabSupport.kfreeSkbFormat().kfreeSkbLayout();
    }

    /** perf event descriptors this process holds. */
    private static long perfFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().equals("anon_inode:[perf_event]");
                } catch (IOException e) {
                    return false; // the directory's own fd, closed meanwhile
                }
            }).count();
        }
    }

    /** perf ring mappings in this process. */
    private static long perfMaps() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("[perf_event]")).count();
    }

    @Test
    void closeReleasesEveryEventAndRingOnce() throws Exception {
        long fds = perfFds();
        long maps = perfMaps();
        TracepointReader r = TracepointReader.open(Syscalls.get(), layout);
        int cpus = r.cpus().length;
        assertEquals(fds + cpus, perfFds());
        assertEquals(maps + cpus, perfMaps());
        r.close();
        assertEquals(fds, perfFds());
        assertEquals(maps, perfMaps());
        r.close();
        assertEquals(fds, perfFds());
        assertThrows(IllegalStateException.class, () -> r.drain((c, t, p, l, re, pr, s) -> { }));
    }

    @Test
    void aFailureHalfwayReleasesWhatWasOpened() throws Exception {
        long fds = perfFds();
        long maps = perfMaps();
        int page = TracepointReader.pageSize();
        // CPU 0 opens and maps, then a CPU that does not exist fails
        NativeIoException e = assertThrows(NativeIoException.class, () -> TracepointReader.open(Syscalls.get(),
                layout, new int[] {0, 4095}, TracepointReader.Options.defaults(page), page));
        assertTrue(e.getMessage().contains("cpu 4095"), e.getMessage());
        assertEquals(fds, perfFds());
        assertEquals(maps, perfMaps());
    }

    @Test
    void aRingThatIsNotAPowerOfTwoIsRefusedBeforeTheKernelSeesIt() {
        assertThrows(IllegalArgumentException.class, () -> new TracepointReader.Options(3, 4096, 0));
    }
}
