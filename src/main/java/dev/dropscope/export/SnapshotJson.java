package dev.dropscope.export;

import static com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import dev.dropscope.diagnosis.Diagnosis;
import dev.dropscope.model.Delta;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Snapshot;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A snapshot as JSON, schema {@code dropscope.snapshot/1} (minimal: the snapshot issue owns the full
 * format). Names are the kernel's: {@code interfaces[].stats64.rx_missed_errors},
 * {@code snmp["TcpExt.ListenOverflows"]}, ethtool feature names. Counters have their per-second rates
 * next to them in {@code rates}, under the same keys. A value a device does not offer is
 * {@code {"unavailable": "not supported"}}. Maps keep the model's order, so output is stable.
 *
 * <p>{@code findings} holds the diagnosis ({@code docs/findings.md}); {@code drops} the drop sites seen
 * between the two samples, or why there were none to see.
 */
public final class SnapshotJson {
    public static final String SCHEMA = "dropscope.snapshot/1";

    private SnapshotJson() {
    }

    /**
     * What the command knew about drops: the sites of the window and the monitor's own counters, or why
     * no drop source ran.
     *
     * @param report the window's sites (null when no source ran)
     * @param why    why this source was used, or why none was
     * @param health the monitor's counters (lost events, ...), empty when none
     */
    public record Drops(DropReport report, String why, Map<String, Long> health, Map<String, Source> sources) {
        public Drops {
            health = health == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(health));
            sources = sources == null ? sourcesFrom(report, why)
                    : Collections.unmodifiableMap(new LinkedHashMap<>(sources));
        }

        /** {@code sources} derived from the report: the one that ran is available and used. */
        public Drops(DropReport report, String why, Map<String, Long> health) {
            this(report, why, health, null);
        }

        /**
         * The same, with what the source used says about interfaces and namespaces: {@code unknownWhy} null
         * when its drops carry them ({@code DropMonitor.identityUnknownWhy()}).
         */
        public Drops withIdentity(String unknownWhy) {
            Map<String, Source> m = new LinkedHashMap<>();
            sources.forEach((id, s) -> m.put(id, !s.used() ? s
                    : new Source(s.available(), true, s.reason(), unknownWhy == null, unknownWhy)));
            return new Drops(report, why, health, m);
        }

        /** True when the source used said its drops carry their interface and namespace. */
        public boolean identityKnown() {
            return sources.values().stream().anyMatch(s -> s.used() && Boolean.TRUE.equals(s.identityKnown()));
        }

        /** No drops: the window was not watched, for {@code why}; no source was tried. */
        public static Drops none(String why) {
            return new Drops(null, why, Map.of());
        }

        /** No drops because every drop source was tried and failed, for {@code why}. */
        public static Drops failed(String why) {
            Map<String, Source> m = new LinkedHashMap<>();
            SOURCE_IDS.forEach(id -> m.put(id, new Source(false, false, why)));
            return new Drops(null, why, Map.of(), m);
        }
    }

    /**
     * One drop source as the snapshot saw it.
     *
     * @param available       true when it worked, false when it was tried and failed, null when it was not tried
     * @param used            the drops in this snapshot came from it
     * @param reason          why it was used, why it failed, or why it was not tried
     * @param identityKnown   for the source used: whether its drops carry interface and network namespace;
     *                        null when not said (other sources, older files)
     * @param identityUnknown why they do not, when {@code identityKnown} is false
     */
    public record Source(Boolean available, boolean used, String reason,
                         @JsonInclude(NON_NULL) Boolean identityKnown, @JsonInclude(NON_NULL) String identityUnknown) {
        public Source(Boolean available, boolean used, String reason) {
            this(available, used, reason, null, null);
        }
    }

    /** The drop source ids a snapshot reports on, in a fixed order. */
    public static final List<String> SOURCE_IDS = List.of("netdm", "tracepoint", "ebpf");

    static Map<String, Source> sourcesFrom(DropReport report, String why) {
        Map<String, Source> m = new LinkedHashMap<>();
        for (String id : SOURCE_IDS) {
            if (report != null && id.equals(report.source())) {
                m.put(id, new Source(true, true, why));
            } else if (report != null) {
                m.put(id, new Source(null, false, "not tried: " + report.source() + " was used"));
            } else {
                m.put(id, new Source(null, false, why == null ? "not tried" : why));
            }
        }
        return m;
    }

    /** {@code after} with the rates of {@code delta} (null: no rates), and findings from counters alone. */
    public static String write(Snapshot s, Delta delta) {
        return write(s, delta, delta == null ? List.of() : Diagnosis.diagnose(delta, null, null),
                Drops.none("not watched"));
    }

    /** {@code after} with rates, the findings, and the drop sites of the window. */
    public static String write(Snapshot s, Delta delta, List<Finding> findings, Drops drops) {
        try {
            return Json.SNAPSHOT.writerWithDefaultPrettyPrinter().writeValueAsString(SnapshotDto.of(s, delta, findings, drops)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("JSON output failed: " + e.getMessage(), e);
        }
    }

    /** Parses JSON text (for tests and tools reading our own output). */
    public static JsonNode parse(String json) throws IOException {
        return Json.SNAKE.readTree(json);
    }
}
