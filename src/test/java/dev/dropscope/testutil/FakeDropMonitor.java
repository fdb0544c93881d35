package dev.dropscope.testutil;

import dev.dropscope.collect.DropMonitor;
import dev.dropscope.collect.DropReasons;

import java.util.Map;

/**
 * A drop source for tests that drive the feed and top without a kernel: it calls itself the tracepoint,
 * knows the one reason NO_SOCKET (code 2), and leaves {@link #poll} to the test.
 */
public abstract class FakeDropMonitor implements DropMonitor {
    private final String why;

    protected FakeDropMonitor(String why) {
        this.why = why;
    }

    @Override
    public String source() {
        return "tracepoint";
    }

    @Override
    public String why() {
        return why;
    }

    @Override
    public boolean hasReasons() {
        return true;
    }

    @Override
    public DropReasons reasons() {
        return new DropReasons(Map.of(2L, "NO_SOCKET"));
    }

    @Override
    public Map<String, Long> health() {
        return Map.of();
    }

    @Override
    public void close() {
    }

    /** Sleeps up to 5 ms of {@code timeoutMillis}, as an idle source would wait for drops. */
    protected static void idle(int timeoutMillis) {
        try {
            Thread.sleep(Math.min(timeoutMillis, 5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
