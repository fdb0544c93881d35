package dev.dropscope.netlink.genl.netdm;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** Header decoding on frames laid out by hand from the RFC formats. */
class PacketHeadersTest {
    private static final String ETH = "00112233445566778899aabb";

    private static PacketHeaders decode(String hex) {
        byte[] f = HexFormat.of().parseHex(hex);
        return PacketHeaders.decodeEthernet(ByteBuffer.wrap(f), 0, f.length, -1);
    }

    @Test
    void ipv6WithHopByHopAndTcp() {
        String ip6 = "6000000000140000" // next header 0 (hop-by-hop)
                + "20010db8000000000000000000000001" + "20010db8000000000000000000000002";
        String hbh = "0600000000000000"; // next header 6 (tcp), length 0 (8 bytes)
        String tcp = "1f90005000000000";
        PacketHeaders h = decode(ETH + "86dd" + ip6 + hbh + tcp);
        assertEquals(6, h.ipVersion());
        assertEquals(6, h.l4Protocol());
        assertEquals(8080, h.sourcePort());
        assertEquals(80, h.destinationPort());
        assertEquals("tcp [2001:db8:0:0:0:0:0:1]:8080 -> [2001:db8:0:0:0:0:0:2]:80", h.describe());
    }

    @Test
    void laterIpv4FragmentHasNoPorts() {
        // fragment offset 185 (x8 bytes): the UDP header is in the first fragment only
        PacketHeaders h = decode(ETH + "0800" + "45000020000100b94011" + "0000" + "0a000001" + "0a000002" + "1234567800080000");
        assertEquals(17, h.l4Protocol());
        assertEquals(-1, h.sourcePort());
        assertEquals("udp 10.0.0.1 -> 10.0.0.2", h.describe());
    }

    @Test
    void qinqUsesTheOuterVlan() {
        PacketHeaders h = decode(ETH + "88a8" + "0064" + "8100" + "00c8" + "0800"
                + "45000020000100004011" + "0000" + "0a000001" + "0a000002" + "0035003500080000");
        assertEquals(100, h.vlanId());
        assertEquals(53, h.destinationPort());
    }

    @Test
    void cutShortAtEveryByteNeverThrows() {
        String full = ETH + "8100002a0800" + "45000020000100004011" + "0000" + "0a000001" + "0a000002" + "0035003500080000";
        byte[] f = HexFormat.of().parseHex(full);
        for (int n = 0; n <= f.length; n++) {
            PacketHeaders h = PacketHeaders.decodeEthernet(ByteBuffer.wrap(f), 0, n, 0x8100);
            assertNotNull(h.describe());
            if (n < 14) {
                assertEquals(0, h.ipVersion());
            }
        }
        assertEquals(53, PacketHeaders.decodeEthernet(ByteBuffer.wrap(f), 0, f.length, -1).destinationPort());
    }

    @Test
    void notIpGivesTheEthertype() {
        PacketHeaders h = decode(ETH + "0806" + "0001080006040001");
        assertEquals(0x0806, h.etherType());
        assertEquals(0, h.ipVersion());
        assertEquals("ethertype 0x0806", h.describe());
    }
}
