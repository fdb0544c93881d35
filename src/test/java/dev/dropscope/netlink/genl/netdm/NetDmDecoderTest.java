package dev.dropscope.netlink.genl.netdm;

import static dev.dropscope.netlink.NetlinkConstants.NLM_F_REQUEST;
import static dev.dropscope.netlink.genl.netdm.NetDmConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.netlink.MalformedMessageException;
import dev.dropscope.netlink.MessageBuilder;
import dev.dropscope.testutil.HexFixture;
import dev.dropscope.testutil.HexFixture.Entry;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The NET_DM decoder on messages a real kernel sent (6.12, lab VM): every expected value comes from the
 * capture's comments (written by an independent Python decoder) or from the traffic the capture made.
 */
class NetDmDecoderTest {
    private final NetDmDecoder decoder = new NetDmDecoder();

    record Point(long pc, int count) {
    }

    private List<Point> summaryPoints(Entry e) throws MalformedMessageException {
        List<Point> got = new ArrayList<>();
        ByteBuffer b = e.buffer();
        decoder.summaryAlert(b, 0, e.length(), new NetDmDecoder.SummaryConsumer() {
            @Override
            public void onSoftwareDrops(long pc, int count) {
                got.add(new Point(pc, count));
            }

            @Override
            public void onHardwareDrops(String trapName, int count) {
                fail("no hardware drops in the lab capture");
            }
        });
        return got;
    }

    @Test
    void summaryAlertsMatchTheCapture() throws Exception {
        Pattern point = Pattern.compile("0x([0-9a-f]+) x(\\d+)");
        int messages = 0;
        for (Entry e : HexFixture.load("fixtures/netdm/alert-summary.hex").rx()) {
            assertEquals(NET_DM_CMD_ALERT, NetDmDecoder.command(e.buffer(), 0, e.length()));
            Matcher m = point.matcher(e.summary().substring(e.summary().indexOf("entries=")));
            List<Point> expected = new ArrayList<>();
            while (m.find()) {
                expected.add(new Point(Long.parseUnsignedLong(m.group(1), 16), Integer.parseInt(m.group(2))));
            }
            assertFalse(expected.isEmpty(), e.toString());
            assertEquals(expected, summaryPoints(e), e.toString());
            messages++;
        }
        assertTrue(messages >= 2);
    }

    @Test
    void packetAlertsMatchTheCapture() throws Exception {
        for (String file : List.of("alert-packet-full.hex", "alert-packet-trunc64.hex")) {
            HexFixture f = HexFixture.load("fixtures/netdm/" + file);
            long trunc = f.header().stream().filter(h -> h.contains("trunc_len=")).findFirst()
                    .map(h -> HexFixture.field(h, "trunc_len").map(HexFixture::parseNumber).orElseThrow()).orElseThrow();
            for (Entry e : f.rx()) {
                PacketAlert a = decoder.packetAlert(e.buffer(), 0, e.length());
                assertEquals(e.number("ORIGIN"), a.origin(), e.toString());
                assertEquals(e.number("PC"), a.pc(), e.toString());
                assertEquals(e.field("REASON").orElseThrow(), a.reason(), e.toString());
                assertEquals(e.field("SYMBOL").orElseThrow(), a.symbol(), e.toString());
                assertEquals(e.number("TIMESTAMP"), a.timestampNs(), e.toString());
                assertEquals(e.number("ORIG_LEN"), a.originalLength(), e.toString());
                assertEquals(e.number("PROTO"), a.protocol(), e.toString());
                assertEquals(1, a.ifindex(), "software drops carry skb_iif, lo here: " + e);
                assertNull(a.ifname(), "software drops carry no port name");
                long expectedPayload = trunc == 0 ? a.originalLength() : Math.min(trunc, a.originalLength());
                assertEquals(expectedPayload, a.payload().length, e.toString());
                assertFalse(a.isHardware());
            }
        }
    }

