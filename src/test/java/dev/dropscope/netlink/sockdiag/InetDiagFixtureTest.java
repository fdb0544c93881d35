package dev.dropscope.netlink.sockdiag;

import static dev.dropscope.netlink.sockdiag.SockDiagConstants.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.netlink.MalformedMessageException;
import dev.dropscope.netlink.MessageBuilder;
import dev.dropscope.netlink.RecordedReplies;
import dev.dropscope.netlink.RecordedReplies.Message;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * inet_diag replies captured on 6.18 by {@link CaptureSockDiag} (a listener with a queued connection, a
 * connection with 100 000 unread bytes, IPv6 too, a UDP socket with a 4 KiB buffer that dropped), decoded
 * and compared field by field with what {@code ss -tuanmieiO} printed for the same sockets.
 */
class InetDiagFixtureTest {
    static final String DIR = "netlink/sockdiag/6.18.44-fc-v1272/";

    /** One socket line of ss: the fields it prints that do not tick between two looks. */
    record SsLine(String netid, String state, long recvQ, long sendQ, String local, int localPort, String peer,
                  int peerPort, long inode, long cookie, long[] skmem, Long bytesReceived, Long sndWnd) {
    }

    private static final Pattern LINE = Pattern.compile("^(tcp|udp)\\s+(\\S+)\\s+(\\d+)\\s+(\\d+)\\s+(\\S+):(\\d+|\\*)\\s+(\\S+):(\\d+|\\*)\\s+(.*)$");

    static Map<Long, SsLine> ss() {
        Map<Long, SsLine> out = new HashMap<>();
        for (String l : RecordedReplies.text(DIR + "dump.ss.txt").split("\n")) {
            Matcher m = LINE.matcher(l.strip());
            if (!m.matches()) {
                continue;
            }
            String rest = m.group(9);
            long ino = Long.parseLong(find(rest, "ino:(\\d+)"));
            long cookie = Long.parseUnsignedLong(find(rest, " sk:([0-9a-f]+)"), 16);
            String[] mem = find(rest, "skmem:\\(([^)]*)\\)").split(",");
            long[] skmem = new long[mem.length];
            for (int i = 0; i < mem.length; i++) {
                skmem[i] = Long.parseLong(mem[i].replaceAll("^[a-z]+", ""));
            }
            String br = find(rest, "bytes_received:(\\d+)");
            String sw = find(rest, "snd_wnd:(\\d+)");
            out.put(cookie, new SsLine(m.group(1), m.group(2), Long.parseLong(m.group(3)), Long.parseLong(m.group(4)),
                    unbracket(m.group(5)), port(m.group(6)), unbracket(m.group(7)), port(m.group(8)), ino, cookie, skmem,
                    br == null ? null : Long.parseLong(br), sw == null ? null : Long.parseLong(sw)));
        }
        return out;
    }

    private static String find(String s, String re) {
        Matcher m = Pattern.compile(re).matcher(s);
        return m.find() ? m.group(1) : null;
    }

    private static String unbracket(String a) {
        return a.startsWith("[") ? a.substring(1, a.length() - 1) : a;
    }

    private static int port(String p) {
        return p.equals("*") ? 0 : Integer.parseInt(p);
    }

    static List<InetSocket> decode(String file, int protocol) throws MalformedMessageException {
        List<InetSocket> out = new ArrayList<>();
        for (Message m : RecordedReplies.replies(DIR + file)) {
            out.add(InetDiag.parse(m.buffer(), 0, m.bytes().length, protocol));
        }
        return out;
    }

    static String stateName(InetSocket s) {
        if (s.protocol() == IPPROTO_UDP) {
            return s.state() == TCP_ESTABLISHED ? "ESTAB" : "UNCONN";
        }
        return s.state() == TCP_LISTEN ? "LISTEN" : s.state() == TCP_ESTABLISHED ? "ESTAB" : "state " + s.state();
    }

