package dev.dropscope.collect;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Map;

/**
 * A live source of drop events: the NET_DM drop monitor, the skb:kfree_skb tracepoint or the eBPF program on it. Opening one
 * changes kernel state (monitoring on, perf events attached); {@link #close()} undoes it and must be
 * called on every exit path (it is idempotent and safe from a shutdown hook).
 */
public interface DropMonitor extends AutoCloseable {
    /** "netdm" or "tracepoint". */
    String source();

    /** Why this source is in use, for the user ("NET_DM not built into this kernel"). */
    String why();

    /** True when events carry drop reasons. */
    boolean hasReasons();

    /** The reason table events are coded with. */
    DropReasons reasons();

    /**
     * Waits up to {@code timeoutMillis} for drops and delivers what arrived to {@code sink}. Returns the
     * number of drops delivered.
     *
     * <p>Interrupts, the same rule for every monitor: poll never swallows one. When the calling thread is
     * interrupted on entry or during the wait, poll throws {@link java.io.InterruptedIOException} with the
     * thread's interrupt flag still set, at the latest when the wait ends (a wait in poll(2) is not cut
     * short). Drops it had not delivered yet stay for a later poll or {@link #finish}. Not "restore the flag
     * and carry on": every sleep then returns at once, and a loop that only checks its stop request spins.
     */
    long poll(DropSink sink, int timeoutMillis) throws IOException;

    /** The interrupt rule of {@link #poll}: throws when the calling thread is interrupted, keeping the flag. */
    static void failIfInterrupted() throws InterruptedIOException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("interrupted while waiting for drops");
        }
    }

    /**
     * {@link #poll(DropSink, int)} for a caller that only needs the drops at its next report, due in
     * {@code reportInMillis}: a source that counts in the kernel may leave them there until that poll
     * (one read per interval instead of one per wake-up). Still returns within {@code timeoutMillis}, so
     * the caller sees a stop request as promptly. Default: a plain poll.
     */
    default long poll(DropSink sink, int timeoutMillis, long reportInMillis) throws IOException {
        return poll(sink, timeoutMillis);
    }

    /**
     * Ends collection before the final report: stops the source producing new drops where it can (NET_DM
     * STOP, perf events disabled), then delivers to {@code sink} what it already collected but was not
     * read yet (bounded), with the last loss counts. Call once, after the last {@link #poll}; the monitor
     * must still be closed. Default: one last non-blocking poll.
     */
    default long finish(DropSink sink) throws IOException {
        return poll(sink, 0);
    }

    /**
     * Null when each drop site carries its interface and network namespace; otherwise why not, one line for
     * doctor, the start record and top's header.
     */
    default String identityUnknownWhy() {
        return "network namespaces are unknown: the " + source() + " source does not report them";
    }

    /** Counters about the monitor itself (lost, overruns, ...) as label -> value, for display. */
    Map<String, Long> health();

    @Override
    void close() throws IOException;
}
