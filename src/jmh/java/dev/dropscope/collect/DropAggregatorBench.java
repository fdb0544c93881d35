package dev.dropscope.collect;

import dev.dropscope.model.DropOrigin;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link DropAggregator#add}: the work done for every drop a source delivers. {@code sites} distinct
 * (location, reason) keys are cycled through in a shuffled order: 1 is a flood at one site (the common
 * case), 64 a busy host, 4096 the aggregator's default capacity, 8192 twice that (half the drops go to
 * the "other" bucket).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DropAggregatorBench {
    @Param({"1", "64", "4096", "8192"})
    int sites;

    private static final int KEYS = 1 << 16;
    private final long[] locations = new long[KEYS];
    private final int[] reasons = new int[KEYS];
    private DropAggregator aggregator;
    private int i;
    private long time;

    @Setup
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(42);
        long[] siteLoc = new long[sites];
        int[] siteReason = new int[sites];
        for (int s = 0; s < sites; s++) {
            siteLoc[s] = 0xffffffff81000000L + rnd.nextLong(0x2000000L); // kernel text-like addresses
            siteReason[s] = 2 + rnd.nextInt(100);
        }
        for (int k = 0; k < KEYS; k++) {
            int s = rnd.nextInt(sites);
            locations[k] = siteLoc[s];
            reasons[k] = siteReason[s];
        }
        aggregator = new DropAggregator(4096, 2, 0);
    }

    @Benchmark
    public long add() {
        int k = i++ & (KEYS - 1);
        aggregator.add(locations[k], reasons[k], DropOrigin.SOFTWARE, -1, k & 1, time++, 1);
        return aggregator.total();
    }
}
