package dev.dropscope.cli;

import dev.dropscope.collect.StackLab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Records the fixed snapshots the format tests read: {@code mvn test -Dtest=SnapshotFixtureRecorder
 * -Ddropscope.record=true} (root), then review and commit src/test/resources/snapshots and re-run
 * SnapshotFormatsTest with -Ddropscope.regolden=true to rewrite the golden reports.
 */
@EnabledIfSystemProperty(named = "dropscope.record", matches = "true")
class SnapshotFixtureRecorder {
    @Test
    void record() throws Exception {
        Path dir = Path.of("src/test/resources/snapshots");
        Files.createDirectories(dir);
        Path a = dir.resolve("lab-before.json");
        Path b = dir.resolve("lab-after.json");
        Files.deleteIfExists(a);
        Files.deleteIfExists(b);
        try (StackLab lab = StackLab.create()) {
            SnapshotPair.take(lab, a, b);
        }
    }
}
