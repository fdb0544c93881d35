package dev.dropscope.procfs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Sysctl values read from {@code /proc/sys}, keyed by their sysctl(8) name ({@code net.core.rmem_max}).
 * A value is the file's text without its final newline, so multi-value sysctls stay as the kernel prints
 * them ({@code net.ipv4.tcp_mem} is {@code "287901\t383869\t575802"}); {@link #asLong} and {@link #asLongs}
 * read numbers out of them.
 *
 * <p>A sysctl this kernel lacks is {@link #absent()}, not an error: conntrack's appear only while
 * nf_conntrack is loaded. One the file system refuses (a write-only {@code net.ipv4.route.flush}, or no
 * permission) is in {@link #unreadable()} with its reason. Error policy: see {@link ProcFiles}.
 */
public record Sysctls(Map<String, String> values, Set<String> absent, Map<String, String> unreadable) {

    /** The socket-memory, backlog and neighbour-table sysctls the stack-health collectors report. */
    public static final List<String> STANDARD = List.of(
            "net.core.rmem_max", "net.core.wmem_max", "net.core.rmem_default", "net.core.wmem_default",
            "net.core.netdev_max_backlog", "net.core.netdev_budget", "net.core.netdev_budget_usecs",
            "net.core.somaxconn",
            "net.ipv4.tcp_mem", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem", "net.ipv4.udp_mem",
            "net.ipv4.neigh.default.gc_thresh1", "net.ipv4.neigh.default.gc_thresh2",
            "net.ipv4.neigh.default.gc_thresh3");

    public Sysctls {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        absent = Collections.unmodifiableSet(new LinkedHashSet<>(absent));
        unreadable = Collections.unmodifiableMap(new LinkedHashMap<>(unreadable));
    }

    /** One line per unreadable sysctl, e.g. {@code net.ipv4.route.flush: permission denied}. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        unreadable.forEach((name, why) -> out.add(name + ": " + why));
        return out;
    }

    public Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /** A single-number sysctl; empty when absent, unreadable or not one number. */
    public OptionalLong asLong(String name) {
        String raw = values.get(name);
        return raw == null ? OptionalLong.empty() : parseLong(raw);
    }

    /** A multi-number sysctl ({@code tcp_mem}); empty when absent, unreadable or not all numbers. */
    public Optional<long[]> asLongs(String name) {
        String raw = values.get(name);
        return raw == null ? Optional.empty() : parseLongs(raw);
    }

    /** Reads {@link #STANDARD}. */
    public static Sysctls queryStandard(Path proc) {
        return query(proc, STANDARD);
    }

    public static Sysctls query(Path proc, String... names) {
        return query(proc, Arrays.asList(names));
    }

    /** Reads each name from {@code proc/sys/...}; /proc/sys/net shows the reading thread's namespace. */
    public static Sysctls query(Path proc, List<String> names) {
        Objects.requireNonNull(proc, "proc");
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> absent = new LinkedHashSet<>();
        Map<String, String> unreadable = new LinkedHashMap<>();
        for (String name : names) {
            String rel = relativePath(name);
            if (rel == null) {
                unreadable.put(name, "not a sysctl name");
                continue;
            }
            ProcFiles.Content c = ProcFiles.read(proc.resolve("sys").resolve(rel));
            switch (c.outcome()) {
                case OK:
                    values.put(name, parseValue(c.text()));
                    break;
                case ABSENT:
                    absent.add(name);
                    break;
                case DENIED:
                    unreadable.put(name, "permission denied");
                    break;
                default:
                    unreadable.put(name, c.reason());
                    break;
            }
        }
        return new Sysctls(values, absent, unreadable);
    }

    /**
     * The path under /proc/sys for a sysctl name, as sysctl(8) maps it: dots become slashes and slashes
     * dots, so {@code net.ipv4.conf.eth0/100.rp_filter} is {@code net/ipv4/conf/eth0.100/rp_filter}.
     * Null for a name that could leave /proc/sys (empty segments, "..").
     */
    public static String relativePath(String name) {
        if (name == null || name.isEmpty() || name.indexOf('\0') >= 0) {
            return null;
        }
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            sb.append(c == '.' ? '/' : c == '/' ? '.' : c);
        }
        String rel = sb.toString();
        for (String seg : rel.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                return null;
            }
        }
        return rel;
    }

    /** The file's text without its final newline (proc_dointvec ends every value with one). */
    public static String parseValue(String fileText) {
        return fileText.endsWith("\n") ? fileText.substring(0, fileText.length() - 1) : fileText;
    }

    public static OptionalLong parseLong(String raw) {
        Optional<long[]> all = parseLongs(raw);
        return all.isPresent() && all.get().length == 1 ? OptionalLong.of(all.get()[0]) : OptionalLong.empty();
    }

    /** Whitespace-separated decimal numbers; empty if any is not one. */
    public static Optional<long[]> parseLongs(String raw) {
        String t = raw.strip();
        if (t.isEmpty()) {
            return Optional.empty();
        }
        String[] parts = t.split("\\s+");
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            Long v = ProtocolCounters.parseCounter(parts[i]);
            if (v == null) {
                return Optional.empty();
            }
            out[i] = v;
        }
        return Optional.of(out);
    }
}
