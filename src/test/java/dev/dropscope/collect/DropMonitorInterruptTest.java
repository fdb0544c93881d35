package dev.dropscope.collect;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.DropOrigin;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.io.InterruptedIOException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link DropMonitor#poll}'s one interrupt rule on the real kernel: an interrupt on entry or during the
 * wait ends poll with {@link InterruptedIOException}, the flag still set; once it is cleared the monitor
 * polls and finishes as before. (NET_DM follows the same rule; this kernel has no NET_DM to test it on.)
 */
@Needs(root = true)
class DropMonitorInterruptTest {
    private static final Syscalls SYS = Syscalls.get();

    private static final DropSink NOTHING = new DropSink() {
        @Override
        public void onDrops(long location, int reason, DropOrigin origin, int ifindex, int cpu, long timeNs, long count) {
        }

        @Override
        public void onLost(long count) {
        }
    };

    @AfterEach
    void clearFlag() {
        Thread.interrupted();
    }

    private static void obeysTheRule(DropMonitor m) throws Exception {
        Thread.currentThread().interrupt();
        assertThrows(InterruptedIOException.class, () -> m.poll(NOTHING, 50));
        assertTrue(Thread.interrupted(), "the flag stays set for the caller");

        // interrupted while it waits: seen when the wait ends, well before a second full wait
        Thread me = Thread.currentThread();
        Thread interrupter = new Thread(() -> {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
            me.interrupt();
        });
        interrupter.start();
        assertThrows(InterruptedIOException.class, () -> {
            for (int i = 0; i < 50; i++) {
                m.poll(NOTHING, 100);
            }
        });
        // read (and clear) the flag before join: join() on a still-running interrupter throws while it is set
        boolean flagKept = Thread.interrupted();
        interrupter.join();
        assertTrue(flagKept, "the flag stays set for the caller");

        m.poll(NOTHING, 1);
        m.finish(NOTHING);
        assertFalse(Thread.currentThread().isInterrupted());
    }

    @Test
    void theEbpfSourceThrowsOnInterrupt() throws Exception {
        try (EbpfMonitor m = EbpfMonitor.open(SYS, "test", false)) {
            obeysTheRule(m);
        }
    }

    @Test
    void theEbpfPacketSourceThrowsOnInterrupt() throws Exception {
        try (EbpfMonitor m = EbpfMonitor.open(SYS, "test", true)) {
            obeysTheRule(m);
        }
    }

    @Test
    void theTracepointSourceThrowsOnInterrupt() throws IOException, Exception {
        try (TracepointMonitor m = TracepointMonitor.open(SYS, "test")) {
            obeysTheRule(m);
        }
    }
}
