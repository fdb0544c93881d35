package dev.dropscope.cli;

import dev.dropscope.collect.DropMonitor;
import dev.dropscope.collect.DropReportBuilder;
import dev.dropscope.collect.LiveFeed;
import dev.dropscope.collect.Sampler;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.sys.Failures;

import java.io.IOException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What {@code top} starts behind its first frame, on a thread of its own: the native binding, the stack
 * sampling, then the drop source and its drain. The screen so comes up as soon as the terminal is ready,
 * and the first sample fills it while the source is still opening (tracefs, perf rings, the eBPF verifier,
 * NET_DM: a few hundred milliseconds that used to come before the first frame).
 *
 * <p>{@link #close()} may come at any moment, also while the source is opening (q or Ctrl-C on the first
 * frame): it waits for the opening to end, so a source opened after all is closed again, never left to a
 * JVM that exits under it. A failure of the start ends the screen through {@code onFailure} and is kept
 * for {@link #failure()}, so the command reports it as it did when it opened the source first.
 */
final class TopStart implements AutoCloseable {

    /** Opens the drop source; may take a while. */
    interface Opener {
        DropMonitor open(Syscalls sys) throws IOException;
    }

    /** Makes the sampler once the native binding is loaded. */
    interface Samplers {
        Sampler make(Syscalls sys);
    }

    /** Makes the drop report builder for an open source, on the drain thread. */
    interface Builders {
        DropReportBuilder make(DropMonitor monitor) throws Exception;
    }

    /** Hears that the source is open (the header names it from then on). */
    interface Opened {
        void sourceOpened(String source, String why);
    }

    private final Supplier<Syscalls> syscalls;
    private final Samplers samplers;
    private final Opener opener;
    private final Builders builders;
    private final LiveFeed.Settings settings;
    private final LiveFeed.Listener listener;
    private final Opened opened;
    private final Consumer<String> onFailure;
    private final StopSignal stop;
    private final Thread thread;
    private volatile boolean closing;
    private volatile Throwable failure;
    // written by the start thread, read by close() after joining it
    private Sampler sampler;
    private LiveFeed feed;
    private DropMonitor monitor;
    private boolean closed;

    private TopStart(Supplier<Syscalls> syscalls, Samplers samplers, Opener opener, Builders builders,
                     LiveFeed.Settings settings, LiveFeed.Listener listener, Opened opened, Consumer<String> onFailure,
                     StopSignal stop) {
        this.syscalls = syscalls;
        this.samplers = samplers;
        this.opener = opener;
        this.builders = builders;
        this.settings = settings;
        this.listener = listener;
        this.opened = opened;
        this.onFailure = onFailure;
        this.stop = stop;
        this.thread = new Thread(this::run, "dropscope-start");
        thread.setDaemon(true);
    }

    /**
     * Starts it all on the {@code dropscope-start} thread.
     *
     * @param listener  hears the samples, drop reports and failures of the running feed
     * @param onFailure hears a failure of the start itself (the screen loop then ends)
     * @param stop      the open monitor is guarded by it, so a stuck exit still closes it
     */
    static TopStart begin(Supplier<Syscalls> syscalls, Samplers samplers, Opener opener, Builders builders,
                          LiveFeed.Settings settings, LiveFeed.Listener listener, Opened opened,
                          Consumer<String> onFailure, StopSignal stop) {
        TopStart s = new TopStart(syscalls, samplers, opener, builders, settings, listener, opened, onFailure, stop);
        s.thread.start();
        return s;
    }

    private void run() {
        try {
            Syscalls sys = syscalls.get();
            sampler = samplers.make(sys);
            feed = new LiveFeed(sampler, settings, listener);
            if (closing) {
                return;
            }
            feed.startSampling();
            DropMonitor m = opener.open(sys);
            monitor = m;
            if (stop != null) {
                stop.guard(m);
            }
            if (closing) {
                return; // close() closes it
            }
            opened.sourceOpened(m.source(), m.why());
            feed.startDrops(m, () -> builders.make(m));
        } catch (Throwable e) {
            failure = e;
            onFailure.accept(Failures.oneLine(e));
        }
    }

    /** Why the start failed (the drop source could not be opened, the native binding not loaded), or null. */
    Throwable failure() {
        return failure;
    }

    /**
     * Stops everything: waits for the start thread (an opening source finishes opening), stops the feed's
     * threads, then closes the source and the sampler. Idempotent; call from one thread.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closing = true;
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true; // the source must not be left open: keep waiting, re-interrupt after
            }
        }
        closed = true;
        try {
            if (feed != null) {
                feed.close(); // the drain thread must be out of the monitor before it is closed
            }
            if (monitor != null) {
                monitor.close();
                if (stop != null) {
                    stop.release(monitor);
                }
            }
        } finally {
            if (sampler != null) {
                sampler.close();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
