package dev.dropscope.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.SplittableRandom;

/** The packet record's hand-made time and protocol strings are exactly what Instant.toString and String.format print. */
class WatchJsonTimeTest {

    @Test
    void timeIsInstantToString() {
        WatchJson j = new WatchJson(new PrintWriter(new StringWriter()));
        long[] edges = {0, 1, 999, 1_000, 1_000_000, 1_000_000_000L, 1_765_000_000_000_000_000L,
            1_765_000_000_100_000_000L, 1_765_000_000_120_000_000L, 1_765_000_000_123_400_000L,
            1_765_000_000_123_456_780L, 1_765_000_059_999_999_999L, 1_765_000_060_000_000_000L, -1, -1_000_000_001L};
        for (long ns : edges) {
            assertEquals(Instant.ofEpochSecond(0, ns).toString(), j.time(ns), "at " + ns);
        }
        SplittableRandom r = new SplittableRandom(16);
        long t = 1_765_000_000_000_000_000L;
        for (int i = 0; i < 100_000; i++) {
            // mostly within the same second (the cached prefix), sometimes the next ones, with whole ms and us
            t += r.nextInt(4) == 0 ? r.nextLong(3_000_000_000L) : r.nextInt(1_000_000);
            long ns = switch (r.nextInt(4)) {
                case 0 -> t / 1_000_000 * 1_000_000;
                case 1 -> t / 1_000 * 1_000;
                default -> t;
            };
            assertEquals(Instant.ofEpochSecond(0, ns).toString(), j.time(ns), "at " + ns);
        }
    }

    @Test
    void protocolIsFormat04x() {
        for (int v : new int[] {0, 1, 0x800, 0x86dd, 0x8100, 0xffff, 0x10000, 0x7fffffff}) {
            assertEquals(String.format("0x%04x", v), WatchJson.hex4(v));
        }
    }
}
