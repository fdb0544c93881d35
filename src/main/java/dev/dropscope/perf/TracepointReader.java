package dev.dropscope.perf;

import dev.dropscope.sys.Errno;
import dev.dropscope.sys.Fd;
import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code skb:kfree_skb} through perf_event_open: one event and one mmap ring per online CPU,
 * every hit sampled with TIME, CPU and RAW. The caller drains on a timer ({@link #drain} every 10 to
 * 100 ms) and may sleep in {@link #await} between drains; the kernel wakes a waiter only when half a ring
 * is full, because a wakeup per event costs the dropping CPU more than the drop (measured: -78 % drop
 * rate with wakeup_events=1, against ~0.7 µs per drop with a 2 MiB watermark).
 *
 * <p>Samples the kernel could not store (ring full) arrive as PERF_RECORD_LOST counts, kept per CPU and
 * passed on, never dropped silently. {@code consume_skb} (normal frees) is a different tracepoint and is
 * not opened.
 *
 * <p>{@link #drain}, {@link #await} and {@link #close} are synchronized: a drain must never touch a ring
 * another thread is unmapping.
 */
public final class TracepointReader implements AutoCloseable {
    /** _IO('$', 0) and _IO('$', 1): no direction, no size, type '$' = 0x24 in bits 8-15. */
    static final long PERF_EVENT_IOC_ENABLE = 0x2400;
    static final long PERF_EVENT_IOC_DISABLE = 0x2401;
    public static final long PERF_FLAG_FD_CLOEXEC = 1L << 3;
    private static final short POLLIN = 0x1;

    /**
     * Ring geometry and wakeups.
     *
     * @param dataPagesPerCpu      data pages of each CPU's ring, a power of two
     * @param wakeupWatermarkBytes wake a waiter in {@link #await} once this many bytes are unread
     * @param wakeupEvents         if positive, wake every n samples instead of the watermark (measurement only)
     */
    public record Options(int dataPagesPerCpu, int wakeupWatermarkBytes, int wakeupEvents) {
        /**
         * 4 MiB per CPU (~58 k samples of 72 bytes: 40 ms at 1.5 M drops/s on one CPU, so a 10 ms drain
         * timer has 4x headroom), woken at half full.
         */
        public static Options defaults(int pageSize) {
            int pages = Math.max(1, (4 << 20) / pageSize);
            return new Options(pages, pages * pageSize / 2, 0);
        }

        public Options {
            if (dataPagesPerCpu <= 0 || Integer.bitCount(dataPagesPerCpu) != 1) {
                throw new IllegalArgumentException("data pages per CPU must be a power of two: " + dataPagesPerCpu);
            }
        }
    }

    private final Syscalls sys;
    private final KfreeSkbLayout layout;
    private final int[] cpus;
    private final Fd[] fds;
    private final PerfRing[] rings;
    private final long[] lost;
    private final long[] samples;
    private final NativeBuffer pollFds;
    private final Decoder decoder = new Decoder();
    private long malformed;
    private boolean closed;

    private TracepointReader(Syscalls sys, KfreeSkbLayout layout, int[] cpus, Fd[] fds, PerfRing[] rings) {
        this.sys = sys;
        this.layout = layout;
        this.cpus = cpus.clone();
        this.fds = fds;
        this.rings = rings;
        this.lost = new long[cpus.length];
        this.samples = new long[cpus.length];
        this.pollFds = NativeBuffer.allocate(8 * cpus.length);
        for (int i = 0; i < fds.length; i++) {
            pollFds.buffer().putInt(8 * i, fds[i].get());
            pollFds.buffer().putShort(8 * i + 4, POLLIN);
        }
    }

    /**
     * A reader over rings that belong to no perf event (recorded or fuzzed ring images, see
     * PerfRing#over): {@link #drain} decodes them exactly as live rings; there is nothing to poll.
     */
    static TracepointReader overImages(KfreeSkbLayout layout, int[] cpus, PerfRing[] rings) {
        if (cpus.length != rings.length) {
            throw new IllegalArgumentException(cpus.length + " CPUs but " + rings.length + " rings");
        }
        return new TracepointReader(null, layout, cpus, new Fd[0], rings);
    }

    /** Opens the event on every online CPU with the default rings. */
    public static TracepointReader open(Syscalls sys, KfreeSkbLayout layout) throws IOException {
        int page = pageSize();
        return open(sys, layout, CpuList.queryOnline(Path.of("/sys")), Options.defaults(page), page);
    }

    /**
     * Opens the event on each of {@code cpus}, maps the rings, then enables all of them. If anything
     * fails, whatever was opened or mapped so far is released before the exception leaves.
     */
    public static TracepointReader open(Syscalls sys, KfreeSkbLayout layout, int[] cpus, Options options,
                                        int pageSize) throws NativeIoException {
        if (cpus.length == 0) {
            throw new IllegalArgumentException("no CPUs to open");
        }
        PerfEventAttr attr = PerfEventAttr.tracepoint(layout.eventId(), options.wakeupWatermarkBytes());
        if (options.wakeupEvents() > 0) {
            attr.withWakeupEvents(options.wakeupEvents());
        }
        NativeBuffer attrBuf = attr.toBuffer();
        Fd[] fds = new Fd[cpus.length];
        PerfRing[] rings = new PerfRing[cpus.length];
        boolean ok = false;
        try {
            for (int i = 0; i < cpus.length; i++) {
                int r = sys.perfEventOpen(attrBuf, 0, -1, cpus[i], -1, PERF_FLAG_FD_CLOEXEC);
                if (r < 0) {
                    throw new NativeIoException("perf_event_open(skb:kfree_skb id " + layout.eventId()
                            + ", cpu " + cpus[i] + ")", -r, openHint(-r));
                }
                fds[i] = Fd.own(sys, "perf_event_open", r);
                rings[i] = PerfRing.map(sys, fds[i].get(), options.dataPagesPerCpu(), pageSize);
            }
            for (int i = 0; i < cpus.length; i++) {
                NativeIoException.check("ioctl(PERF_EVENT_IOC_ENABLE, cpu " + cpus[i] + ")",
                        sys.ioctlValue(fds[i].get(), PERF_EVENT_IOC_ENABLE, 0));
            }
            TracepointReader reader = new TracepointReader(sys, layout, cpus, fds, rings);
            ok = true;
            return reader;
        } finally {
            if (!ok) {
                release(rings, fds);
            }
        }
    }

    private static String openHint(int errno) {
        switch (errno) {
            case Errno.EACCES:
            case Errno.EPERM:
                return "raw tracepoint samples need root or CAP_PERFMON (kernel.perf_event_paranoid)";
            case Errno.ENOENT:
            case Errno.EINVAL:
                return "the tracepoint id does not match this kernel";
            default:
                return null;
        }
    }

    private static void release(PerfRing[] rings, Fd[] fds) {
        // unmap before close: the event goes away with its last reference, the fd or the mapping
        for (PerfRing r : rings) {
            if (r != null) {
                r.close();
            }
        }
        for (Fd f : fds) {
            if (f != null) {
                f.close();
            }
        }
    }

    /** The page size from the ELF auxiliary vector (AT_PAGESZ); ring sizes are counted in pages. */
    public static int pageSize() {
        try {
            ByteBuffer aux = ByteBuffer.wrap(Files.readAllBytes(Path.of("/proc/self/auxv"))).order(ByteOrder.nativeOrder());
            for (int i = 0; i + 16 <= aux.limit(); i += 16) {
                long type = aux.getLong(i);
                if (type == 6) { // AT_PAGESZ
                    return (int) aux.getLong(i + 8);
                }
                if (type == 0) {
                    break;
                }
            }
        } catch (IOException e) {
            // fall through: 4 KiB is the page size of every platform dropscope runs on by default
        }
        return 4096;
    }

    /**
     * Decodes every sample waiting in every ring and hands it to {@code consumer}. Returns the number
     * of samples delivered. Bounded: samples arriving during the call wait for the next one.
     */
    public synchronized long drain(KfreeSkbConsumer consumer) {
        ensureOpen();
        long delivered = 0;
        decoder.consumer = consumer;
        try {
            for (int i = 0; i < rings.length; i++) {
                decoder.index = i;
                decoder.delivered = 0;
                rings[i].drain(decoder);
                delivered += decoder.delivered;
            }
        } finally {
            decoder.consumer = null;
        }
        return delivered;
    }

    /**
     * Sleeps until some ring passed its watermark or {@code timeoutMillis} ran out. Returns true when
     * a ring is readable. EINTR counts as a timeout.
     */
    public synchronized boolean await(int timeoutMillis) throws NativeIoException {
        ensureOpen();
        int r = sys.poll(pollFds, 0, cpus.length, timeoutMillis);
        if (r < 0 && r != -Errno.EINTR) {
            throw new NativeIoException("poll(perf rings)", -r);
        }
        return r > 0;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("tracepoint reader is closed");
        }
    }

    public int[] cpus() {
        return cpus.clone();
    }

    /** Samples the kernel could not store on the {@code index}-th CPU of {@link #cpus()}. */
    public synchronized long lost(int index) {
        return lost[index];
    }

    public synchronized long lostTotal() {
        long t = 0;
        for (long l : lost) {
            t += l;
        }
        return t;
    }

    /** Samples delivered from the {@code index}-th CPU of {@link #cpus()}. */
    public synchronized long samples(int index) {
        return samples[index];
    }

    public synchronized long samplesTotal() {
        long t = 0;
        for (long s : samples) {
            t += s;
        }
        return t;
    }

    /** Samples too short for the layout's fields, and rings found corrupt: both should stay 0. */
    public synchronized long malformed() {
        long t = malformed;
        for (PerfRing r : rings) {
            t += r.corruptions();
        }
        return t;
    }

    /** Bytes of each ring's data area. */
    public int ringDataBytes() {
        return rings[0].dataSize();
    }

    /**
     * Stops the events (PERF_EVENT_IOC_DISABLE on every CPU) but keeps the rings mapped, so what they
     * hold can still be {@link #drain}ed: the end of a session, before its final count. Idempotent.
     */
    public synchronized void disable() throws NativeIoException {
        ensureOpen();
        for (int i = 0; i < fds.length; i++) {
            NativeIoException.check("ioctl(PERF_EVENT_IOC_DISABLE, cpu " + cpus[i] + ")",
                    sys.ioctlValue(fds[i].get(), PERF_EVENT_IOC_DISABLE, 0));
        }
    }

    /** Disables, unmaps and closes everything, once; later calls do nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Fd f : fds) {
            if (f.isOpen()) {
                sys.ioctlValue(f.get(), PERF_EVENT_IOC_DISABLE, 0);
            }
        }
        release(rings, fds);
    }

    /** Turns raw sample bytes into primitive fields; one instance, reused for every record. */
    private final class Decoder implements PerfRing.RecordSink {
        KfreeSkbConsumer consumer;
        int index;
        long delivered;

        @Override
        public void sample(ByteBuffer b, int at, int size) {
            int rawSize = b.getInt(at + PerfEventAttr.SAMPLE_RAW_SIZE_OFFSET);
            if (rawSize < layout.minimumRawSize() || PerfEventAttr.SAMPLE_RAW_DATA_OFFSET + rawSize > size) {
                malformed++;
                return;
            }
            int raw = at + PerfEventAttr.SAMPLE_RAW_DATA_OFFSET;
            long time = b.getLong(at + PerfEventAttr.SAMPLE_TIME_OFFSET);
            int cpu = b.getInt(at + PerfEventAttr.SAMPLE_CPU_OFFSET);
            int pid = b.getInt(raw + layout.commonPidOffset());
            long location = b.getLong(raw + layout.locationOffset());
            int protocol = b.getShort(raw + layout.protocolOffset()) & 0xffff;
            int reason = layout.reasonOffset() >= 0 ? b.getInt(raw + layout.reasonOffset()) : 0;
            long rxSk = layout.rxSkOffset() >= 0 ? b.getLong(raw + layout.rxSkOffset()) : 0;
            samples[index]++;
            delivered++;
            consumer.onDrop(cpu, time, pid, location, reason, protocol, rxSk);
        }

        @Override
        public void lost(long count) {
            lost[index] += count;
            consumer.onLost(cpus[index], count);
        }
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < cpus.length; i++) {
            parts.add("cpu" + cpus[i] + " samples=" + samples[i] + " lost=" + lost[i]);
        }
        return "TracepointReader[" + String.join(", ", parts) + "]";
    }
}
