package dev.dropscope.procfs;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Jazzer fuzz targets for the pure parsers of /proc and /sys text (procfs parse* methods). The kernel
 * writes these files, but a container runtime, a FUSE overlay (lxcfs) or a kernel we never saw can
 * put anything there. Property: the lenient parsers (counters, softnet, sockstat, conntrack stat,
 * kallsyms, module lists, sysctl values) never throw and report what they skipped as problems; the
 * strict ones (process status, kernel config, kallsyms visibility, integer sysctls) return or throw
 * IllegalArgumentException, as their javadoc says. Anything else is a finding.
 *
 * <p>Regression corpus: {@code src/test/resources/dev/dropscope/procfs/ProcfsFuzzTestInputs/<method>/}.
 */
class ProcfsFuzzTest {

    private static String text(byte[] input) {
        return new String(input, StandardCharsets.UTF_8);
    }

    /** /proc/net/snmp and /proc/net/netstat (header line, value line). */
    @FuzzTest
    void snmp(byte[] input) {
        ProtocolCounters c = ProtocolCounters.parseHeaderValue(text(input));
        Objects.requireNonNull(c.get("Udp.NoPorts"));
        String.valueOf(c);
        ProtocolCounters.merge(List.of(c, c));
    }

    /** /proc/net/snmp6 (name value). */
    @FuzzTest
    void snmp6(byte[] input) {
        ProtocolCounters c = ProtocolCounters.parseNameValue(text(input));
        Objects.requireNonNull(c.get("Udp6.NoPorts"));
        String.valueOf(c);
    }

    /** /proc/net/softnet_stat. */
    @FuzzTest
    void softnet(byte[] input) {
        SoftnetStat s = SoftnetStat.parse(text(input));
        s.totalDropped();
        s.totalTimeSqueeze();
        s.totalProcessed();
        String.valueOf(s);
    }

    /** /proc/net/sockstat and sockstat6. */
    @FuzzTest
    void sockstat(byte[] input) {
        SockStat s = SockStat.parse(text(input));
        Objects.requireNonNull(s.get("UDP.mem"));
        String.valueOf(s);
    }

    /** /proc/net/stat/nf_conntrack (a hex header line, then one hex line per CPU). */
    @FuzzTest
    void conntrackStat(byte[] input) {
        Map<String, Long> out = new HashMap<>();
        List<String> problems = Conntrack.parseStat(text(input), out);
        Objects.requireNonNull(problems);
    }

    /** /proc/kallsyms: parsed, then every kind of lookup the symbolizer does. */
    @FuzzTest
    void kallsyms(byte[] input) {
        Kallsyms k = Kallsyms.parse(input);
        Objects.requireNonNull(k.state());
        for (long a : new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0xffffffff81000000L, 0xffffffff82046290L}) {
            String.valueOf(k.symbolize(a));
            Objects.requireNonNull(k.format(a));
        }
        k.addressOf("kfree_skb");
        k.addressOf("");
        List<String> lines = new ArrayList<>(Arrays.asList(text(input).split("\n", 64)));
        try {
            KallsymsAccess.judge(lines.subList(0, Math.min(lines.size(), 63)));
        } catch (IllegalArgumentException refused) {
            Objects.requireNonNull(refused.getMessage());
        }
    }

    /** /proc/config.gz or /boot/config-* once decompressed. */
    @FuzzTest
    void kernelConfig(byte[] input) {
        try {
            KernelConfig c = KernelConfig.parse(text(input), "fuzz");
            c.size();
            String.valueOf(c.setting("CONFIG_NET_DROP_MONITOR"));
            Objects.requireNonNull(c.describe("CONFIG_NET_DROP_MONITOR"));
            c.value("CONFIG_BPF");
        } catch (IllegalArgumentException refused) {
            Objects.requireNonNull(refused.getMessage());
        }
    }

    /** /proc/self/status (Uid, CapEff, CapPrm). */
    @FuzzTest
    void processStatus(byte[] input) {
        try {
            ProcessStatus s = ProcessStatus.parse(text(input));
            s.isRoot();
            for (Capability cap : Capability.values()) {
                s.has(cap);
                s.permittedOnly(cap);
            }
        } catch (IllegalArgumentException refused) {
            Objects.requireNonNull(refused.getMessage());
        }
    }

    /** modules.builtin, modules.dep and /proc/modules. */
    @FuzzTest
    void kernelModules(byte[] input) {
        String t = text(input);
        Objects.requireNonNull(KernelModules.parseBuiltin(t));
        Objects.requireNonNull(KernelModules.parseModulesDep(t));
        Objects.requireNonNull(KernelModules.parseProcModules(t));
    }

    /** A /proc/sys file's text, read as one value, a long, a list of longs and a strict int. */
    @FuzzTest
    void sysctlValue(byte[] input) {
        String raw = Sysctls.parseValue(text(input));
        Sysctls.parseLong(raw);
        Sysctls.parseLongs(raw);
        try {
            KernelSysctl.parseInt(text(input), "kernel.fuzz");
        } catch (IllegalArgumentException refused) {
            Objects.requireNonNull(refused.getMessage());
        }
    }
}
