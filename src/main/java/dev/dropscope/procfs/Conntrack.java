package dev.dropscope.procfs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Connection-tracking table size and statistics. When {@code count} reaches {@code max} new flows are
 * dropped ("nf_conntrack: table full, dropping packet"), counted in {@code stats.drop} and
 * {@code stats.early_drop}.
 *
 * <p>Sources: {@code net.netfilter.nf_conntrack_count}, {@code _max}, {@code _buckets} (per namespace),
 * {@code net.nf_conntrack_max} (initial namespace only), and {@code /proc/net/stat/nf_conntrack}: a header
 * line, then one line of hex columns per CPU, summed here by column name.
 *
 * <p>"Not loaded" is a state, not an error: without nf_conntrack the files do not exist, and
 * {@link #loaded()} is false with no problem. Error policy: see {@link ProcFiles}.
 *
 * @param stats per-CPU columns of /proc/net/stat/nf_conntrack summed over CPUs, in header order, without
 *              {@code entries} (the table-wide count, printed on every line: it would be summed N times)
 */
public record Conntrack(boolean loaded, OptionalLong count, OptionalLong max, OptionalLong buckets,
                        OptionalLong globalMax, Map<String, Long> stats, List<String> problems) {

    public static final String COUNT = "net.netfilter.nf_conntrack_count";
    public static final String MAX = "net.netfilter.nf_conntrack_max";
    public static final String BUCKETS = "net.netfilter.nf_conntrack_buckets";
    public static final String GLOBAL_MAX = "net.nf_conntrack_max";
    public static final List<String> SYSCTLS = List.of(COUNT, MAX, BUCKETS, GLOBAL_MAX);

    public Conntrack {
        stats = Collections.unmodifiableMap(new LinkedHashMap<>(stats));
        problems = List.copyOf(problems);
    }

    public static Conntrack query(Path proc) {
        Sysctls sysctls = Sysctls.query(proc, SYSCTLS);
        ProcFiles.Content stat = ProcFiles.read(ProcFiles.netFile(proc, "stat/nf_conntrack"));
        Conntrack parsed = parse(sysctls, stat.ok() ? stat.text() : null);
        if (!stat.ok() && stat.outcome() != ProcFiles.Outcome.ABSENT) {
            List<String> problems = new ArrayList<>(parsed.problems());
            problems.add(stat.reason());
            return new Conntrack(parsed.loaded(), parsed.count(), parsed.max(), parsed.buckets(),
                    parsed.globalMax(), parsed.stats(), problems);
        }
        return parsed;
    }

    /**
     * @param sysctls  the {@link #SYSCTLS} as read
     * @param statText /proc/net/stat/nf_conntrack, or null when absent
     */
    public static Conntrack parse(Sysctls sysctls, String statText) {
        Objects.requireNonNull(sysctls, "sysctls");
        boolean loaded = !sysctls.absent().contains(COUNT)
                && (sysctls.values().containsKey(COUNT) || sysctls.unreadable().containsKey(COUNT));
        List<String> problems = new ArrayList<>(sysctls.problems());
        for (String name : List.of(COUNT, MAX, BUCKETS, GLOBAL_MAX)) {
            String raw = sysctls.values().get(name);
            if (raw != null && sysctls.asLong(name).isEmpty()) {
                problems.add(name + ": not a number: " + ProcFiles.abbreviate(raw));
            }
        }
        Map<String, Long> stats = new LinkedHashMap<>();
        if (statText != null) {
            problems.addAll(parseStat(statText, stats));
        }
        return new Conntrack(loaded, sysctls.asLong(COUNT), sysctls.asLong(MAX), sysctls.asLong(BUCKETS),
                sysctls.asLong(GLOBAL_MAX), stats, problems);
    }

    /** Sums /proc/net/stat/nf_conntrack's per-CPU lines into {@code out}; returns the problems. */
    static List<String> parseStat(String text, Map<String, Long> out) {
        List<String> problems = new ArrayList<>();
        List<String> lines = ProcFiles.lines(text);
        if (lines.isEmpty()) {
            problems.add("stat/nf_conntrack: empty file");
            return problems;
        }
        String[] names = lines.get(0).trim().split("\\s+");
        for (int i = 1; i < lines.size(); i++) {
            String[] vals = lines.get(i).trim().split("\\s+");
            if (vals.length != names.length) {
                problems.add("stat/nf_conntrack line " + (i + 1) + ": " + vals.length + " values for "
                        + names.length + " names");
            }
            int n = Math.min(vals.length, names.length);
            for (int k = 0; k < n; k++) {
                if (names[k].equals("entries")) {
                    continue;
                }
                long v = ProcFiles.parseHex32(vals[k]);
                if (v < 0) {
                    problems.add("stat/nf_conntrack line " + (i + 1) + ": " + names[k] + " not a hex number: "
                            + ProcFiles.abbreviate(vals[k]));
                    continue;
                }
                out.merge(names[k], v, Long::sum);
            }
        }
        return problems;
    }
}
