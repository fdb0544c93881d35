package dev.dropscope.perf;

import dev.dropscope.sys.NativeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PerfRing over a recorded real ring (see RingImageRecorder): a LOST record followed by samples, one
 * wrapping around the end; then the same image damaged in the ways a reader must survive.
 */
class PerfRingImageTest {
    private static final String DIR = "/perf/ring-image/";
    private static byte[] image;
    private static Properties p;
    private static int page;

    @BeforeAll
    static void load() throws IOException {
        p = new Properties();
        p.load(new StringReader(text(DIR + "ring-image.properties")));
        page = Integer.parseInt(p.getProperty("pageSize"));
        StringBuilder hex = new StringBuilder();
        for (String line : text(DIR + "ring.hex").split("\n")) {
            if (!line.startsWith("#")) {
                hex.append(line.strip());
            }
        }
        image = new byte[hex.length() / 2];
        for (int i = 0; i < image.length; i++) {
            image[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
    }

    private static String text(String name) throws IOException {
        try (InputStream in = PerfRingImageTest.class.getResourceAsStream(name)) {
            assertNotNull(in, name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static long prop(String key) {
        return Long.parseUnsignedLong(p.getProperty(key), key.startsWith("udp4") ? 16 : 10);
    }

    private static NativeBuffer copy() {
        NativeBuffer b = NativeBuffer.allocate(image.length);
        b.buffer().put(0, image);
        return b;
    }

    /** Decodes samples by the recorded layout, independently of TracepointReader. */
    private static final class Check implements PerfRing.RecordSink {
        long samples;
        long lost;
        long atUdpNoSocket;
        long lostSeenBeforeFirstSample = -1;

        @Override
        public void sample(ByteBuffer b, int at, int size) {
            if (samples == 0) {
                lostSeenBeforeFirstSample = lost;
            }
            samples++;
            int raw = at + PerfEventAttr.SAMPLE_RAW_DATA_OFFSET;
            assertTrue(b.getInt(at + PerfEventAttr.SAMPLE_RAW_SIZE_OFFSET) + PerfEventAttr.SAMPLE_RAW_DATA_OFFSET <= size);
            long loc = b.getLong(raw + (int) prop("locationOffset"));
            int reason = b.getInt(raw + (int) prop("reasonOffset"));
            int pid = b.getInt(raw + (int) prop("commonPidOffset"));
            boolean site = Long.compareUnsigned(loc, prop("udp4LibRcvStart")) >= 0
                    && Long.compareUnsigned(loc, prop("udp4LibRcvEnd")) < 0;
            if (site && reason == prop("reasonNoSocket") && pid == prop("generatorPid")) {
                atUdpNoSocket++;
            }
        }

        @Override
        public void lost(long n) {
            lost += n;
        }
    }

    @Test
    void replaysTheKernelsRecordsIncludingOneThatWraps() {
        NativeBuffer b = copy();
        ByteBuffer m = b.buffer();
        long head = m.getLong(PerfRing.OFFSET_DATA_HEAD);
        long tail = m.getLong(PerfRing.OFFSET_DATA_TAIL);
        int dataSize = (int) m.getLong(PerfRing.OFFSET_DATA_SIZE);
        assertEquals(page, dataSize);
        // the unread span crosses the end of the data area: some record wraps
        assertTrue((tail % dataSize) + (head - tail) > dataSize, "tail " + tail + " head " + head);

        PerfRing ring = PerfRing.over(b, page, 1);
        Check c = new Check();
        ring.drain(c);
        assertEquals(prop("imageLost"), c.lost);
        assertEquals(prop("imageSamples"), c.samples);
        assertEquals(prop("imageLost"), c.lostSeenBeforeFirstSample, "LOST is the first record once space is free");
        assertEquals(10, c.atUdpNoSocket, "the 10 drops after the loss, each decoded at its site");
        assertEquals(0, ring.corruptions());
        assertEquals(head, m.getLong(PerfRing.OFFSET_DATA_TAIL), "all consumed space handed back");
        // the kernel's own count accounts for every drop: received before + lost + received now
        assertEquals(prop("kernelNoPortsDelta"), prop("firstDrainSamples") + c.lost + c.samples);
        // nothing new: a second drain sees nothing
        Check again = new Check();
        assertEquals(0, ring.drain(again));
        assertEquals(0, again.samples + again.lost);
    }

    @Test
    void aSinkThatThrowsDoesNotGetTheSameRecordAgain() {
        PerfRing ring = PerfRing.over(copy(), page, 1);
        Check c = new Check();
        PerfRing.RecordSink throwing = new PerfRing.RecordSink() {
            @Override
            public void sample(ByteBuffer buf, int offset, int size) {
                c.sample(buf, offset, size);
                throw new IllegalStateException("consumer bug");
            }

            @Override
            public void lost(long n) {
                c.lost(n);
            }
        };
        assertThrows(IllegalStateException.class, () -> ring.drain(throwing));
        assertEquals(1, c.samples);
        ring.drain(c);
        assertEquals(prop("imageSamples"), c.samples, "the rest, each once");
        assertEquals(prop("imageLost"), c.lost);
    }

    /** Damages the first unread record's header size, or the head, and drains once. */
    private static void assertSurvives(String what, java.util.function.Consumer<ByteBuffer> damage) {
        NativeBuffer b = copy();
        ByteBuffer m = b.buffer();
        damage.accept(m);
        long head = m.getLong(PerfRing.OFFSET_DATA_HEAD);
        PerfRing ring = PerfRing.over(b, page, 1);
        Check c = new Check();
        ring.drain(c);
        assertEquals(1, ring.corruptions(), what);
        assertEquals(head, m.getLong(PerfRing.OFFSET_DATA_TAIL), what + ": skipped to the head");
        assertEquals(0, ring.drain(new Check()), what + ": next drain finds nothing");
        assertEquals(1, ring.corruptions(), what);
    }

    private static int firstRecord(ByteBuffer m) {
        long tail = m.getLong(PerfRing.OFFSET_DATA_TAIL);
        return (int) (m.getLong(PerfRing.OFFSET_DATA_OFFSET) + tail % m.getLong(PerfRing.OFFSET_DATA_SIZE));
    }

    @Test
    void aCorruptRingIsCountedAndSkippedNeverLoopedOn() {
        assertSurvives("size 0", m -> m.putShort(firstRecord(m) + 6, (short) 0));
        assertSurvives("size below a header", m -> m.putShort(firstRecord(m) + 6, (short) 4));
        assertSurvives("size not a multiple of 8", m -> m.putShort(firstRecord(m) + 6, (short) 28));
        assertSurvives("size beyond the data area", m -> m.putShort(firstRecord(m) + 6, (short) 0xfff8));
        assertSurvives("head beyond tail + data size", m -> m.putLong(PerfRing.OFFSET_DATA_HEAD,
                m.getLong(PerfRing.OFFSET_DATA_TAIL) + m.getLong(PerfRing.OFFSET_DATA_SIZE) + 8));
        assertSurvives("head behind tail", m -> m.putLong(PerfRing.OFFSET_DATA_HEAD,
                m.getLong(PerfRing.OFFSET_DATA_TAIL) - 8));
        assertSurvives("head inside a record", m -> m.putLong(PerfRing.OFFSET_DATA_HEAD,
                m.getLong(PerfRing.OFFSET_DATA_TAIL) + 16));
    }
}
