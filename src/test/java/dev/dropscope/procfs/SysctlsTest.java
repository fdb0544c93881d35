package dev.dropscope.procfs;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import static dev.dropscope.procfs.ProcFixtures.HOST_6_18;
import static dev.dropscope.procfs.ProcFixtures.VM_6_12;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SysctlsTest {

    @Test
    void standardSetFromTheHostFixture() {
        Sysctls s = Sysctls.queryStandard(ProcFixtures.proc(HOST_6_18));
        assertEquals(Sysctls.STANDARD, List.copyOf(s.values().keySet()), "all present, in the asked order");
        assertEquals(Set.of(), s.absent());
        assertEquals(List.of(), s.problems());
        assertEquals(Optional.of("4194304"), s.get("net.core.rmem_max"));
        assertEquals(OptionalLong.of(212992), s.asLong("net.core.rmem_default"));
        assertEquals(OptionalLong.of(1000), s.asLong("net.core.netdev_max_backlog"));
        assertEquals(OptionalLong.of(300), s.asLong("net.core.netdev_budget"));
        assertEquals(OptionalLong.of(8000), s.asLong("net.core.netdev_budget_usecs"));
        assertEquals(OptionalLong.of(4096), s.asLong("net.core.somaxconn"));
        assertEquals(OptionalLong.of(1024), s.asLong("net.ipv4.neigh.default.gc_thresh3"));
        // multi-value sysctls stay as the kernel prints them, tab-separated
        assertEquals(Optional.of("287901\t383869\t575802"), s.get("net.ipv4.tcp_mem"));
        assertArrayEquals(new long[] {287901, 383869, 575802}, s.asLongs("net.ipv4.tcp_mem").orElseThrow());
        assertArrayEquals(new long[] {4096, 131072, 33554432}, s.asLongs("net.ipv4.tcp_rmem").orElseThrow());
        assertEquals(OptionalLong.empty(), s.asLong("net.ipv4.tcp_mem"), "three numbers are not one");
    }

    @Test
    void vmFixtureAndAbsentConntrack() {
        Sysctls s = Sysctls.query(ProcFixtures.proc(VM_6_12),
                "net.core.rmem_max", "net.ipv4.udp_mem", Conntrack.COUNT);
        assertEquals(OptionalLong.of(212992), s.asLong("net.core.rmem_max"));
        assertArrayEquals(new long[] {45486, 60650, 90972}, s.asLongs("net.ipv4.udp_mem").orElseThrow());
        assertEquals(Set.of(Conntrack.COUNT), s.absent(), "a sysctl the kernel lacks is absent, not an error");
        assertEquals(List.of(), s.problems());
    }

    @Test
    void namesMapToPathsAsSysctl8Does() {
        assertEquals("net/core/rmem_max", Sysctls.relativePath("net.core.rmem_max"));
        assertEquals("net/ipv4/conf/eth0.100/rp_filter", Sysctls.relativePath("net.ipv4.conf.eth0/100.rp_filter"));
        assertNull(Sysctls.relativePath("net..core"));
        assertNull(Sysctls.relativePath(".net"));
        assertNull(Sysctls.relativePath("net.core."));
        assertNull(Sysctls.relativePath(""));
        assertNull(Sysctls.relativePath("net.\u0000"));
    }

    @Test
    void namesThatCouldEscapeAreRefusedNotRead() {
        Sysctls s = Sysctls.query(ProcFixtures.proc(HOST_6_18), "..", "net..", "net.core.rmem_max");
        assertEquals(Map.of("..", "not a sysctl name", "net..", "not a sysctl name"), s.unreadable());
        assertEquals(Set.of("net.core.rmem_max"), s.values().keySet());
    }

    @Test
    void numberHelpers() {
        assertEquals(OptionalLong.of(5), Sysctls.parseLong(" 5\n"));
        assertEquals(OptionalLong.of(-1), Sysctls.parseLong("-1"));
        assertEquals(OptionalLong.empty(), Sysctls.parseLong(""));
        assertEquals(OptionalLong.empty(), Sysctls.parseLong("cubic"));
        assertEquals(OptionalLong.empty(), Sysctls.parseLong("1 2"));
        assertTrue(Sysctls.parseLongs("1 x 3").isEmpty());
        assertArrayEquals(new long[] {1, 2, 3}, Sysctls.parseLongs("1\t2  3").orElseThrow());
        assertEquals("a\tb", Sysctls.parseValue("a\tb\n"));
        assertEquals("", Sysctls.parseValue("\n"));
        assertEquals("x\n", Sysctls.parseValue("x\n\n"), "only the final newline is the kernel's");
    }
}
