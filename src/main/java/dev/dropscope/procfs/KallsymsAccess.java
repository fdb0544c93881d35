package dev.dropscope.procfs;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether {@code /proc/kallsyms} shows this process real addresses. The kernel decides when the file is
 * opened (kptr_restrict, CAP_SYSLOG, perf_event_paranoid) and, when it says no, prints every address as
 * zero instead of failing; so the only proof is the addresses themselves. Symbolizing drop locations
 * needs real ones.
 */
public final class KallsymsAccess {

    /** What the file showed. */
    public enum Visibility {
        /** A text symbol has a non-zero address. */
        ADDRESSES,
        /** Every address up to the first text symbol is zero: the kernel hides them from us. */
        ZEROED,
        /** No symbol lines (CONFIG_KALLSYMS off). */
        EMPTY
    }

    /**
     * Lines read at most before giving up on finding a text symbol. The first text symbol (_stext or
     * _text) comes after at most a few dozen per-CPU symbols, which may legitimately sit at address 0.
     */
    static final int MAX_LINES = 10_000;

    private KallsymsAccess() {
    }

    /**
     * Judges the first lines of the file ("address type name [module]"). Per-CPU symbols (type A) start
     * at 0 even when addresses are visible, so the answer comes from the first text symbol (type T or t),
     * or from any non-zero address before it.
     *
     * @throws IllegalArgumentException for a line that is not "hex-address type name"
     */
    public static Visibility judge(List<String> lines) {
        boolean any = false;
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.strip().split("\\s+");
            if (f.length < 3 || f[1].length() != 1) {
                throw new IllegalArgumentException("not a kallsyms line: '" + line + "'");
            }
            long address;
            try {
                address = Long.parseUnsignedLong(f[0], 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("kallsyms address '" + f[0] + "' is not hexadecimal");
            }
            any = true;
            if (address != 0) {
                return Visibility.ADDRESSES;
            }
            char type = f[1].charAt(0);
            if (type == 'T' || type == 't') {
                return Visibility.ZEROED;
            }
        }
        return any ? Visibility.ZEROED : Visibility.EMPTY;
    }

    /** Reads the head of {@code <root>/proc/kallsyms} and judges it. */
    public static Visibility query(Path root) throws IOException {
        List<String> head = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(root.resolve("proc/kallsyms"), StandardCharsets.UTF_8)) {
            String line;
            while (head.size() < MAX_LINES && (line = r.readLine()) != null) {
                head.add(line);
                String[] f = line.strip().split("\\s+");
                // stop at the first text symbol: it decides, and the file is ~10 MB
                if (f.length >= 2 && (f[1].equals("T") || f[1].equals("t"))) {
                    break;
                }
            }
        }
        return judge(head);
    }
}
