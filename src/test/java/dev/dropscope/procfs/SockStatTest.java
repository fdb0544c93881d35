package dev.dropscope.procfs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static dev.dropscope.procfs.ProcFixtures.HOST_6_18;
import static dev.dropscope.procfs.ProcFixtures.VM_6_12;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SockStatTest {

    @Test
    void hostFixture() {
        SockStat s = SockStat.query(ProcFixtures.proc(HOST_6_18));
        assertEquals(List.of(), s.problems());
        assertEquals(OptionalLong.of(15), s.get("sockets.used"));
        assertEquals(OptionalLong.of(1), s.get("TCP.inuse"));
        assertEquals(OptionalLong.of(1), s.get("TCP.alloc"));
        assertEquals(OptionalLong.of(316), s.get("TCP.mem"));
        assertEquals(OptionalLong.of(0), s.get("FRAG.memory"));
        assertEquals(OptionalLong.of(0), s.get("UDP6.inuse"));
        assertEquals(OptionalLong.of(0), s.get("FRAG6.memory"));
        // sockstat: 1 + 5 + 2 + 1 + 1 + 2, sockstat6: 1 + 1 + 1 + 1 + 2
        assertEquals(18, s.values().size());
        assertEquals("sockets.used", s.values().keySet().iterator().next());
    }

    @Test
    void vmFixture() {
        SockStat s = SockStat.query(ProcFixtures.proc(VM_6_12));
        assertEquals(List.of(), s.problems());
        assertEquals(OptionalLong.of(0), s.get("TCP.mem"));
        assertEquals(18, s.values().size());
    }

    @Test
    void badLines() {
        SockStat s = SockStat.parse("TCP: inuse 5 orphan\nno colon here\nUDP: inuse x mem 3\n: 1 2\n");
        assertEquals(Map.of("TCP.inuse", 5L, "UDP.mem", 3L), s.values());
        assertEquals(4, s.problems().size(), s.problems().toString());
        assertEquals(List.of("empty file"), SockStat.parse("").problems());
    }

    @Test
    void missingSockstat6IsIpv6Off(@TempDir Path empty) {
        SockStat s = SockStat.query(empty);
        assertEquals(1, s.problems().size(), "only sockstat's absence is a problem: " + s.problems());
        assertTrue(s.problems().get(0).endsWith("net/sockstat: absent"));
    }
}
