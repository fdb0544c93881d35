package dev.dropscope.export;

import dev.dropscope.model.DropReport;
import dev.dropscope.model.ResolvedPacket;

import java.io.PrintWriter;
import java.util.Map;

/** How {@code dropscope watch} writes its stream: text (default), JSON Lines, or dropwatch's own lines. */
public interface WatchFormat {

    /**
     * What is being watched, written once at the start.
     *
     * @param identityUnknownWhy why drops carry no interface and network namespace (the source's
     *                           {@code identityUnknownWhy()}), or null when they do or nobody said
     */
    record Start(String source, String why, long intervalMillis, String mode, String symbolsNote,
                 String identityUnknownWhy) {

        /** A start that says nothing about identity. */
        public Start(String source, String why, long intervalMillis, String mode, String symbolsNote) {
            this(source, why, intervalMillis, mode, symbolsNote, null);
        }
    }

    void start(Start start);

    /**
     * One interval's drops. Returns the number of records written (for --limit, which counts records
     * as dropwatch's alertlimit counts alerts).
     */
    int interval(DropReport report);

    /**
     * One dropped packet (packet mode), possibly left in a buffer until {@link #flush}: a packet costs no
     * write of its own (the watch loop flushes once per drain of its source). The other records are flushed.
     */
    void packet(ResolvedPacket packet, String source);

    /** Writes out the packets {@link #packet} buffered. */
    default void flush() {
    }

    /** The totals since the start and the monitor's own counters, written on exit. */
    void summary(DropReport totals, Map<String, Long> monitorHealth);

    /** The format named by --format. */
    static WatchFormat named(String name, PrintWriter out) {
        switch (name) {
            case "json":
                return new WatchJson(out);
            case "dropwatch":
                return new WatchDropwatch(out);
            default:
                return new WatchText(out);
        }
    }
}
