package dev.dropscope.collect;

import dev.dropscope.model.DropOrigin;
import dev.dropscope.perf.CpuList;
import dev.dropscope.perf.KfreeSkbConsumer;
import dev.dropscope.perf.KfreeSkbLayout;
import dev.dropscope.perf.TracepointFormat;
import dev.dropscope.perf.TracepointReader;
import dev.dropscope.perf.Tracefs;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Drops from the {@code skb:kfree_skb} tracepoint, read through one perf ring per CPU. The rings wake
 * us only at a watermark, and {@link #poll} drains them on a timer: waking a reader per event costs the
 * dropping CPU more than the drop itself. {@code consume_skb} (a normal free) is a different tracepoint
 * and never counted.
 */
public final class TracepointMonitor implements DropMonitor {
    /** Longest sleep inside one poll, so a busy ring below its watermark is still drained often. */
    static final int MAX_WAIT_MILLIS = 100;

    private final Tracefs tracefs;
    private final TracepointReader reader;
    private final DropReasons reasons;
    private final String why;
    private final boolean hasReasons;
    private final long[] lostSeen;
    private final Forwarder forwarder = new Forwarder();
    private final AtomicBoolean closed = new AtomicBoolean();

    private TracepointMonitor(Tracefs tracefs, TracepointReader reader, DropReasons reasons, String why, boolean hasReasons) {
        this.tracefs = tracefs;
        this.reader = reader;
        this.reasons = reasons;
        this.why = why;
        this.hasReasons = hasReasons;
        this.lostSeen = new long[reader.cpus().length];
    }

    /** The layout of skb:kfree_skb on this kernel, from its format file. */
    public static KfreeSkbLayout layout(TracepointFormat f) throws IOException {
        int pid = offset(f, "common_pid", true);
        int location = offset(f, "location", true);
        int protocol = offset(f, "protocol", true);
        int reason = offset(f, "reason", false);
        int rxSk = offset(f, "rx_sk", false);
        try {
            return new KfreeSkbLayout((int) f.id(), pid, location, protocol, reason, rxSk);
        } catch (IllegalArgumentException e) {
            throw new IOException("skb:kfree_skb format not usable: " + e.getMessage(), e);
        }
    }

    private static int offset(TracepointFormat f, String field, boolean required) throws IOException {
        var fld = f.field(field);
        if (fld.isEmpty()) {
            if (required) {
                throw new IOException("skb:kfree_skb on this kernel has no '" + field + "' field");
            }
            return -1;
        }
        return fld.get().offset();
    }

    /**
     * Finds (or privately mounts) tracefs, reads the event's format, and opens the rings. Everything
     * opened is released again if a later step fails.
     */
    public static TracepointMonitor open(Syscalls sys, String why) throws IOException {
        return open(sys, why, null);
    }

    /**
     * As {@link #open(Syscalls, String)} with the given ring geometry on every online CPU (null: the
     * defaults). Tests use a tiny ring to make the monitor lose events on purpose.
     */
    public static TracepointMonitor open(Syscalls sys, String why, TracepointReader.Options rings) throws IOException {
        Tracefs tracefs = Tracefs.open(sys, Path.of("/"));
        try {
            TracepointFormat f = tracefs.readFormat("skb", "kfree_skb");
            KfreeSkbLayout layout = layout(f);
            DropReasons reasons = new DropReasons(f.symbols("reason"));
            TracepointReader reader = rings == null ? TracepointReader.open(sys, layout)
                    : TracepointReader.open(sys, layout, CpuList.queryOnline(Path.of("/sys")), rings,
                    TracepointReader.pageSize());
            return new TracepointMonitor(tracefs, reader, reasons, why, layout.reasonOffset() >= 0);
        } catch (IOException | RuntimeException e) {
            try {
                tracefs.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
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
        return hasReasons;
    }

    @Override
    public DropReasons reasons() {
        return reasons;
    }

    /** Adapts the reader's primitive callback to the sink without allocating per drop. */
    private static final class Forwarder implements KfreeSkbConsumer {
        DropSink sink;

        @Override
        public void onDrop(int cpu, long timeNs, int pid, long location, int reason, int protocol, long rxSk) {
            sink.onDrops(location, reason, DropOrigin.SOFTWARE, -1, cpu, timeNs, 1);
        }
    }

    @Override
    public long poll(DropSink sink, int timeoutMillis) throws IOException {
        DropMonitor.failIfInterrupted();
        reader.await(Math.min(timeoutMillis, MAX_WAIT_MILLIS));
        DropMonitor.failIfInterrupted(); // poll(2) does not see Java interrupts: checked when it returns
        return drain(sink);
    }

    /**
     * Drains the rings, disables the events, drains again: drops below the wakeup watermark, or since the
     * last poll, are counted before the final report instead of being unmapped with the rings.
     */
    @Override
    public long finish(DropSink sink) throws IOException {
        // drain first: on kernel 6.18 samples still unread when PERF_EVENT_IOC_DISABLE lands were no longer
        // readable afterwards (TracepointFinishTest saw 0 of 300); the second drain takes what came between
        long n = drain(sink);
        reader.disable();
        return n + drain(sink);
    }

    private long drain(DropSink sink) {
        forwarder.sink = sink;
        long n = reader.drain(forwarder);
        for (int i = 0; i < lostSeen.length; i++) {
            long l = reader.lost(i);
            if (l > lostSeen[i]) {
                sink.onLost(l - lostSeen[i]);
                lostSeen[i] = l;
            }
        }
        return n;
    }

    @Override
    public Map<String, Long> health() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("perf_lost", reader.lostTotal());
        m.put("perf_malformed", reader.malformed());
        m.put("ring_bytes_per_cpu", (long) reader.ringDataBytes());
        return m;
    }

    /** Idempotent and safe from a shutdown hook; a second caller waits until the first has finished. */
    @Override
    public synchronized void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            reader.close();
        } finally {
            tracefs.close();
        }
    }
}
