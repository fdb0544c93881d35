package dev.dropscope.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.Delta;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Snapshot;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** The top loop's two threads with a scripted drop monitor and a counting collector. */
class LiveFeedTest {
    /** Long enough for a loaded CI machine; the tests wait for events, never for a time. */
    private static final long PATIENCE_SECONDS = 20;
    private static final LiveFeed.Settings FAST = new LiveFeed.Settings(20_000_000L, 5_000_000L, 16, 2);

    /** Delivers queued actions one per poll, then idles; counts polls, also after it was closed. */
    static final class ScriptedMonitor extends dev.dropscope.testutil.FakeDropMonitor {
        final ConcurrentLinkedQueue<DropSinkAction> script = new ConcurrentLinkedQueue<>();
        final AtomicInteger polls = new AtomicInteger();
        volatile IOException failure;

        ScriptedMonitor() {
            super("scripted");
        }

        interface DropSinkAction {
            void apply(DropSink sink);
        }

        @Override
        public long poll(DropSink sink, int timeoutMillis) throws IOException {
            polls.incrementAndGet();
            if (failure != null) {
                throw failure;
            }
            DropSinkAction a = script.poll();
            if (a == null) {
                idle(timeoutMillis);
                return 0;
            }
            a.apply(sink);
            return 1;
        }

        @Override
        public Map<String, Long> health() {
            return Map.of("perf_lost", 0L);
        }
    }

    /** Records everything the feed delivers. */
    static final class Recorder implements LiveFeed.Listener {
        final BlockingQueue<DropReport> reports = new LinkedBlockingQueue<>();
        final BlockingQueue<Snapshot> snapshots = new LinkedBlockingQueue<>();
        final BlockingQueue<Delta> deltas = new LinkedBlockingQueue<>();
        final BlockingQueue<String> failures = new LinkedBlockingQueue<>();

        @Override
        public void onDrops(DropReport sinceStart, Map<String, Long> monitorHealth) {
            reports.add(sinceStart);
        }

        @Override
        public void onSample(Snapshot snapshot, Delta delta) {
            snapshots.add(snapshot);
            deltas.add(delta == null ? NO_DELTA : delta);
        }

        @Override
        public void onFailure(String what, Throwable error) {
            failures.add(what + ": " + error.getMessage());
        }

