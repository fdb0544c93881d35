package dev.dropscope.cli;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns Ctrl-C and SIGTERM into a stop request the main loop sees, and holds the JVM's exit until that
 * loop has restored the kernel's state (stopped NET_DM, closed perf events, unmounted tracefs) and
 * printed its summary. A loop that is stuck gets {@link #GRACE_SECONDS}; then the hook closes the
 * resources registered with {@link #guard} itself, so the kernel is restored even then.
 */
final class StopSignal implements AutoCloseable {
    static final int GRACE_SECONDS = 10;

    private volatile boolean requested;
    private final CountDownLatch cleanedUp = new CountDownLatch(1);
    private final Thread hook;
    private final List<AutoCloseable> guarded = new CopyOnWriteArrayList<>();

    private StopSignal() {
        hook = new Thread(() -> {
            requested = true;
            try {
                if (!cleanedUp.await(GRACE_SECONDS, TimeUnit.SECONDS)) {
                    closeGuarded();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closeGuarded();
            }
        }, "dropscope-shutdown");
    }

    static StopSignal install() {
        StopSignal s = new StopSignal();
        Runtime.getRuntime().addShutdownHook(s.hook);
        return s;
    }

    /** Registers a resource the hook closes if the main path has not finished cleaning up in time. */
    <T extends AutoCloseable> T guard(T resource) {
        guarded.add(resource);
        return resource;
    }

    /** The main path closed it itself. */
    void release(AutoCloseable resource) {
        guarded.remove(resource);
    }

    private void closeGuarded() {
        for (AutoCloseable c : guarded) {
            try {
                c.close(); // idempotent closes: a main path that wakes up later closes nothing twice
            } catch (Exception | Error e) {
                System.err.println("dropscope: cleanup at exit: " + e.getMessage());
            }
        }
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
