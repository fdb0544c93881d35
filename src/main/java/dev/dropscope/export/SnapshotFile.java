package dev.dropscope.export;

import dev.dropscope.model.Delta;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Snapshot;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * A snapshot saved as {@code dropscope-snapshot-<yyyyMMdd-HHmmss>.json} ({@link SnapshotJson}), written
 * to a temporary file first and renamed into place, so a reader never sees half a file.
 */
public final class SnapshotFile {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private SnapshotFile() {
    }

    /** The file name for a snapshot taken at {@code epochMillis}, in {@code zone}'s local time. */
    public static String name(long epochMillis, ZoneId zone) {
        return "dropscope-snapshot-" + STAMP.format(Instant.ofEpochMilli(epochMillis).atZone(zone)) + ".json";
    }

    /** Writes {@code s} with the rates of {@code delta} (may be null) into {@code dir}; returns the file. */
    public static Path write(Path dir, Snapshot s, Delta delta, ZoneId zone) throws IOException {
        return write(dir, SnapshotJson.write(s, delta), s, zone);
    }

    /** As {@link #write(Path, Snapshot, Delta, ZoneId)} with the caller's findings and drop sites. */
    public static Path write(Path dir, Snapshot s, Delta delta, List<Finding> findings, SnapshotJson.Drops drops,
                             ZoneId zone) throws IOException {
        return write(dir, SnapshotJson.write(s, delta, findings, drops), s, zone);
    }

    private static Path write(Path dir, String json, Snapshot s, ZoneId zone) throws IOException {
        Path target = dir.resolve(name(s.takenAtMillis(), zone));
        Path tmp = Files.createTempFile(dir, ".dropscope-snapshot-", ".tmp");
        try {
            Files.writeString(tmp, json, StandardCharsets.UTF_8);
            // same directory, so rename(2): atomic, and it replaces an export of the same second
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    /**
     * Writes {@code text} to {@code target} atomically: into a temporary file in the same directory,
     * flushed to disk, then renamed into place. A reader, a crash or a kill never sees half a file (a device or FIFO is written directly); the
     * temporary file is removed on every path the JVM survives (and at exit otherwise).
     *
     * @param replace false: an existing {@code target} is kept and {@link FileAlreadyExistsException} is
     *                thrown, without a window in which a file created meanwhile could be replaced
     */
    public static void writeAtomically(Path target, String text, boolean replace) throws IOException {
        try (AtomicFile f = AtomicFile.create(target, replace)) {
            f.stream().write(text.getBytes(StandardCharsets.UTF_8));
            f.commit();
        }
    }

    /** An I/O failure in words: "permission denied", "no such directory", or the exception's message. */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such directory";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