        DropReport awaitReport(Predicate<DropReport> p) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
            while (System.nanoTime() < deadline) {
                DropReport r = reports.poll(100, TimeUnit.MILLISECONDS);
                if (r != null && p.test(r)) {
                    return r;
                }
            }
            throw new AssertionError("no such report within " + PATIENCE_SECONDS + " s");
        }
    }

    private static final Delta NO_DELTA = Delta.between(Snapshot.builder().build(), Snapshot.builder().build());

    private static Sampler sampler() {
        return new Sampler(List.of(new SamplerTest.Counting()), NetnsScope.current(), Duration.ofSeconds(5));
    }

    private static DropReportBuilder builder(DropMonitor m) {
        return new DropReportBuilder(null, m.reasons(), Map.of(), (fn, reason) -> false);
    }

    @Test
    void everyIntervalReportsEverySiteSinceTheStartWithTheIntervalsRate() throws Exception {
        ScriptedMonitor monitor = new ScriptedMonitor();
        Recorder rec = new Recorder();
        monitor.script.add(s -> s.onDrops(0xffffffff81000010L, 2, DropOrigin.SOFTWARE, -1, 0, 1, 10));
        monitor.script.add(s -> s.onDrops(0xffffffff81000020L, 2, DropOrigin.SOFTWARE, -1, 1, 2, 5));
        monitor.script.add(s -> s.onLost(3));
        try (Sampler sampler = sampler(); LiveFeed feed = new LiveFeed(monitor, () -> builder(monitor), sampler, FAST, rec)) {
            feed.start();
            DropReport all = rec.awaitReport(r -> r.total() == 15 && r.lost() == 3);
            assertEquals("tracepoint", all.source());
            assertEquals(List.of(10L, 5L), all.sites().stream().map(ResolvedDropSite::count).toList());
            assertEquals("NO_SOCKET", all.sites().get(0).reason());
            // an interval without drops still lists both sites, now at rate 0: the sparklines need the zeros
            DropReport idle = rec.awaitReport(r -> r.totalDelta() == 0 && r.total() == 15);
            assertEquals(2, idle.sites().size());
            assertEquals(0, idle.sites().get(0).delta());
            assertEquals(0.0, idle.sites().get(1).ratePerSecond());
        }
    }

    /** top's feed tells the source when its report is due: the eBPF map is read per report, not per 100 ms wake-up. */
    @Test
    @org.junit.jupiter.api.condition.EnabledIf("dev.dropscope.cli.DoctorCommandTest#isRoot")
    void anEbpfSourceIsReadForTheReportsNotOnEveryWakeUp() throws Exception {
        Recorder rec = new Recorder();
        LiveFeed.Settings halfSecond = new LiveFeed.Settings(500_000_000L, 500_000_000L, 16, 2);
        try (EbpfMonitor m = EbpfMonitor.open(dev.dropscope.sys.Syscalls.get(), "test", false);
             Sampler sampler = sampler();
             LiveFeed feed = new LiveFeed(m, () -> builder(m), sampler, halfSecond, rec)) {
            feed.start();
            for (int i = 0; i < 4; i++) {
                rec.awaitReport(r -> true);
            }
            long reads = m.mapReads();
            // 2 s of 100 ms wake-ups would be 20 reads; a report may take two (one just before it is due)
            assertTrue(reads >= 4 && reads <= 9, "map reads for 4 reports: " + reads);
        }
    }

    @Test
    void samplesComeEveryIntervalTheFirstWithoutADelta() throws Exception {
        ScriptedMonitor monitor = new ScriptedMonitor();
        Recorder rec = new Recorder();
        try (Sampler sampler = sampler(); LiveFeed feed = new LiveFeed(monitor, () -> builder(monitor), sampler, FAST, rec)) {
            feed.start();
            Snapshot first = rec.snapshots.poll(PATIENCE_SECONDS, TimeUnit.SECONDS);
            assertNotNull(first);
            assertEquals(1L, first.snmp().get("Fake.Calls"));
            assertEquals(NO_DELTA, rec.deltas.take());
            Snapshot second = rec.snapshots.poll(PATIENCE_SECONDS, TimeUnit.SECONDS);
            assertNotNull(second);
            Delta d = rec.deltas.take();
            assertEquals(first, d.before());
            assertEquals(second, d.after());
            assertTrue(d.snmp().get("Fake.Calls") > 0, d.snmp().toString());
        }
    }

    @Test
    void closeWaitsForTheDrainThreadSoTheMonitorIsNotPolledAfterwards() throws Exception {
        ScriptedMonitor monitor = new ScriptedMonitor();
        Recorder rec = new Recorder();
        try (Sampler sampler = sampler()) {
            LiveFeed feed = new LiveFeed(monitor, () -> builder(monitor), sampler, FAST, rec);
            feed.start();
            rec.awaitReport(r -> true);
            assertFalse(feed.drained());
            feed.close();
            assertTrue(feed.drained());
            int polls = monitor.polls.get();
            Thread.sleep(50);
            assertEquals(polls, monitor.polls.get(), "polled after close()");
            assertNull(rec.failures.poll(), "a stop is not a failure");
        }
    }

    @Test
    void samplingRunsBeforeTheDropSourceIsThereAndTheDrainJoinsItLater() throws Exception {
        ScriptedMonitor monitor = new ScriptedMonitor();
        Recorder rec = new Recorder();
        try (Sampler sampler = sampler(); LiveFeed feed = new LiveFeed(sampler, FAST, rec)) {
            feed.startSampling();
            assertNotNull(rec.snapshots.poll(PATIENCE_SECONDS, TimeUnit.SECONDS), "a sample without a drop source");
            assertTrue(feed.drained(), "no drain thread yet");
            assertEquals(0, monitor.polls.get());

            monitor.script.add(sink -> sink.onDrops(0xffffffff81000000L, 2, DropOrigin.SOFTWARE, -1, 0, 1, 3));
            assertTrue(feed.startDrops(monitor, () -> builder(monitor)));
            DropReport r = rec.awaitReport(x -> x.total() == 3);
            assertEquals(3, r.total());
            assertFalse(feed.drained());
        }
    }

    @Test
    void aDropSourceArrivingAfterCloseIsNeverPolled() throws Exception {
        ScriptedMonitor monitor = new ScriptedMonitor();
        Recorder rec = new Recorder();
        try (Sampler sampler = sampler()) {
            LiveFeed feed = new LiveFeed(sampler, FAST, rec);
            feed.startSampling();
            feed.close();
            assertFalse(feed.startDrops(monitor, () -> builder(monitor)), "closed: nothing starts");
            feed.startSampling();
            Thread.sleep(50);
            assertEquals(0, monitor.polls.get());
            assertTrue(feed.drained());
        }
    }

    @Test
    void aFailingDropSourceIsReportedOnce() throws Exception {
        ScriptedMonitor monitor = new ScriptedMonitor();
        monitor.failure = new IOException("perf ring unmapped");
        Recorder rec = new Recorder();
        try (Sampler sampler = sampler(); LiveFeed feed = new LiveFeed(monitor, () -> builder(monitor), sampler, FAST, rec)) {
            feed.start();
            assertEquals("drop source: perf ring unmapped", rec.failures.poll(PATIENCE_SECONDS, TimeUnit.SECONDS));
        }
        assertNull(rec.failures.poll());
    }

    @Test
    void aBuilderThatCannotBeMadeIsAFailureOfTheDropSource() throws Exception {
        ScriptedMonitor monitor = new ScriptedMonitor();
        Recorder rec = new Recorder();
        try (Sampler sampler = sampler(); LiveFeed feed = new LiveFeed(monitor, () -> {
            throw new IOException("/sys/class/net unreadable");
        }, sampler, FAST, rec)) {
            feed.start();
            assertEquals("drop source: /sys/class/net unreadable", rec.failures.poll(PATIENCE_SECONDS, TimeUnit.SECONDS));
        }
    }
}
