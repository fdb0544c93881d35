package dev.dropscope.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * A one-line progress indicator on standard error while a command samples ("sampling 2.0/5.0 s"),
 * redrawn in place a few times a second and erased at the end. Only on a terminal: piped or redirected
 * output gets nothing, so logs and scripts stay clean.
 */
final class Progress implements AutoCloseable {
    private static final long TICK_MS = 250;
    private final PrintWriter err;
    private final Thread thread;
    private final long startNanos = System.nanoTime();
    private final Duration total;
    private volatile boolean done;
    private int width;

    private Progress(PrintWriter err, Duration total, boolean show) {
        this.err = err;
        this.total = total;
        if (show) {
            thread = new Thread(this::run, "dropscope-progress");
            thread.setDaemon(true);
            thread.start();
        } else {
            thread = null;
        }
    }

    /** Starts drawing when {@code onTerminal}; otherwise a no-op. */
    static Progress start(PrintWriter err, boolean onTerminal, Duration total) {
        return new Progress(err, total, onTerminal);
    }

    /** The line shown after {@code elapsed} of {@code total}. */
    static String line(Duration elapsed, Duration total) {
        double e = Math.min(elapsed.toMillis(), total.toMillis()) / 1000.0;
        double t = total.toMillis() / 1000.0;
        int pct = total.isZero() ? 100 : (int) Math.min(100, elapsed.toMillis() * 100 / Math.max(1, total.toMillis()));
        return String.format(Locale.ROOT, "dropscope: sampling %.1f/%.1f s (%d%%)", e, t, pct);
    }

    private void run() {
        while (!done) {
            draw(line(Duration.ofNanos(System.nanoTime() - startNanos), total));
            try {
                Thread.sleep(TICK_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void draw(String s) {
        if (done) {
            return;
        }
        err.print("\r" + s + " ".repeat(Math.max(0, width - s.length())));
        err.flush();
        width = s.length();
    }

    @Override
    public void close() {
        if (thread == null) {
            return;
        }
        synchronized (this) {
            done = true;
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
        }
        thread.interrupt();
    }
}
