package dev.dropscope.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.Snapshot;

import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The /proc collectors on /proc trees captured from real kernels (src/test/resources/proc), no root needed. */
class ProcCollectorsTest {

    static Path tree(String release) throws URISyntaxException {
        return Path.of(ProcCollectorsTest.class.getClassLoader().getResource("proc/" + release).toURI());
    }

    static Snapshot run(Collector c) throws Exception {
        Snapshot.Builder b = Snapshot.builder();
        c.collect(b);
        return b.build();
    }

    @Test
    void conntrackNotLoadedIsAStateAndNoNetlinkIsAsked() throws Exception {
        // Debian 12's 6.12 kernel without nf_conntrack loaded: its sysctls are absent. No syscall backend
        // at all (null) proves ctnetlink was never asked: asking would load the module.
        Snapshot s = run(new ConntrackCollector(null, tree("6.12.117+deb12-amd64")));
        assertEquals(ConntrackState.notLoaded(), s.conntrack());
        assertEquals(List.of(), s.errors());
    }

    @Test
    void procNetNamesSoftnetColumnsAfterSoftnetData() throws Exception {
        Snapshot s = run(new ProcNetCollector(tree("6.18.44-fc-v595")));
        assertFalse(s.softnet().isEmpty());
        assertEquals(List.of("processed", "dropped", "time_squeeze", "cpu_collision", "received_rps",
                "flow_limit_count", "backlog_len", "input_qlen", "process_qlen"),
                List.copyOf(s.softnet().get(0).counters().keySet()));
        assertTrue(s.snmp().containsKey("TcpExt.ListenOverflows"));
        assertTrue(s.sockstat().containsKey("TCP.mem"));
    }

    @Test
    void sysctlCollectorReadsRpFilterAndLeavesOutWhatTheKernelLacks() throws Exception {
        Snapshot s = run(new SysctlCollector(tree("6.18.44-fc-v595")));
        assertEquals(List.of(), s.errors());
        assertEquals("1000", s.sysctl().get("net.core.netdev_max_backlog"));
        assertFalse(s.sysctl().containsKey("net.core.dev_weight"), "not captured in that tree: left out, no error");
        assertEquals(Map.of("eth0", 0, "ifb0", 0, "ifb1", 0, "lo", 0), s.rpFilter().interfaces());
        assertNull(s.conntrack(), "conntrack is the conntrack collector's");
    }
}
