package dev.dropscope.procfs;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Symbol lookup ({@link Kallsyms#symbolize}, what {@code %pS} does) over this machine's real
 * /proc/kallsyms (run as root, or addresses read as 0), at addresses inside randomly chosen text
 * symbols. Also the parse of the whole file, which every command pays once at start.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KallsymsBench {
    private static final int N = 4096;
    private byte[] text;
    private Kallsyms kallsyms;
    private final long[] addresses = new long[N];
    private int i;

    @Setup
    public void setup() throws IOException {
        text = Files.readAllBytes(Path.of("/proc/kallsyms"));
        kallsyms = Kallsyms.parse(text);
        List<Long> starts = new ArrayList<>();
        for (String line : new String(text, java.nio.charset.StandardCharsets.ISO_8859_1).split("\n")) {
            String[] f = line.split("\\s+");
            if (f.length >= 3 && (f[1].equals("t") || f[1].equals("T"))) {
                starts.add(Long.parseUnsignedLong(f[0], 16));
            }
        }
        if (starts.isEmpty() || starts.get(0) == 0) {
            throw new IllegalStateException("/proc/kallsyms hides addresses: run as root");
        }
        SplittableRandom rnd = new SplittableRandom(7);
        for (int k = 0; k < N; k++) {
            addresses[k] = starts.get(rnd.nextInt(starts.size())) + rnd.nextInt(16);
        }
        if (kallsyms.symbolize(addresses[0]) == null) {
            throw new IllegalStateException("no symbol at a text symbol's address: " + Long.toHexString(addresses[0]));
        }
    }

    @Benchmark
    public Kallsyms.Symbol symbolize() {
        return kallsyms.symbolize(addresses[i++ & (N - 1)]);
    }

    @Benchmark
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 3, time = 2)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Kallsyms parseWholeFile() {
        return Kallsyms.parse(text);
    }
}
