package dev.dropscope.perf;

import dev.dropscope.testutil.Needs;
import dev.dropscope.procfs.Kallsyms;
import dev.dropscope.sys.Fd;
import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Records the fixture {@code src/test/resources/perf/ring-image/}: the bytes of a real one-page perf
 * ring holding a PERF_RECORD_LOST followed by samples, one of which wraps around the ring's end.
 *
 * <pre>mvn -q test -Dtest=RingImageRecorder -Ddropscope.record=true</pre>
 */
@Needs(root = true)
@EnabledIfSystemProperty(named = "dropscope.record", matches = "true")
class RingImageRecorder {
    private static final class Count implements PerfRing.RecordSink {
        long samples;
        long lost;

        @Override
        public void sample(ByteBuffer buf, int offset, int size) {
            samples++;
        }

        @Override
        public void lost(long n) {
            lost += n;
        }
    }

    @Test
    void record() throws Exception {
        Syscalls sys = Syscalls.get();
        LabSupport.Format f = LabSupport.kfreeSkbFormat();
        Kallsyms kallsyms = Kallsyms.query(Path.of("/proc"));
        int page = TracepointReader.pageSize();
        NativeBuffer attr = PerfEventAttr.tracepoint(f.id(), page / 2).toBuffer();
        Path out = Path.of(System.getProperty("dropscope.repo", "."), "src/test/resources/perf/ring-image");
        Files.createDirectories(out);
        try (LabSupport.NetNs ns = LabSupport.NetNs.create();
             Fd fd = Fd.own(sys, "perf_event_open", sys.perfEventOpen(attr, 0, -1, 0, -1,
                     TracepointReader.PERF_FLAG_FD_CLOEXEC));
             PerfRing ring = PerfRing.map(sys, fd.get(), 1, page)) {
            NativeIoException.check("enable", sys.ioctlValue(fd.get(), TracepointReader.PERF_EVENT_IOC_ENABLE, 0));
            long before = ns.snmp("Udp", "NoPorts");
            LabSupport.GeneratorResult.of(ns.startUdpDrops(200, 0, 0));
            Count first = new Count();
            ring.drain(first);
            LabSupport.GeneratorResult g = LabSupport.GeneratorResult.of(ns.startUdpDrops(10, 0, 0));
            ByteBuffer m = ring.mapping();
            byte[] image = new byte[m.capacity()];
            m.get(0, image);
            Count second = new Count();
            ring.drain(second);
            long delta = ns.snmp("Udp", "NoPorts") - before;
            sys.ioctlValue(fd.get(), TracepointReader.PERF_EVENT_IOC_DISABLE, 0);

            List<String> hex = new ArrayList<>();
            hex.add("# one perf ring mapping (control page + 1 data page), hex, 64 bytes per line; see ring-image.properties");
            for (int i = 0; i < image.length; i += 64) {
                StringBuilder sb = new StringBuilder();
                for (int k = i; k < Math.min(image.length, i + 64); k++) {
                    sb.append(String.format("%02x", image[k]));
                }
                hex.add(sb.toString());
            }
            Files.write(out.resolve("ring.hex"), hex);
            long udp = kallsyms.addressOf("__udp4_lib_rcv").orElseThrow();
            List<String> props = List.of(
                    "# recorded by RingImageRecorder: kernel " + LabSupport.run("uname", "-r").strip(),
                    "# 200 UDP drops on CPU 0 into a one-page ring, drained, then 10 more; image taken before the 2nd drain",
                    "pageSize=" + page,
                    "dataPages=1",
                    "eventId=" + f.id(),
                    "commonPidOffset=" + f.offset("common_pid"),
                    "locationOffset=" + f.offset("location"),
                    "protocolOffset=" + f.offset("protocol"),
                    "reasonOffset=" + f.offset("reason"),
                    "rxSkOffset=" + f.offset("rx_sk"),
                    "reasonNoSocket=" + f.reason("NO_SOCKET"),
                    "udp4LibRcvStart=" + Long.toUnsignedString(udp, 16),
                    "udp4LibRcvEnd=" + Long.toUnsignedString(udp + kallsyms.symbolize(udp).size(), 16),
                    "generatorPid=" + g.pid(),
                    "kernelNoPortsDelta=" + delta,
                    "firstDrainSamples=" + first.samples,
                    "firstDrainLost=" + first.lost,
                    "imageSamples=" + second.samples,
                    "imageLost=" + second.lost);
            Files.write(out.resolve("ring-image.properties"), props);
            System.out.println(String.join("\n", props));
        }
    }
}
