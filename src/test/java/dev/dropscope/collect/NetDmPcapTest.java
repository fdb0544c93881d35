package dev.dropscope.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.export.Tshark;
import dev.dropscope.export.WatchPcap;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropPacket;
import dev.dropscope.netlink.genl.netdm.NetDmDecoder;
import dev.dropscope.netlink.genl.netdm.PacketAlert;
import dev.dropscope.testutil.HexFixture;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * dwdump's job: recorded NET_DM packet alerts (a real 6.12 kernel, see the fixture's header) written as
 * pcapng and read back by tshark: every alert a packet, with its ports and its drop as a comment.
 */
class NetDmPcapTest {

    private static Path write(String fixture, int snapLen) throws Exception {
        NetDmDecoder decoder = new NetDmDecoder();
        DropReportBuilder builder = new DropReportBuilder(null, new DropReasons(), Map.of(1, "lo"), (f, r) -> false);
        Path f = Files.createTempFile("dropscope-netdm-", ".pcapng");
        try (OutputStream os = Files.newOutputStream(f);
             WatchPcap pcap = new WatchPcap(os, snapLen, inode -> "netns:" + inode)) {
            for (HexFixture.Entry e : HexFixture.load("fixtures/netdm/" + fixture).rx()) {
                PacketAlert a = decoder.packetAlert(e.buffer(), 0, e.length());
                DropPacket p = NetDmMonitor.toPacket(a, DropOrigin.SOFTWARE);
                assertEquals(DropPacket.Start.MAC, p.capture().start(), "NET_DM starts at the mac header");
                pcap.packet(builder.resolvePacket(p));
            }
        }
        return f;
    }

    @Test
    void everyAlertIsAPacketWithItsPortsAndDrop() throws Exception {
        // traffic per the capture header: 5 x UDPv4 -> 60890, 5 x UDPv6 -> 47185, 2 x TCP SYN -> 50701,
        // then datagrams to a socket with a full receive buffer
        Path f = write("alert-packet-full.hex", 0);
        try {
            List<String> lines = Tshark.fields(f, "udp.dstport", "tcp.dstport", "frame.comment",
                    "frame.interface_name", "frame.len", "frame.cap_len");
            assertEquals(24, lines.size(), "the fixture's 24 alerts");
            Map<String, Integer> byPort = new HashMap<>();
            int rcvbuf = 0;
            for (String l : lines) {
                String[] c = l.split("\t", -1);
                assertEquals("lo", c[3], "IDB named after the input port (NET_DM gives no namespace)");
                assertEquals(c[4], c[5], "trunc_len 0: the whole packet");
                String port = !c[0].isEmpty() ? "udp/" + c[0] : "tcp/" + c[1];
                if (c[2].startsWith("reason=NO_SOCKET ")) {
                    byPort.merge(port, 1, Integer::sum);
                    assertTrue(c[2].matches("reason=NO_SOCKET location=(__udp4_lib_rcv|__udp6_lib_rcv|tcp_v4_rcv)"
                            + "\\+0x[0-9a-f]+"), c[2]);
                } else if (c[2].startsWith("reason=SOCKET_RCVBUFF location=udp_queue_rcv_one_skb+0x")) {
                    rcvbuf++;
                }
            }
            assertEquals(Map.of("udp/60890", 5, "udp/47185", 5, "tcp/50701", 2), byPort);
            assertTrue(rcvbuf > 0, lines.toString());
        } finally {
            Files.deleteIfExists(f);
        }
    }

    @Test
    void truncatedPayloadsKeepTheirOriginalLength() throws Exception {
        Path f = write("alert-packet-trunc64.hex", 64);
        try {
            List<String> lines = Tshark.fields(f, "frame.len", "frame.cap_len", "udp.dstport");
            assertTrue(lines.size() > 0);
            boolean cut = false;
            for (String l : lines) {
                String[] c = l.split("\t", -1);
                assertTrue(Integer.parseInt(c[1]) <= 64, l);
                cut |= Integer.parseInt(c[0]) > Integer.parseInt(c[1]);
            }
            assertTrue(cut, "some packets were longer than 64 bytes: " + lines);
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
