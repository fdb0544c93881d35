package dev.dropscope.collect;

import dev.dropscope.model.Delta;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Snapshot;

import java.io.InterruptedIOException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

/**
 * The live loop behind {@code dropscope top}: one thread drains the drop monitor without pause and
 * reports every interval, another samples the stack's counters every interval, so a slow collector never
 * holds up the drain and a drop storm never delays a sample. Listeners receive model objects only.
 *
 * <p>The sampling may start before the drop source is open ({@link #startSampling()}, then {@link #startDrops}
 * once it is). {@link #close()} stops both threads and waits for the drain thread: the monitor's rings must
 * not be unmapped under a running drain, so its owner closes the monitor only after this returns.
 */
public final class LiveFeed implements AutoCloseable {

    /** Where results go; called from the feed's threads, never concurrently by the same thread. */
    public interface Listener {
        /** A drop interval ended: every site seen since the start, with the interval's rates. */
        void onDrops(DropReport sinceStart, Map<String, Long> monitorHealth);

        /** A stack sample arrived; {@code delta} is null for the first one. */
        void onSample(Snapshot snapshot, Delta delta);

        /** A thread failed and stopped; {@code what} names it ("drop source", "stack sampler"). */
        void onFailure(String what, Throwable error);
    }

    /**
     * @param intervalNs    report and sample every this many ns
     * @param firstReportNs the first drop report comes this early (a first screen needs no full interval)
     * @param maxSites      distinct sites tracked before the "other" bucket
     * @param cpuCount      highest CPU number + 1
     */
    public record Settings(long intervalNs, long firstReportNs, int maxSites, int cpuCount) {
    }

    private final Sampler sampler;
    private final Settings settings;
    private final Listener listener;
    private final Thread sampleThread;
    /** Guards starting threads against a close() in between: nothing starts once stopped. */
    private final Object lifecycle = new Object();
    private Thread drainThread;
    private volatile boolean stopped;

    /** The monitor and builder factory given at construction, drained by {@link #start()}; null for a later one. */
    private final DropMonitor initialMonitor;
    private final Callable<DropReportBuilder> initialBuilderFactory;

    /**
     * A feed whose drop source comes later ({@link #startDrops}): {@code top} samples the stack while
     * the source is still being opened, so the first frame shows counters without waiting for it.
     */
    public LiveFeed(Sampler sampler, Settings settings, Listener listener) {
        this(null, null, sampler, settings, listener);
    }

    /**
     * A feed with its drop source already open; {@link #start()} starts both threads.
     *
     * @param builderFactory makes the report builder on the drain thread, so reading kallsyms (a quarter
     *                       of a second) overlaps the first sample instead of delaying the first screen
     */
    public LiveFeed(DropMonitor monitor, Callable<DropReportBuilder> builderFactory, Sampler sampler, Settings settings,
                    Listener listener) {
        this.initialMonitor = monitor;
        this.initialBuilderFactory = builderFactory;
        this.sampler = sampler;
        this.settings = settings;
        this.listener = listener;
        this.sampleThread = new Thread(this::sample, "dropscope-sampler");
        sampleThread.setDaemon(true);
    }

    /** Starts sampling and, when the feed was made with its monitor, draining. */
    public void start() {
        startSampling();
        if (initialMonitor != null) {
            startDrops(initialMonitor, initialBuilderFactory);
        }
    }

    /** Starts the sampling thread (once); nothing after {@link #close()}. */
    public void startSampling() {
        synchronized (lifecycle) {
            if (!stopped && sampleThread.getState() == Thread.State.NEW) {
                sampleThread.start();
            }
        }
    }

    /**
     * Starts draining {@code monitor} (once). Returns false, starting nothing, when the feed was closed
     * already: then nobody polls the monitor and its owner may close it at once.
     */
    public boolean startDrops(DropMonitor monitor, Callable<DropReportBuilder> builderFactory) {
        synchronized (lifecycle) {
            if (stopped) {
                return false;
            }
            if (drainThread != null) {
                throw new IllegalStateException("the drops are drained already");
            }
            drainThread = new Thread(() -> drain(monitor, builderFactory), "dropscope-drops");
            drainThread.setDaemon(true);
            drainThread.start();
            return true;
        }
    }

    private void drain(DropMonitor monitor, Callable<DropReportBuilder> builderFactory) {
        try {
            long start = System.nanoTime();
            DropReportBuilder builder = builderFactory.call();
            DropAggregator aggregator = new DropAggregator(settings.maxSites(), settings.cpuCount(), start);
            DropSink sink = sinkInto(aggregator);
            long next = start + Math.min(settings.firstReportNs(), settings.intervalNs());
            while (!stopped) {
                long wait = next - System.nanoTime();
                // the report is due in wait: a source counting in the kernel reads only for it
                monitor.poll(sink, (int) Math.max(1, Math.min(100, wait / 1_000_000)), Math.max(0, wait / 1_000_000));
                long now = System.nanoTime();
                if (now >= next && !stopped) {
                    listener.onDrops(builder.report(monitor.source(), aggregator.snapshot(now), now - start, true,
                            s -> true, 0), monitor.health());
                    // after a stall, report once and realign instead of a burst of empty intervals
                    next = now - next >= settings.intervalNs() ? now + settings.intervalNs() : next + settings.intervalNs();
                }
            }
        } catch (Throwable e) {
            if (!stopped) {
                listener.onFailure("drop source", e);
            }
        }
    }

