package dev.dropscope.collect;

import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropPacket;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.ResolvedPacket;
import dev.dropscope.procfs.Kallsyms;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * The end of a watch on the real skb:kfree_skb tracepoint: drops still sitting in the perf rings when the
 * watch stops are in its totals (nothing collected is unmapped unread), and after {@code finish} the
 * events are off.
 */
class TracepointFinishTest {
    private static final Syscalls SYS = Syscalls.get();
    private static final int BURST = 300;


    private static long noSocketAtUdpRcv(DropReport r) {
        return r.sites().stream().filter(s -> "__udp4_lib_rcv".equals(s.symbol()) && "NO_SOCKET".equals(s.reason()))
                .mapToLong(ResolvedDropSite::count).sum();
    }

    @Test
    void dropsStillInTheRingsWhenWatchingStopsAreInTheTotals() throws Exception {
        try (Netns ns = Netns.create("drain"); TracepointMonitor m = TracepointMonitor.open(SYS, "test")) {
            ns.ip("link", "set", "lo", "up");
            DropReportBuilder builder = new DropReportBuilder(Kallsyms.query(Path.of("/proc")), m.reasons(), Map.of(),
                    (symbol, reason) -> false);
            DropWatcher.Settings settings = new DropWatcher.Settings(60_000_000_000L, 0, 0, s -> true, 4096);
            AtomicLong intervals = new AtomicLong();
            boolean[] sent = {false};
            // the burst goes out in the stop check itself: the loop never polls after it, so only the drain
            // at stop can bring it into the totals
            DropWatcher w = new DropWatcher(m, builder, settings, new DropWatcher.Output() {
                @Override
                public int interval(DropReport report) {
                    intervals.incrementAndGet();
                    return 0;
                }

                @Override
                public void packet(ResolvedPacket packet) {
                    fail("no packets from the tracepoint");
                }
            }, () -> {
                if (!sent[0]) {
                    sent[0] = true;
                    try {
                        ns.sendToClosedPort(SYS, BURST);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
                return true;
            }, Runtime.getRuntime().availableProcessors());
            DropReport totals = w.run();
            assertTrue(sent[0]);
            // the tracepoint is global: another process's NO_SOCKET drop at the same site may add, none may go missing
            assertTrue(noSocketAtUdpRcv(totals) >= BURST, "counted " + noSocketAtUdpRcv(totals) + " of " + BURST + " total " + totals.total()
                    + ": " + totals.sites());
            assertEquals(0, totals.lost());
            assertEquals(1, intervals.get(), "the last interval report, after the drain");

            // finished: the events are off, later drops reach no ring
            ns.sendToClosedPort(SYS, 50);
            long[] after = {0};
            m.poll(new DropSink() {
                @Override
                public void onDrops(long location, int reason, DropOrigin origin, int ifindex, int cpu, long timeNs,
                                    long count) {
                    after[0] += count;
                }

                @Override
                public void onLost(long count) {
                    fail("lost after finish");
                }

                @Override
                public void onPacket(DropPacket packet) {
                }
            }, 50);
            assertEquals(0, after[0], "drops arrived after finish disabled the events");
        }
    }
}
