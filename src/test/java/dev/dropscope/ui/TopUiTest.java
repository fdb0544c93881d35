package dev.dropscope.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import dev.dropscope.ui.TopFixtures.Frame;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * The screen loop on a virtual terminal: keys go in through the terminal's input queue, frames are read
 * back from its cells. The loop runs on its own thread; the test waits for what it expects to see.
 */
class TopUiTest {
    private static final long PATIENCE_SECONDS = 20;

    /** A running loop and what it was given. */
    static final class Running implements AutoCloseable {
        final DefaultVirtualTerminal terminal;
        final LatestModel latest;
        final AtomicBoolean stop = new AtomicBoolean();
        final List<TopModel> exported = new CopyOnWriteArrayList<>();
        final ExecutorService thread = Executors.newSingleThreadExecutor();
        final Future<TopUi.Outcome> outcome;

        Running(TopModel first, int width, int height) throws IOException {
            terminal = new DefaultVirtualTerminal(new TerminalSize(width, height));
            latest = new LatestModel(first);
            TopUi ui = new TopUi(new TerminalScreen(terminal), new TopScreen(Theme.colour(true), ZoneOffset.UTC), latest,
                    stop::get, shown -> {
                        exported.add(shown);
                        return "snapshot written to /tmp/x.json";
                    });
            outcome = thread.submit(ui::run);
        }

        void press(Object... keys) {
            for (Object k : keys) {
                terminal.addInput(k instanceof Character c ? new KeyStroke(c, false, false)
                        : k instanceof KeyStroke s ? s : new KeyStroke((KeyType) k));
            }
        }

        Frame await(Predicate<Frame> p, String what) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
            Frame f = Frame.of(terminal);
            while (System.nanoTime() < deadline) {
                f = Frame.of(terminal);
                if (p.test(f)) {
                    return f;
                }
                Thread.sleep(5);
            }
            throw new AssertionError("never saw " + what + "; the screen:\n" + f.text());
        }

        Frame awaitText(String text) throws InterruptedException {
            return await(f -> f.find(text) != null, "'" + text + "'");
        }

