package dev.dropscope.procfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The few {@code kernel.*} sysctls doctor reads: who may use perf events and see kernel addresses, and
 * which kernel this is. Each is one line in {@code /proc/sys/kernel/}.
 */
public final class KernelSysctl {
    private KernelSysctl() {
    }

    /** Parses a single-integer sysctl value such as "2\n"; {@code name} is used in the error. */
    public static int parseInt(String text, String name) {
        String v = text.strip();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + v + "' is not an integer");
        }
    }

    /**
     * {@code kernel.perf_event_paranoid}: -1 allows raw tracepoint samples to everyone, 0/1/2 need
     * CAP_PERFMON for them; above 2 (a Debian patch) disables perf for the unprivileged. Empty when the
     * kernel has no perf events at all.
     */
    public static OptionalInt perfEventParanoid(Path root) throws IOException {
        return readInt(root, "perf_event_paranoid");
    }

    /** {@code kernel.kptr_restrict}: 0 shows addresses, 1 only to CAP_SYSLOG, 2 to no one. */
    public static OptionalInt kptrRestrict(Path root) throws IOException {
        return readInt(root, "kptr_restrict");
    }

    /** {@code kernel.cap_last_cap}: the highest capability this kernel knows (37 before CAP_PERFMON). */
    public static OptionalInt capLastCap(Path root) throws IOException {
        return readInt(root, "cap_last_cap");
    }

    /** {@code kernel.osrelease}, as {@code uname -r} prints it. */
    public static Optional<String> osRelease(Path root) throws IOException {
        return read(root, "osrelease").map(String::strip);
    }

    private static OptionalInt readInt(Path root, String name) throws IOException {
        Optional<String> v = read(root, name);
        return v.isPresent() ? OptionalInt.of(parseInt(v.get(), "kernel." + name)) : OptionalInt.empty();
    }

    private static Optional<String> read(Path root, String name) throws IOException {
        try {
            return Optional.of(ProcFiles.readString(root.resolve("proc/sys/kernel").resolve(name)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }
}
