package dev.dropscope.procfs;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

class KernelSysctlTest {

    @Test
    void devMachineValues() throws IOException {
        Path root = ProcfsFixtures.resource("procfs/" + ProcfsFixtures.DEV_RELEASE);
        assertEquals(OptionalInt.of(2), KernelSysctl.perfEventParanoid(root));
        assertEquals(OptionalInt.of(0), KernelSysctl.kptrRestrict(root));
        assertEquals(OptionalInt.of(40), KernelSysctl.capLastCap(root));
        assertEquals(Optional.of(ProcfsFixtures.DEV_RELEASE), KernelSysctl.osRelease(root));
    }

    @Test
    void labDebianKernelParanoidThree() throws IOException {
        // Debian's patch adds level 3: perf is off for the unprivileged
        Path root = ProcfsFixtures.resource("procfs/" + ProcfsFixtures.LAB_RELEASE);
        assertEquals(OptionalInt.of(3), KernelSysctl.perfEventParanoid(root));
        assertEquals(Optional.of(ProcfsFixtures.LAB_RELEASE), KernelSysctl.osRelease(root));
    }

    @Test
    void theRunningKernelsReleaseIsWhatTheJvmReports() throws IOException {
        assertEquals(Optional.of(System.getProperty("os.version")), KernelSysctl.osRelease(Path.of("/")));
    }

    @Test
    void absentSysctlIsEmpty(@TempDir Path root) throws IOException {
        assertEquals(OptionalInt.empty(), KernelSysctl.perfEventParanoid(root));
    }

    @Test
    void nonIntegerIsNamed() {
        assertEquals("kernel.kptr_restrict: 'two' is not an integer",
                assertThrows(IllegalArgumentException.class, () -> KernelSysctl.parseInt("two\n", "kernel.kptr_restrict"))
                        .getMessage());
    }
}
