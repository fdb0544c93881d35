package dev.dropscope.ui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.DefaultTerminalFactory;
import com.googlecode.lanterna.terminal.ansi.UnixLikeTerminal;

import java.io.IOException;
import java.nio.charset.Charset;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The screen loop of {@code dropscope top}: reads keys without blocking, redraws when a key changed
 * something, a new model arrived (unless paused) or the terminal was resized, and otherwise waits a few
 * milliseconds for either. Drawing is diffed by Lanterna, so a refresh rewrites only changed cells: no
 * flicker, and keys stay responsive whatever the drop rate, since the sampling runs elsewhere.
 * {@link #run} always gives the terminal back as it found it.
 */
public final class TopUi {
    /** The longest a key waits to be seen. */
    static final int POLL_MILLIS = 25;

    /** Writes the shown model's snapshot to a file; returns where (or why not), for the status line. */
    public interface Exporter {
        String export(TopModel shown);
    }

    /**
     * How the loop ended.
     *
     * @param exit    QUIT for q, INTERRUPT for Ctrl-C, a stop signal or the end of input
     * @param failure what stopped the sampling, or null
     */
    public record Outcome(TopState.Exit exit, String failure) {
    }

    private final TerminalScreen screen;
    private final TopScreen painter;
    private final LatestModel latest;
    private final BooleanSupplier stopRequested;
    private final Exporter exporter;
    private Consumer<TopModel> onFrame = m -> { };

    public TopUi(TerminalScreen screen, TopScreen painter, LatestModel latest, BooleanSupplier stopRequested,
                 Exporter exporter) {
        this.screen = screen;
        this.painter = painter;
        this.latest = latest;
        this.stopRequested = stopRequested;
        this.exporter = exporter;
    }

    /** Hears each model once its frame is on the terminal (top starts deferred work after the first full one). */
    public TopUi onFrame(Consumer<TopModel> listener) {
        this.onFrame = listener;
        return this;
    }

    /**
     * A screen on the process's terminal, in the charset the theme was chosen for. Ctrl-C is trapped:
     * Lanterna's default would call System.exit from its input reader, skipping our cleanup.
     */
    public static TerminalScreen openTerminal(Charset charset) throws IOException {
        DefaultTerminalFactory f = new DefaultTerminalFactory(System.out, System.in, charset)
                .setForceTextTerminal(true)
                .setUnixTerminalCtrlCBehaviour(UnixLikeTerminal.CtrlCBehaviour.TRAP);
        return new TerminalScreen(f.createTerminal());
    }

    /** Shows the screen until q, Ctrl-C, a stop request or a sampling failure; restores the terminal on every path. */
    public Outcome run() throws IOException, InterruptedException {
        screen.startScreen();
        try {
            screen.setCursorPosition(null);
            return loop();
        } finally {
            try {
                screen.getTerminal().setCursorVisible(true);
                screen.stopScreen();
            } catch (IllegalStateException alreadyLeft) {
                // on SIGTERM Lanterna's own shutdown hook may have left the alternate screen first
            } finally {
                screen.getTerminal().close();
            }
        }
    }

    private Outcome loop() throws IOException, InterruptedException {
        TopState state = TopState.initial();
        TopModel shown = latest.latest();
        boolean dirty = true;
        boolean complete = true;
        while (true) {
            if (stopRequested.getAsBoolean()) {
                return new Outcome(TopState.Exit.INTERRUPT, null);
            }
            String failure = latest.failure();
            if (failure != null) {
                return new Outcome(TopState.Exit.INTERRUPT, failure);
            }
            for (KeyStroke key = screen.pollInput(); key != null; key = screen.pollInput()) {
                if (key.getKeyType() == KeyType.EOF) {
                    // the terminal went away (ssh dropped): nobody is watching
                    return new Outcome(TopState.Exit.INTERRUPT, null);
                }
                state = state.onKey(key);
                if (state.exit() != TopState.Exit.STAY) {
                    return new Outcome(state.exit(), null);
                }
                if (state.exportRequested()) {
                    state = state.exported(exporter.export(shown));
                }
                dirty = true;
            }
            if (screen.doResizeIfNecessary() != null) {
                dirty = true;
                complete = true;
            }
            TopModel newest = latest.latest();
            if (!state.paused() && newest != shown) {
                shown = newest;
                dirty = true;
            }
            if (dirty) {
                state = painter.fit(shown, state, screen.getTerminalSize());
                screen.clear();
                painter.draw(screen.newTextGraphics(), screen.getTerminalSize(), shown, state);
                screen.refresh(complete ? Screen.RefreshType.COMPLETE : Screen.RefreshType.DELTA);
                onFrame.accept(shown);
                dirty = false;
                complete = false;
            } else {
                // paused: wait for nothing in particular, only keys matter until resumed
                latest.awaitNewerThan(state.paused() ? newest : shown, POLL_MILLIS);
            }
        }
    }
}
