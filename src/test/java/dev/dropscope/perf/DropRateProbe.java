package dev.dropscope.perf;

import dev.dropscope.testutil.Needs;
import dev.dropscope.collect.DropAggregator;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropSnapshot;
import dev.dropscope.sys.Syscalls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A measurement, not a test: drops/s the machine manages with and without the reader attached, what
 * the reader receives and loses, and its own CPU. Prints numbers, asserts nothing about speed.
 *
 * <pre>mvn -q test -Dtest=DropRateProbe -Ddropscope.measure=true [-Ddropscope.measure.seconds=5]</pre>
 */
@Needs(root = true)
@EnabledIfSystemProperty(named = "dropscope.measure", matches = "true")
class DropRateProbe {
    private static final double SECONDS = Double.parseDouble(System.getProperty("dropscope.measure.seconds", "5"));

    private record Run(String label, double dropsPerSec, long kernelDrops, long received, long lost,
                       double readerCpuPercent, double readerUserPercent, long allocatedBytes, long drains) {
        @Override
        public String toString() {
            return String.format("%-44s kernel %8.0f drops/s (%d)  received %d  lost %d  reader CPU %.2f %% (user %.2f %%)"
                            + "  drains %d  allocated %d B", label, dropsPerSec, kernelDrops, received, lost,
                    readerCpuPercent, readerUserPercent, drains, allocatedBytes);
        }
    }

    /** The C generator (sendmmsg x 64), built with gcc into target/ on first use. */
    private static String generator() throws Exception {
        java.nio.file.Path bin = java.nio.file.Path.of("target", "udpdrops");
        if (!java.nio.file.Files.isExecutable(bin)) {
            java.nio.file.Path src = java.nio.file.Path.of("target", "udpdrops.c");
            try (var in = DropRateProbe.class.getResourceAsStream("/perf/udpdrops.c")) {
                java.nio.file.Files.write(src, in.readAllBytes());
            }
            LabSupport.run("gcc", "-O2", "-Wall", "-o", bin.toString(), src.toString());
        }
        return bin.toAbsolutePath().toString();
    }

    /** Two generators, one pinned to each of CPU 0 and 1, for SECONDS; returns NoPorts delta and wall ns. */
    private static long[] generate(LabSupport.NetNs ns) throws Exception {
        long before = ns.snmp("Udp", "NoPorts");
        List<Process> gens = new ArrayList<>();
        int cpus = Math.min(2, Runtime.getRuntime().availableProcessors());
        for (int c = 0; c < cpus; c++) {
            gens.add(new ProcessBuilder("ip", "netns", "exec", ns.name, generator(), Integer.toString(c),
                    Double.toString(SECONDS)).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        }
        long t0 = Long.MAX_VALUE;
        long t1 = Long.MIN_VALUE;
        for (Process p : gens) {
            LabSupport.GeneratorResult g = LabSupport.GeneratorResult.of(p);
            t0 = Math.min(t0, g.t0());
            t1 = Math.max(t1, g.t1());
        }
        return new long[] {ns.snmp("Udp", "NoPorts") - before, t1 - t0};
    }

    private static Run baseline(LabSupport.NetNs ns, String label) throws Exception {
        long[] r = generate(ns);
        return new Run(label, r[0] * 1e9 / r[1], r[0], 0, 0, 0, 0, 0, 0);
    }

    private static Run withReader(LabSupport.NetNs ns, String label, TracepointReader.Options options)
            throws Exception {
        LabSupport.Format f = LabSupport.kfreeSkbFormat();
        int page = TracepointReader.pageSize();
        int[] cpus = CpuList.queryOnline(java.nio.file.Path.of("/sys"));
        DropAggregator agg = new DropAggregator(4096, cpus[cpus.length - 1] + 1, System.nanoTime());
        KfreeSkbConsumer sink = new KfreeSkbConsumer() {
            @Override
            public void onDrop(int cpu, long timeNs, int pid, long location, int reason, int protocol, long rxSk) {
                agg.add(location, reason, DropOrigin.SOFTWARE, -1, cpu, timeNs, 1);
            }

            @Override
            public void onLost(int cpu, long count) {
                agg.addLost(count);
            }
        };
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TracepointReader reader = TracepointReader.open(Syscalls.get(), f.kfreeSkbLayout(), cpus, options, page)) {
            AtomicBoolean stop = new AtomicBoolean();
            long[] cpu = new long[4];
            Thread drainer = new Thread(() -> {
                long tid = Thread.currentThread().getId();
                long cpu0 = mx.getThreadCpuTime(tid);
                long user0 = mx.getThreadUserTime(tid);
                long alloc0 = mx.getThreadAllocatedBytes(tid);
                try {
                    while (!stop.get()) {
                        // a timer, as the product will: the watermark wakes us earlier only under a flood
                        reader.await(10);
                        reader.drain(sink);
                        cpu[3]++;
                    }
                    reader.drain(sink);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                cpu[0] = mx.getThreadCpuTime(tid) - cpu0;
                cpu[1] = mx.getThreadUserTime(tid) - user0;
                cpu[2] = mx.getThreadAllocatedBytes(tid) - alloc0;
            }, "drain");
            drainer.start();
            long[] r = generate(ns);
            Thread.sleep(50);
            stop.set(true);
            drainer.join();
            DropSnapshot s = agg.snapshot(System.nanoTime());
            return new Run(label, r[0] * 1e9 / r[1], r[0], s.total(), s.lost(), cpu[0] * 100.0 / r[1],
                    cpu[1] * 100.0 / r[1], cpu[2], cpu[3]);
        }
    }

    /** cpu line of /proc/stat: {busy, total} jiffies. */
    private static long[] cpuJiffies() throws java.io.IOException {
        String[] f = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
    }

    /** Waits (at most 3 min) for a second in which the machine is < 10 % busy: other sessions share it. */
    private static String waitQuiet() throws Exception {
        long deadline = System.nanoTime() + 180_000_000_000L;
        double busy = 1;
        while (System.nanoTime() < deadline) {
            long[] a = cpuJiffies();
            Thread.sleep(1000);
            long[] b = cpuJiffies();
            busy = (double) (b[0] - a[0]) / Math.max(1, b[1] - a[1]);
            if (busy < 0.10) {
                return String.format("quiet (%.0f %% busy before)", busy * 100);
            }
        }
        return String.format("NOT quiet (%.0f %% busy before)", busy * 100);
    }

    @Test
    void measure() throws Exception {
        int page = TracepointReader.pageSize();
        List<Run> runs = new ArrayList<>();
        try (LabSupport.NetNs ns = LabSupport.NetNs.create()) {
            runs.add(baseline(ns, "no reader, " + waitQuiet()));
            runs.add(withReader(ns, "watermark, " + waitQuiet(), TracepointReader.Options.defaults(page)));
            runs.add(withReader(ns, "wakeup_events=1, " + waitQuiet(), new TracepointReader.Options(1024, 0, 1)));
            runs.add(baseline(ns, "no reader, " + waitQuiet()));
            runs.add(withReader(ns, "watermark, " + waitQuiet(), TracepointReader.Options.defaults(page)));
        }
        double base = (runs.get(0).dropsPerSec() + runs.get(3).dropsPerSec()) / 2;
        int threads = Math.min(2, Runtime.getRuntime().availableProcessors());
        for (Run r : runs) {
            double added = r.received() > 0 ? (1 / r.dropsPerSec() - 1 / base) * threads * 1e9 : 0;
            System.out.println(r + (r.received() > 0 ? String.format("  added ~%.0f ns/drop", added) : ""));
        }
    }
}
