package dev.dropscope.export;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Jazzer fuzz target for saved snapshots: {@code report} and {@code diff} read files from other machines,
 * so a corrupt, truncated or hostile file must give {@link SnapshotReader.BadSnapshotException} (one line,
 * exit 1), never another exception. What parses must also render and compare, since that is what the
 * commands do next.
 *
 * <p>Regression corpus: {@code src/test/resources/dev/dropscope/export/SnapshotFuzzTestInputs/read/}, seeded
 * with the recorded snapshots of {@code src/test/resources/snapshots/} and cut-down variants.
 */
class SnapshotFuzzTest {

    @FuzzTest
    void read(byte[] input) {
        SnapshotDocument doc;
        try {
            doc = SnapshotReader.parse(new String(input, StandardCharsets.UTF_8), "fuzz.json");
        } catch (SnapshotReader.BadSnapshotException expected) {
            Objects.requireNonNull(expected.getMessage());
            return;
        }
        Objects.requireNonNull(SnapshotReport.text(doc));
        Objects.requireNonNull(SnapshotReport.markdown(doc));
        SnapshotDiff.Result same = SnapshotDiff.compare(doc, doc);
        Objects.requireNonNull(SnapshotDiff.text(same, "a", "b"));
        Objects.requireNonNull(SnapshotDiff.json(same, "a", "b"));
    }
}
