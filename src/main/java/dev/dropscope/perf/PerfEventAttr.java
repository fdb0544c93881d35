package dev.dropscope.perf;

import dev.dropscope.sys.NativeBuffer;

import java.nio.ByteBuffer;

/**
 * Builds a {@code struct perf_event_attr} (linux/perf_event.h) in native memory. Offsets and bit
 * positions were checked against the header with gcc (offsetof, and setting each bitfield alone);
 * {@code PerfEventAttrTest} re-derives them from the installed header.
 *
 * <p>With {@link #SAMPLE_TYPE_DROPS} (TIME | CPU | RAW) a PERF_RECORD_SAMPLE is, in this order:
 * <pre>
 *   +0   struct perf_event_header { u32 type; u16 misc; u16 size; }
 *   +8   u64 time          PERF_SAMPLE_TIME (the clock chosen with use_clockid)
 *   +16  u32 cpu, u32 res  PERF_SAMPLE_CPU
 *   +24  u32 size          PERF_SAMPLE_RAW: size of the raw data, padded so the record stays u64-aligned
 *   +28  u8  data[size]    the tracepoint's record: common fields, then the event's own fields
 * </pre>
 */
public final class PerfEventAttr {
    public static final int PERF_TYPE_TRACEPOINT = 2;

    public static final long PERF_SAMPLE_TIME = 1L << 2;
    public static final long PERF_SAMPLE_CPU = 1L << 7;
    public static final long PERF_SAMPLE_RAW = 1L << 10;
    public static final long SAMPLE_TYPE_DROPS = PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_RAW;

    /** Offsets inside a sample record laid out by {@link #SAMPLE_TYPE_DROPS}. */
    public static final int SAMPLE_TIME_OFFSET = 8;
    public static final int SAMPLE_CPU_OFFSET = 16;
    public static final int SAMPLE_RAW_SIZE_OFFSET = 24;
    public static final int SAMPLE_RAW_DATA_OFFSET = 28;

    /**
     * The size we declare. Every field we set lies in the first 64 bytes (VER0); VER5 (aux_watermark,
     * Linux 4.1) is what perf tools of the 4.x era send, accepted by every kernel since. A kernel
     * accepts any size between VER0 and its own, and a larger one if the extra bytes are zero.
     */
    public static final int PERF_ATTR_SIZE_VER5 = 112;

    // bit positions inside the u64 bitfield word at offset 40
    public static final long FLAG_DISABLED = 1L << 0;
    public static final long FLAG_WATERMARK = 1L << 14;
    public static final long FLAG_SAMPLE_ID_ALL = 1L << 18;
    public static final long FLAG_USE_CLOCKID = 1L << 25;

    static final int OFFSET_TYPE = 0;
    static final int OFFSET_SIZE = 4;
    static final int OFFSET_CONFIG = 8;
    static final int OFFSET_SAMPLE_PERIOD = 16;
    static final int OFFSET_SAMPLE_TYPE = 24;
    static final int OFFSET_READ_FORMAT = 32;
    static final int OFFSET_FLAGS = 40;
    static final int OFFSET_WAKEUP = 48; // union { wakeup_events; wakeup_watermark; }
    static final int OFFSET_CLOCKID = 92;

    public static final int CLOCK_MONOTONIC = 1;

    private int type;
    private long config;
    private long samplePeriod;
    private long sampleType;
    private long flags;
    private int wakeup;
    private int clockid;

    private PerfEventAttr() {
    }

    /**
     * A tracepoint event sampling every hit ({@code sample_period=1}) with TIME, CPU and RAW, created
     * disabled (so all CPUs can be enabled together once every ring is mapped), timestamps from
     * CLOCK_MONOTONIC (the clock of {@link System#nanoTime()}), and no wakeup until
     * {@code wakeupWatermarkBytes} are waiting: a wakeup per event costs the dropping CPU more than
     * the drop itself.
     */
    public static PerfEventAttr tracepoint(int eventId, int wakeupWatermarkBytes) {
        PerfEventAttr a = new PerfEventAttr();
        a.type = PERF_TYPE_TRACEPOINT;
        a.config = eventId;
        a.samplePeriod = 1;
        a.sampleType = SAMPLE_TYPE_DROPS;
        a.flags = FLAG_DISABLED | FLAG_WATERMARK | FLAG_USE_CLOCKID;
        a.wakeup = wakeupWatermarkBytes;
        a.clockid = CLOCK_MONOTONIC;
        return a;
    }

    /**
     * A counting (never sampling) event on tracepoint {@code eventId}, created disabled: the carrier an eBPF
     * program is attached to. It writes no samples, so it needs no ring.
     */
    public static PerfEventAttr tracepointCounter(int eventId) {
        PerfEventAttr a = new PerfEventAttr();
        a.type = PERF_TYPE_TRACEPOINT;
        a.config = eventId;
        a.flags = FLAG_DISABLED;
        return a;
    }

    /** Same, but a wakeup every {@code events} samples (watermark off): for measurements only. */
    public PerfEventAttr withWakeupEvents(int events) {
        flags &= ~FLAG_WATERMARK;
        wakeup = events;
        return this;
    }

    public int type() {
        return type;
    }

    public long config() {
        return config;
    }

    public long sampleType() {
        return sampleType;
    }

    public long flags() {
        return flags;
    }

    public int wakeup() {
        return wakeup;
    }

    /** A fresh zeroed buffer holding this attr (reserved and unused fields zero, as the kernel demands). */
    public NativeBuffer toBuffer() {
        NativeBuffer nb = NativeBuffer.allocate(PERF_ATTR_SIZE_VER5);
        ByteBuffer b = nb.buffer();
        b.putInt(OFFSET_TYPE, type);
        b.putInt(OFFSET_SIZE, PERF_ATTR_SIZE_VER5);
        b.putLong(OFFSET_CONFIG, config);
        b.putLong(OFFSET_SAMPLE_PERIOD, samplePeriod);
        b.putLong(OFFSET_SAMPLE_TYPE, sampleType);
        b.putLong(OFFSET_READ_FORMAT, 0);
        b.putLong(OFFSET_FLAGS, flags);
        b.putInt(OFFSET_WAKEUP, wakeup);
        b.putInt(OFFSET_CLOCKID, clockid);
        return nb;
    }
}
