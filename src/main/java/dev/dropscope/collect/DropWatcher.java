package dev.dropscope.collect;

import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropPacket;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.ResolvedPacket;

import java.io.IOException;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The watch loop: polls a monitor, aggregates every drop, and every interval hands a report of what
 * changed to the output; ends at the duration, the record limit, or a stop request (Ctrl-C, SIGTERM),
 * and returns the totals. It never closes the monitor: its owner does, on every path.
 */
public final class DropWatcher {

    /** Where reports go (the cli adapts its chosen format). */
    public interface Output {
        /** Writes one interval's report; returns the number of records written. */
        int interval(DropReport report);

        /** One packet; it may wait in a buffer until {@link #flush}. */
        void packet(ResolvedPacket packet);

        /** Writes out what {@link #packet} buffered: called once per poll that delivered packets. */
        default void flush() {
        }
    }

    /**
     * @param intervalNs report every this many ns
     * @param durationNs stop after this long (0 = until stopped)
     * @param limit      stop after this many records (0 = no limit), as dropwatch's alertlimit
     * @param siteFilter which sites to report (--interface, --reason, --symbol)
     * @param maxSites   distinct sites tracked before the "other" bucket
     */
    public record Settings(long intervalNs, long durationNs, long limit, Predicate<ResolvedDropSite> siteFilter,
                           int maxSites) {
    }

    /** NET_DM sends a summary alert about a second after a CPU's first drop: wait this long for the last one. */
    static final long NETDM_SUMMARY_FLUSH_NS = 1_300_000_000L;

    private final DropMonitor monitor;
    private final DropReportBuilder builder;
    private final Settings settings;
    private final Output output;
    private final BooleanSupplier stopRequested;
    private final DropAggregator aggregator;
    private final long startNs;
    private long records;

    public DropWatcher(DropMonitor monitor, DropReportBuilder builder, Settings settings, Output output,
                       BooleanSupplier stopRequested, int cpuCount) {
        this.monitor = monitor;
        this.builder = builder;
        this.settings = settings;
        this.output = output;
        this.stopRequested = stopRequested;
        this.startNs = System.nanoTime();
        this.aggregator = new DropAggregator(settings.maxSites(), cpuCount, startNs);
    }

    private final DropSink sink = new DropSink() {
        @Override
        public void onDrops(long location, int reason, DropOrigin origin, int ifindex, long netns, int cpu,
                            long timeNs, long count) {
            aggregator.add(location, reason, origin, ifindex, netns, cpu, timeNs, count);
        }

        @Override
        public void onDrops(long location, int reason, DropOrigin origin, int ifindex, int cpu, long timeNs, long count) {
            aggregator.add(location, reason, origin, ifindex, cpu, timeNs, count);
        }

        @Override
        public void onLost(long count) {
            aggregator.addLost(count);
        }

        @Override
        public void onPacket(DropPacket packet) {
            ResolvedPacket p = builder.resolvePacket(packet);
            if (!limitReached() && packetPasses(p)) {
                output.packet(p);
                records++;
            }
        }
    };

    private boolean packetPasses(ResolvedPacket p) {
        DropPacket d = p.packet();
        ResolvedDropSite asSite = new ResolvedDropSite(d.location(), d.origin() == DropOrigin.HARDWARE ? d.trap().name()
                : p.symbol(), p.offset(), p.size(), p.module(), d.reason(), d.origin(), d.ifindex(), p.interfaceName(),
                1, 1, 0, false, false);
        return settings.siteFilter().test(asSite);
    }

    private boolean limitReached() {
        return settings.limit() > 0 && records >= settings.limit();
    }

    /** Runs until the duration, the limit or a stop request; returns the totals since the start. */
    public DropReport run() throws IOException {
        long nextReport = startNs + settings.intervalNs();
        long deadline = settings.durationNs() > 0 ? startNs + settings.durationNs() : Long.MAX_VALUE;
        while (!stopRequested.getAsBoolean() && !limitReached()) {
            long now = System.nanoTime();
            if (now >= deadline) {
                break;
            }
            long wait = Math.min(nextReport, deadline) - now;
            long waitMillis = Math.max(1, (wait + 999_999) / 1_000_000);
            // wake at least every 100 ms to see a stop request; the monitor may read only for the report
            long before = records;
            monitor.poll(sink, (int) Math.min(100, waitMillis), waitMillis);
            if (records != before) {
                output.flush(); // once per drain, not per packet: a write (and a reader's wake-up) per record cost more than the record
            }
            now = System.nanoTime();
            if (now >= nextReport) {
                report(now);
                nextReport += settings.intervalNs() * Math.max(1, (now - nextReport) / settings.intervalNs() + 1);
            }
        }
        flushPendingAlerts();
        // what was collected but not read yet (a ring below its watermark, alerts queued on the socket; a
        // report that waited for the symbol table can leave the last poll a while back) goes into the last report
        monitor.finish(sink);
        output.flush();
        long end = System.nanoTime();
        if (!limitReached()) {
            report(end);
        }
        return totals(end);
    }

    /** Summary-mode NET_DM holds drops up to a second before alerting: collect that last batch. */
    private void flushPendingAlerts() throws IOException {
        if (!"netdm".equals(monitor.source()) || monitor.hasReasons() || limitReached()) {
            return;
        }
        long until = System.nanoTime() + NETDM_SUMMARY_FLUSH_NS;
        while (System.nanoTime() < until && !limitReached()) {
            monitor.poll(sink, 100);
        }
    }

    private void report(long now) {
        DropReport r = builder.report(monitor.source(), aggregator.snapshot(now), now - startNs, false,
                settings.siteFilter(), 0);
        if (settings.limit() > 0) {
            long room = settings.limit() - records;
            if (r.sites().size() > room) {
                r = new DropReport(r.source(), r.timeEpochMillis(), r.intervalNs(), r.elapsedNs(), r.total(),
                        r.totalDelta(), r.lost(), r.lostDelta(), r.sites().subList(0, (int) room), r.symbolsNote());
            }
        }
        records += output.interval(r);
    }

    private DropReport totals(long now) {
        DropReport t = builder.report(monitor.source(), aggregator.snapshot(now), now - startNs, true,
                settings.siteFilter(), 0);
        return new DropReport(t.source(), t.timeEpochMillis(), now - startNs, now - startNs, aggregator.total(),
                t.totalDelta(), t.lost(), t.lostDelta(), t.sites(), t.symbolsNote());
    }

    /** Records written so far (interval lines plus packets). */
    public long records() {
        return records;
    }
}
