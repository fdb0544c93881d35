package dev.dropscope.procfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * /proc/interrupts and smp_affinity_list recorded on the development VM (6.18.44-fc-v1272: eth0 is
 * virtio_net on virtio2, one queue, its input vector irq 38), and the names drivers give queue vectors.
 */
class InterruptsTest {
    static final String ROOT = "procfs/6.18.44-fc-v1272/";

    static String text(String resource) throws Exception {
        try (InputStream in = InterruptsTest.class.getClassLoader().getResourceAsStream(ROOT + resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theRecordedFileParsesLineByLine() throws Exception {
        List<Interrupts.Irq> irqs = Interrupts.parse(text("proc/interrupts"));
        assertEquals(19, irqs.size(), "the numbered lines; NMI, LOC, ERR ... are not interrupts of a device");
        Interrupts.Irq input = irqs.stream().filter(i -> i.irq() == 38).findFirst().orElseThrow();
        assertEquals(List.of(0L, 6727L), input.perCpu());
        assertEquals(List.of("virtio2-input.0"), input.actions());
        Interrupts.Irq acpi = irqs.get(0);
        assertEquals(24, acpi.irq());
        assertEquals(List.of("ACPI:Ged"), acpi.actions());
    }

    @Test
    void queueVectorsByTheDriversNames() {
        Map<String, String> virtio = Map.of("virtio2", "eth0");
        Set<String> ifaces = Set.of("eth0", "enp1s0f0", "lo");
        assertEquals(new Interrupts.RxQueue("eth0", 0), Interrupts.rxQueue("virtio2-input.0", virtio, ifaces));
        assertNull(Interrupts.rxQueue("virtio2-output.0", virtio, ifaces), "a TX vector");
        assertNull(Interrupts.rxQueue("virtio3-input.0", virtio, ifaces), "a virtio device that is no interface here");
        // igb/ixgbe/i40e/ice "%s-TxRx-%u", igb's separate vectors "%s-rx-%u"
        assertEquals(new Interrupts.RxQueue("enp1s0f0", 3), Interrupts.rxQueue("enp1s0f0-TxRx-3", virtio, ifaces));
        assertEquals(new Interrupts.RxQueue("eth0", 1), Interrupts.rxQueue("eth0-rx-1", virtio, ifaces));
        assertNull(Interrupts.rxQueue("eth0-tx-1", virtio, ifaces));
        assertNull(Interrupts.rxQueue("eth9-TxRx-0", virtio, ifaces), "no such interface");
        assertNull(Interrupts.rxQueue("mlx5_comp0@pci:0000:08:00.0", virtio, ifaces));
        assertEquals("virtio2", Interrupts.parseVirtioDevice("../../../virtio2"), "readlink /sys/class/net/eth0/device");
        assertNull(Interrupts.parseVirtioDevice("../../../0000:00:03.0"));
        assertEquals(List.of(0, 1, 2, 3, 8), Interrupts.parseCpuList("0-3,8\n"));
        assertEquals(List.of(1), Interrupts.parseCpuList("1"));
        assertEquals(List.of(), Interrupts.parseCpuList("x"));
    }

    @Test
    void aRecordedRootGivesEth0sQueueAndItsAffinity(@TempDir Path root) throws Exception {
        Path proc = root.resolve("proc");
        Files.createDirectories(proc.resolve("irq/38"));
        Files.writeString(proc.resolve("interrupts"), text("proc/interrupts"));
        Files.writeString(proc.resolve("irq/38/smp_affinity_list"), text("proc/irq/38/smp_affinity_list"));
        Path eth0 = root.resolve("sys/class/net/eth0");
        Files.createDirectories(eth0);
        Files.createSymbolicLink(eth0.resolve("device"), Path.of("../../../virtio2"));
        Files.createDirectories(root.resolve("sys/class/net/lo"));
        List<Interrupts.QueueIrq> q = Interrupts.query(proc, root.resolve("sys/class/net"));
        assertEquals(List.of(new Interrupts.QueueIrq("eth0", 0, 38, List.of(0L, 6727L), "0-1")), q);
        assertTrue(Interrupts.query(root.resolve("nothing"), root.resolve("sys/class/net")).isEmpty());
    }
}