    private static DropSink sinkInto(DropAggregator aggregator) {
        return new DropSink() {
            @Override
            public void onDrops(long location, int reason, DropOrigin origin, int ifindex, long netns, int cpu,
                                long timeNs, long count) {
                aggregator.add(location, reason, origin, ifindex, netns, cpu, timeNs, count);
            }

            @Override
            public void onDrops(long location, int reason, DropOrigin origin, int ifindex, int cpu, long timeNs,
                                long count) {
                aggregator.add(location, reason, origin, ifindex, cpu, timeNs, count);
            }

            @Override
            public void onLost(long count) {
                aggregator.addLost(count);
            }
        };
    }

    /**
     * {@code serve}'s loop, instead of {@link #start()}: samples and drains the monitor given at construction
     * on the calling thread, until {@code keepGoing} turns false, {@link #close()} or a failure (reported to
     * the listener, then this returns). An agent at a 5 s interval has no use for two more threads: the
     * eBPF source counts in the kernel and is read once per report, and the other sources' socket buffers
     * hold the drops of a sample's time (at most the sampler's budget). The first sample comes before the
     * report builder reads kallsyms, so the first scrape has counters as early as with two threads.
     */
    public void runHere(BooleanSupplier keepGoing) {
        if (initialMonitor == null) {
            throw new IllegalStateException("runHere needs the feed made with its monitor");
        }
        String what = "stack sampler";
        try {
            long intervalNs = settings.intervalNs();
            long start = System.nanoTime();
            Snapshot previous = sampleOnce(null);
            long nextSample = start + intervalNs;
            what = "drop source";
            DropReportBuilder builder = initialBuilderFactory.call();
            DropAggregator aggregator = new DropAggregator(settings.maxSites(), settings.cpuCount(), start);
            DropSink sink = sinkInto(aggregator);
            long nextReport = start + Math.min(settings.firstReportNs(), intervalNs);
            while (!stopped && keepGoing.getAsBoolean()) {
                // the drain thread's loop, with the sampling thread's sample when it is due
                long now = System.nanoTime();
                long reportIn = nextReport - now;
                long wait = Math.min(reportIn, nextSample - now);
                what = "drop source";
                initialMonitor.poll(sink, (int) Math.max(1, Math.min(100, wait / 1_000_000)),
                        Math.max(0, reportIn / 1_000_000));
                now = System.nanoTime();
                if (now >= nextReport && !stopped) {
                    listener.onDrops(builder.report(initialMonitor.source(), aggregator.snapshot(now), now - start, true,
                            s -> true, 0), initialMonitor.health());
                    // after a stall, report once and realign instead of a burst of empty intervals
                    nextReport = now - nextReport >= intervalNs ? now + intervalNs : nextReport + intervalNs;
                }
                if (now >= nextSample && !stopped) {
                    what = "stack sampler";
                    previous = sampleOnce(previous);
                    nextSample += intervalNs;
                    long after = System.nanoTime();
                    if (after >= nextSample) {
                        nextSample = after; // a sample longer than the interval: the next one at once, no burst
                    }
                }
            }
        } catch (InterruptedException | InterruptedIOException e) {
            Thread.currentThread().interrupt(); // a stop: the caller looks at its own request
        } catch (Throwable e) {
            if (!stopped) {
                listener.onFailure(what, e);
            }
        }
    }

    private Snapshot sampleOnce(Snapshot previous) throws InterruptedException {
        Snapshot s = sampler.sample();
        listener.onSample(s, previous == null ? null : Delta.between(previous, s));
        return s;
    }

    private void sample() {
        try {
            Snapshot previous = null;
            long next = System.nanoTime();
            while (!stopped) {
                Snapshot s = sampler.sample();
                listener.onSample(s, previous == null ? null : Delta.between(previous, s));
                previous = s;
                next += settings.intervalNs();
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } else {
                    next = System.nanoTime();
                }
            }
        } catch (InterruptedException e) {
            // close() interrupts the sleep or a sample in progress
        } catch (Throwable e) {
            if (!stopped) {
                listener.onFailure("stack sampler", e);
            }
        }
    }

    /** Stops both threads and waits up to 5 s for the drain thread, which polls at most 100 ms at a time. */
    @Override
    public void close() {
        Thread drain;
        synchronized (lifecycle) {
            stopped = true;
            drain = drainThread;
        }
        sampleThread.interrupt();
        try {
            if (drain != null) {
                drain.join(5_000);
            }
            if (sampleThread.getState() != Thread.State.NEW) {
                sampleThread.join(1_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * True when no drain thread runs: it has ended (always after {@link #close()} unless the monitor
     * hung), or never started.
     */
    public boolean drained() {
        synchronized (lifecycle) {
            return drainThread == null || !drainThread.isAlive();
        }
    }
}
