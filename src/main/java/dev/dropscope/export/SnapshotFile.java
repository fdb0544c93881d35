package dev.dropscope.export;

import dev.dropscope.model.Delta;
import dev.dropscope.model.Snapshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

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
        Path target = dir.resolve(name(s.takenAtMillis(), zone));
        Path tmp = Files.createTempFile(dir, ".dropscope-snapshot-", ".tmp");
        try {
            Files.writeString(tmp, SnapshotJson.write(s, delta), StandardCharsets.UTF_8);
            // same directory, so rename(2): atomic, and it replaces an export of the same second
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    /**
     * Writes {@code text} to {@code target} (snapshot {@code -o FILE}) so that a full disk or a crash
     * leaves either the old file or the new one, never half of either, and no temporary file: a
     * regular file (or a new one) gets a temporary sibling renamed over it. Anything else (a device such
     * as /dev/stdout, a FIFO) is written directly: renaming over it would replace the device.
     */
    public static void replace(Path target, String text) throws IOException {
        if (Files.exists(target) && !Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.writeString(target, text, StandardCharsets.UTF_8);
            return;
        }
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, ".dropscope-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
