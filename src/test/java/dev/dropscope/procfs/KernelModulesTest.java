package dev.dropscope.procfs;

import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.procfs.KernelConfig.Setting;
import dev.dropscope.procfs.KernelModules.Availability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

class KernelModulesTest {

    private static final String LAB = ProcfsFixtures.LAB_RELEASE;

    @Test
    void labKernelLists(@TempDir Path root) throws IOException {
        ProcfsFixtures.materialize("procfs/" + LAB, root);
        KernelModules m = KernelModules.query(root, LAB);
        assertTrue(m.modulesDirectoryPresent());
        assertTrue(m.loadedListPresent());
        // modules.dep from the Debian package (depmod'ed), modules.builtin as shipped
        assertTrue(m.installed().contains("drop_monitor"));
        assertTrue(m.installed().contains("nf_conntrack_netlink"));
        assertTrue(m.installed().contains("i2c_matroxfb"), "dashes read as underscores");
        assertTrue(m.builtin().contains("zbud"));
        assertFalse(m.builtin().contains("drop_monitor"));
        assertEquals(191, m.builtin().size());
        // /proc/modules recorded in the guest, where netdm-vm loads drop_monitor
        assertTrue(m.loaded().contains("drop_monitor"));
        assertTrue(m.loaded().contains("9pnet_virtio"));
        assertEquals(6, m.loaded().size());
    }

    @Test
    void availabilityFromConfigAndLists(@TempDir Path root) throws IOException {
        ProcfsFixtures.materialize("procfs/" + LAB, root);
        KernelModules m = KernelModules.query(root, LAB);
        KernelConfig config = KernelConfig.query(root, LAB).orElseThrow();
        Optional<Setting> dropMonitor = Optional.of(config.setting("CONFIG_NET_DROP_MONITOR"));
        assertEquals(Availability.LOADED, m.availability("drop_monitor", dropMonitor));
        assertEquals(Availability.NOT_LOADED,
                m.availability("nf_conntrack_netlink", Optional.of(config.setting("CONFIG_NF_CT_NETLINK"))));
        assertEquals(Availability.BUILT_IN, m.availability("zbud", Optional.empty()));
        assertEquals(Availability.NOT_LOADED, m.availability("nf_conntrack_netlink", Optional.empty()));

        // the same kernel with nothing loaded and the module files missing (a split package not installed)
        Files.delete(root.resolve("proc/modules"));
        Files.delete(root.resolve("lib/modules/" + LAB + "/modules.dep"));
        KernelModules bare = KernelModules.query(root, LAB);
        assertFalse(bare.loadedListPresent());
        assertTrue(bare.installed().isEmpty(), "no modules.dep and no .ko files");
        assertEquals(Availability.NOT_INSTALLED, bare.availability("drop_monitor", dropMonitor));
    }

    @Test
    void withoutModulesDepTheKoFilesAreTheList(@TempDir Path root) throws IOException {
        // the path the Debian package installs drop_monitor at
        Path ko = root.resolve("lib/modules/" + LAB + "/kernel/net/core/drop_monitor.ko.xz");
        Files.createDirectories(ko.getParent());
        Files.write(ko, new byte[0]);
        KernelModules m = KernelModules.query(root, LAB);
        assertEquals(java.util.Set.of("drop_monitor"), m.installed());
        assertEquals(Availability.NOT_LOADED, m.availability("drop_monitor", Optional.of(Setting.MODULE)));
    }

    @Test
    void devMachineHasNoModulesAtAll() throws IOException {
        // CONFIG_MODULES is not set there: no /lib/modules, no /proc/modules
        Path root = ProcfsFixtures.resource("procfs/" + ProcfsFixtures.DEV_RELEASE);
        KernelModules m = KernelModules.query(root, ProcfsFixtures.DEV_RELEASE);
        assertFalse(m.modulesDirectoryPresent());
        assertFalse(m.loadedListPresent());
        KernelConfig config = KernelConfig.query(root, ProcfsFixtures.DEV_RELEASE).orElseThrow();
        assertEquals(Availability.NOT_BUILT,
                m.availability("drop_monitor", Optional.of(config.setting("CONFIG_NET_DROP_MONITOR"))));
        assertEquals(Availability.BUILT_IN,
                m.availability("nf_conntrack_netlink", Optional.of(config.setting("CONFIG_NF_CT_NETLINK"))));
        assertEquals(Availability.UNKNOWN, m.availability("drop_monitor", Optional.empty()));
    }

    @Test
    void namesAreNormalizedTheKernelsWay() {
        assertEquals("drop_monitor", KernelModules.normalize("kernel/net/core/drop_monitor.ko.xz"));
        assertEquals("i2c_matroxfb", KernelModules.normalize("i2c-matroxfb.ko"));
        assertEquals("nf_conntrack_netlink", KernelModules.normalize("nf_conntrack_netlink"));
    }
}