    @Test
    void packetPayloadGivesTheFiveTuple() throws Exception {
        // traffic per the capture header: UDPv4 127.0.0.1 -> 60890, UDPv6 ::1 -> 47185, TCP SYN -> 50701,
        // UDPv4 into a bound socket with a minimal SO_RCVBUF (SOCKET_RCVBUFF)
        HexFixture f = HexFixture.load("fixtures/netdm/alert-packet-full.hex");
        String traffic = f.header().stream().filter(h -> h.startsWith("traffic:")).findFirst().orElseThrow();
        int udp4 = port(traffic, "UDPv4 127.0.0.1 -> closed port (\\d+)");
        int udp6 = port(traffic, "UDPv6 ::1 -> closed port (\\d+)");
        int tcp = port(traffic, "TCP SYN 127.0.0.1 -> closed port (\\d+)");
        InetAddress v4 = InetAddress.getByName("127.0.0.1");
        InetAddress v6 = InetAddress.getByName("::1");
        int seen4 = 0;
        int seen6 = 0;
        int seenTcp = 0;
        int seenRcvbuf = 0;
        for (Entry e : f.rx()) {
            PacketAlert a = decoder.packetAlert(e.buffer(), 0, e.length());
            PacketHeaders h = a.headers();
            assertEquals(-1, h.vlanId());
            switch (a.symbol().substring(0, a.symbol().indexOf('+'))) {
                case "__udp4_lib_rcv":
                    assertEquals(new PacketHeaders(-1, 0x0800, 4, 17, v4, v4, h.sourcePort(), udp4, -1, -1), h);
                    assertEquals("udp 127.0.0.1:" + h.sourcePort() + " -> 127.0.0.1:" + udp4, h.describe());
                    seen4++;
                    break;
                case "__udp6_lib_rcv":
                    assertEquals(new PacketHeaders(-1, 0x86dd, 6, 17, v6, v6, h.sourcePort(), udp6, -1, -1), h);
                    seen6++;
                    break;
                case "tcp_v4_rcv":
                    assertEquals(new PacketHeaders(-1, 0x0800, 4, 6, v4, v4, h.sourcePort(), tcp, -1, -1), h);
                    seenTcp++;
                    break;
                case "udp_queue_rcv_one_skb":
                    assertEquals("SOCKET_RCVBUFF", a.reason());
                    assertEquals(17, h.l4Protocol());
                    seenRcvbuf++;
                    break;
                default:
                    break; // udp_destruct_common: queued datagrams freed when the socket closed
            }
        }
        assertEquals(List.of(5, 5, 2), List.of(seen4, seen6, seenTcp), "per the capture's traffic line");
        assertTrue(seenRcvbuf > 0);
    }

