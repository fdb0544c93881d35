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
 * {@code /proc/net/sockstat} and {@code sockstat6}: lines of {@code PROTO: name value name value ...},
 * keyed {@code PROTO.name} as the kernel spells them: {@code TCP.inuse}, {@code TCP.mem},
 * {@code UDP6.inuse}, {@code sockets.used}. {@code TCP.mem} and {@code UDP.mem} are in pages, the unit of
 * {@code net.ipv4.tcp_mem} and {@code udp_mem} they are compared against.
 *
 * <p>Read from inside a namespace, {@code sockets.used}, {@code *.inuse}, {@code TCP.tw} and {@code FRAG*}
 * are that namespace's, but {@code TCP.orphan}, {@code TCP.alloc}, {@code TCP.mem} and {@code UDP.mem} are
 * machine-wide (net/ipv4/proc.c, {@code sockstat_seq_show}): memory pressure is global.
 * Error policy: see {@link ProcFiles}.
 */
public record SockStat(Map<String, Long> values, List<String> problems) {

    public SockStat {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        problems = List.copyOf(problems);
    }

    public OptionalLong get(String key) {
        Long v = values.get(key);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** Reads sockstat and, when IPv6 is enabled, sockstat6. */
    public static SockStat query(Path proc) {
        Map<String, Long> values = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (String name : List.of("sockstat", "sockstat6")) {
            ProcFiles.Content c = ProcFiles.read(ProcFiles.netFile(proc, name));
            if (c.ok()) {
                SockStat s = parse(c.text());
                values.putAll(s.values());
                problems.addAll(s.problems());
            } else if (!(name.equals("sockstat6") && c.outcome() == ProcFiles.Outcome.ABSENT)) {
                problems.add(c.reason()); // an absent sockstat6 only means IPv6 is disabled
            }
        }
        return new SockStat(values, problems);
    }

    public static SockStat parse(String text) {
        Objects.requireNonNull(text, "text");
        Map<String, Long> values = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        List<String> lines = ProcFiles.lines(text);
        if (lines.isEmpty()) {
            problems.add("empty file");
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int colon = line.indexOf(':');
            if (colon <= 0) {
                problems.add("line " + (i + 1) + ": no 'PROTO:' prefix: " + ProcFiles.abbreviate(line));
                continue;
            }
            String proto = line.substring(0, colon).strip();
            String rest = line.substring(colon + 1).strip();
            String[] t = rest.isEmpty() ? new String[0] : rest.split("\\s+");
            if (t.length % 2 != 0) {
                problems.add(proto + ": odd number of words, last one has no value: " + ProcFiles.abbreviate(rest));
            }
            for (int k = 0; k + 1 < t.length; k += 2) {
                String key = proto + "." + t[k];
                Long v = ProtocolCounters.parseCounter(t[k + 1]);
                if (v == null) {
                    problems.add(key + ": not a number: " + ProcFiles.abbreviate(t[k + 1]));
                } else if (values.putIfAbsent(key, v) != null) {
                    problems.add(key + ": appears twice, kept the first");
                }
            }
        }
        return new SockStat(values, problems);
    }
}
