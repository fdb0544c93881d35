package dev.dropscope.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns Ctrl-C and SIGTERM into a stop request the main loop sees, and holds the JVM's exit until that
 * loop has restored the kernel's state (stopped NET_DM, closed perf events, unmounted tracefs) and
 * printed its summary. A loop that is stuck gets {@link #GRACE_SECONDS} before the JVM exits anyway.
 */
final class StopSignal implements AutoCloseable {
    static final int GRACE_SECONDS = 5;

    private volatile boolean requested;
    private final CountDownLatch cleanedUp = new CountDownLatch(1);
    private final Thread hook;

    private StopSignal() {
        hook = new Thread(() -> {
            requested = true;
            try {
                cleanedUp.await(GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "dropscope-shutdown");
    }

    static StopSignal install() {
        StopSignal s = new StopSignal();
        Runtime.getRuntime().addShutdownHook(s.hook);
        return s;
    }

    boolean requested() {
        return requested;
    }

    /** Called once cleanup is done: releases a waiting shutdown, or unregisters the hook on a normal end. */
    @Override
    public void close() {
        cleanedUp.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it returns now that cleanup is done
        }
    }
}
