package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import dev.dropscope.doctor.DropMonitors;
import dev.dropscope.collect.DropReportBuilder;
import dev.dropscope.collect.DropSink;
import dev.dropscope.collect.LiveFeed;
import dev.dropscope.collect.NetnsScope;
import dev.dropscope.collect.Sampler;
import dev.dropscope.collect.SymbolTable;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.ui.LatestModel;
import dev.dropscope.ui.Theme;
import dev.dropscope.ui.TopModel;
import dev.dropscope.ui.TopScreen;
import dev.dropscope.ui.TopState;
import dev.dropscope.ui.TopUi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * top's start behind its first frame: the screen loop on a virtual terminal, a real sampler (without
 * collectors) and a drop source whose opening the test holds until it lets it go. The frame must be
 * there while the source opens; leaving before it is open must still close it, once it is.
 */
class TopStartTest {
    /** For a loaded CI machine; every wait is for an event, none is asserted as a duration. */
    private static final long PATIENCE_SECONDS = 20;
    private static final LiveFeed.Settings FAST = new LiveFeed.Settings(20_000_000L, 5_000_000L, 16, 2);
    private static final TopModel.Header OPENING = TopModel.Header.opening("h", "k", "--source auto", 1000);

    /** Counts polls (also after close) and closes; delivers one drop on its first poll. */
    static final class HeldMonitor extends dev.dropscope.testutil.FakeDropMonitor {
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();

        HeldMonitor() {
            super("held by the test");
        }

        @Override
        public long poll(DropSink sink, int timeoutMillis) throws IOException {
            if (polls.incrementAndGet() == 1) {
                sink.onDrops(0xffffffff81000000L, 2, DropOrigin.SOFTWARE, -1, 0, 1, 1);
                return 1;
            }
            idle(timeoutMillis);
            return 0;
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CountDownLatch release = new CountDownLatch(1);
    private final HeldMonitor monitor = new HeldMonitor();
    private final AtomicBoolean samplerMade = new AtomicBoolean();
    private final DefaultVirtualTerminal terminal = new DefaultVirtualTerminal(new TerminalSize(120, 40));
    private final LatestModel latest = new LatestModel(TopModel.starting(OPENING, System.currentTimeMillis()));
    private final TopCommand.Composer composer = new TopCommand.Composer(OPENING, latest, TopCommand.DIAGNOSIS);

    @AfterEach
    void stopThreads() {
        release.countDown();
        threads.shutdownNow();
    }

    private TopStart begin(TopStart.Opener opener) {
        return TopStart.begin(() -> null, sys -> {
            samplerMade.set(true);
            return new Sampler(List.of(), NetnsScope.current(), Duration.ofSeconds(5));
        }, opener, m -> DropReportBuilder.withSymbols(SymbolTable.of(null), m.reasons(), Map.of(), (f, r) -> false),
                FAST, composer, composer::sourceOpened, latest::fail, null);
    }

    private TopStart beginHeld() {
        return begin(sys -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException("interrupted while held", e);
            }
            return monitor;
        });
    }

    private Future<TopUi.Outcome> screen() throws IOException {
        TopUi ui = new TopUi(new TerminalScreen(terminal), new TopScreen(Theme.colour(true), ZoneOffset.UTC), latest,
                () -> false, shown -> "not exported");
        return threads.submit(ui::run);
    }

    private String text() {
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < 40; r++) {
            for (int c = 0; c < 120; c++) {
                b.append(terminal.getCharacter(c, r).getCharacterString());
            }
            b.append('\n');
        }
        return b.toString();
    }

    private String awaitScreen(Predicate<String> p, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
        String s = text();
        while (System.nanoTime() < deadline) {
            s = text();
            if (p.test(s)) {
                return s;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("never saw " + what + "; the screen:\n" + s);
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never saw " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void theFrameAndTheFirstSampleComeWhileTheSourceOpensThenTheHeaderNamesIt() throws Exception {
        TopStart start = beginHeld();
        try {
            Future<TopUi.Outcome> outcome = screen();
            String opening = awaitScreen(s -> s.contains("source opening... (--source auto)")
                    && s.contains("opening the drop source...") && s.contains("─ Findings ─"), "the opening frame");
            assertTrue(opening.contains("─ System ─"), opening);
            // the stack is sampled meanwhile: the model has a snapshot, the header still says opening
            await(() -> latest.latest().snapshot() != null, "a sample while the source opens");
            assertTrue(latest.latest().header().opening());
            assertEquals(0, monitor.polls.get(), "nothing polls a source that is not open");

            release.countDown();
            awaitScreen(s -> s.contains("source tracepoint (held by the test)"), "the header naming the source");
            await(() -> latest.latest().drops() != null && latest.latest().drops().total() == 1, "the first drop report");

            terminal.addInput(new KeyStroke('q', false, false));
            assertEquals(TopState.Exit.QUIT, outcome.get(PATIENCE_SECONDS, TimeUnit.SECONDS).exit());
        } finally {
            start.close();
        }
        assertEquals(1, monitor.closes.get());
        int polls = monitor.polls.get();
        Thread.sleep(50);
        assertEquals(polls, monitor.polls.get(), "polled after close()");
        assertNull(start.failure());
    }

    @Test
    void quittingWhileTheSourceOpensClosesItOnceItIsOpenAndNeverDrainsIt() throws Exception {
        TopStart start = beginHeld();
        Future<TopUi.Outcome> outcome = screen();
        awaitScreen(s -> s.contains("source opening..."), "the opening frame");
        terminal.addInput(new KeyStroke('q', false, false));
        assertEquals(TopState.Exit.QUIT, outcome.get(PATIENCE_SECONDS, TimeUnit.SECONDS).exit(),
                "q works while the source is still opening");

        Future<?> closing = threads.submit(() -> {
            start.close();
            return null;
        });
        Thread.sleep(100);
        assertFalse(closing.isDone(), "close() returned while the source was still opening: it would be left open");
        assertEquals(0, monitor.closes.get());

        release.countDown();
        closing.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
        assertEquals(1, monitor.closes.get(), "opened after the quit, closed all the same");
        assertEquals(0, monitor.polls.get(), "never drained after the quit");
        assertNull(start.failure());
        start.close();
        assertEquals(1, monitor.closes.get(), "close() twice closes once");
    }

    @Test
    void aSourceThatCannotBeOpenedEndsTheScreenAndIsKeptForTheExitCode() throws Exception {
        DropMonitors.NoDropSourceException denied =
                new DropMonitors.NoDropSourceException("the tracepoint cannot be opened: Operation not permitted");
        TopStart start = begin(sys -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            throw denied;
        });
        try {
            Future<TopUi.Outcome> outcome = screen();
            awaitScreen(s -> s.contains("source opening..."), "the opening frame");
            release.countDown();
            TopUi.Outcome o = outcome.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
            assertNotNull(o.failure(), "the screen ends on its own");
        } finally {
            start.close();
        }
        assertSame(denied, start.failure());
        assertTrue(samplerMade.get());
        assertEquals(0, monitor.closes.get());
    }
}
