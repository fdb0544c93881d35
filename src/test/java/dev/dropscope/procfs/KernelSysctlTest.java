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
    void integerSysctlsOfTheRunningKernelAreReadWhole() throws IOException, InterruptedException {
        // an integer sysctl answers reads past offset 0 with EOF: a byte-by-byte reader gets "4" for "40"
        Path root = Path.of("/");
        assertEquals(OptionalInt.of(Integer.parseInt(cat("/proc/sys/kernel/cap_last_cap"))),
                KernelSysctl.capLastCap(root));
        assertTrue(KernelSysctl.capLastCap(root).getAsInt() >= 10, "every kernel since 2.6.25 has 30+ caps");
        assertEquals(OptionalInt.of(Integer.parseInt(cat("/proc/sys/kernel/perf_event_paranoid"))),
                KernelSysctl.perfEventParanoid(root));
    }

    private static String cat(String file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("cat", file).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor());
        return out;
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
