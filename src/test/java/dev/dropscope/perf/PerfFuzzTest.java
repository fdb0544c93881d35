package dev.dropscope.perf;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.dropscope.sys.NativeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Jazzer fuzz targets for what the perf/tracefs side reads and did not write: the bytes of a perf
 * ring (the kernel writes them, and a ring we read can hold anything a broken or hostile kernel
 * module puts there), tracefs format files and the kernel's CPU lists. Property: the ring reader
 * never throws and never reads outside the ring (it counts what it cannot decode as malformed); the
 * text parsers return or throw IllegalArgumentException, as documented.
 *
 * <p>Regression corpus: {@code src/test/resources/dev/dropscope/perf/PerfFuzzTestInputs/<method>/}.
 */
class PerfFuzzTest {
    private static final int PAGE = 4096;
    /** head, tail (u64 each) then the layout (6 s32), then the one-page data area. */
    static final int PREFIX = 16 + 24;

    /**
     * A one-page ring image: the input says data_head, data_tail, the kfree_skb layout (a format
     * file can give any offsets) and the data page's bytes. Two drains: the second must find the
     * tail handed back and deliver nothing new, however the first went.
     */
    @FuzzTest
    void perfRing(byte[] input) {
        if (input.length < PREFIX) {
            return;
        }
        ByteBuffer in = ByteBuffer.wrap(input).order(ByteOrder.nativeOrder());
        long head = in.getLong(0);
        long tail = in.getLong(8);
        KfreeSkbLayout layout;
        try {
            layout = new KfreeSkbLayout(in.getInt(16), in.getInt(20), in.getInt(24), in.getInt(28),
                    in.getInt(32), in.getInt(36));
        } catch (IllegalArgumentException refused) {
            return; // the layout's own check: TracepointMonitor never builds a reader on it
        }
        NativeBuffer image = NativeBuffer.allocate(2 * PAGE);
        ByteBuffer m = image.buffer();
        m.putLong(PerfRing.OFFSET_DATA_HEAD, head);
        m.putLong(PerfRing.OFFSET_DATA_TAIL, tail);
        m.putLong(PerfRing.OFFSET_DATA_OFFSET, PAGE);
        m.putLong(PerfRing.OFFSET_DATA_SIZE, PAGE);
        m.put(PAGE, input, PREFIX, Math.min(PAGE, input.length - PREFIX));
        try (TracepointReader r = TracepointReader.overImages(layout, new int[] {0},
                new PerfRing[] {PerfRing.over(image, PAGE, 1)})) {
            long[] seen = new long[2];
            KfreeSkbConsumer c = new KfreeSkbConsumer() {
                @Override
                public void onDrop(int cpu, long timeNs, int pid, long location, int reason, int protocol, long rxSk) {
                    seen[0]++;
                }

                @Override
                public void onLost(int cpu, long count) {
                    seen[1]++;
                }
            };
            long delivered = r.drain(c);
            if (delivered != seen[0] || delivered != r.samplesTotal()) {
                throw new AssertionError("drain said " + delivered + ", consumer saw " + seen[0]);
            }
            if (r.drain(c) != 0) {
                throw new AssertionError("a second drain delivered records again");
            }
            // read, skipped as corrupt or refused as a lying head: the space is given back either way
            if (m.getLong(PerfRing.OFFSET_DATA_TAIL) != head) {
                throw new AssertionError("tail " + m.getLong(PerfRing.OFFSET_DATA_TAIL) + " not handed back to head " + head);
            }
        }
    }

    /** A tracefs {@code events/<system>/<event>/format} file. */
    @FuzzTest
    void tracepointFormat(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        TracepointFormat f;
        try {
            f = TracepointFormat.parse(text);
        } catch (IllegalArgumentException refused) {
            Objects.requireNonNull(refused.getMessage());
            return;
        }
        Objects.requireNonNull(f.name());
        for (TracepointFormat.Field field : f.fields()) {
            f.field(field.name());
            f.symbols(field.name());
        }
        f.symbols("reason");
    }

    /** {@code /sys/devices/system/cpu/online} and friends. */
    @FuzzTest
    void cpuList(byte[] input) {
        try {
            int[] cpus = CpuList.parse(new String(input, StandardCharsets.UTF_8));
            Objects.requireNonNull(cpus);
        } catch (IllegalArgumentException refused) {
            Objects.requireNonNull(refused.getMessage());
        }
    }
}
