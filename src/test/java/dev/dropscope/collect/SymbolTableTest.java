package dev.dropscope.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.procfs.Kallsyms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The symbol table is read in the background: what a command prints before the first drop (the watch
 * start record, an empty interval) must not wait for it, and resolving a location must. The loader
 * here blocks until the test lets it go, so a wait would deadlock (the timeout only ends a hung run).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SymbolTableTest {
    private static final Kallsyms TABLE = Kallsyms.parse((
            "ffffffff81000000 T _stext\n"
            + "ffffffff81000100 T udp_queue_rcv_one_skb\n"
            + "ffffffff81000400 T udp_rcv\n").getBytes(StandardCharsets.US_ASCII));

    private static DropReportBuilder builder(SymbolTable symbols) {
        return DropReportBuilder.withSymbols(symbols, new DropReasons(Map.of(2L, "NO_SOCKET")), Map.of(),
                (fn, reason) -> false);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void startNoteAndQuietIntervalsDoNotWaitForTheTable() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch loading = new CountDownLatch(1);
        SymbolTable symbols = SymbolTable.loadInBackground(() -> {
            loading.countDown();
            await(release);
            return TABLE;
        }, null, e -> { });
        loading.await();
        DropReportBuilder b = builder(symbols);

        assertNull(b.symbolsNote(), "the early verdict, while the loader is still blocked");
        assertFalse(symbols.ready());
        DropAggregator agg = new DropAggregator(16, 2, 0);
        DropReport quiet = b.report("tracepoint", agg.snapshot(1_000_000_000L), 1_000_000_000L, false, s -> true, 0);
        assertEquals(List.of(), quiet.sites());
        assertFalse(symbols.ready(), "an interval without drops does not need the table");

        release.countDown();
        agg.add(0xffffffff81000123L, 2, DropOrigin.SOFTWARE, -1, 0, 1_500_000_000L, 3);
        DropReport report = b.report("tracepoint", agg.snapshot(2_000_000_000L), 2_000_000_000L, false, s -> true, 0);
        ResolvedDropSite site = report.sites().get(0);
        assertEquals("udp_queue_rcv_one_skb", site.symbol());
        assertEquals(0x23, site.offset());
        assertEquals(0x300, site.size());
        assertEquals("NO_SOCKET", site.reason());
        assertTrue(symbols.ready());
    }

    @Test
    void earlyNoteStandsUntilTheTableSaysOtherwise() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<IOException> failures = new CopyOnWriteArrayList<>();
        SymbolTable symbols = SymbolTable.loadInBackground(() -> {
            await(release);
            throw new IOException("Permission denied");
        }, SymbolTable.HIDDEN, failures::add);
        assertEquals(SymbolTable.HIDDEN, builder(symbols).symbolsNote());
        release.countDown();
        assertNull(symbols.table(), "an unreadable table resolves nothing");
        assertEquals(SymbolTable.UNREADABLE, builder(symbols).symbolsNote());
        assertEquals("Permission denied", failures.get(0).getMessage());
    }

    @Test
    void theGateHoldsTheReadOfThisMachinesTableUntilItOpens() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch waiting = new CountDownLatch(1);
        List<IOException> failures = new CopyOnWriteArrayList<>();
        SymbolTable t = SymbolTable.loadInBackground(failures::add, () -> {
            waiting.countDown();
            gate.await();
        });
        assertTrue(waiting.await(20, TimeUnit.SECONDS), "the loader thread reached the gate");
        Thread.sleep(50);
        assertFalse(t.ready(), "read before the gate opened");
        gate.countDown();
        Kallsyms k = t.table();
        assertEquals(List.of(), failures);
        // as root the real table has addresses; otherwise it is there with them hidden: read either way
        assertTrue(k != null && k.state() != null);
    }

    @Test
    void aTableAlreadyReadGivesTheSameNotesAsBefore() {
        assertNull(SymbolTable.of(TABLE).note());
        assertEquals(SymbolTable.UNREADABLE, SymbolTable.of(null).note());
        assertEquals(SymbolTable.HIDDEN, SymbolTable.of(Kallsyms.parse(
                "0000000000000000 T _stext\n".getBytes(StandardCharsets.US_ASCII))).note());
        assertEquals(SymbolTable.EMPTY, SymbolTable.of(Kallsyms.parse(new byte[0])).note());
    }
}
