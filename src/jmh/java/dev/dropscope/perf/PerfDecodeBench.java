package dev.dropscope.perf;

import dev.dropscope.collect.DropAggregator;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.sys.NativeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The user-space cost of one skb:kfree_skb sample, per sample: {@link PerfRing#drain} walking a 1 MiB
 * ring filled with {@value #N} kernel-format records (PERF_SAMPLE_TIME | CPU | RAW, 72 bytes, the raw
 * part laid out as on this project's 6.18 kernel: recorded in src/test/resources/perf/ring-image), then
 * decoding each record with {@code TracepointReader}'s own decoder (over the image, as the fuzz tests do), then (in {@link #drainDecodeAggregate})
 * counting it in a {@link DropAggregator} as the tracepoint monitor does. The ring sits in native memory
 * (a direct buffer) like the real mapping; its tail is reset before each drain.
 *
 * <p>setup() checks every record decodes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PerfDecodeBench {
    static final int PAGE = 4096;
    static final int DATA_PAGES = 256;
    static final int RECORD = 72;
    static final int N = DATA_PAGES * PAGE / RECORD - 1;
    // the recorded layout (ring-image.properties)
    static final KfreeSkbLayout LAYOUT = new KfreeSkbLayout(2310, 4, 16, 32, 36, 24);
    static final long UDP4_LIB_RCV = 0xffffffff82046290L;

    private NativeBuffer image;
    private PerfRing ring;
    private TracepointReader reader;
    private final Decode decode = new Decode();
    private final DropAggregator aggregator = new DropAggregator(4096, 2, 0);

    /** Takes each drop from the real decoder and either folds it into a checksum or counts it like TracepointMonitor. */
    final class Decode implements KfreeSkbConsumer {
        long samples;
        long acc;
        boolean aggregate;

        @Override
        public void onDrop(int cpu, long timeNs, int pid, long location, int reason, int protocol, long rxSk) {
            samples++;
            if (aggregate) {
                aggregator.add(location, reason, DropOrigin.SOFTWARE, -1, cpu, timeNs, 1);
            } else {
                acc += timeNs ^ cpu ^ pid ^ location ^ protocol ^ reason ^ rxSk;
            }
        }
    }

    @Setup
    public void setup() {
        image = NativeBuffer.allocate((1 + DATA_PAGES) * PAGE);
        ByteBuffer m = image.buffer();
        m.putLong(PerfRing.OFFSET_DATA_OFFSET, PAGE);
        m.putLong(PerfRing.OFFSET_DATA_SIZE, (long) DATA_PAGES * PAGE);
        for (int k = 0; k < N; k++) {
            int at = PAGE + k * RECORD;
            m.putInt(at, PerfRing.PERF_RECORD_SAMPLE);
            m.putShort(at + 6, (short) RECORD);
            m.putLong(at + PerfEventAttr.SAMPLE_TIME_OFFSET, 1_000_000_000L + k * 700L);
            m.putInt(at + PerfEventAttr.SAMPLE_CPU_OFFSET, k & 1);
            m.putInt(at + PerfEventAttr.SAMPLE_RAW_SIZE_OFFSET, RECORD - PerfEventAttr.SAMPLE_RAW_DATA_OFFSET);
            int raw = at + PerfEventAttr.SAMPLE_RAW_DATA_OFFSET;
            m.putShort(raw, (short) 2310);                  // common_type
            m.putInt(raw + 4, 29876);                         // common_pid
            m.putLong(raw + 8, 0xffff888100000000L + k * 256L); // skbaddr
            m.putLong(raw + 16, UDP4_LIB_RCV + 0x545);        // location
            m.putLong(raw + 24, 0);                           // rx_sk
            m.putShort(raw + 32, (short) 0x0800);             // protocol
            m.putInt(raw + 36, 3);                            // reason NO_SOCKET
        }
        m.putLong(PerfRing.OFFSET_DATA_HEAD, (long) N * RECORD);
        ring = PerfRing.over(image, PAGE, DATA_PAGES);
        reader = TracepointReader.overImages(LAYOUT, new int[] {0}, new PerfRing[] {ring});
        drainOnly();
        if (decode.samples != N || reader.malformed() != 0 || ring.corruptions() != 0) {
            throw new IllegalStateException("decoded " + decode.samples + " of " + N + ", malformed " + reader.malformed());
        }
        decode.aggregate = true;
        drainDecodeAggregate();
        if (aggregator.total() != N || aggregator.distinctSites() != 1) {
            throw new IllegalStateException("aggregated " + aggregator.total() + " at " + aggregator.distinctSites() + " sites");
        }
    }

    private long drain(boolean aggregate) {
        image.buffer().putLong(PerfRing.OFFSET_DATA_TAIL, 0);
        decode.aggregate = aggregate;
        return reader.drain(decode);
    }

    /** Walk + decode, per sample. */
    @Benchmark
    @OperationsPerInvocation(N)
    public long drainOnly() {
        drain(false);
        return decode.acc;
    }

    /** Walk + decode + DropAggregator.add, per sample: the tracepoint source's whole per-drop path. */
    @Benchmark
    @OperationsPerInvocation(N)
    public long drainDecodeAggregate() {
        drain(true);
        return aggregator.total();
    }
}
