package dev.dropscope.collect;

import dev.dropscope.model.Delta;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Snapshot;

import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The live loop behind {@code dropscope top}: one thread drains the drop monitor without pause and
 * reports every interval, another samples the stack's counters every interval, so a slow collector never
 * holds up the drain and a drop storm never delays a sample. Listeners receive model objects only.
 *
 * <p>{@link #close()} stops both threads and waits for the drain thread: the monitor's rings must not be
 * unmapped under a running drain, so its owner closes the monitor only after this returns.
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

    private final DropMonitor monitor;
    private final Callable<DropReportBuilder> builderFactory;
    private final Sampler sampler;
    private final Settings settings;
    private final Listener listener;
    private final Thread drainThread;
    private final Thread sampleThread;
    private volatile boolean stopped;

    /**
     * @param builderFactory makes the report builder on the drain thread, so reading kallsyms (a quarter
     *                       of a second) overlaps the first sample instead of delaying the first screen
     */
    public LiveFeed(DropMonitor monitor, Callable<DropReportBuilder> builderFactory, Sampler sampler, Settings settings,
                    Listener listener) {
        this.monitor = monitor;
        this.builderFactory = builderFactory;
        this.sampler = sampler;
        this.settings = settings;
        this.listener = listener;
        this.drainThread = new Thread(this::drain, "dropscope-drops");
        this.sampleThread = new Thread(this::sample, "dropscope-sampler");
        drainThread.setDaemon(true);
        sampleThread.setDaemon(true);
    }

    public void start() {
        drainThread.start();
        sampleThread.start();
    }

    private void drain() {
        try {
            long start = System.nanoTime();
            DropReportBuilder builder = builderFactory.call();
            DropAggregator aggregator = new DropAggregator(settings.maxSites(), settings.cpuCount(), start);
            DropSink sink = new DropSink() {
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
            long next = start + Math.min(settings.firstReportNs(), settings.intervalNs());
            while (!stopped) {
                long wait = next - System.nanoTime();
                monitor.poll(sink, (int) Math.max(1, Math.min(100, wait / 1_000_000)));
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
        stopped = true;
        sampleThread.interrupt();
        try {
            drainThread.join(5_000);
            sampleThread.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** True when the drain thread has ended (always after {@link #close()} unless the monitor hung). */
    public boolean drained() {
        return !drainThread.isAlive();
    }
}
