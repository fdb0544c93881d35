package dev.dropscope.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;

/**
 * What the kernel says about this process, read from /proc/self: an independent witness for checks on
 * file descriptors and mappings made through {@link Syscalls}.
 */
final class ProcSelf {
    /** O_CLOEXEC as fdinfo shows it (octal 02000000). */
    static final int O_CLOEXEC = 0x80000;

    private ProcSelf() {
    }

    /** True when the effective uid is 0 (for {@code @EnabledIf}). */
    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return "0".equals(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** The target of /proc/self/fd/N, or null when N is not an open descriptor. */
    static String fdLink(int fd) throws IOException {
        try {
            return Files.readSymbolicLink(Paths.get("/proc/self/fd/" + fd)).toString();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The open-file flags of fd N from /proc/self/fdinfo/N (printed in octal by the kernel). */
    static int fdFlags(int fd) throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring(6).trim(), 8);
            }
        }
        throw new IOException("no flags line in /proc/self/fdinfo/" + fd);
    }

    /**
     * The /proc/self/maps line of the mapping that contains {@code address}, or null. Containing, not
     * starting at: the kernel merges a new mapping into an adjacent compatible one.
     */
    static String mapping(long address) throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/maps"))) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            long start = Long.parseUnsignedLong(range[0], 16);
            long end = Long.parseUnsignedLong(range[1], 16);
            if (Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0) {
                return line;
            }
        }
        return null;
    }

    /** The file offset that {@code address} maps, from its /proc/self/maps line. */
    static long fileOffset(String mapsLine, long address) {
        String[] f = mapsLine.trim().split("\\s+");
        long start = Long.parseUnsignedLong(f[0].substring(0, f[0].indexOf('-')), 16);
        return Long.parseLong(f[2], 16) + (address - start);
    }

    /** Writes {@code s} as a NUL-terminated string at {@code offset}. */
    static void putCString(NativeBuffer b, int offset, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            b.buffer().put(offset + i, bytes[i]);
        }
        b.buffer().put(offset + bytes.length, (byte) 0);
    }
}
