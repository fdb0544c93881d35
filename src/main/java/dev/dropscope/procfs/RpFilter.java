package dev.dropscope.procfs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Reverse-path filtering, {@code net.ipv4.conf.<all|default|iface>.rp_filter}: 0 off, 1 strict, 2 loose.
 * The kernel applies the larger of {@code all} and the interface's own value ({@code IN_DEV_MAXCONF}), so
 * {@link #effective} is that maximum; {@code default} only seeds interfaces created later. Packets it drops
 * are counted in {@link #DROP_COUNTER} of {@link ProtocolCounters}. Error policy: see {@link ProcFiles}.
 *
 * @param interfaces every interface's own value, by name, sorted
 */
public record RpFilter(OptionalInt all, OptionalInt defaultValue, Map<String, Integer> interfaces,
                       List<String> problems) {

    /** The {@link ProtocolCounters} key counting packets the reverse-path filter dropped. */
    public static final String DROP_COUNTER = "TcpExt.IPReversePathFilter";

    public RpFilter {
        interfaces = Collections.unmodifiableMap(new TreeMap<>(interfaces));
        problems = List.copyOf(problems);
    }

    /** What the kernel applies on {@code iface}: max(all, iface); empty for an unknown interface. */
    public OptionalInt effective(String iface) {
        Integer own = interfaces.get(iface);
        if (own == null) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(all.isPresent() ? Math.max(all.getAsInt(), own) : own);
    }

    /** {@link #effective} for every interface, sorted by name. */
    public Map<String, Integer> effectiveByInterface() {
        Map<String, Integer> out = new TreeMap<>();
        for (String iface : interfaces.keySet()) {
            out.put(iface, effective(iface).getAsInt());
        }
        return Collections.unmodifiableMap(out);
    }

    /** Lists {@code proc/sys/net/ipv4/conf/} and reads each entry's {@code rp_filter}. */
    public static RpFilter query(Path proc) {
        Objects.requireNonNull(proc, "proc");
        Path conf = proc.resolve("sys/net/ipv4/conf");
        Map<String, String> raw = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(conf)) {
            for (Path dir : dirs) {
                ProcFiles.Content c = ProcFiles.read(dir.resolve("rp_filter"));
                if (c.ok()) {
                    raw.put(dir.getFileName().toString(), c.text());
                } else if (c.outcome() != ProcFiles.Outcome.ABSENT) {
                    // ABSENT: the interface went away between listing and reading; nothing to report.
                    problems.add(c.reason());
                }
            }
        } catch (NoSuchFileException e) {
            problems.add(conf + ": absent (no IPv4?)");
        } catch (IOException | RuntimeException e) {
            problems.add(conf + ": " + e.getMessage());
        }
        RpFilter parsed = parse(raw);
        problems.addAll(parsed.problems());
        return new RpFilter(parsed.all(), parsed.defaultValue(), parsed.interfaces(), problems);
    }

    /** From each conf directory's name ({@code all}, {@code default}, an interface) to its rp_filter text. */
    public static RpFilter parse(Map<String, String> rawByDirectory) {
        OptionalInt all = OptionalInt.empty();
        OptionalInt dflt = OptionalInt.empty();
        Map<String, Integer> ifaces = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(rawByDirectory).entrySet()) {
            String name = e.getKey();
            String text = e.getValue().strip();
            int v;
            try {
                v = Integer.parseInt(text);
            } catch (NumberFormatException ex) {
                problems.add(name + ".rp_filter: not a number: " + ProcFiles.abbreviate(text));
                continue;
            }
            if (name.equals("all")) {
                all = OptionalInt.of(v);
            } else if (name.equals("default")) {
                dflt = OptionalInt.of(v);
            } else {
                ifaces.put(name, v);
            }
        }
        if (all.isEmpty() && !rawByDirectory.isEmpty()) {
            problems.add("no readable conf/all/rp_filter: effective values are the interfaces' own");
        }
        return new RpFilter(all, dflt, ifaces, problems);
    }
}
