package dev.dropscope.procfs;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.procfs.KallsymsAccess.Visibility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

class KallsymsAccessTest {

    @Test
    void devMachineRootSeesAddresses() throws IOException {
        assertEquals(Visibility.ADDRESSES,
                KallsymsAccess.query(ProcfsFixtures.resource("procfs/" + ProcfsFixtures.DEV_RELEASE)));
    }

    @Test
    void nobodyOnTheDevMachineSeesZeros() throws IOException {
        // recorded with setpriv as uid 65534: kptr_restrict 0 but perf_event_paranoid 2 and no CAP_SYSLOG
        assertEquals(Visibility.ZEROED, KallsymsAccess.query(
                ProcfsFixtures.resource("procfs/" + ProcfsFixtures.DEV_RELEASE + "/nonroot")));
    }

    @Test
    void labKernelStartsWithPerCpuSymbolsAtZeroYetShowsAddresses() throws IOException {
        Path root = ProcfsFixtures.resource("procfs/" + ProcfsFixtures.LAB_RELEASE);
        List<String> lines = Files.readAllLines(root.resolve("proc/kallsyms"));
        assertTrue(lines.get(0).startsWith("0000000000000000 A "), lines.get(0));
        assertEquals(Visibility.ADDRESSES, KallsymsAccess.query(root));
        // the first two lines alone (both at 0, neither text) cannot prove anything: zeroed
        assertEquals(Visibility.ZEROED, KallsymsAccess.judge(lines.subList(0, 2)));
    }

    @Test
    void emptyFileMeansNoKallsyms(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/kallsyms"), "");
        assertEquals(Visibility.EMPTY, KallsymsAccess.query(root));
    }

    @Test
    void garbageIsRejected() throws IOException {
        List<String> status = Files.readAllLines(ProcfsFixtures.resource("procfs/" + ProcfsFixtures.DEV_RELEASE
                + "/proc/self/status"));
        assertThrows(IllegalArgumentException.class, () -> KallsymsAccess.judge(status));
    }

    @Test
    @Needs(root = true)
    void theRunningKernelShowsRootItsAddresses() throws IOException {
        assertEquals(Visibility.ADDRESSES, KallsymsAccess.query(Path.of("/")));
    }
}
