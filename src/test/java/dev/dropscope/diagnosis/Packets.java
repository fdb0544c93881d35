package dev.dropscope.diagnosis;

import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * Packets the Java socket API cannot send: UDP datagrams with a wrong checksum (a raw IPv4 socket: the
 * kernel writes the IP header, we write the UDP header) and Ethernet frames of any ethertype (AF_PACKET).
 * Called on a thread inside the sending namespace.
 */
final class Packets {
    private static final int AF_INET = 2;
    private static final int AF_PACKET = 17;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_RAW = 3;
    private static final int IPPROTO_UDP = 17;
    /** linux/udp.h: the socket option (level SOL_UDP = IPPROTO_UDP) that sets the GSO segment size. */
    private static final int UDP_SEGMENT = 103;

    private Packets() {
    }

    /** Sends {@code count} UDP datagrams from {@code src} to {@code dst}:{@code port} whose checksum is wrong. */
    static void udpWithBadChecksum(Syscalls sys, String src, String dst, int port, int count) throws Exception {
        byte[] s = InetAddress.getByName(src).getAddress();
        byte[] d = InetAddress.getByName(dst).getAddress();
        byte[] payload = "corrupted on the way".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int len = 8 + payload.length;
        NativeBuffer pkt = NativeBuffer.allocate(len);
        ByteBuffer b = pkt.buffer().duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        b.putShort(0, (short) 40000).putShort(2, (short) port).putShort(4, (short) len).putShort(6, (short) 0);
        b.position(8);
        b.put(payload);
        int good = udpChecksum(s, d, b, len);
        // any other value is wrong; never 0, which means "no checksum" in IPv4 and would be accepted
        int bad = good ^ 0x0101;
        b.putShort(6, (short) (bad == 0 ? 1 : bad));
        NativeBuffer to = sockaddrIn(d, 0);
        int fd = NativeIoException.check("socket(AF_INET, SOCK_RAW, UDP)", sys.socket(AF_INET, SOCK_RAW, IPPROTO_UDP));
        try {
            NativeBuffer from = sockaddrIn(s, 0);
            NativeIoException.check("bind " + src, sys.bind(fd, from, 0, 16));
            for (int i = 0; i < count; i++) {
                long n = sys.sendto(fd, pkt, 0, len, 0, to, 0, 16);
                if (n < 0) {
                    throw new NativeIoException("sendto " + dst, (int) -n);
                }
            }
        } finally {
            sys.close(fd);
        }
    }

    /**
     * Sends {@code sends} UDP GSO datagrams of {@code segments} segments of {@code segmentSize} bytes each
     * to {@code dst}:{@code port}. On an interface with segmentation offload off, the stack cuts each one
     * into {@code segments} packets and transmits them in one go: on a veth they all reach the peer's
     * per-CPU input backlog before the receive softirq runs, a burst no plain send(2) loop makes.
     */
    static void udpGsoBurst(Syscalls sys, String dst, int port, int segmentSize, int segments, int sends)
            throws Exception {
        int len = segmentSize * segments;
        NativeBuffer payload = NativeBuffer.allocate(len);
        NativeBuffer size = NativeBuffer.allocate(4);
        size.buffer().putInt(0, segmentSize);
        NativeBuffer to = sockaddrIn(InetAddress.getByName(dst).getAddress(), port);
        int fd = NativeIoException.check("socket(AF_INET, SOCK_DGRAM)", sys.socket(AF_INET, SOCK_DGRAM, 0));
        try {
            NativeIoException.check("setsockopt UDP_SEGMENT", sys.setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, size, 0, 4));
            for (int i = 0; i < sends; i++) {
                long n = sys.sendto(fd, payload, 0, len, 0, to, 0, 16);
                if (n < 0) {
                    throw new NativeIoException("sendto " + dst, (int) -n);
                }
            }
        } finally {
            sys.close(fd);
        }
    }

    /** The UDP checksum over the IPv4 pseudo-header and the datagram (with its checksum field 0). */
    static int udpChecksum(byte[] src, byte[] dst, ByteBuffer udp, int len) {
        long sum = 0;
        for (int i = 0; i < 4; i += 2) {
            sum += ((src[i] & 0xff) << 8) | (src[i + 1] & 0xff);
            sum += ((dst[i] & 0xff) << 8) | (dst[i + 1] & 0xff);
        }
        sum += IPPROTO_UDP + len;
        for (int i = 0; i < len; i += 2) {
            int hi = udp.get(i) & 0xff;
            int lo = i + 1 < len ? udp.get(i + 1) & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        int c = (int) (~sum & 0xffff);
        return c == 0 ? 0xffff : c;
    }

    /** Sends {@code count} frames of {@code ethertype} out of interface {@code ifindex} to {@code dstMac}. */
    static void frames(Syscalls sys, int ifindex, String srcMac, String dstMac, int ethertype, int count)
            throws Exception {
        NativeBuffer frame = NativeBuffer.allocate(60);
        ByteBuffer b = frame.buffer().duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        b.put(mac(dstMac)).put(mac(srcMac)).putShort((short) ethertype);
        // struct sockaddr_ll: family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8]
        NativeBuffer ll = NativeBuffer.allocate(20);
        ByteBuffer l = ll.buffer();
        l.putShort(0, (short) AF_PACKET);
        l.put(2, (byte) (ethertype >> 8)).put(3, (byte) ethertype);
        l.putInt(4, ifindex);
        l.put(11, (byte) 6);
        byte[] m = mac(dstMac);
        for (int i = 0; i < 6; i++) {
            l.put(12 + i, m[i]);
        }
        int fd = NativeIoException.check("socket(AF_PACKET, SOCK_RAW)", sys.socket(AF_PACKET, SOCK_RAW, 0));
        try {
            for (int i = 0; i < count; i++) {
                long n = sys.sendto(fd, frame, 0, 60, 0, ll, 0, 20);
                if (n < 0) {
                    throw new NativeIoException("sendto ifindex " + ifindex, (int) -n);
                }
            }
        } finally {
            sys.close(fd);
        }
    }

    private static byte[] mac(String text) {
        String[] p = text.split(":");
        byte[] out = new byte[6];
        for (int i = 0; i < 6; i++) {
            out[i] = (byte) Integer.parseInt(p[i], 16);
        }
        return out;
    }

    /** struct sockaddr_in: family in host order, port and address in network order. */
    private static NativeBuffer sockaddrIn(byte[] addr, int port) {
        NativeBuffer sa = NativeBuffer.allocate(16);
        ByteBuffer b = sa.buffer();
        b.putShort(0, (short) AF_INET);
        b.put(2, (byte) (port >> 8)).put(3, (byte) port);
        for (int i = 0; i < 4; i++) {
            b.put(4 + i, addr[i]);
        }
        return sa;
    }
}