    @Test
    void everySocketEqualsWhatSsPrinted() throws Exception {
        Map<Long, SsLine> ss = ss();
        List<InetSocket> all = new ArrayList<>();
        all.addAll(decode("tcp4-dump.hex", IPPROTO_TCP));
        all.addAll(decode("tcp6-dump.hex", IPPROTO_TCP));
        all.addAll(decode("udp4-dump.hex", IPPROTO_UDP));
        all.addAll(decode("udp6-dump.hex", IPPROTO_UDP));
        assertEquals(ss.size(), all.size(), "one reply per socket ss listed");
        assertEquals(10, all.size());
        for (InetSocket s : all) {
            SsLine l = ss.get(s.cookie());
            assertNotNull(l, "ss has the cookie of " + s);
            String what = s.toString();
            assertEquals(l.netid(), s.protocol() == IPPROTO_TCP ? "tcp" : "udp", what);
            assertEquals(l.state(), stateName(s), what);
            assertEquals(l.recvQ(), s.rqueue(), what);
            assertEquals(l.sendQ(), s.wqueue(), what);
            assertEquals(l.local(), s.localAddress(), what);
            assertEquals(l.localPort(), s.localPort(), what);
            String peer = s.remoteAddress().equals("0.0.0.0") || s.remoteAddress().equals("::")
                    ? l.peer().replace("*", "0.0.0.0") : l.peer();
            assertEquals(peer, s.remoteAddress(), what);
            assertEquals(l.peerPort(), s.remotePort(), what);
            assertEquals(l.inode(), s.inode(), what);
            InetSocket.MemInfo m = s.mem();
            assertArrayEquals(l.skmem(), new long[] {m.rmemAlloc(), m.rcvbuf(), m.wmemAlloc(), m.sndbuf(),
                    m.fwdAlloc(), m.wmemQueued(), m.optmem(), m.backlog(), m.drops()}, what);
            if (s.protocol() == IPPROTO_UDP) {
                assertNull(s.tcp(), "UDP has no tcp_info");
                continue;
            }
            InetSocket.TcpInfo t = s.tcp();
            assertEquals(s.state(), t.state(), what);
            assertEquals(l.bytesReceived() == null ? 0 : l.bytesReceived(), t.bytesReceived(), what);
            if (l.sndWnd() != null) {
                assertEquals(l.sndWnd(), t.sndWnd(), what);
            }
            assertTrue(t.length() >= TCP_INFO_RCV_WND_OFFSET + 4, "6.18 sends tcpi_rcv_wnd: " + t.length());
            assertTrue(t.rcvWnd() >= 0 && t.lastDataRecvMs() >= 0, what);
        }
    }

    @Test
    void theCaseTheCaptureWasMadeFor() throws Exception {
        List<InetSocket> tcp4 = decode("tcp4-dump.hex", IPPROTO_TCP);
        InetSocket listener = tcp4.stream().filter(InetSocket::isListener).findFirst().orElseThrow();
        assertEquals("127.0.0.1", listener.localAddress());
        assertEquals(8080, listener.localPort());
        assertEquals(1, listener.rqueue(), "one connection waits in the accept queue");
        assertEquals(5, listener.wqueue(), "the backlog limit: listen(fd, 5)");
        InetSocket unread = tcp4.stream().filter(s -> s.rqueue() == 100_000).findFirst().orElseThrow();
        assertEquals(100_000, unread.tcp().bytesReceived());
        assertTrue(unread.mem().rmemAlloc() > 100_000 && unread.mem().rmemAlloc() <= unread.mem().rcvbuf(),
                unread.mem().toString());
        InetSocket udp = decode("udp4-dump.hex", IPPROTO_UDP).get(0);
        assertEquals(5353, udp.localPort());
        assertEquals(44, udp.mem().drops(), "datagrams its 4 KiB buffer could not take");
        assertEquals(AF_INET6, decode("udp6-dump.hex", IPPROTO_UDP).get(0).family());
        assertEquals("::1", decode("udp6-dump.hex", IPPROTO_UDP).get(0).localAddress());
    }

    @Test
    void theRequestIsTheOneRecorded() {
        for (String[] f : new String[][] {{"tcp4", "2", "6"}, {"tcp6", "10", "6"}, {"udp4", "2", "17"}, {"udp6", "10", "17"}}) {
            Message tx = RecordedReplies.load(DIR + f[0] + "-dump.hex").get(0);
            MessageBuilder m = InetDiag.dumpRequest(Integer.parseInt(f[1]), Integer.parseInt(f[2]), InetDiag.ALL_STATES);
            int len = m.finish();
            byte[] ours = new byte[len];
            m.buffer().get(0, ours);
            assertArrayEquals(tx.bytes(), ours, f[0]);
            ByteBuffer b = tx.buffer();
            assertEquals(SOCK_DIAG_BY_FAMILY, Short.toUnsignedInt(b.getShort(4)));
            assertEquals(1 << (INET_DIAG_SKMEMINFO - 1) | 1 << (INET_DIAG_INFO - 1), b.get(16 + INET_DIAG_REQ_V2_EXT_OFFSET));
        }
    }

