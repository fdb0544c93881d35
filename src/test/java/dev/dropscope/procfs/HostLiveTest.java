package dev.dropscope.procfs;

import dev.dropscope.testutil.Needs;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live, in the host's own namespace: compares with the kernel's tools only what does not move between
 * two reads (configuration, names, CPU sets); exact counter values are compared in {@link NetnsLiveTest}.
 */
@Needs(root = true, tools = {"ip", "nstat", "sysctl"})
class HostLiveTest {

    @Test
    void standardSysctlsEqualSysctlN() {
        Sysctls ours = Sysctls.queryStandard(ProcFiles.PROC);
        assertEquals(List.of(), ours.problems());
        for (String name : Sysctls.STANDARD) {
            dev.dropscope.collect.Tools.Result r = LiveSystem.run(List.of("sysctl", "-n", name));
            if (r.exit() != 0) {
                assertTrue(ours.absent().contains(name), name + ": sysctl failed (" + r.err().strip()
                        + ") but we read " + ours.get(name));
                continue;
            }
            assertEquals(Sysctls.parseValue(r.out()), ours.get(name).orElse(null), name);
        }
    }

    @Test
    void writeOnlySysctlIsPermissionDeniedAndMissingOneIsAbsent() {
        Sysctls ours = Sysctls.query(ProcFiles.PROC, "net.ipv4.route.flush", "net.core.ds_procfs_no_such");
        assertEquals(Map.of("net.ipv4.route.flush", "permission denied"), ours.unreadable());
        assertEquals(Set.of("net.core.ds_procfs_no_such"), ours.absent());
        dev.dropscope.collect.Tools.Result cat = LiveSystem.run(List.of("cat", "/proc/sys/net/ipv4/route/flush"));
        assertTrue(cat.exit() != 0 && cat.err().contains("Permission denied"), cat.err());
        dev.dropscope.collect.Tools.Result sysctl = LiveSystem.run(List.of("sysctl", "-n", "net.core.ds_procfs_no_such"));
        assertTrue(sysctl.exit() != 0 && sysctl.err().contains("No such file"), sysctl.err());
    }

    @Test
    void everyNstatCounterIsInOurs() {
        ProtocolCounters ours = ProtocolCounters.query(ProcFiles.PROC);
        assertEquals(List.of(), ours.problems());
        Set<String> names = new TreeSet<>();
        ours.counters().keySet().forEach(k -> names.add(ProtocolCounters.nstatName(k)));
        Map<String, Long> nstat = NetnsLiveTest.parseNstat(
                LiveSystem.runOrFail("env", "NSTAT_HISTORY=/dev/null", "nstat", "-asz"));
        Set<String> missing = new TreeSet<>(nstat.keySet());
        missing.removeAll(names);
        assertEquals(Set.of(), missing);
    }

    /** softnet_stat has a line for every online CPU, and the index column names exactly those CPUs. */
    @Test
    void softnetCpusAreTheOnlineCpusAndCountersOnlyGrow() throws Exception {
        SoftnetStat before = SoftnetStat.query(ProcFiles.PROC);
        SoftnetStat cat = SoftnetStat.parse(LiveSystem.runOrFail("cat", "/proc/net/softnet_stat"));
        SoftnetStat after = SoftnetStat.query(ProcFiles.PROC);
        assertEquals(List.of(), before.problems());
        Set<Integer> online = cpuList(Files.readString(Path.of("/sys/devices/system/cpu/online")).strip());
        Set<Integer> ours = new TreeSet<>();
        before.cpus().forEach(c -> ours.add(c.cpu()));
        if (before.cpus().get(0).indexed()) {
            assertEquals(online, ours);
        } else {
            assertEquals(online.size(), ours.size());
        }
        assertEquals(before.cpus().size(), cat.cpus().size());
        for (int i = 0; i < before.cpus().size(); i++) {
            // u32 counters: compare distances modulo 2^32 so a wrap between reads is not a failure
            long b = before.cpus().get(i).processed();
            long c = cat.cpus().get(i).processed();
            long a = after.cpus().get(i).processed();
            assertTrue(((c - b) & 0xffffffffL) <= ((a - b) & 0xffffffffL),
                    "cpu " + before.cpus().get(i).cpu() + ": " + b + " <= " + c + " <= " + a);
        }
    }

    /** Loaded: max and buckets equal sysctl -n; not loaded only when the count file is really absent. */
    @Test
    void conntrackStateMatchesTheFiles() {
        Conntrack ours = Conntrack.query(ProcFiles.PROC);
        boolean countFile = Files.exists(Path.of("/proc/sys/net/netfilter/nf_conntrack_count"));
        assertEquals(countFile, ours.loaded());
        assertEquals(List.of(), ours.problems());
        if (!countFile) {
            assertFalse(ours.max().isPresent());
            return;
        }
        assertEquals(Long.parseLong(LiveSystem.runOrFail("sysctl", "-n", Conntrack.MAX).strip()),
                ours.max().getAsLong());
        assertEquals(Long.parseLong(LiveSystem.runOrFail("sysctl", "-n", Conntrack.BUCKETS).strip()),
                ours.buckets().getAsLong());
        assertTrue(ours.count().isPresent());
        assertTrue(ours.stats().containsKey("drop"), ours.stats().toString());
    }

    static Set<Integer> cpuList(String list) {
        Set<Integer> out = new TreeSet<>();
        for (String part : list.split(",")) {
            String[] r = part.split("-");
            int lo = Integer.parseInt(r[0]);
            int hi = r.length > 1 ? Integer.parseInt(r[1]) : lo;
            for (int i = lo; i <= hi; i++) {
                out.add(i);
            }
        }
        return out;
    }
}
