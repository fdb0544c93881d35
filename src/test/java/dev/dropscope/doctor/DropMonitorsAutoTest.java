package dev.dropscope.doctor;

import dev.dropscope.testutil.Needs;
import dev.dropscope.collect.NetDmSession;
import dev.dropscope.collect.NetDmMonitor;
import dev.dropscope.collect.DropMonitor;
import dev.dropscope.sys.Errno;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --source auto} on the real kernel (root, no NET_DM here): eBPF first, the tracepoint when bpf(2)
 * is refused, and for packet mode the eBPF ring or one line naming why neither NET_DM nor eBPF works. The
 * refusal is made by a {@link Syscalls} whose bpf() answers EPERM, as it does for a process without CAP_BPF.
 */
class DropMonitorsAutoTest {
    private static final String NOT_WITH_NET_DM =
            "this kernel has NET_DM; the test is about kernels without it (NetDmLabTest covers NET_DM)";

    private static final NetDmMonitor.Options SUMMARY = options(false, false);
    private static final NetDmMonitor.Options PACKET = options(true, false);

    private static NetDmMonitor.Options options(boolean packet, boolean hardware) {
        return NetDmMonitor.Options.defaults().withHardware(hardware).withPacketMode(packet);
    }

    /** The real system calls, except that bpf() fails with EPERM. */
    private static Syscalls bpfDenied() {
        Syscalls real = Syscalls.get();
        return (Syscalls) Proxy.newProxyInstance(Syscalls.class.getClassLoader(), new Class<?>[]{Syscalls.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("bpf")) {
                        return -Errno.EPERM;
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static List<String> tracefsMounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .filter(l -> l.split(" ").length > 2 && l.split(" ")[2].equals("tracefs")).toList();
    }

    @Test
    @Needs(root = true)
    @EnabledIf(value = "dev.dropscope.cli.DoctorCommandTest#netDmNotBuiltHere", disabledReason = NOT_WITH_NET_DM)
    void summaryUsesEbpfFirst() throws IOException {
        try (DropMonitor m = DropMonitors.open(Syscalls.get(), DropMonitors.Requested.AUTO, SUMMARY)) {
            assertEquals("ebpf", m.source());
            assertEquals("it counts in the kernel, with reasons, at the lowest cost; NET_DM is not usable: "
                    + "the NET_DM family is not in this kernel", m.why());
            assertTrue(m.hasReasons());
        }
    }

    @Test
    @Needs(root = true)
    @EnabledIf(value = "dev.dropscope.cli.DoctorCommandTest#netDmNotBuiltHere", disabledReason = NOT_WITH_NET_DM)
    void summaryFallsBackToTheTracepointWhenBpfIsRefused() throws IOException {
        List<String> before = tracefsMounts();
        try (DropMonitor m = DropMonitors.open(bpfDenied(), DropMonitors.Requested.AUTO, SUMMARY)) {
            assertEquals("tracepoint", m.source());
            assertTrue(m.why().startsWith("eBPF is not usable (bpf(BPF_MAP_CREATE dropscope_lost): Operation not "
                    + "permitted (EPERM)); NET_DM is not usable: the NET_DM family is not in this kernel"), m.why());
        }
        assertEquals(before, tracefsMounts(), "the failed eBPF attempt and the tracepoint left no mount behind");
    }

    @Test
    @Needs(root = true)
    @EnabledIf(value = "dev.dropscope.cli.DoctorCommandTest#netDmNotBuiltHere", disabledReason = NOT_WITH_NET_DM)
    void packetModeUsesTheEbpfRingWithoutNetDm() throws IOException {
        try (DropMonitor m = DropMonitors.open(Syscalls.get(), DropMonitors.Requested.AUTO, PACKET)) {
            assertEquals("ebpf", m.source());
            assertTrue(m.why().contains("without payload"), m.why());
        }
    }

    @Test
    @Needs(root = true)
    @EnabledIf(value = "dev.dropscope.cli.DoctorCommandTest#netDmNotBuiltHere", disabledReason = NOT_WITH_NET_DM)
    void packetModeWithNeitherNetDmNorEbpfSaysWhyInOneLine() {
        DropMonitors.NoDropSourceException e = assertThrows(DropMonitors.NoDropSourceException.class,
                () -> DropMonitors.open(bpfDenied(), DropMonitors.Requested.AUTO, PACKET).close());
        assertTrue(e.getMessage().startsWith("packet mode needs NET_DM or the eBPF source: NET_DM is not usable "
                + "(the NET_DM family is not in this kernel) and eBPF is not usable (bpf(BPF_MAP_CREATE"), e.getMessage());
        assertTrue(e.getMessage().contains("modprobe drop_monitor"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        // the refusal travels as the cause: more privileges would help (exit 4), decided by errno
        assertTrue(NativeIoException.denied(e), "cause: " + e.getCause());
        assertEquals(Errno.EPERM, NativeIoException.in(e).orElseThrow().errno());
    }

    @Test
    @Needs(root = true)
    @EnabledIf(value = "dev.dropscope.cli.DoctorCommandTest#netDmNotBuiltHere", disabledReason = NOT_WITH_NET_DM)
    void hardwareDropsNeedNetDmEvenWhenEbpfWorks() {
        DropMonitors.NoDropSourceException e = assertThrows(DropMonitors.NoDropSourceException.class,
                () -> DropMonitors.open(Syscalls.get(), DropMonitors.Requested.AUTO, options(false, true)).close());
        assertTrue(e.getMessage().startsWith("NET_DM is needed for hardware drops (devlink traps)"), e.getMessage());
        assertFalse(NativeIoException.denied(e), "a missing NET_DM is no refusal");
    }
}
