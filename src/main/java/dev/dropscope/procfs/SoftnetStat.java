package dev.dropscope.procfs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * {@code /proc/net/softnet_stat}: one line per online CPU, hex u32 columns. Kernels print different column
 * counts (net/core/net-procfs.c, {@code softnet_seq_show}), so columns are named by position and a field
 * exists only when the line has that many columns:
 *
 * <pre>
 *  1 processed        4-8 zero (was fastroute)          11 flow_limit_count     (11 columns, 3.11+)
 *  2 dropped          9   cpu_collision (0 since 4.x)   12 softnet_backlog_len  (13 columns, 5.10+)
 *  3 time_squeeze     10  received_rps (2.6.35+)        13 index: the CPU id    (13 columns, 5.10+)
 *                                                       14 input_qlen, 15 process_qlen (15 columns,
 *                                                          6.x: both 6.12 and 6.18 print them)
 * </pre>
 *
 * Offline CPUs are skipped, so the line number is the CPU id only when no CPU is offline; that is why 5.10
 * added {@code index}, and {@link Cpu#indexed()} says which one {@link Cpu#cpu()} is. Lines with fewer than
 * 10 columns (no kernel since 2.6.35 prints them: a truncated read) are problems; columns past 15 (a newer
 * kernel) are kept in {@link Cpu#unknownColumns()}. Error policy: see {@link ProcFiles}.
 */
public record SoftnetStat(List<Cpu> cpus, List<String> problems) {

    /** No kernel since 2.6.35 prints fewer: processed ... received_rps. */
    public static final int MIN_COLUMNS = 10;
    /** The most any known kernel prints (6.3+). */
    public static final int KNOWN_COLUMNS = 15;

    public SoftnetStat {
        cpus = List.copyOf(cpus);
        problems = List.copyOf(problems);
    }

    /**
     * One CPU's line. {@code dropped} counts packets dropped because the backlog was longer than
     * {@code net.core.netdev_max_backlog}; {@code timeSqueeze} counts NAPI rounds cut short by
     * {@code net.core.netdev_budget} or {@code netdev_budget_usecs} with work left.
     */
    public record Cpu(int cpu, boolean indexed, int columns,
                      long processed, long dropped, long timeSqueeze, long cpuCollision, long receivedRps,
                      OptionalLong flowLimitCount, OptionalLong backlogLen,
                      OptionalLong inputQlen, OptionalLong processQlen, List<Long> unknownColumns) {
        public Cpu {
            unknownColumns = List.copyOf(unknownColumns);
        }
    }

    public long totalDropped() {
        return cpus.stream().mapToLong(Cpu::dropped).sum();
    }

    public long totalTimeSqueeze() {
        return cpus.stream().mapToLong(Cpu::timeSqueeze).sum();
    }

    public long totalProcessed() {
        return cpus.stream().mapToLong(Cpu::processed).sum();
    }

    public static SoftnetStat query(Path proc) {
        ProcFiles.Content c = ProcFiles.read(ProcFiles.netFile(proc, "softnet_stat"));
        return c.ok() ? parse(c.text()) : new SoftnetStat(List.of(), List.of(c.reason()));
    }

    public static SoftnetStat parse(String text) {
        Objects.requireNonNull(text, "text");
        List<Cpu> cpus = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> lines = ProcFiles.lines(text);
        if (lines.isEmpty()) {
            problems.add("empty file");
        }
        for (int i = 0; i < lines.size(); i++) {
            String[] t = lines.get(i).trim().split("\\s+");
            if (t.length < MIN_COLUMNS) {
                problems.add("line " + (i + 1) + ": " + t.length + " columns, fewer than the " + MIN_COLUMNS
                        + " every kernel since 2.6.35 prints");
                continue;
            }
            long[] v = new long[t.length];
            String bad = null;
            for (int k = 0; k < t.length && bad == null; k++) {
                v[k] = ProcFiles.parseHex32(t[k]);
                if (v[k] < 0) {
                    bad = t[k];
                }
            }
            if (bad != null) {
                problems.add("line " + (i + 1) + ": not a hex number: " + ProcFiles.abbreviate(bad));
                continue;
            }
            int n = v.length;
            boolean indexed = n >= 13;
            int cpu = indexed ? (int) v[12] : i;
            List<Long> unknown = new ArrayList<>();
            for (int k = KNOWN_COLUMNS; k < n; k++) {
                unknown.add(v[k]);
            }
            cpus.add(new Cpu(cpu, indexed, n, v[0], v[1], v[2], v[8], v[9],
                    column(v, 10), column(v, 11), column(v, 13), column(v, 14), unknown));
        }
        return new SoftnetStat(cpus, problems);
    }

    private static OptionalLong column(long[] v, int index) {
        return index < v.length ? OptionalLong.of(v[index]) : OptionalLong.empty();
    }
}
