package dev.dropscope.model;

import java.util.List;

/**
 * Drops over one interval (or since the start, for a summary), resolved to names.
 *
 * @param source        "netdm" or "tracepoint"
 * @param timeEpochMillis wall-clock time of the report
 * @param intervalNs    length of the interval the deltas cover
 * @param elapsedNs     time since monitoring started
 * @param total         drops since start
 * @param totalDelta    drops in the interval
 * @param lost          drops the monitor could not deliver, since start
 * @param lostDelta     the same, in the interval
 * @param sites         the sites (filtered and ordered by the caller)
 * @param symbolsNote   why symbols are missing (e.g. "kallsyms addresses hidden: kptr_restrict"), or null
 */
public record DropReport(String source, long timeEpochMillis, long intervalNs, long elapsedNs, long total,
                         long totalDelta, long lost, long lostDelta, List<ResolvedDropSite> sites,
                         String symbolsNote) {
    public DropReport {
        sites = List.copyOf(sites);
    }

    /** The same report with no sites: its counts and losses only (packet mode, where packets are the records). */
    public DropReport withoutSites() {
        return new DropReport(source, timeEpochMillis, intervalNs, elapsedNs, total, totalDelta, lost, lostDelta,
                List.of(), symbolsNote);
    }
}
