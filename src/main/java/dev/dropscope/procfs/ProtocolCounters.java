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
 * The kernel's protocol counters, every field by its kernel name, keyed {@code Group.Field}:
 * {@code Udp.RcvbufErrors}, {@code TcpExt.ListenOverflows}, {@code Udp6.RcvbufErrors}, in file order.
 *
 * <p>Sources: {@code /proc/net/snmp} and {@code /proc/net/netstat} (pairs of a header line and a value line
 * per group; {@code IcmpMsg} lists only the types seen so far, so its fields vary), {@code /proc/net/snmp6}
 * and {@code /proc/net/sctp/snmp} (one {@code NameValue} per line, group glued to the field name).
 *
 * <p>Values are signed longs: {@code Tcp.MaxConn} is -1 by design. A counter printed above
 * {@link Long#MAX_VALUE} keeps its 64 bits (read it with {@link Long#toUnsignedString(long)}).
 * Error policy: see {@link ProcFiles}.
 */
public record ProtocolCounters(Map<String, Long> counters, List<String> problems) {

    /** Group prefixes of the one-name-per-line files; longest first, so UdpLite6 is not read as Udp... */
    private static final List<String> NAME_VALUE_GROUPS = List.of("UdpLite6", "Icmp6", "Udp6", "Ip6", "Sctp");

    public ProtocolCounters {
        counters = Collections.unmodifiableMap(new LinkedHashMap<>(counters));
        problems = List.copyOf(problems);
    }

    /** A counter by key ({@code TcpExt.ListenOverflows}); empty when this kernel does not have it. */
    public OptionalLong get(String key) {
        Long v = counters.get(key);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** The name nstat(8) prints for a key: group and field glued together, {@code TcpExtListenOverflows}. */
    public static String nstatName(String key) {
        return key.replace(".", "");
    }

    /** Reads snmp, netstat, snmp6 and sctp/snmp of the reading thread's namespace under {@code proc}. */
    public static ProtocolCounters query(Path proc) {
        List<ProtocolCounters> parts = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String name : List.of("snmp", "netstat")) {
            ProcFiles.Content c = ProcFiles.read(ProcFiles.netFile(proc, name));
            if (c.ok()) {
                parts.add(parseHeaderValue(c.text()));
            } else {
                problems.add(c.reason());
            }
        }
        // Absent snmp6 means IPv6 is disabled, absent sctp/snmp means SCTP is not loaded: states, not problems.
        for (String name : List.of("snmp6", "sctp/snmp")) {
            ProcFiles.Content c = ProcFiles.read(ProcFiles.netFile(proc, name));
            if (c.ok()) {
                parts.add(parseNameValue(c.text()));
            } else if (c.outcome() != ProcFiles.Outcome.ABSENT) {
                problems.add(c.reason());
            }
        }
        ProtocolCounters merged = merge(parts);
        problems.addAll(merged.problems());
        return new ProtocolCounters(merged.counters(), problems);
    }

    /**
     * Parses the header-line/value-line layout of {@code /proc/net/snmp} and {@code /proc/net/netstat}:
     * <pre>Udp: InDatagrams NoPorts ...
     *Udp: 29 0 ...</pre>
     * A line pair whose prefixes differ, or whose counts differ, yields the fields it can pair and a problem.
     */
    public static ProtocolCounters parseHeaderValue(String text) {
        Objects.requireNonNull(text, "text");
        Map<String, Long> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        List<String> lines = ProcFiles.lines(text);
        if (lines.isEmpty()) {
            problems.add("empty file");
        }
        int i = 0;
        while (i < lines.size()) {
            String header = lines.get(i);
            String group = groupOf(header);
            if (group == null) {
                problems.add("line " + (i + 1) + ": no 'Group:' prefix: " + ProcFiles.abbreviate(header));
                i++;
                continue;
            }
            if (i + 1 >= lines.size()) {
                problems.add(group + ": header line without a value line");
                break;
            }
            String valueLine = lines.get(i + 1);
            if (!group.equals(groupOf(valueLine))) {
                // Do not pair this header with the next group's header: resynchronise on the next line.
                problems.add(group + ": header line not followed by its value line");
                i++;
                continue;
            }
            String[] names = fields(header, group);
            String[] values = fields(valueLine, group);
            if (names.length != values.length) {
                problems.add(group + ": " + names.length + " names but " + values.length + " values");
            }
            int n = Math.min(names.length, values.length);
            for (int k = 0; k < n; k++) {
                put(out, problems, group, names[k], values[k]);
            }
            i += 2;
        }
        return new ProtocolCounters(out, problems);
    }

    /**
     * Parses the {@code Name value} layout of {@code /proc/net/snmp6} (and {@code /proc/net/sctp/snmp},
     * {@code /proc/net/dev_snmp6/<dev>}). The group is split off the name by its known prefix
     * ({@code Udp6RcvbufErrors} becomes {@code Udp6.RcvbufErrors}), so {@link #nstatName} gives back
     * the name nstat prints.
     */
    public static ProtocolCounters parseNameValue(String text) {
        Objects.requireNonNull(text, "text");
        Map<String, Long> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        List<String> lines = ProcFiles.lines(text);
        if (lines.isEmpty()) {
            problems.add("empty file");
        }
        for (int i = 0; i < lines.size(); i++) {
            String[] t = lines.get(i).trim().split("\\s+");
            if (t.length != 2) {
                problems.add("line " + (i + 1) + ": expected 'name value': " + ProcFiles.abbreviate(lines.get(i)));
                continue;
            }
            String group = nameValueGroup(t[0]);
            if (group == null) {
                problems.add("line " + (i + 1) + ": no known group prefix in " + ProcFiles.abbreviate(t[0]));
                continue;
            }
            put(out, problems, group, t[0].substring(group.length()), t[1]);
        }
        return new ProtocolCounters(out, problems);
    }

    /** Joins parts in order; a key seen twice keeps its first value and becomes a problem. */
    public static ProtocolCounters merge(List<ProtocolCounters> parts) {
        Map<String, Long> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (ProtocolCounters p : parts) {
            problems.addAll(p.problems());
            for (Map.Entry<String, Long> e : p.counters().entrySet()) {
                if (out.putIfAbsent(e.getKey(), e.getValue()) != null) {
                    problems.add(e.getKey() + ": appears in two sources, kept the first");
                }
            }
        }
        return new ProtocolCounters(out, problems);
    }

    private static void put(Map<String, Long> out, List<String> problems, String group, String field, String value) {
        String key = group + "." + field;
        if (field.isEmpty()) {
            problems.add(group + ": empty field name");
            return;
        }
        Long v = parseCounter(value);
        if (v == null) {
            problems.add(key + ": not a number: " + ProcFiles.abbreviate(value));
        } else if (out.putIfAbsent(key, v) != null) {
            problems.add(key + ": appears twice, kept the first");
        }
    }

    /** Decimal, signed (Tcp MaxConn -1) or unsigned up to 2^64-1; null for anything else. */
    static Long parseCounter(String s) {
        if (s.isEmpty() || s.length() > 20) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && !(i == 0 && c == '-' && s.length() > 1)) {
                return null;
            }
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException tooBig) {
            try {
                return Long.parseUnsignedLong(s);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    private static String nameValueGroup(String name) {
        for (String g : NAME_VALUE_GROUPS) {
            if (name.startsWith(g) && name.length() > g.length()) {
                return g;
            }
        }
        return null;
    }

    /** "Udp" for "Udp: 1 2 3", null when the line has no "Word:" prefix. */
    private static String groupOf(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        String g = line.substring(0, colon);
        for (int i = 0; i < g.length(); i++) {
            if (!Character.isLetterOrDigit(g.charAt(i))) {
                return null;
            }
        }
        return g;
    }

    private static String[] fields(String line, String group) {
        String rest = line.substring(group.length() + 1).trim();
        return rest.isEmpty() ? new String[0] : rest.split("\\s+");
    }
}
