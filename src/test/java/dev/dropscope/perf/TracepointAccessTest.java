package dev.dropscope.perf;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.sys.Errno;
import dev.dropscope.sys.Syscalls;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

@Needs(root = true)
class TracepointAccessTest {

    private static long kfreeSkbId(Syscalls sys) throws IOException {
        try (Tracefs t = Tracefs.open(sys, Path.of("/"))) {
            return t.readFormat("skb", "kfree_skb").id();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jna", "jnr"})
    void rootMayOpenKfreeSkbAndTheDescriptorIsClosedAgain(String backend) throws IOException {
        Syscalls sys = Syscalls.named(backend);
        long id = kfreeSkbId(sys);
        long fdsBefore = openDescriptors();
        assertEquals(0, TracepointAccess.tryOpen(sys, id, 0));
        assertEquals(fdsBefore, openDescriptors());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jna", "jnr"})
    void anIdNoTracepointHasIsRefused(String backend) {
        // ids are small and dense; perf_trace_init finds no event for this one and says EINVAL
        int r = TracepointAccess.tryOpen(Syscalls.named(backend), Integer.MAX_VALUE, 0);
        assertEquals(-Errno.EINVAL, r, Errno.describe(r));
    }

    private static long openDescriptors() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
