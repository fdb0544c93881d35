package dev.dropscope.export;

import dev.dropscope.model.Delta;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Snapshot;

import java.util.List;

/**
 * A saved snapshot read back ({@link SnapshotReader}): the second sample, its rates, the findings and the
 * drops as they were when it was taken. Nothing is recomputed: a report on another machine shows what the
 * original run concluded.
 *
 * @param schema    the file's schema string ({@code dropscope.snapshot/1})
 * @param snapshot  the sample; {@code monotonicNanos} is 0 (a clock of another boot means nothing here)
 * @param delta     the saved rates; {@code before} is null, {@code after} is {@code snapshot}; null when the
 *                  file has none (a single sample)
 * @param findings  the findings, most severe first as they were written
 * @param drops     the drop sites of the window, the monitor's counters and the drop sources' status
 */
public record SnapshotDocument(String schema, Snapshot snapshot, Delta delta, List<Finding> findings,
                               SnapshotJson.Drops drops) {
    public SnapshotDocument {
        findings = List.copyOf(findings);
    }

    /** Seconds between the two samples, 0 when unknown. */
    public double durationSeconds() {
        return delta == null ? 0 : delta.seconds();
    }
}
