package dev.dropscope.procfs;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * The running kernel's build configuration, as {@code /proc/config.gz} (CONFIG_IKCONFIG_PROC) or the
 * distribution's {@code /boot/config-<release>} records it. Tells "not built" from "built as a module",
 * which decides whether the fix for a missing feature is {@code modprobe} or a new kernel.
 */
public final class KernelConfig {

    /** What the config says about one option. */
    public enum Setting {
        /** {@code CONFIG_X=y}: built into the kernel. */
        BUILT_IN,
        /** {@code CONFIG_X=m}: built as a loadable module. */
        MODULE,
        /** {@code # CONFIG_X is not set}: offered and switched off. */
        NOT_SET,
        /** Not mentioned at all: its dependencies were not met, so it is not built either. */
        ABSENT,
        /** Set to a value other than y or m (a string or a number). */
        VALUE
    }

    private final String source;
    private final Map<String, String> values;
    private final Set<String> notSet;

    private KernelConfig(String source, Map<String, String> values, Set<String> notSet) {
        this.source = source;
        this.values = Map.copyOf(values);
        this.notSet = Set.copyOf(notSet);
    }

    /**
     * Parses config text ({@code CONFIG_X=y}, {@code # CONFIG_X is not set}, comments, blank lines).
     * {@code source} names the file, for messages.
     *
     * @throws IllegalArgumentException for a line that is neither an assignment nor a comment
     */
    public static KernelConfig parse(String text, String source) {
        Map<String, String> values = new HashMap<>();
        Set<String> notSet = new HashSet<>();
        int lineNumber = 0;
        for (String line : text.split("\n", -1)) {
            lineNumber++;
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            if (l.startsWith("#")) {
                if (l.startsWith("# CONFIG_") && l.endsWith(" is not set")) {
                    notSet.add(l.substring(2, l.length() - " is not set".length()));
                }
                continue;
            }
            int eq = l.indexOf('=');
            if (!l.startsWith("CONFIG_") || eq < 0) {
                throw new IllegalArgumentException(source + ":" + lineNumber + ": not a kernel config line: '"
                        + abbreviate(l) + "'");
            }
            values.put(l.substring(0, eq), l.substring(eq + 1));
        }
        return new KernelConfig(source, values, notSet);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /**
     * Reads the running kernel's config: {@code <root>/proc/config.gz} first (it cannot disagree with the
     * kernel), then {@code <root>/boot/config-<release>}. Empty when neither exists.
     *
     * @throws IOException a file exists but cannot be read or decompressed
     * @throws IllegalArgumentException the file is not a kernel config
     */
    public static Optional<KernelConfig> query(Path root, String release) throws IOException {
        Path procConfig = root.resolve("proc/config.gz");
        byte[] gz = readIfExists(procConfig);
        if (gz != null) {
            return Optional.of(parse(gunzip(gz, procConfig), "/proc/config.gz"));
        }
        Path bootConfig = root.resolve("boot/config-" + release);
        byte[] plain = readIfExists(bootConfig);
        if (plain != null) {
            return Optional.of(parse(new String(plain, StandardCharsets.UTF_8), "/boot/config-" + release));
        }
        return Optional.empty();
    }

    private static byte[] readIfExists(Path p) throws IOException {
        try {
            return ProcFiles.readBytes(p);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static String gunzip(byte[] gz, Path from) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException(from + ": not a gzip file: " + e.getMessage(), e);
        }
    }

    /** The file this config came from, e.g. "/proc/config.gz". */
    public String source() {
        return source;
    }

    /** What the config says about {@code option} (the full kernel name, e.g. "CONFIG_NET_DROP_MONITOR"). */
    public Setting setting(String option) {
        String v = values.get(option);
        if (v == null) {
            return notSet.contains(option) ? Setting.NOT_SET : Setting.ABSENT;
        }
        switch (v) {
            case "y":
                return Setting.BUILT_IN;
            case "m":
                return Setting.MODULE;
            default:
                return Setting.VALUE;
        }
    }

    /** The raw value of {@code option} ("y", "m", "\"string\"", "1000"), if assigned. */
    public Optional<String> value(String option) {
        return Optional.ofNullable(values.get(option));
    }

    /** The line as it appears in the config, for messages: "CONFIG_X=m" or "# CONFIG_X is not set". */
    public String describe(String option) {
        String v = values.get(option);
        if (v != null) {
            return option + "=" + v;
        }
        return notSet.contains(option) ? "# " + option + " is not set" : option + " is not mentioned";
    }

    /** Number of options assigned a value. */
    public int size() {
        return values.size();
    }
}
