package dev.dropscope.procfs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static dev.dropscope.procfs.ProcFixtures.HOST_6_18;
import static dev.dropscope.procfs.ProcFixtures.VM_6_12;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtocolCountersTest {

    @Test
    void hostFixtureValuesReadByHand() {
        ProtocolCounters c = ProtocolCounters.query(ProcFixtures.proc(HOST_6_18));
        assertEquals(List.of(), c.problems());
        assertEquals(OptionalLong.of(2), c.get("Ip.Forwarding"));
        assertEquals(OptionalLong.of(3528), c.get("Ip.InReceives"));
        assertEquals(OptionalLong.of(-1), c.get("Tcp.MaxConn"), "Tcp MaxConn is printed signed");
        assertEquals(OptionalLong.of(23), c.get("Tcp.ActiveOpens"));
        assertEquals(OptionalLong.of(16), c.get("Tcp.OutRsts"));
        assertEquals(OptionalLong.of(39), c.get("Udp.InDatagrams"));
        assertEquals(OptionalLong.of(40), c.get("Udp.OutDatagrams"));
        assertEquals(OptionalLong.of(1), c.get("IcmpMsg.InType3"));
        assertEquals(OptionalLong.of(14), c.get("TcpExt.TW"));
        assertEquals(OptionalLong.of(2152), c.get("TcpExt.TCPRcvCoalesce"));
        assertEquals(OptionalLong.of(2), c.get("TcpExt.TcpTimeoutRehash"));
        assertEquals(OptionalLong.of(0), c.get("TcpExt.ListenOverflows"));
        assertEquals(OptionalLong.of(144837510), c.get("IpExt.InOctets"));
        assertEquals(OptionalLong.of(10), c.get("Ip6.OutRequests"));
        assertEquals(OptionalLong.of(4), c.get("Icmp6.OutType135"));
        assertEquals(OptionalLong.of(0), c.get("Udp6.RcvbufErrors"));
        assertEquals(OptionalLong.of(0), c.get("UdpLite6.MemErrors"));
        assertEquals(OptionalLong.of(0), c.get("MPTcpExt.WinProbe"));
        // 20 Ip + 29 Icmp + 1 IcmpMsg + 15 Tcp + 9 Udp + 9 UdpLite + 135 TcpExt + 18 IpExt + 76 MPTcpExt + 90 snmp6
        assertEquals(402, c.counters().size());
        assertEquals("Ip.Forwarding", c.counters().keySet().iterator().next(), "file order is kept");
    }

    @Test
    void vmFixtureValuesReadByHand() {
        // vm-traffic.sh sent 3 UDP datagrams to 127.0.0.1:9, 2 to [::1]:9 and one TCP SYN to 127.0.0.1:1
        ProtocolCounters c = ProtocolCounters.query(ProcFixtures.proc(VM_6_12));
        assertEquals(List.of(), c.problems());
        assertEquals(OptionalLong.of(3), c.get("Udp.NoPorts"));
        assertEquals(OptionalLong.of(3), c.get("IcmpMsg.InType3"));
        assertEquals(OptionalLong.of(3), c.get("IcmpMsg.OutType3"));
        assertEquals(OptionalLong.of(1), c.get("Tcp.AttemptFails"));
        assertEquals(OptionalLong.of(1), c.get("Tcp.OutRsts"));
        assertEquals(OptionalLong.of(2), c.get("Udp6.NoPorts"));
        assertEquals(OptionalLong.of(2), c.get("Icmp6.OutDestUnreachs"));
        assertEquals(OptionalLong.of(364), c.get("IpExt.InOctets"));
        assertEquals(OptionalLong.of(0), c.get(RpFilter.DROP_COUNTER));
        // 6.12 lacks the PAWS counters 6.18 added; fields are read from the header, never from a list
        assertEquals(OptionalLong.empty(), c.get("TcpExt.PAWSOldAck"));
        assertTrue(ProtocolCounters.query(ProcFixtures.proc(HOST_6_18)).get("TcpExt.PAWSOldAck").isPresent());
        assertEquals(20 + 29 + 2 + 15 + 9 + 9 + 131 + 18 + 75 + 88, c.counters().size());
    }

    /** Every name on a header line has a value, and nothing else is there. */
    @ParameterizedTest
    @ValueSource(strings = {HOST_6_18, VM_6_12})
    void everyHeaderFieldHasAValue(String release) {
        for (String file : List.of("net/snmp", "net/netstat")) {
            String text = ProcFixtures.text(release, file);
            ProtocolCounters c = ProtocolCounters.parseHeaderValue(text);
            assertEquals(List.of(), c.problems(), file);
            int expected = 0;
            String[] lines = text.split("\n");
            for (int i = 0; i < lines.length; i += 2) {
                String[] names = lines[i].split(" ");
                String group = names[0].substring(0, names[0].length() - 1);
                for (int k = 1; k < names.length; k++) {
                    assertTrue(c.counters().containsKey(group + "." + names[k]), group + "." + names[k]);
                    expected++;
                }
            }
            assertEquals(expected, c.counters().size(), file);
        }
        String snmp6 = ProcFixtures.text(release, "net/snmp6");
        ProtocolCounters six = ProtocolCounters.parseNameValue(snmp6);
        assertEquals(List.of(), six.problems());
        assertEquals(snmp6.split("\n").length, six.counters().size());
        for (String key : six.counters().keySet()) {
            assertTrue(key.matches("(Ip6|Icmp6|Udp6|UdpLite6)\\.[A-Za-z0-9]+"), key);
        }
    }

    @Test
    void nstatNamesGlueGroupAndField() {
        assertEquals("TcpExtListenOverflows", ProtocolCounters.nstatName("TcpExt.ListenOverflows"));
        assertEquals("UdpRcvbufErrors", ProtocolCounters.nstatName("Udp.RcvbufErrors"));
        assertEquals("Udp6RcvbufErrors", ProtocolCounters.nstatName("Udp6.RcvbufErrors"));
        assertEquals("IpExtInOctets", ProtocolCounters.nstatName("IpExt.InOctets"));
    }

    @Test
    void snmp6GroupIsTheLongestKnownPrefix() {
        ProtocolCounters c = ProtocolCounters.parseNameValue(
                "UdpLite6InDatagrams \t5\nUdp6InDatagrams\t6\nIcmp6OutType135 7\nSctpCurrEstab 8\n");
        assertEquals(Map.of("UdpLite6.InDatagrams", 5L, "Udp6.InDatagrams", 6L, "Icmp6.OutType135", 7L,
                "Sctp.CurrEstab", 8L), c.counters());
    }

    @Test
    void truncatedValueLineKeepsWhatPairs() {
        String real = ProcFixtures.text(HOST_6_18, "net/snmp");
        // cut the file in the middle of the Udp value line, as a short read would
        int udpValues = real.indexOf("Udp: 39");
        String cut = real.substring(0, udpValues + "Udp: 39 0".length());
        ProtocolCounters c = ProtocolCounters.parseHeaderValue(cut);
        assertEquals(OptionalLong.of(39), c.get("Udp.InDatagrams"));
        assertEquals(OptionalLong.of(0), c.get("Udp.NoPorts"));
        assertFalse(c.get("Udp.InErrors").isPresent());
        assertEquals(OptionalLong.of(16), c.get("Tcp.OutRsts"), "groups before the cut are whole");
        assertEquals(List.of("Udp: 9 names but 2 values"), c.problems());
    }

    @Test
    void headerWithoutValueLine() {
        String real = ProcFixtures.text(HOST_6_18, "net/snmp");
        String cut = real.substring(0, real.indexOf("UdpLite: 0"));
        ProtocolCounters c = ProtocolCounters.parseHeaderValue(cut);
        assertEquals(List.of("UdpLite: header line without a value line"), c.problems());
        assertEquals(OptionalLong.of(40), c.get("Udp.OutDatagrams"));
        assertFalse(c.get("UdpLite.InDatagrams").isPresent());
    }

    @Test
    void missingValueLineDoesNotShiftLaterGroups() {
        String text = "Ip: Forwarding DefaultTTL\nTcp: RtoAlgorithm MaxConn\nTcp: 1 -1\n";
        ProtocolCounters c = ProtocolCounters.parseHeaderValue(text);
        assertEquals(Map.of("Tcp.RtoAlgorithm", 1L, "Tcp.MaxConn", -1L), c.counters());
        assertEquals(List.of("Ip: header line not followed by its value line"), c.problems());
    }

    @Test
    void nonNumbersAreProblemsOthersStay() {
        String text = "Udp: InDatagrams NoPorts InErrors OutDatagrams\nUdp: 12 x7 0x10 4\n";
        ProtocolCounters c = ProtocolCounters.parseHeaderValue(text);
        assertEquals(Map.of("Udp.InDatagrams", 12L, "Udp.OutDatagrams", 4L), c.counters());
        assertEquals(List.of("Udp.NoPorts: not a number: 'x7'", "Udp.InErrors: not a number: '0x10'"),
                c.problems());
    }

    @Test
    void countersAboveLongMaxKeepTheirBits() {
        ProtocolCounters c = ProtocolCounters.parseNameValue(
                "Ip6InOctets 18446744073709551615\nIp6OutOctets 18446744073709551616\n");
        assertEquals("18446744073709551615", Long.toUnsignedString(c.get("Ip6.InOctets").getAsLong()));
        assertFalse(c.get("Ip6.OutOctets").isPresent(), "2^64 does not fit");
        assertEquals(1, c.problems().size());
    }

    @Test
    void badNameValueLines() {
        ProtocolCounters c = ProtocolCounters.parseNameValue("Ip6InReceives\nFoo6Bar 1\nIcmp6InMsgs 1 2\n6 1\nUdp6 3\n");
        assertEquals(Map.of(), c.counters());
        assertEquals(5, c.problems().size(), c.problems().toString());
    }

    @Test
    void emptyAndGarbageFilesGiveProblemsNotExceptions() {
        assertEquals(List.of("empty file"), ProtocolCounters.parseHeaderValue("").problems());
        assertEquals(List.of("empty file"), ProtocolCounters.parseNameValue("\n").problems());
        StringBuilder garbage = new StringBuilder();
        for (int i = 0; i < 256; i++) {
            garbage.append((char) i);
        }
        ProtocolCounters g = ProtocolCounters.parseHeaderValue(garbage.toString());
        assertFalse(g.problems().isEmpty());
        ProtocolCounters g6 = ProtocolCounters.parseNameValue(garbage.toString());
        assertFalse(g6.problems().isEmpty());
    }

    @Test
    void missingFilesAreReported(@org.junit.jupiter.api.io.TempDir java.nio.file.Path empty) {
        ProtocolCounters c = ProtocolCounters.query(empty);
        assertEquals(Map.of(), c.counters());
        // snmp6 absent (IPv6 disabled) and sctp/snmp absent (SCTP not loaded) are states, not problems
        assertEquals(2, c.problems().size(), c.problems().toString());
        assertTrue(c.problems().get(0).endsWith("net/snmp: absent"), c.problems().get(0));
    }

    @Test
    void aKeyInTwoSourcesIsAProblem() {
        ProtocolCounters a = ProtocolCounters.parseNameValue("Ip6InReceives 1\n");
        ProtocolCounters b = ProtocolCounters.parseNameValue("Ip6InReceives 2\n");
        ProtocolCounters m = ProtocolCounters.merge(new ArrayList<>(List.of(a, b)));
        assertEquals(Map.of("Ip6.InReceives", 1L), m.counters());
        assertEquals(1, m.problems().size());
    }
}
