package dev.dropscope.perf;

import dev.dropscope.sys.Errno;
import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Access to tracefs, where tracepoint ids and record layouts are published. Uses a tracefs the system
 * has mounted; when there is none, mounts one privately in a fresh temporary directory and, on
 * {@link #close()}, unmounts it and removes the directory, so the machine is left as it was found.
 */
public final class Tracefs implements AutoCloseable {
    private static final int MS_NOSUID = 2;
    private static final int MS_NODEV = 4;
    private static final int MS_NOEXEC = 8;
    private static final int MNT_DETACH = 2;

    /** How the directory was obtained. */
    public enum Origin {
        /** A tracefs the system mounted (or a directory given to {@link #at}). */
        MOUNTED,
        /** Mounted by us in a temporary directory; unmounted on close. */
        PRIVATE_MOUNT,
        /** The tracing/ directory of a mounted debugfs (older kernels, or automounted there). */
        DEBUGFS
    }

    private final Path directory;
    private final Origin origin;
    private final Syscalls sys;
    private boolean closed;

    private Tracefs(Path directory, Origin origin, Syscalls sys) {
        this.directory = directory;
        this.origin = origin;
        this.sys = sys;
    }

    /** Uses {@code directory} as a tracefs root (an existing mount, or a recorded copy for tests). */
    public static Tracefs at(Path directory) {
        return new Tracefs(directory, Origin.MOUNTED, null);
    }

    /**
     * Finds tracefs under {@code root} ("/" in production): a mounted tracefs, else a private mount,
     * else a mounted debugfs's tracing/ directory. debugfs comes last because reaching into it
     * automounts a tracefs there on modern kernels, a mount that would outlive us.
     *
     * @throws NativeIoException when none is mounted and mounting fails (errno says why: EPERM without
     *                           CAP_SYS_ADMIN, ENODEV when the kernel has no tracefs)
     */
    public static Tracefs open(Syscalls sys, Path root) throws IOException {
        String mounts = readWhole(root.resolve("proc/self/mounts"));
        for (Path p : mountPoints(mounts, "tracefs")) {
            Path dir = under(root, p);
            if (Files.isDirectory(dir.resolve("events"))) {
                return new Tracefs(dir, Origin.MOUNTED, sys);
            }
        }
        try {
            return mountPrivately(sys);
        } catch (NativeIoException e) {
            for (Path p : mountPoints(mounts, "debugfs")) {
                Path dir = under(root, p).resolve("tracing");
                if (Files.isDirectory(dir.resolve("events"))) {
                    return new Tracefs(dir, Origin.DEBUGFS, sys);
                }
            }
            throw e;
        }
    }

    /** One large first read: kernel pseudo-files report size 0 and some mishandle reads past offset 0. */
    private static String readWhole(Path p) throws IOException {
        try (var in = Files.newInputStream(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Path under(Path root, Path absolute) {
        return root.resolve(absolute.toString().substring(1));
    }

    /**
     * Mount points of file systems of type {@code fsType} in the text of /proc/self/mounts
     * ("device mountpoint type options dump pass"), in file order. The kernel writes a space in a
     * path as \040, a tab as \011, a newline as \012 and a backslash as \134.
     */
    public static List<Path> mountPoints(String mountsText, String fsType) {
        List<Path> found = new ArrayList<>();
        for (String line : mountsText.split("\n")) {
            String[] f = line.strip().split(" ");
            if (f.length >= 3 && f[2].equals(fsType)) {
                found.add(Path.of(unescapeOctal(f[1])));
            }
        }
        return found;
    }

    static String unescapeOctal(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }

    /** Mounts tracefs in a new private temporary directory (mode 0700, so no one else reaches it). */
    public static Tracefs mountPrivately(Syscalls sys) throws IOException {
        Path dir = Files.createTempDirectory("dropscope-tracefs-");
        int r = sys.mount(cString("nodev"), cString(dir.toString()), cString("tracefs"),
                MS_NOSUID | MS_NODEV | MS_NOEXEC);
        if (r < 0) {
            Files.deleteIfExists(dir);
            throw new NativeIoException("mount(tracefs, " + dir + ")", -r);
        }
        return new Tracefs(dir, Origin.PRIVATE_MOUNT, sys);
    }

    private static NativeBuffer cString(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        NativeBuffer b = NativeBuffer.allocate(bytes.length + 1);
        b.buffer().put(0, bytes);
        return b;
    }

    public Path directory() {
        return directory;
    }

    public Origin origin() {
        return origin;
    }

    /** True when this instance mounted tracefs itself (and will unmount it on close). */
    public boolean mountedByUs() {
        return origin == Origin.PRIVATE_MOUNT;
    }

    /** {@code events/<system>/<event>} under this tracefs. */
    public Path eventDirectory(String system, String event) {
        return directory.resolve("events").resolve(system).resolve(event);
    }

    /** Whether the event exists in this kernel. */
    public boolean hasEvent(String system, String event) {
        return Files.isDirectory(eventDirectory(system, event));
    }

    /**
     * Reads and parses {@code events/<system>/<event>/format}.
     *
     * @throws NoSuchFileException when the kernel has no such event
     */
    public TracepointFormat readFormat(String system, String event) throws IOException {
        Path format = eventDirectory(system, event).resolve("format");
        String text = readWhole(format);
        try {
            return TracepointFormat.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IOException(system + ":" + event + " format: " + e.getMessage(), e);
        }
    }

    /** Whether this tracefs is still usable (not closed). */
    public boolean isOpen() {
        return !closed;
    }

    /**
     * Unmounts and removes a private mount; does nothing for a system mount. If the kernel reports the
     * mount busy, it is detached instead (it then goes away when the last user lets go).
     *
     * @throws IOException when the mount or its directory could not be removed: the message names it
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (origin != Origin.PRIVATE_MOUNT) {
            return;
        }
        NativeBuffer target = cString(directory.toString());
        int r = sys.umount2(target, 0);
        if (r == -Errno.EBUSY) {
            r = sys.umount2(target, MNT_DETACH);
        }
        if (r < 0) {
            throw new NativeIoException("umount2(" + directory + "): tracefs left mounted there", -r);
        }
        Files.delete(directory);
    }

    @Override
    public String toString() {
        return "tracefs at " + directory + " (" + origin.name().toLowerCase() + ")";
    }

    /** The format of {@code system:event} if this tracefs has it. */
    public Optional<TracepointFormat> findFormat(String system, String event) throws IOException {
        try {
            return Optional.of(readFormat(system, event));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }
}