    @Test
    void fieldsBeyondWhatTheKernelSentAreAbsentNotGarbage() throws Exception {
        Message m = RecordedReplies.replies(DIR + "tcp4-dump.hex").get(0);
        ByteBuffer b = m.buffer();
        // cut tcp_info to the 104 bytes of a 4.1 kernel (before tcpi_pacing_rate) and SKMEMINFO to 8 u32s
        List<int[]> attrs = new ArrayList<>();
        int at = 16 + INET_DIAG_MSG_SIZE;
        while (at + 4 <= b.limit()) {
            int len = Short.toUnsignedInt(b.getShort(at));
            attrs.add(new int[] {at, len, b.getShort(at + 2)});
            at += (len + 3) & ~3;
        }
        ByteBuffer out = ByteBuffer.allocate(b.limit()).order(ByteOrder.nativeOrder());
        out.put(b.duplicate().position(0).limit(16 + INET_DIAG_MSG_SIZE));
        for (int[] a : attrs) {
            int keep = a[2] == INET_DIAG_INFO ? 104 : a[2] == INET_DIAG_SKMEMINFO ? 32 : a[1] - 4;
            int p = out.position();
            out.putShort((short) (keep + 4)).putShort((short) a[2]);
            out.put(b.duplicate().position(a[0] + 4).limit(a[0] + 4 + keep));
            out.position(p + ((keep + 4 + 3) & ~3));
        }
        int total = out.position();
        out.putInt(0, total);
        InetSocket s = InetDiag.parse(out, 0, total, IPPROTO_TCP);
        assertEquals(104, s.tcp().length());
        assertEquals(-1, s.tcp().bytesReceived());
        assertEquals(-1, s.tcp().rcvWnd());
        assertTrue(s.tcp().lastDataRecvMs() >= 0);
        assertEquals(-1, s.mem().drops());
        assertTrue(s.mem().rcvbuf() > 0);
    }

    @Test
    void shortOrForeignMessagesAreRefusedWithAReason() {
        Message m = RecordedReplies.replies(DIR + "udp4-dump.hex").get(0);
        for (int cut = 0; cut < 16 + INET_DIAG_MSG_SIZE; cut += 7) {
            byte[] b = java.util.Arrays.copyOf(m.bytes(), cut);
            int n = cut;
            assertThrows(MalformedMessageException.class,
                    () -> InetDiag.parse(ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()), 0, n, IPPROTO_UDP));
        }
        byte[] wrongFamily = m.bytes().clone();
        wrongFamily[16] = 1; // AF_UNIX
        MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> InetDiag.parse(
                ByteBuffer.wrap(wrongFamily).order(ByteOrder.nativeOrder()), 0, wrongFamily.length, IPPROTO_UDP));
        assertTrue(e.getMessage().contains("family 1"), e.getMessage());
        byte[] otherType = m.bytes().clone();
        otherType[4] = 3; // NLMSG_DONE
        assertFalse(assertDoesNotThrow(() -> new InetDiag.Reader().read(
                ByteBuffer.wrap(otherType).order(ByteOrder.nativeOrder()), 0, otherType.length, IPPROTO_UDP)),
                "another message type is skipped, not decoded");
    }

    @Test
    void ipv6AddressesAreWrittenAsSsWritesThem() {
        assertEquals("::1", addr6("00000000000000000000000000000001"));
        assertEquals("::", addr6("00000000000000000000000000000000"));
        assertEquals("fe80::1:2", addr6("fe800000000000000000000000010002"));
        assertEquals("2001:db8::1:0:0:1", addr6("20010db8000000000001000000000001"));
        assertEquals("2001:db8:0:1:1:1:1:1", addr6("20010db8000000010001000100010001"));
        assertEquals("::ffff:10.0.0.1", addr6("00000000000000000000ffff0a000001"));
    }

    private static String addr6(String hex) {
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) {
            b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return InetDiag.address(ByteBuffer.wrap(b), 0, AF_INET6);
    }
}
