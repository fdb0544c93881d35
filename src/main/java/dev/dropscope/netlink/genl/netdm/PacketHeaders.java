package dev.dropscope.netlink.genl.netdm;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * What a dropped packet's first bytes say: VLAN tag, network protocol, addresses, transport protocol,
 * ports or ICMP type/code. Decoded as far as the (possibly truncated) payload allows: a packet alert
 * carries at most TRUNC_LEN bytes, so a missing L4 header is normal, not an error.
 *
 * @param vlanId      802.1Q VLAN id of the outer tag, or -1
 * @param etherType   the ethertype after any VLAN tags (0x0800 IPv4, 0x86dd IPv6), or -1 if cut short
 * @param ipVersion   4, 6, or 0 when no IP header was decoded
 * @param l4Protocol  IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6), or -1
 * @param source      source address, or null
 * @param destination destination address, or null
 * @param sourcePort  TCP/UDP source port, or -1
 * @param destinationPort TCP/UDP destination port, or -1
 * @param icmpType    ICMP/ICMPv6 type, or -1
 * @param icmpCode    ICMP/ICMPv6 code, or -1
 */
public record PacketHeaders(int vlanId, int etherType, int ipVersion, int l4Protocol, InetAddress source,
                            InetAddress destination, int sourcePort, int destinationPort, int icmpType,
                            int icmpCode) {

    public static final int ETH_P_IP = 0x0800;
    public static final int ETH_P_IPV6 = 0x86dd;
    public static final int ETH_P_8021Q = 0x8100;
    public static final int ETH_P_8021AD = 0x88a8;
    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_ICMPV6 = 58;

    private static final int ETH_HLEN = 14;

    static final PacketHeaders NONE = new PacketHeaders(-1, -1, 0, -1, null, null, -1, -1, -1, -1);

    /** "udp", "tcp", "icmp", "icmpv6", the number, or null. */
    public String l4Name() {
        switch (l4Protocol) {
            case IPPROTO_TCP:
                return "tcp";
            case IPPROTO_UDP:
                return "udp";
            case IPPROTO_ICMP:
                return "icmp";
            case IPPROTO_ICMPV6:
                return "icmpv6";
            case -1:
                return null;
            default:
                return Integer.toString(l4Protocol);
        }
    }

    /**
     * Decodes {@code length} bytes at {@code offset}, which start at the MAC header (as NET_DM's payload
     * does). {@code etherType} is NET_DM_ATTR_PROTO: used when the payload is too short to say.
     */
    public static PacketHeaders decodeEthernet(ByteBuffer b, int offset, int length, int etherType) {
        int end = offset + length;
        int at = offset + 12;
        int vlan = -1;
        int type = etherType;
        if (end - at >= 2) {
            type = u16(b, at);
            at += 2;
            // up to two tags (QinQ): the outer VLAN id is the one an operator configured on the port
            for (int i = 0; i < 2 && (type == ETH_P_8021Q || type == ETH_P_8021AD) && end - at >= 4; i++) {
                if (vlan < 0) {
                    vlan = u16(b, at) & 0x0fff;
                }
                type = u16(b, at + 2);
                at += 4;
            }
        } else {
            at = end;
        }
        return decodeNetwork(b, Math.min(at, end), end, type, vlan);
    }

    /** Decodes {@code length} bytes at {@code offset}, which start at the IPv4/IPv6 header (ethertype {@code etherType}). */
    public static PacketHeaders decodeFromNetwork(ByteBuffer b, int offset, int length, int etherType) {
        return decodeNetwork(b, offset, offset + length, etherType, -1);
    }

    private static PacketHeaders decodeNetwork(ByteBuffer b, int at, int end, int type, int vlan) {
        if (type == ETH_P_IP && end - at >= 20) {
            int ihl = (b.get(at) & 0x0f) * 4;
            if ((b.get(at) & 0xf0) != 0x40 || ihl < 20) {
                return new PacketHeaders(vlan, type, 0, -1, null, null, -1, -1, -1, -1);
            }
            int proto = b.get(at + 9) & 0xff;
            InetAddress src = address(b, at + 12, 4);
            InetAddress dst = address(b, at + 16, 4);
            boolean laterFragment = (u16(b, at + 6) & 0x1fff) != 0;
            int l4 = at + ihl;
            if (laterFragment || l4 > end) {
                return new PacketHeaders(vlan, type, 4, proto, src, dst, -1, -1, -1, -1);
            }
            return transport(b, l4, end, type, vlan, 4, proto, src, dst);
        }
        if (type == ETH_P_IPV6 && end - at >= 40) {
            if ((b.get(at) & 0xf0) != 0x60) {
                return new PacketHeaders(vlan, type, 0, -1, null, null, -1, -1, -1, -1);
            }
            int next = b.get(at + 6) & 0xff;
            InetAddress src = address(b, at + 8, 16);
            InetAddress dst = address(b, at + 24, 16);
            int l4 = at + 40;
            // walk extension headers (hop-by-hop, routing, destination options, fragment), bounded
            for (int i = 0; i < 8 && l4 + 8 <= end; i++) {
                if (next == 0 || next == 43 || next == 60) {
                    int hdrLen = ((b.get(l4 + 1) & 0xff) + 1) * 8;
                    next = b.get(l4) & 0xff;
                    l4 += hdrLen;
                } else if (next == 44) {
                    boolean laterFragment = (u16(b, l4 + 2) & 0xfff8) != 0;
                    next = b.get(l4) & 0xff;
                    l4 += 8;
                    if (laterFragment) {
                        return new PacketHeaders(vlan, type, 6, next, src, dst, -1, -1, -1, -1);
                    }
                } else {
                    break;
                }
            }
            return transport(b, l4, end, type, vlan, 6, next, src, dst);
        }
        return new PacketHeaders(vlan, type, 0, -1, null, null, -1, -1, -1, -1);
    }

    private static PacketHeaders transport(ByteBuffer b, int at, int end, int type, int vlan, int ipVersion,
                                           int proto, InetAddress src, InetAddress dst) {
        if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && end - at >= 4) {
            return new PacketHeaders(vlan, type, ipVersion, proto, src, dst, u16(b, at), u16(b, at + 2), -1, -1);
        }
        if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) && end - at >= 2) {
            return new PacketHeaders(vlan, type, ipVersion, proto, src, dst, -1, -1, b.get(at) & 0xff,
                    b.get(at + 1) & 0xff);
        }
        return new PacketHeaders(vlan, type, ipVersion, proto, src, dst, -1, -1, -1, -1);
    }

    private static int u16(ByteBuffer b, int at) {
        return ((b.get(at) & 0xff) << 8) | (b.get(at + 1) & 0xff);
    }

    private static InetAddress address(ByteBuffer b, int at, int len) {
        byte[] a = new byte[len];
        b.get(at, a, 0, len);
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always a valid address", e);
        }
    }

    /** "udp 127.0.0.1:40000 -> 127.0.0.1:9", "icmp 10.0.0.1 -> 10.0.0.2 type 8 code 0", or "". */
    public String describe() {
        if (source == null) {
            return etherType < 0 ? "" : String.format("ethertype 0x%04x", etherType);
        }
        StringBuilder s = new StringBuilder();
        if (vlanId >= 0) {
            s.append("vlan ").append(vlanId).append(' ');
        }
        String l4 = l4Name();
        s.append(l4 == null ? (ipVersion == 6 ? "ipv6" : "ipv4") : l4).append(' ');
        s.append(endpoint(source, sourcePort)).append(" -> ").append(endpoint(destination, destinationPort));
        if (icmpType >= 0) {
            s.append(" type ").append(icmpType).append(" code ").append(icmpCode);
        }
        return s.toString();
    }

    private String endpoint(InetAddress a, int port) {
        String h = a.getHostAddress();
        if (port < 0) {
            return h;
        }
        return ipVersion == 6 ? "[" + h + "]:" + port : h + ":" + port;
    }
}