        TopUi.Outcome outcome() throws Exception {
            return outcome.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            stop.set(true);
            thread.shutdownNow();
        }
    }

    private static TopModel withTotal(TopModel m, long total) {
        var r = m.drops();
        return new TopModel(m.header(), m.timeMillis(), new dev.dropscope.model.DropReport(r.source(), r.timeEpochMillis(),
                r.intervalNs(), r.elapsedNs(), total, r.totalDelta(), r.lost(), r.lostDelta(), r.sites(), r.symbolsNote()),
                m.snapshot(), m.delta(), m.findings(), m.history(), m.monitorHealth());
    }

    @Test
    void drawsTheModelAndQuitsOnQGivingTheTerminalBack() throws Exception {
        try (Running r = new Running(TopFixtures.model(), 120, 40)) {
            // the cursor is hidden at the end of the refresh that draws the frame: no cursor over the panes
            Frame f = r.await(fr -> fr.find("─ Findings ─") != null && !r.terminal.isCursorVisible(),
                    "a frame without a cursor");
            assertTrue(f.line(0).startsWith("dropscope  host web-1"), f.line(0));
            r.press('q');
            assertEquals(new TopUi.Outcome(TopState.Exit.QUIT, null), r.outcome());
            // out of the alternate screen: the terminal shows what it showed before, and its cursor
            assertNull(Frame.of(r.terminal).find("dropscope"));
            assertTrue(r.terminal.isCursorVisible());
        }
    }

    @Test
    void theFrameListenerHearsEachModelOnceItIsOnTheTerminal() throws Exception {
        DefaultVirtualTerminal terminal = new DefaultVirtualTerminal(new TerminalSize(120, 40));
        TopModel first = TopModel.starting(TopModel.Header.opening("h", "k", "--source auto", 1000), TopFixtures.NOW);
        LatestModel latest = new LatestModel(first);
        List<TopModel> heard = new CopyOnWriteArrayList<>();
        List<String> screens = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        TopUi ui = new TopUi(new TerminalScreen(terminal), new TopScreen(Theme.colour(true), ZoneOffset.UTC), latest,
                stop::get, shown -> "").onFrame(m -> {
                    heard.add(m);
                    screens.add(Frame.of(terminal).line(0));
                });
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<TopUi.Outcome> outcome = thread.submit(ui::run);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
            while (heard.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertSame(first, heard.get(0));
            assertTrue(screens.get(0).contains("source opening..."), "heard before it was drawn: " + screens.get(0));

            TopModel full = TopFixtures.model();
            latest.publish(full);
            while (!heard.contains(full) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(heard.contains(full), "the model with a snapshot was heard");
            assertTrue(screens.get(heard.indexOf(full)).startsWith("dropscope  host web-1"), screens.toString());
            stop.set(true);
            assertEquals(TopState.Exit.INTERRUPT, outcome.get(PATIENCE_SECONDS, TimeUnit.SECONDS).exit());
        } finally {
            thread.shutdownNow();
        }
    }

    @Test
    void ctrlCAndAStopRequestInterrupt() throws Exception {
        try (Running r = new Running(TopFixtures.model(), 80, 24)) {
            r.awaitText("─ Drop sites ─");
            r.press(new KeyStroke('c', true, false));
            assertEquals(new TopUi.Outcome(TopState.Exit.INTERRUPT, null), r.outcome());
        }
        try (Running r = new Running(TopFixtures.model(), 80, 24)) {
            r.awaitText("─ Drop sites ─");
            r.stop.set(true);
            assertEquals(new TopUi.Outcome(TopState.Exit.INTERRUPT, null), r.outcome());
        }
    }

    @Test
    void aSamplingFailureEndsTheLoopWithItsMessage() throws Exception {
        try (Running r = new Running(TopFixtures.model(), 80, 24)) {
            r.awaitText("─ Drop sites ─");
            r.latest.fail("drop source failed: perf ring unmapped");
            assertEquals(new TopUi.Outcome(TopState.Exit.INTERRUPT, "drop source failed: perf ring unmapped"), r.outcome());
        }
    }

    @Test
    void aNewModelIsDrawnWithoutAKey() throws Exception {
        try (Running r = new Running(TopFixtures.model(), 120, 40)) {
            r.awaitText("total 991k");
            r.latest.publish(withTotal(TopFixtures.model(), 123));
            r.awaitText("total 123 ");
        }
    }

    @Test
    void pauseKeepsTheShownModelWhileNewOnesArriveAndResumeShowsTheLatest() throws Exception {
        try (Running r = new Running(TopFixtures.model(), 120, 40)) {
            r.awaitText("total 991k");
            r.press('p');
            r.awaitText(" PAUSED ");
            r.latest.publish(withTotal(TopFixtures.model(), 123));
            // a key that redraws proves the frame after the new model still shows the old one
            r.press('s');
            Frame f = r.awaitText("Drop sites sorted by total");
            assertTrue(f.line(1).startsWith("drops 2.2k/s  total 991k"), f.line(1));
            r.press('p');
            f = r.awaitText("total 123 ");
            assertTrue(f.line(1).contains("  live"), f.line(1));
        }
    }

    @Test
    void eExportsTheShownModelAndSaysWhere() throws Exception {
        TopModel first = TopFixtures.model();
        try (Running r = new Running(first, 120, 40)) {
            r.awaitText("─ Drop sites ─");
            r.press('p');
            r.latest.publish(withTotal(first, 5));
            r.press('e');
            Frame f = r.awaitText("snapshot written to /tmp/x.json");
            assertEquals(39, f.rowOf("snapshot written to"));
            assertEquals(1, r.exported.size());
            assertSame(first, r.exported.get(0), "the paused frame is what the operator sees, so that is exported");
        }
    }

    @Test
    void aResizeRedrawsTheWholeFrameForTheNewSize() throws Exception {
        try (Running r = new Running(TopFixtures.model(), 120, 40)) {
            r.awaitText("─ System ─");
            r.terminal.setTerminalSize(new TerminalSize(80, 24));
            String header80 = "dropscope  host web-1  kernel 6.18.44-fc  source tracepoint (auto: rea… 12:34:56";
            Frame f = r.await(fr -> fr.width == 80 && fr.line(0).equals(header80)
                    && fr.line(23).startsWith("Tab pane ↑↓ select"), "the 80x24 frame");
            assertNull(f.find("─ System ─"));
            assertEquals(f.rowOf("─ Drop sites ─") + 10, f.rowOf("─ Findings ─"));
            r.terminal.setTerminalSize(new TerminalSize(120, 40));
            r.await(fr -> fr.width == 120 && fr.find("─ System ─") != null, "the 120x40 layout again");
        }
    }

    @Test
    void keysWorkThroughTheLoop() throws Exception {
        try (Running r = new Running(TopFixtures.model(), 120, 40)) {
            r.awaitText("─ Drop sites ─");
            r.press(KeyType.Tab, KeyType.Tab, KeyType.Tab, KeyType.Enter);
            r.awaitText("─ Finding ─ Esc: back");
            r.press(KeyType.Escape, '?');
            r.awaitText("─ Help ─");
            r.press('x', '/', 'u', 'd', 'p', KeyType.Enter);
            r.awaitText("filter: udp");
            r.press('q');
            assertEquals(TopState.Exit.QUIT, r.outcome().exit());
        }
    }
}