    private static int port(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void truncatedPayloadStillGivesTheFiveTuple() throws Exception {
        for (Entry e : HexFixture.load("fixtures/netdm/alert-packet-trunc64.hex").rx()) {
            PacketAlert a = decoder.packetAlert(e.buffer(), 0, e.length());
            assertTrue(a.payload().length <= 64);
            if (a.reason().equals("NO_SOCKET") && a.protocol() == 0x0800) {
                assertTrue(a.headers().destinationPort() > 0, e.toString());
            }
        }
    }

    @Test
    void configAndStatsReplies() throws Exception {
        List<NetDmConfig> configs = new ArrayList<>();
        for (String file : List.of("config-get-default.hex", "config-get-packet.hex")) {
            for (Entry e : HexFixture.load("fixtures/netdm/" + file).rx()) {
                if (e.summary().startsWith("NET_DM_CMD_CONFIG_NEW")) {
                    NetDmConfig c = decoder.config(e.buffer(), 0, e.length());
                    assertEquals(new NetDmConfig((int) e.number("ALERT_MODE"), e.number("TRUNC_LEN"),
                            e.number("QUEUE_LEN")), c);
                    configs.add(c);
                }
            }
        }
        assertTrue(configs.contains(new NetDmConfig(0, 0, 1000)));
        assertTrue(configs.contains(new NetDmConfig(1, 64, 16)));
        assertEquals("packet", new NetDmConfig(1, 64, 16).alertModeName());

        List<NetDmStats> stats = new ArrayList<>();
        for (String file : List.of("stats-get-initial.hex", "stats-get-after-overflow.hex")) {
            for (Entry e : HexFixture.load("fixtures/netdm/" + file).rx()) {
                if (e.summary().startsWith("NET_DM_CMD_STATS_NEW")) {
                    stats.add(decoder.stats(e.buffer(), 0, e.length()));
                }
            }
        }
        // the README: 0 on a fresh kernel, 99 after a packet-mode run with queue_len=1
        assertEquals(List.of(new NetDmStats(0, 0), new NetDmStats(99, 0)), stats);
    }

    // --- hardware drops: no machine here has a devlink-trap NIC, so messages are built to the UAPI layout
    // exactly as net/core/drop_monitor.c fills them (net_dm_hw_summary_report_fill, net_dm_hw_packet_report_fill)

    private static ByteBuffer finish(MessageBuilder m) {
        int len = m.finish();
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
        for (int i = 0; i < len; i++) {
            b.put(i, m.buffer().get(i));
        }
        return b;
    }

    @Test
    void hardwareSummaryAlert() throws Exception {
        MessageBuilder m = new MessageBuilder(512).begin(0x23, 0).genl(NET_DM_CMD_ALERT, 2);
        m.bytes(0, new byte[4]); // the ancillary net_dm_alert_msg with entries = 0 "not to break user space"
        int entries = m.beginNested(NET_DM_ATTR_HW_ENTRIES);
        for (String[] t : new String[][] {{"ingress_vlan_filter", "7"}, {"blackhole_route", "2"}}) {
            int entry = m.beginNested(NET_DM_ATTR_HW_ENTRY);
            m.string(NET_DM_ATTR_HW_TRAP_NAME, t[0]).u32(NET_DM_ATTR_HW_TRAP_COUNT, Integer.parseInt(t[1]));
            m.endNested(entry);
        }
        m.endNested(entries);
        ByteBuffer b = finish(m);
        List<String> got = new ArrayList<>();
        int n = decoder.summaryAlert(b, 0, b.limit(), new NetDmDecoder.SummaryConsumer() {
            @Override
            public void onSoftwareDrops(long pc, int count) {
                fail("entries = 0");
            }

            @Override
            public void onHardwareDrops(String trapName, int count) {
                got.add(count + " " + trapName);
            }
        });
        assertEquals(2, n);
        assertEquals(List.of("7 ingress_vlan_filter", "2 blackhole_route"), got);
    }

    @Test
    void hardwarePacketAlertWithVlanAndIcmp() throws Exception {
        // 802.1Q tag (vlan 42), IPv4 10.1.2.3 -> 10.1.2.4, ICMP echo request (type 8 code 0)
        byte[] frame = HexFormat.of().parseHex("00112233445566778899aabb" + "8100002a" + "0800"
                + "4500001c00010000400100000a0102030a010204" + "0800f7ff00000000");
        byte[] cookie = {1, 2, 3, 4};
        MessageBuilder m = new MessageBuilder(512).begin(0x23, 0).genl(NET_DM_CMD_PACKET_ALERT, 2);
        m.u16(NET_DM_ATTR_ORIGIN, NET_DM_ORIGIN_HW);
        m.string(NET_DM_ATTR_HW_TRAP_GROUP_NAME, "l2_drops").string(NET_DM_ATTR_HW_TRAP_NAME, "ingress_vlan_filter");
        int port = m.beginNested(NET_DM_ATTR_IN_PORT);
        m.u32(NET_DM_ATTR_PORT_NETDEV_IFINDEX, 7).string(NET_DM_ATTR_PORT_NETDEV_NAME, "swp3");
        m.endNested(port);
        m.bytes(NET_DM_ATTR_FLOW_ACTION_COOKIE, cookie);
        m.u64(NET_DM_ATTR_TIMESTAMP, 1795303263899903942L).u32(NET_DM_ATTR_ORIG_LEN, frame.length);
        m.u16(NET_DM_ATTR_PROTO, 0x8100).bytes(NET_DM_ATTR_PAYLOAD, frame);
        ByteBuffer b = finish(m);
        PacketAlert a = decoder.packetAlert(b, 0, b.limit());
        assertTrue(a.isHardware());
        assertEquals("l2_drops", a.trapGroup());
        assertEquals("ingress_vlan_filter", a.trapName());
        assertEquals(7, a.ifindex());
        assertEquals("swp3", a.ifname());
        assertArrayEquals(cookie, a.cookie());
        assertEquals(frame.length, a.originalLength());
        assertEquals(0, a.pc());
        assertNull(a.reason());
        assertEquals("vlan 42 icmp 10.1.2.3 -> 10.1.2.4 type 8 code 0", a.headers().describe());
    }

    @Test
    void everyTruncationOfEveryAlertDecodesOrIsRefused() throws Exception {
        int cases = 0;
        for (String file : List.of("alert-summary.hex", "alert-packet-full.hex", "alert-packet-trunc64.hex",
                "config-get-default.hex", "stats-get-after-overflow.hex")) {
            for (Entry e : HexFixture.load("fixtures/netdm/" + file).rx()) {
                byte[] full = e.bytes();
                for (int cut = 0; cut < full.length; cut++) {
                    ByteBuffer b = ByteBuffer.wrap(full, 0, cut).slice().order(ByteOrder.nativeOrder());
                    try {
                        decoder.summaryAlert(b, 0, cut, new NetDmDecoder.SummaryConsumer() {
                            @Override
                            public void onSoftwareDrops(long pc, int count) {
                            }

                            @Override
                            public void onHardwareDrops(String trapName, int count) {
                            }
                        });
                    } catch (MalformedMessageException expected) {
                        // refused cleanly
                    }
                    try {
                        decoder.packetAlert(b, 0, cut);
                    } catch (MalformedMessageException expected) {
                        // refused cleanly
                    }
                    try {
                        decoder.stats(b, 0, cut);
                    } catch (MalformedMessageException expected) {
                        // refused cleanly
                    }
                    cases++;
                }
            }
        }
        assertTrue(cases > 3000, "cases " + cases);
    }

    @Test
    void lyingEntryCountIsRefused() {
        MessageBuilder m = new MessageBuilder(128).begin(0x23, NLM_F_REQUEST).genl(NET_DM_CMD_ALERT, 2);
        m.bytes(0, new byte[] {5, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 0, 0}); // claims 5 points, holds 1
        ByteBuffer b = finish(m);
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
                () -> decoder.summaryAlert(b, 0, b.limit(), null));
        assertTrue(e.getMessage().contains("claims 5 points"), e.getMessage());
    }
}
