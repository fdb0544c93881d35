package dev.dropscope.procfs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reading /proc files for the network-stack parsers ({@link ProtocolCounters}, {@link SoftnetStat},
 * {@link SockStat}, {@link Sysctls}, {@link RpFilter}, {@link Conntrack}).
 *
 * <p><b>The /proc directory is a parameter.</b> Every {@code query(Path proc)} reads under {@code proc}
 * ({@link #PROC} on a live system); tests point it at a copy captured from a kernel
 * ({@code src/test/resources/proc/<release>/}), so every query runs without root.
 *
 * <p><b>Error policy, the same for all of these classes:</b> {@code parse*} is pure and never throws on
 * bad input; it returns what it could read plus a list of one-line {@code problems}. {@code query*}
 * never throws on I/O either: an unreadable file becomes a problem, and a file whose absence is a state
 * (IPv6 disabled, conntrack not loaded, a sysctl this kernel lacks) is reported as that state.
 *
 * <p><b>Network namespaces.</b> {@code /proc/net} is a link to {@code /proc/self/net}, which shows the
 * namespace of the thread-group leader, not of the reading thread: a thread that {@code setns}'d into
 * another namespace still sees the host's counters there. {@code /proc/thread-self/net} follows the
 * reading thread, so {@link #netFile} prefers it when it exists (kernel 3.17+); a captured tree has
 * only {@code net/}. {@code /proc/sys/net} needs no such care: it shows the opener's namespace.
 */
public final class ProcFiles {
    /** The live /proc. */
    public static final Path PROC = Path.of("/proc");

    private static final int FIRST_READ = 64 * 1024;

    private ProcFiles() {
    }

    /** What reading one file gave. {@code text} is set only for {@link Outcome#OK}. */
    public record Content(Outcome outcome, String text, String reason) {
        public boolean ok() {
            return outcome == Outcome.OK;
        }
    }

    public enum Outcome { OK, ABSENT, DENIED, FAILED }

    /**
     * A file of the reading thread's network namespace, e.g. {@code netFile(proc, "snmp")}:
     * {@code proc/thread-self/net/snmp} when {@code proc/thread-self/net} exists, else {@code proc/net/snmp}.
     */
    public static Path netFile(Path proc, String name) {
        Objects.requireNonNull(proc, "proc");
        Path threadNet = proc.resolve("thread-self").resolve("net");
        Path base = Files.isDirectory(threadNet) ? threadNet : proc.resolve("net");
        return base.resolve(name);
    }

    /**
     * Reads a whole file. ISO-8859-1 because it maps every byte to a char: a garbled file becomes a parse
     * problem, never a {@code MalformedInputException}.
     *
     * <p>The first read(2) asks for {@value #FIRST_READ} bytes on purpose: /proc/sys handlers
     * ({@code proc_dointvec} and friends) answer EOF to any read at a non-zero offset, so a reader that
     * starts small gets a truncated value. {@code Files.readAllBytes} does exactly that for a file that
     * reports size 0 (it reads one byte first) and returned "4" for rmem_max 4194304.
     */
    public static Content read(Path file) {
        try {
            return new Content(Outcome.OK, new String(readBytes(file), StandardCharsets.ISO_8859_1), null);
        } catch (NoSuchFileException e) {
            return new Content(Outcome.ABSENT, null, file + ": absent");
        } catch (AccessDeniedException e) {
            return new Content(Outcome.DENIED, null, file + ": permission denied");
        } catch (IOException | SecurityException e) {
            // /proc and /sys refuse at open(2), which the JDK reports as AccessDeniedException (above); a
            // failed read(2) carries no errno the JDK exposes, so it is a failure shown with its message
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return new Content(Outcome.FAILED, null, file + ": " + why);
        }
    }

    /** A whole pseudo-file's bytes, with the large first read {@link #read} explains; failures thrown. */
    static byte[] readBytes(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[FIRST_READ];
            int n = 0;
            while (true) {
                if (n == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2); // seq_file files (snmp, netstat) continue
                }
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    return Arrays.copyOf(buf, n);
                }
                n += r;
            }
        }
    }

    /** {@link #readBytes} as UTF-8 text. */
    static String readString(Path file) throws IOException {
        return new String(readBytes(file), StandardCharsets.UTF_8);
    }

    /** The non-blank lines of a file's text. */
    static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        for (String l : text.split("\n", -1)) {
            if (!l.isBlank()) {
                lines.add(l);
            }
        }
        return lines;
    }

    /** A piece of bad input, quoted and cut short, for a one-line problem message. */
    static String abbreviate(String s) {
        String t = s.strip();
        return t.length() <= 60 ? "'" + t + "'" : "'" + t.substring(0, 57) + "...'";
    }

    /** A %08x column (softnet_stat, stat/nf_conntrack): 1 to 8 hex digits; -1 for anything else. */
    static long parseHex32(String s) {
        if (s.isEmpty() || s.length() > 8) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0) {
                return -1;
            }
            v = v << 4 | d;
        }
        return v;
    }
}
