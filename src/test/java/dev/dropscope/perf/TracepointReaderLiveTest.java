package dev.dropscope.perf;

import dev.dropscope.testutil.Needs;
import dev.dropscope.procfs.Kallsyms;
import dev.dropscope.sys.Syscalls;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tracepoint reader against the real kernel: drops we cause in our own namespace, counted by the
 * kernel's own SNMP counter there, must all come out of the rings at the right symbol and reason.
 */
@Needs(root = true)
class TracepointReaderLiveTest {
    private static LabSupport.Format format;
    private static KfreeSkbLayout layout;
    private static Kallsyms kallsyms;
    private static long udpStart;
    private static long udpEnd;
    private static int noSocket;

    @BeforeAll
    static void setUp() throws IOException {
        format = LabSupport.kfreeSkbFormat();
        layout = format.kfreeSkbLayout();
        noSocket = format.reason("NO_SOCKET");
        kallsyms = Kallsyms.query(Path.of("/proc"));
        assertEquals(Kallsyms.State.OK, kallsyms.state(), "root must see kallsyms addresses");
        udpStart = kallsyms.addressOf("__udp4_lib_rcv").orElseThrow();
        udpEnd = udpStart + kallsyms.symbolize(udpStart).size();
    }

    /** Counts what the reader delivers, split by "ours" (site, reason and sender pid) and the rest. */
    private static final class Tally implements KfreeSkbConsumer {
        int pid = -1;
        long ours;
        long others;
        long oursWrongProtocol;
        long oursOutsideWindow;
        long oursWithSocket;
        long t0;
        long t1 = Long.MAX_VALUE;
        long lostCallbacks;
        final Map<String, Long> ourPidSites = new TreeMap<>();

        @Override
        public void onDrop(int cpu, long timeNs, int pid, long location, int reason, int protocol, long rxSk) {
            boolean udpSite = Long.compareUnsigned(location, udpStart) >= 0 && Long.compareUnsigned(location, udpEnd) < 0;
            if (pid == this.pid) {
                ourPidSites.merge(kallsyms.format(location) + " reason " + reason, 1L, Long::sum);
            }
            if (udpSite && reason == noSocket && pid == this.pid) {
                ours++;
                oursWrongProtocol += protocol == 0x0800 ? 0 : 1;
                oursOutsideWindow += timeNs >= t0 && timeNs <= t1 ? 0 : 1;
                oursWithSocket += rxSk == 0 ? 0 : 1;
            } else {
                others++;
            }
        }

        @Override
        public void onLost(int cpu, long count) {
            lostCallbacks += count;
        }
    }

    @Test
    void everyUdpNoPortsDropArrivesOnceAtTheRightSiteAndReason() throws Exception {
        final long n = 1000;
        Tally tally = new Tally();
        try (LabSupport.NetNs ns = LabSupport.NetNs.create();
             TracepointReader reader = TracepointReader.open(Syscalls.get(), layout)) {
            long before = ns.snmp("Udp", "NoPorts");
            Process gen = ns.startUdpDrops(n, -1, 0);
            // the pid is only known at the end: keep everything, sort it out afterwards
            RecordingConsumer rec = new RecordingConsumer();
            while (gen.isAlive()) {
                reader.await(10);
                reader.drain(rec);
            }
            LabSupport.GeneratorResult g = LabSupport.GeneratorResult.of(gen);
            long delta = ns.snmp("Udp", "NoPorts") - before;
            reader.drain(rec);
            tally.pid = g.pid();
            tally.t0 = g.t0();
            tally.t1 = g.t1();
            rec.replay(tally);

            assertEquals(n, delta, "kernel NoPorts delta in our namespace");
            assertEquals(delta, tally.ours, "drops at __udp4_lib_rcv, NO_SOCKET, from pid " + g.pid()
                    + "; all sites of that pid: " + tally.ourPidSites);
            assertEquals(0, tally.oursWrongProtocol, "protocol must be ETH_P_IP");
            assertEquals(0, tally.oursOutsideWindow, "sample times must fall inside the sender's run");
            assertEquals(0, tally.oursWithSocket, "NO_SOCKET drops have no rx_sk");
            assertEquals(0, reader.lostTotal(), "4 MiB rings must not lose 1000 samples");
            assertEquals(0, reader.malformed());
            assertEquals(reader.samplesTotal(), tally.ours + tally.others);
            System.out.printf("kfree_skb live: NoPorts delta %d, ours %d, other samples %d, sites of our pid %s%n",
                    delta, tally.ours, tally.others, tally.ourPidSites);
        }
    }

    @Test
    void aFullRingIsCountedAsLostNeverHidden() throws Exception {
        int page = TracepointReader.pageSize();
        // one data page holds ~56 samples of 72 bytes; records wrap around its end every lap
        TracepointReader.Options tiny = new TracepointReader.Options(1, page / 2, 0);
        Tally tally = new Tally();
        try (LabSupport.NetNs ns = LabSupport.NetNs.create();
             TracepointReader reader = TracepointReader.open(Syscalls.get(), layout, new int[] {0}, tiny, page)) {
            long before = ns.snmp("Udp", "NoPorts");
            RecordingConsumer rec = new RecordingConsumer();
            // not drained while sending: the ring overflows
            LabSupport.GeneratorResult g1 = LabSupport.GeneratorResult.of(ns.startUdpDrops(5000, 0, 0));
            reader.drain(rec);
            assertEquals(0, reader.lostTotal(), "PERF_RECORD_LOST is only written once space is free again");
            // the next sample on this CPU finds room: the kernel writes the LOST record first
            LabSupport.GeneratorResult g2 = LabSupport.GeneratorResult.of(ns.startUdpDrops(20, 0, 0));
            reader.drain(rec);
            long delta = ns.snmp("Udp", "NoPorts") - before;
            long received = reader.samplesTotal();
            long lost = reader.lostTotal();

            tally.pid = g2.pid();
            tally.t0 = Long.MIN_VALUE;
            tally.t1 = Long.MAX_VALUE;
            rec.replay(tally);
            assertEquals(5020, delta);
            assertTrue(lost > 0, "lost " + lost);
            assertEquals(lost, tally.lostCallbacks, "every lost count is passed to the consumer");
            // these 20 follow the LOST record in the ring, and one of them wraps around its end
            assertEquals(20, tally.ours, "samples after the loss, decoded at the right site: " + tally.ourPidSites);
            assertEquals(0, reader.malformed());
            // Every kfree_skb on CPU 0 in the window is either received or lost. Our drops are delta of
            // them; the rest are other drops on CPU 0 meanwhile (ICMP errors, other sessions) - few.
            assertTrue(received + lost >= delta, "received " + received + " + lost " + lost + " < " + delta);
            assertTrue(received + lost <= delta + delta / 10, "received " + received + " + lost " + lost
                    + " far above the kernel's " + delta + ": lost counts misread?");
            assertTrue(received < 2 * (page / 72) + 20, "a one-page ring cannot have delivered " + received);
            System.out.printf("lost accounting: NoPorts delta %d, received %d, lost %d, sum-delta %d (g1 pid %d)%n",
                    delta, received, lost, received + lost - delta, g1.pid());
        }
    }
}
