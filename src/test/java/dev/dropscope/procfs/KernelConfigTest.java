package dev.dropscope.procfs;

import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.procfs.KernelConfig.Setting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

class KernelConfigTest {

    @Test
    void devMachineConfigFromProcConfigGz() throws IOException {
        KernelConfig c = KernelConfig.query(ProcfsFixtures.resource("procfs/" + ProcfsFixtures.DEV_RELEASE),
                ProcfsFixtures.DEV_RELEASE).orElseThrow();
        assertEquals("/proc/config.gz", c.source());
        assertEquals(Setting.NOT_SET, c.setting("CONFIG_NET_DROP_MONITOR"));
        assertEquals("# CONFIG_NET_DROP_MONITOR is not set", c.describe("CONFIG_NET_DROP_MONITOR"));
        assertEquals(Setting.BUILT_IN, c.setting("CONFIG_ETHTOOL_NETLINK"));
        assertEquals(Setting.BUILT_IN, c.setting("CONFIG_NF_CT_NETLINK"));
        assertEquals(Setting.NOT_SET, c.setting("CONFIG_MODULES"));
        assertEquals(Setting.VALUE, c.setting("CONFIG_HZ"));
        assertEquals(Optional.of("250"), c.value("CONFIG_HZ"));
        assertEquals(Optional.of("\"-fc-v595\""), c.value("CONFIG_LOCALVERSION"));
        assertEquals(Setting.ABSENT, c.setting("CONFIG_NO_SUCH_OPTION_ANYWHERE"));
        assertTrue(c.size() > 1000, "a full kernel config assigns thousands of options, got " + c.size());
    }

    @Test
    void labDebianConfigFromBoot(@TempDir Path root) throws IOException {
        ProcfsFixtures.materialize("procfs/" + ProcfsFixtures.LAB_RELEASE, root);
        KernelConfig c = KernelConfig.query(root, ProcfsFixtures.LAB_RELEASE).orElseThrow();
        assertEquals("/boot/config-" + ProcfsFixtures.LAB_RELEASE, c.source());
        assertEquals(Setting.MODULE, c.setting("CONFIG_NET_DROP_MONITOR"));
        assertEquals("CONFIG_NET_DROP_MONITOR=m", c.describe("CONFIG_NET_DROP_MONITOR"));
        assertEquals(Setting.MODULE, c.setting("CONFIG_NF_CT_NETLINK"));
        assertEquals(Setting.BUILT_IN, c.setting("CONFIG_MODULES"));
        assertEquals(Setting.NOT_SET, c.setting("CONFIG_IKCONFIG"));
    }

    @Test
    void procConfigWinsOverBoot(@TempDir Path root) throws IOException {
        ProcfsFixtures.materialize("procfs/" + ProcfsFixtures.LAB_RELEASE, root);
        Files.createDirectories(root.resolve("proc"));
        Files.copy(ProcfsFixtures.resource("procfs/" + ProcfsFixtures.DEV_RELEASE + "/proc/config.gz"),
                root.resolve("proc/config.gz"));
        KernelConfig c = KernelConfig.query(root, ProcfsFixtures.LAB_RELEASE).orElseThrow();
        assertEquals("/proc/config.gz", c.source());
        assertEquals(Setting.NOT_SET, c.setting("CONFIG_NET_DROP_MONITOR"));
    }

    @Test
    void noConfigAnywhereIsEmpty(@TempDir Path root) throws IOException {
        assertEquals(Optional.empty(), KernelConfig.query(root, "6.1.0-unknown"));
    }

    @Test
    void corruptConfigGzIsAnIoErrorNamingTheFile(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("proc"));
        Files.copy(ProcfsFixtures.resource("procfs/" + ProcfsFixtures.DEV_RELEASE + "/proc/self/status"),
                root.resolve("proc/config.gz"));
        IOException e = assertThrows(IOException.class, () -> KernelConfig.query(root, "x"));
        assertTrue(e.getMessage().contains("config.gz"), e.getMessage());
    }

    @Test
    void aFileThatIsNotAConfigIsRejectedWithItsLine() throws IOException {
        String status = Files.readString(ProcfsFixtures.resource("procfs/" + ProcfsFixtures.DEV_RELEASE
                + "/proc/self/status"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelConfig.parse(status, "/boot/config-x"));
        assertTrue(e.getMessage().startsWith("/boot/config-x:1: not a kernel config line: 'Name:"), e.getMessage());
    }
}
