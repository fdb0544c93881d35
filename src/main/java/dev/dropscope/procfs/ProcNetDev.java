package dev.dropscope.procfs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code /proc/net/dev}: each interface's counters in the reading thread's namespace (or under
 * {@code /proc/PID} for that process's), by the names {@code struct rtnl_link_stats64} gives them
 * ({@code rx_dropped}, {@code rx_errors}...). The kernel folds some into one column: "drop" is
 * rx_dropped plus rx_missed_errors, "frame" the length, overrun, CRC and frame errors. Error policy: see
 * {@link ProcFiles}.
 */
public record ProcNetDev(Map<String, Map<String, Long>> interfaces, List<String> problems) {
    /** The columns in the order dev_seq_printf_stats prints them. */
    static final List<String> COLUMNS = List.of("rx_bytes", "rx_packets", "rx_errors", "rx_dropped", "rx_fifo_errors",
            "rx_frame_errors", "rx_compressed", "multicast", "tx_bytes", "tx_packets", "tx_errors", "tx_dropped",
            "tx_fifo_errors", "collisions", "tx_carrier_errors", "tx_compressed");

    public ProcNetDev {
        Map<String, Map<String, Long>> copy = new LinkedHashMap<>();
        interfaces.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
        interfaces = Collections.unmodifiableMap(copy);
        problems = List.copyOf(problems);
    }

    /** Reads {@code net/dev} under {@code proc} ({@link ProcFiles#netFile}: the reading thread's namespace). */
    public static ProcNetDev query(Path proc) {
        ProcFiles.Content c = ProcFiles.read(ProcFiles.netFile(proc, "dev"));
        return c.ok() ? parse(c.text()) : new ProcNetDev(Map.of(), List.of(c.reason()));
    }

    /** {@code key} summed over every interface (0 when none has it). */
    public long sum(String key) {
        long n = 0;
        for (Map<String, Long> i : interfaces.values()) {
            n += i.getOrDefault(key, 0L);
        }
        return n;
    }

    /**
     * Parses the two header lines and one {@code NAME: 16 numbers} line per interface. A line without the
     * colon or with too few numbers is a problem; its interface is left out.
     */
    public static ProcNetDev parse(String text) {
        Objects.requireNonNull(text, "text");
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        List<String> lines = ProcFiles.lines(text);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.contains("|")) {
                continue; // the two header lines
            }
            int colon = line.indexOf(':');
            String name = colon < 0 ? "" : line.substring(0, colon).strip();
            if (name.isEmpty()) {
                problems.add("line " + (i + 1) + ": no 'name:' prefix: " + ProcFiles.abbreviate(line));
                continue;
            }
            String rest = line.substring(colon + 1).strip();
            String[] v = rest.isEmpty() ? new String[0] : rest.split("\\s+");
            if (v.length < COLUMNS.size()) {
                problems.add(name + ": " + v.length + " values, expected " + COLUMNS.size());
                continue;
            }
            Map<String, Long> m = new LinkedHashMap<>();
            boolean bad = false;
            for (int k = 0; k < COLUMNS.size(); k++) {
                Long n = ProtocolCounters.parseCounter(v[k]);
                if (n == null) {
                    problems.add(name + "." + COLUMNS.get(k) + ": not a number: " + ProcFiles.abbreviate(v[k]));
                    bad = true;
                    break;
                }
                m.put(COLUMNS.get(k), n);
            }
            if (!bad) {
                out.put(name, m);
            }
        }
        return new ProcNetDev(out, problems);
    }
}
