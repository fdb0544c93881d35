package dev.dropscope.netlink.genl.netdm;

import dev.dropscope.netlink.MalformedMessageException;
import dev.dropscope.testutil.HexFixture;
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

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Decoding the NET_DM alerts a real drop_monitor sent (fixtures/netdm, recorded in the lab VM), one
 * message per operation, cycling through the recorded ones. Messages sit in a direct buffer, as they
 * do after recv().
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NetDmDecodeBench {
    private final NetDmDecoder decoder = new NetDmDecoder();
    private ByteBuffer summaries;
    private int[] summaryAt;
    private int[] summaryLen;
    private ByteBuffer packets;
    private int[] packetAt;
    private int[] packetLen;
    private int i;
    private long sink;

    private final NetDmDecoder.SummaryConsumer consumer = new NetDmDecoder.SummaryConsumer() {
        @Override
        public void onSoftwareDrops(long pc, int count) {
            sink += pc + count;
        }

        @Override
        public void onHardwareDrops(String trapName, int count) {
            sink += count;
        }
    };

    private static ByteBuffer pack(List<HexFixture.Entry> entries, int[] at, int[] len) {
        int total = entries.stream().mapToInt(e -> (e.length() + 3) & ~3).sum();
        ByteBuffer b = ByteBuffer.allocateDirect(total).order(ByteOrder.nativeOrder());
        for (int k = 0; k < entries.size(); k++) {
            at[k] = b.position();
            len[k] = entries.get(k).length();
            b.put(entries.get(k).bytes());
            b.position((b.position() + 3) & ~3);
        }
        return b;
    }

    @Setup
    public void setup() throws MalformedMessageException {
        List<HexFixture.Entry> s = HexFixture.load("fixtures/netdm/alert-summary.hex").rx().stream()
                .filter(e -> e.length() >= 20 && e.bytes()[16] == NetDmConstants.NET_DM_CMD_ALERT).toList();
        List<HexFixture.Entry> p = HexFixture.load("fixtures/netdm/alert-packet-full.hex").rx().stream()
                .filter(e -> e.length() >= 20 && e.bytes()[16] == NetDmConstants.NET_DM_CMD_PACKET_ALERT).toList();
        if (s.isEmpty() || p.isEmpty()) {
            throw new IllegalStateException("no alerts in the fixtures");
        }
        summaryAt = new int[s.size()];
        summaryLen = new int[s.size()];
        summaries = pack(s, summaryAt, summaryLen);
        packetAt = new int[p.size()];
        packetLen = new int[p.size()];
        packets = pack(p, packetAt, packetLen);
        for (int k = 0; k < packetAt.length; k++) {
            decoder.packetAlert(packets, packetAt[k], packetLen[k]); // every fixture decodes
        }
    }

    /** One NET_DM_CMD_ALERT (summary mode): every (pc, count) point handed out, no allocation. */
    @Benchmark
    public long summaryAlert() throws MalformedMessageException {
        int k = i++ % summaryAt.length;
        decoder.summaryAlert(summaries, summaryAt[k], summaryLen[k], consumer);
        return sink;
    }

    /** One NET_DM_CMD_PACKET_ALERT (packet mode): a PacketAlert with its headers parsed. */
    @Benchmark
    public PacketAlert packetAlert() throws MalformedMessageException {
        int k = i++ % packetAt.length;
        return decoder.packetAlert(packets, packetAt[k], packetLen[k]);
    }
}
