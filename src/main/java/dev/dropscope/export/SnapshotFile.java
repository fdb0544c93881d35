package dev.dropscope.export;

import dev.dropscope.model.Delta;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Snapshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
}
