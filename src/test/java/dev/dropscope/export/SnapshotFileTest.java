package dev.dropscope.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropscope.model.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** top's 'e': a snapshot file named after its time, complete or absent, never half written. */
class SnapshotFileTest {

    private static Snapshot snapshot() {
        return Snapshot.builder().takenAt(1_795_350_896_000L, 5).host("web-1").snmp(Map.of("Udp.NoPorts", 7L)).build();
    }

    @Test
    void writesTheJsonUnderAStampedNameAndLeavesNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path p = SnapshotFile.write(dir, snapshot(), null, ZoneOffset.UTC);
        assertEquals(dir.resolve("dropscope-snapshot-20261122-123456.json"), p);
        JsonNode j = new ObjectMapper().readTree(Files.readString(p));
        assertEquals("dropscope.snapshot/1", j.get("schema").asText());
        assertEquals(7, j.get("snmp").get("Udp.NoPorts").asLong());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(p), s.toList());
        }
        // the same second again replaces it
        assertEquals(p, SnapshotFile.write(dir, snapshot(), null, ZoneOffset.UTC));
    }

    @Test
    void anUnwritableDirectoryIsAnErrorAndLeavesNothing(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("gone");
        assertThrows(IOException.class, () -> SnapshotFile.write(missing, snapshot(), null, ZoneOffset.UTC));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
    }
}
