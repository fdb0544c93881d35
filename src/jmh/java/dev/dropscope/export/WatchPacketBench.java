package dev.dropscope.export;

import dev.dropscope.collect.DropReportBuilder;
import dev.dropscope.collect.DropReasons;
import dev.dropscope.model.DropPacket;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.model.ResolvedPacket;
import dev.dropscope.netlink.genl.netdm.PacketHeaders;
import dev.dropscope.procfs.Kallsyms;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The user-space cost of one packet-mode record of {@code watch --source ebpf --mode packet --trunc 128}, per
 * record: the capture record's decode (its 5-tuple from the first bytes, as EbpfMonitor does), the builder's
 * resolve (symbol over this machine's /proc/kallsyms, namespace identity), and the format writing it to
 * /dev/null through the same writers {@code Main} gives a command ({@code PrintWriter(PrintStream(FileOutputStream),
 * autoflush)} as System.out is: its write syscalls are part of the cost). {@code drainOf64} flushes once per 64
 * records, as the watch loop does once per ring drain. Run as root (kallsyms addresses).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WatchPacketBench {
    @Param({"json", "text", "dropwatch", "pcap"})
    public String format;

    private DropReportBuilder builder;
    private long location;
    private final byte[] udp = new byte[128];
    /** Writes into a pipe to {@code cat > /dev/null} (as watch's output to a reader) instead of /dev/null. */
    public boolean pipe;
    private Process sink;
    private PrintWriter out;
    private WatchFormat fmt;
    private WatchPcap pcap;
    private OutputStream pcapStream;
    private long t = 1_765_000_000_000_000_000L;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        Kallsyms kallsyms = Kallsyms.parse(Files.readAllBytes(Path.of("/proc/kallsyms")));
        location = 0;
        for (String line : Files.readAllLines(Path.of("/proc/kallsyms"))) {
            if (line.endsWith(" __udp4_lib_rcv")) {
                location = Long.parseUnsignedLong(line.substring(0, 16), 16) + 0x4bc;
            }
        }
        if (location == 0 || kallsyms.symbolize(location) == null) {
            throw new IllegalStateException("no __udp4_lib_rcv in /proc/kallsyms: run as root");
        }
        builder = new DropReportBuilder(kallsyms, new DropReasons(), Map.of(1, "lo"), (a, b) -> false)
                .withNetnsNames(inode -> new NetnsIdentity(inode, "bench", null));
        // IPv4 + UDP 10.0.0.1:40000 -> 10.0.0.2:9, payload zeros
        ByteBuffer b = ByteBuffer.wrap(udp);
        b.put(0, (byte) 0x45).putShort(2, (short) 1000).put(8, (byte) 64).put(9, (byte) 17)
                .putInt(12, 0x0a000001).putInt(16, 0x0a000002).putShort(20, (short) 40000).putShort(22, (short) 9)
                .putShort(24, (short) 980);
        sink = pipe ? new ProcessBuilder("cat").redirectOutput(ProcessBuilder.Redirect.DISCARD).start() : null;
        OutputStream os = pipe ? sink.getOutputStream() : new FileOutputStream("/dev/null");
        out = new PrintWriter(new PrintStream(os, true), true);
        if (format.equals("pcap")) {
            pcapStream = os;
            pcap = new WatchPcap(pcapStream, 128, i -> "netns:" + i, true); // as watch --pcap: one write per drain
        } else {
            fmt = WatchFormat.named(format, out);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        out.close();
        if (pcapStream != null) {
            pcapStream.close();
        }
        if (sink != null) {
            sink.destroy();
        }
    }

    /**
     * CPU time per record, which a loaded machine does not inflate as it does JMH's wall time: {@code java -cp ...
     * dev.dropscope.export.WatchPacketBench [RECORDS]} writes RECORDS records per format into a pipe (to {@code cat}),
     * flushing once per 64 as a ring drain does, and prints this thread's user and user+system ns per record (the least of 5 rounds).
     */
    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (String f : args.length > 1 ? args[1].split(",") : new String[] {"json", "text", "dropwatch", "pcap"}) {
            WatchPacketBench b = new WatchPacketBench();
            b.format = f;
            b.pipe = true;
            b.setup();
            for (int i = 0; i < n / 64 / 2; i++) {
                b.drainOf64(); // warm-up
            }
            long records = n / 64 * 64L;
            double user = Double.MAX_VALUE;
            double cpu = Double.MAX_VALUE;
            for (int round = 0; round < 5; round++) { // the least of 5: other work on the machine only adds
                long u0 = mx.getCurrentThreadUserTime();
                long c0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < n / 64; i++) {
                    b.drainOf64();
                }
                user = Math.min(user, (mx.getCurrentThreadUserTime() - u0) / (double) records);
                cpu = Math.min(cpu, (mx.getCurrentThreadCpuTime() - c0) / (double) records);
            }
            System.out.printf("%-10s user %6.0f ns/record, user+sys %6.0f ns/record: %,.0f records/s of CPU%n",
                    f, user, cpu, 1e9 / cpu);
            b.tearDown();
        }
    }

    /** What EbpfMonitor.captureRecord builds from a ring record. */
    DropPacket decode() {
        byte[] bytes = udp.clone();
        ByteBuffer view = ByteBuffer.wrap(bytes);
        PacketHeaders h = PacketHeaders.decodeFromNetwork(view, 0, bytes.length, 0x0800);
        DropPacket.Tuple tuple = new DropPacket.Tuple(h.l4Name(), h.source().getHostAddress(),
                h.destination().getHostAddress(), h.sourcePort(), h.destinationPort());
        return DropPacket.software(t++, location, "NO_SOCKET", 7,
                new DropPacket.Payload(0x0800, bytes.length, 1000, h.vlanId()), tuple)
                .with(4026532000L, new DropPacket.Capture(bytes, DropPacket.Start.NETWORK));
    }

    @Benchmark
    public DropPacket decodeOnly() {
        return decode();
    }

    @Benchmark
    public ResolvedPacket decodeResolve() {
        return builder.resolvePacket(decode());
    }

    @Benchmark
    public void record() throws IOException {
        ResolvedPacket p = builder.resolvePacket(decode());
        if (pcap != null) {
            pcap.packet(p);
        } else {
            fmt.packet(p, "ebpf");
        }
    }

    @Benchmark
    @org.openjdk.jmh.annotations.OperationsPerInvocation(64)
    public void drainOf64() throws IOException {
        for (int i = 0; i < 64; i++) {
            record();
        }
        if (pcap != null) {
            pcap.flush();
        } else {
            out.flush();
        }
    }
}
