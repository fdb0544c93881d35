package dev.dropscope.perf;

import dev.dropscope.testutil.Needs;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The constants against the installed uapi header (linux-libc-dev), so a wrong bit position cannot
 * hide: the bitfield order in {@code struct perf_event_attr} is counted here independently.
 */
@Needs(files = "/usr/include/linux/perf_event.h")
class PerfEventAttrTest {
    private static final Path HEADER = Path.of("/usr/include/linux/perf_event.h");

    private static String header() throws IOException {
        return Files.readString(HEADER);
    }

    /** Bit position of each bitfield in the u64 after read_format, in declaration order. */
    private static List<String> bitfieldNames(String h) {
        int start = h.indexOf("__u64\t\t\tdisabled");
        int end = h.indexOf("__reserved_1", start);
        assertTrue(start > 0 && end > start, "bitfield block not found");
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("(\\w+)\\s*:\\s*(\\d+)\\s*[,;]").matcher(h.substring(start, end));
        while (m.find()) {
            int width = Integer.parseInt(m.group(2));
            for (int i = 0; i < width; i++) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    @Test
    void flagBitsMatchTheHeader() throws IOException {
        List<String> bits = bitfieldNames(header());
        assertEquals(Long.numberOfTrailingZeros(PerfEventAttr.FLAG_DISABLED), bits.indexOf("disabled"));
        assertEquals(Long.numberOfTrailingZeros(PerfEventAttr.FLAG_WATERMARK), bits.indexOf("watermark"));
        assertEquals(Long.numberOfTrailingZeros(PerfEventAttr.FLAG_SAMPLE_ID_ALL), bits.indexOf("sample_id_all"));
        assertEquals(Long.numberOfTrailingZeros(PerfEventAttr.FLAG_USE_CLOCKID), bits.indexOf("use_clockid"));
    }

    private static long enumValue(String h, String name) {
        Matcher m = Pattern.compile(name + "\\s*=\\s*(1U << )?(\\d+)").matcher(h);
        assertTrue(m.find(), name);
        long v = Long.parseLong(m.group(2));
        return m.group(1) != null ? 1L << v : v;
    }

    private static long define(String h, String name) {
        Matcher m = Pattern.compile("#define " + name + "\\s+(\\d+)").matcher(h);
        assertTrue(m.find(), name);
        return Long.parseLong(m.group(1));
    }

    @Test
    void numbersMatchTheHeader() throws IOException {
        String h = header();
        assertEquals(PerfEventAttr.PERF_TYPE_TRACEPOINT, enumValue(h, "PERF_TYPE_TRACEPOINT"));
        assertEquals(PerfEventAttr.PERF_SAMPLE_TIME, enumValue(h, "PERF_SAMPLE_TIME"));
        assertEquals(PerfEventAttr.PERF_SAMPLE_CPU, enumValue(h, "PERF_SAMPLE_CPU"));
        assertEquals(PerfEventAttr.PERF_SAMPLE_RAW, enumValue(h, "PERF_SAMPLE_RAW"));
        assertEquals(PerfRing.PERF_RECORD_LOST, enumValue(h, "PERF_RECORD_LOST"));
        assertEquals(PerfRing.PERF_RECORD_SAMPLE, enumValue(h, "PERF_RECORD_SAMPLE"));
        assertEquals(PerfEventAttr.PERF_ATTR_SIZE_VER5, define(h, "PERF_ATTR_SIZE_VER5"));
        Matcher cloexec = Pattern.compile("#define PERF_FLAG_FD_CLOEXEC\\s+\\(1UL << (\\d+)\\)").matcher(h);
        assertTrue(cloexec.find());
        assertEquals(TracepointReader.PERF_FLAG_FD_CLOEXEC, 1L << Integer.parseInt(cloexec.group(1)));
        // _IO(type, nr) = (type << 8) | nr, with no direction and no size bits
        Matcher ioc = Pattern.compile("#define PERF_EVENT_IOC_ENABLE\\s+_IO\\s*\\('(.)', (\\d+)\\)").matcher(h);
        assertTrue(ioc.find());
        assertEquals(TracepointReader.PERF_EVENT_IOC_ENABLE, (ioc.group(1).charAt(0) << 8) | Integer.parseInt(ioc.group(2)));
    }

    @Test
    void writesTheFieldsWhereTheHeaderPutsThem() {
        ByteBuffer b = PerfEventAttr.tracepoint(2310, 1 << 21).toBuffer().buffer();
        assertEquals(PerfEventAttr.PERF_ATTR_SIZE_VER5, b.capacity());
        assertEquals(PerfEventAttr.PERF_TYPE_TRACEPOINT, b.getInt(0));
        assertEquals(PerfEventAttr.PERF_ATTR_SIZE_VER5, b.getInt(4));
        assertEquals(2310, b.getLong(8));
        assertEquals(1, b.getLong(16));
        assertEquals(PerfEventAttr.SAMPLE_TYPE_DROPS, b.getLong(24));
        long flags = b.getLong(40);
        assertEquals(PerfEventAttr.FLAG_DISABLED | PerfEventAttr.FLAG_WATERMARK | PerfEventAttr.FLAG_USE_CLOCKID, flags);
        assertEquals(1 << 21, b.getInt(48));
        assertEquals(PerfEventAttr.CLOCK_MONOTONIC, b.getInt(92));
        ByteBuffer w = PerfEventAttr.tracepoint(2310, 1 << 21).withWakeupEvents(1).toBuffer().buffer();
        assertEquals(0, w.getLong(40) & PerfEventAttr.FLAG_WATERMARK);
        assertEquals(1, w.getInt(48));
    }
}
