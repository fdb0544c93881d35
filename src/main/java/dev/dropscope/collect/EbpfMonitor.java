package dev.dropscope.collect;

import dev.dropscope.bpf.BpfConstants;
import dev.dropscope.bpf.DropPrograms;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.perf.Bpf;
import dev.dropscope.perf.CpuList;
import dev.dropscope.perf.PercpuHashReader;
import dev.dropscope.perf.TracepointFormat;
import dev.dropscope.perf.Tracefs;
import dev.dropscope.sys.Fd;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Drops counted in the kernel by an eBPF program on {@code skb:kfree_skb}: the program adds one to a
 * per-CPU counter keyed by (location, reason) and returns, so a drop costs about what counting the
 * tracepoint costs, and nothing wakes us. {@link #poll} reads the map on a timer and reports what each
 * counter gained since the last read, per CPU. The map holds {@link #MAP_CAPACITY} distinct sites; a
 * drop at a new site when it is full is counted as lost (never silently evicted, as an LRU map would).
 */
public final class EbpfMonitor implements DropMonitor {
    /** Distinct (location, reason) pairs; a busy kernel shows a few hundred. */
    static final int MAP_CAPACITY = 10240;
    /** Longest sleep inside one poll. */
    static final int MAX_WAIT_MILLIS = 100;
    static final int BATCH_CHUNK = 1024;

    private final Syscalls sys;
    private final Fd counts;
    private final Fd overflow;
    private final Fd program;
    private final Fd event;
    private final DropReasons reasons;
    private final boolean hasReasons;
    private final String why;
    private final int[] cpus;
    private final PercpuHashReader reader;
    private final NativeBufferHolder overflowIo;
    private final Map<Key, long[]> seen = new HashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private long lostSeen;
    private long delivered;
    private int keys;

    /** (location, reason) as a map key on our side. */
    private record Key(long location, int reason) {
    }

    /** Buffers for reading the one-entry overflow array. */
    private static final class NativeBufferHolder {
        final dev.dropscope.sys.NativeBuffer key = dev.dropscope.sys.NativeBuffer.allocate(8);
        final dev.dropscope.sys.NativeBuffer value;
        final dev.dropscope.sys.NativeBuffer attr = Bpf.newAttr();

        NativeBufferHolder(int cpus) {
            value = dev.dropscope.sys.NativeBuffer.allocate(8 * cpus);
        }
    }

    private EbpfMonitor(Syscalls sys, Fd counts, Fd overflow, Fd program, Fd event, DropReasons reasons,
                        boolean hasReasons, String why, int[] cpus, boolean batch) {
        this.sys = sys;
        this.counts = counts;
        this.overflow = overflow;
        this.program = program;
        this.event = event;
        this.reasons = reasons;
        this.hasReasons = hasReasons;
        this.why = why;
        this.cpus = cpus;
        this.reader = new PercpuHashReader(sys, counts, DropPrograms.KEY_SIZE, cpus.length, BATCH_CHUNK, batch);
        this.overflowIo = new NativeBufferHolder(cpus.length);
    }

    /** Where location, reason and protocol are on this kernel, from the event's format file. */
    public static DropPrograms.Layout layout(TracepointFormat f) throws IOException {
        TracepointFormat.Field location = f.field("location")
                .orElseThrow(() -> new IOException("skb:kfree_skb on this kernel has no 'location' field"));
        TracepointFormat.Field protocol = f.field("protocol")
                .orElseThrow(() -> new IOException("skb:kfree_skb on this kernel has no 'protocol' field"));
        var reason = f.field("reason");
        return new DropPrograms.Layout(location.offset(), reason.map(TracepointFormat.Field::offset).orElse(-1),
                reason.map(TracepointFormat.Field::size).orElse(0), protocol.offset());
    }

    /** Opens the source with batch map reads where the kernel has them. */
    public static EbpfMonitor open(Syscalls sys, String why) throws IOException {
        return open(sys, why, true);
    }

    /**
     * Reads the event's format (through tracefs, unmounted again at once if we mounted it), creates the
     * maps, loads the program and attaches it. Everything made is closed again if a later step fails.
     */
    public static EbpfMonitor open(Syscalls sys, String why, boolean batch) throws IOException {
        TracepointFormat f;
        try (Tracefs tracefs = Tracefs.open(sys, Path.of("/"))) {
            f = tracefs.readFormat("skb", "kfree_skb");
        }
        DropPrograms.Layout layout = layout(f);
        int[] possible = CpuList.queryPossible(Path.of("/sys"));
        int[] online = CpuList.queryOnline(Path.of("/sys"));
        List<Fd> made = new ArrayList<>();
        try {
            Fd counts = keep(made, Bpf.createMap(sys, BpfConstants.BPF_MAP_TYPE_PERCPU_HASH, DropPrograms.KEY_SIZE,
                    DropPrograms.VALUE_SIZE, MAP_CAPACITY, "dropscope_drops"));
            Fd overflow = keep(made, Bpf.createMap(sys, BpfConstants.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1,
                    "dropscope_lost"));
            byte[] code = DropPrograms.summary(layout, counts.get(), overflow.get()).assemble();
            // GPL: bpf_get_smp_processor_id and friends are GPL-only helpers; the map helpers are not, but say what we are
            Fd prog = keep(made, Bpf.loadProgram(sys, BpfConstants.BPF_PROG_TYPE_TRACEPOINT, code, "GPL", "dropscope_sum"));
            Fd event = keep(made, Bpf.attachTracepoint(sys, (int) f.id(), prog, online[0]));
            return new EbpfMonitor(sys, counts, overflow, prog, event, new DropReasons(f.symbols("reason")),
                    layout.reasonOffset() >= 0, why, possible, batch);
        } catch (IOException | RuntimeException e) {
            for (int i = made.size() - 1; i >= 0; i--) {
                made.get(i).close();
            }
            throw e;
        }
    }

    private static Fd keep(List<Fd> made, Fd fd) {
        made.add(fd);
        return fd;
    }

    @Override
    public String source() {
        return "ebpf";
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

    @Override
    public long poll(DropSink sink, int timeoutMillis) throws IOException {
        int wait = Math.min(timeoutMillis, MAX_WAIT_MILLIS);
        if (wait > 0) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return collect(sink);
    }

    /** Reads the counters now and delivers what each gained since the last read. */
    synchronized long collect(DropSink sink) throws IOException {
        if (closed.get()) {
            return 0;
        }
        long now = System.nanoTime();
        long before = delivered;
        keys = reader.read((k, ko, v, vo) -> {
            long location = k.getLong(ko);
            int reason = k.getInt(ko + 8);
            long[] prev = seen.computeIfAbsent(new Key(location, reason), x -> new long[cpus.length]);
            for (int i = 0; i < cpus.length; i++) {
                long c = v.getLong(vo + 8 * i);
                if (c != prev[i]) {
                    sink.onDrops(location, reason, DropOrigin.SOFTWARE, -1, cpus[i], now, c - prev[i]);
                    delivered += c - prev[i];
                    prev[i] = c;
                }
            }
        });
        long lost = readOverflow();
        if (lost > lostSeen) {
            sink.onLost(lost - lostSeen);
            lostSeen = lost;
        }
        return delivered - before;
    }

    private long readOverflow() throws NativeIoException {
        NativeBufferHolder io = overflowIo;
        io.key.buffer().putInt(0, 0);
        NativeIoException.check("bpf(BPF_MAP_LOOKUP_ELEM dropscope_lost)",
                Bpf.lookup(sys, overflow, io.key, 0, io.value, 0, io.attr));
        long sum = 0;
        ByteBuffer b = io.value.buffer();
        for (int i = 0; i < cpus.length; i++) {
            sum += b.getLong(8 * i);
        }
        return sum;
    }

    @Override
    public Map<String, Long> health() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("bpf_sites", (long) keys);
        m.put("bpf_site_capacity", (long) MAP_CAPACITY);
        m.put("bpf_lost_map_full", lostSeen);
        m.put("bpf_batch_reads", reader.batched() ? 1L : 0L);
        return m;
    }

    /** Detaches (closing the perf event), then frees the program and maps. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            event.close();
        } finally {
            try {
                program.close();
            } finally {
                try {
                    counts.close();
                } finally {
                    overflow.close();
                }
            }
        }
    }
}
