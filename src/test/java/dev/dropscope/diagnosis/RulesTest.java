package dev.dropscope.diagnosis;

import static dev.dropscope.diagnosis.Snap.at;
import static dev.dropscope.diagnosis.Snap.commands;
import static dev.dropscope.diagnosis.Snap.conntrack;
import static dev.dropscope.diagnosis.Snap.drops;
import static dev.dropscope.diagnosis.Snap.evidence;
import static dev.dropscope.diagnosis.Snap.fix;
import static dev.dropscope.diagnosis.Snap.has;
import static dev.dropscope.diagnosis.Snap.iface;
import static dev.dropscope.diagnosis.Snap.longs;
import static dev.dropscope.diagnosis.Snap.only;
import static dev.dropscope.diagnosis.Snap.site;
import static dev.dropscope.diagnosis.Snap.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.DropReport;
import dev.dropscope.model.FirewallRuleset;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.NeighbourTableStats;
import dev.dropscope.model.QdiscStats;
import dev.dropscope.model.RpFilterState;
import dev.dropscope.model.Severity;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SoftnetCpu;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

/** Each rule on model objects built here: when it fires, its evidence, and fixes computed from the values. */
class RulesTest {

    private static List<Finding> diagnose(Snapshot before, Snapshot after) {
        return Diagnosis.diagnose(before, after, null, null);
    }

    // ------------------------------------------------------------------ rp_filter_drops

    private static Snapshot rp(double t, long counter, int all, int ifValue, long rxPackets) {
        return at(t, b -> b.snmp(longs("TcpExt.IPReversePathFilter", counter))
                .rpFilter(new RpFilterState(all, 0, Map.of("eth1", ifValue, "lo", 0),
                        Map.of("eth1", Math.max(all, ifValue), "lo", all)))
                .interfaces(List.of(iface("lo", 1).build(), iface("eth1", 3).stats("rx_packets", rxPackets).build())));
    }

    @Test
    void rpFilterDropsOnAStrictInterfaceSuggestLooseModeOnTheInterfaceAndAll() {
        Finding f = only(diagnose(rp(0, 100, 1, 1, 10), rp(2, 500, 1, 1, 420)), "rp_filter_drops");
        assertEquals(Severity.WARNING, f.severity());
        assertEquals("+400 in 2.0 s (200/s)", evidence(f, "TcpExt.IPReversePathFilter"));
        assertEquals("1 (strict)", evidence(f, "net.ipv4.conf.all.rp_filter"));
        assertEquals("1 (effective 1: strict)", evidence(f, "net.ipv4.conf.eth1.rp_filter"));
        Fix ifFix = fix(f, "sysctl -w net.ipv4.conf.eth1.rp_filter=2");
        assertEquals("net.ipv4.conf.eth1.rp_filter = 2", ifFix.persist());
        Fix allFix = fix(f, "sysctl -w net.ipv4.conf.all.rp_filter=2");
        assertEquals("net.ipv4.conf.all.rp_filter = 2", allFix.persist());
        assertTrue(f.title().contains("eth1"), f.title());
        assertTrue(f.explanation().contains("larger of conf.all and the interface"), f.explanation());
    }

    @Test
    void rpFilterStrictOnlyThroughAllNamesTheInterfaceStill() {
        // all = 1, eth1 = 0: effective strict through all; loose on eth1 alone already wins (max), both are named
        Finding f = only(diagnose(rp(0, 0, 1, 0, 0), rp(1, 7, 1, 0, 7)), "rp_filter_drops");
        assertEquals("0 (effective 1: strict)", evidence(f, "net.ipv4.conf.eth1.rp_filter"));
        fix(f, "sysctl -w net.ipv4.conf.eth1.rp_filter=2");
        fix(f, "sysctl -w net.ipv4.conf.all.rp_filter=2");
    }

    @Test
    void rpFilterInANamespaceRunsTheSysctlThere() {
        Snapshot b = rp(0, 0, 1, 1, 0);
        Snapshot a = at(1, x -> x.netns("ds-x").snmp(longs("TcpExt.IPReversePathFilter", 3))
                .rpFilter(b.rpFilter()).interfaces(b.interfaces()));
        Finding f = only(diagnose(b, a), "rp_filter_drops");
        fix(f, "ip netns exec ds-x sysctl -w net.ipv4.conf.eth1.rp_filter=2");
        fix(f, "ip netns exec ds-x sysctl -w net.ipv4.conf.all.rp_filter=2");
    }

    @Test
    void rpFilterInLooseModeStillDroppingPointsAtRoutesNotSysctls() {
        Finding f = only(diagnose(rp(0, 0, 0, 2, 0), rp(1, 5, 0, 2, 5)), "rp_filter_drops");
        assertTrue(f.title().contains("even in loose mode"), f.title());
        assertFalse(commands(f).stream().anyMatch(c -> c.contains("rp_filter=2")), commands(f).toString());
    }

    @Test
    void rpFilterFromTheDropSiteAloneWhenTheCounterDidNotMove() {
        DropReport d = drops(site("ip_rcv_finish_core", "IP_RPFILTER", 12));
        List<Finding> fs = Diagnosis.diagnose(rp(0, 0, 1, 1, 0), rp(1, 0, 1, 1, 0), d, null);
        Finding f = only(fs, "rp_filter_drops");
        assertEquals("+12 in 1.0 s (12/s)", evidence(f, "drops at ip_rcv_finish_core (IP_RPFILTER)"));
    }

    @Test
    void noRpFilterFindingWithoutDrops() {
        assertFalse(has(diagnose(rp(0, 9, 1, 1, 0), rp(1, 9, 1, 1, 50)), "rp_filter_drops"));
    }

    // ------------------------------------------------------------------ conntrack_table_full

    @Test
    void conntrackFullWithEarlyDropsIsCriticalAndSizesMaxAndBucketsFromTheCount() {
        Snapshot b = at(0, x -> x.conntrack(conntrack(65536, 65536, 16384, "drop", 0, "early_drop", 10,
                "insert_failed", 0)));
        Snapshot a = at(1, x -> x.conntrack(conntrack(65536, 65536, 16384, "drop", 4, "early_drop", 110,
                "insert_failed", 0)));
        Finding f = only(diagnose(b, a), "conntrack_table_full");
        assertEquals(Severity.CRITICAL, f.severity());
        assertEquals("65536 of max 65536 (100%)", evidence(f, "net.netfilter.nf_conntrack_count"));
        assertEquals("+100 in 1.0 s (100/s)", evidence(f, "conntrack (ctnetlink) early_drop"));
        assertEquals("+4 in 1.0 s (4.0/s)", evidence(f, "conntrack (ctnetlink) drop"));
        Fix max = fix(f, "sysctl -w net.netfilter.nf_conntrack_max=131072");
        assertEquals("net.netfilter.nf_conntrack_max = 131072", max.persist());
        assertTrue(max.risk().contains("40 MiB"), max.risk());
        fix(f, "sysctl -w net.netfilter.nf_conntrack_buckets=32768");
    }

    @Test
    void conntrackNearlyFullWarnsAndTheCountDecidesWhenItExceedsTwiceTheMax() {
        Snapshot b = at(0, x -> x.conntrack(conntrack(950, 1000, 1000, "drop", 0, "early_drop", 0)));
        Snapshot a = at(1, x -> x.conntrack(conntrack(960, 1000, 1000, "drop", 0, "early_drop", 0)));
        Finding f = only(diagnose(b, a), "conntrack_table_full");
        assertEquals(Severity.WARNING, f.severity());
        // max(2 x 1000, 2 x 960) = 2000 -> 2048; buckets 1000 >= 2048/4: no bucket change suggested
        fix(f, "sysctl -w net.netfilter.nf_conntrack_max=2048");
        assertFalse(commands(f).stream().anyMatch(c -> c.contains("buckets")), commands(f).toString());
    }

    @Test
    void conntrackWithRoomAndNoDropsIsQuiet() {
        Snapshot b = at(0, x -> x.conntrack(conntrack(10, 262144, 262144, "drop", 0, "early_drop", 0)));
        Snapshot a = at(1, x -> x.conntrack(conntrack(500, 262144, 262144, "drop", 0, "early_drop", 0)));
        assertFalse(has(diagnose(b, a), "conntrack_table_full"));
    }

    @Test
    void conntrackInsertFailuresWithRoomAreRacesNotAFullTable() {
        Snapshot b = at(0, x -> x.conntrack(conntrack(10, 262144, 262144, "insert_failed", 0)));
        Snapshot a = at(1, x -> x.conntrack(conntrack(10, 262144, 262144, "insert_failed", 3)));
        Finding f = only(diagnose(b, a), "conntrack_table_full");
        assertEquals(Severity.WARNING, f.severity());
        assertTrue(f.title().startsWith("Conntrack insertions failing"), f.title());
        assertFalse(commands(f).stream().anyMatch(c -> c.contains("nf_conntrack_max")));
    }

    @Test
    void conntrackNotLoadedSaysNothing() {
        Snapshot b = at(0, x -> x.conntrack(dev.dropscope.model.ConntrackState.notLoaded()));
        assertFalse(has(diagnose(b, b), "conntrack_table_full"));
    }

    // ------------------------------------------------------------------ softnet

    private static Snapshot softnet(double t, long dropped0, long dropped1, long squeeze0, Object... sysctl) {
        return at(t, x -> x.softnet(List.of(
                        new SoftnetCpu(0, longs("processed", 1000, "dropped", dropped0, "time_squeeze", squeeze0)),
                        new SoftnetCpu(1, longs("processed", 1000, "dropped", dropped1, "time_squeeze", 0)),
                        new SoftnetCpu(2, longs("processed", 1000, "dropped", 0, "time_squeeze", 0)),
                        new SoftnetCpu(3, longs("processed", 1000, "dropped", 0, "time_squeeze", 0))))
                .sysctl(strings("net.core.netdev_max_backlog", "1000", "net.core.netdev_budget", "300",
                        "net.core.netdev_budget_usecs", "2000"))
                .interfaces(List.of(iface("eth0", 2).stats("rx_packets", (long) (t * 1000)).build())));
    }

    @Test
    void backlogDropsOnOneCpuSuggestABiggerBacklogAndRps() {
        Finding f = only(diagnose(softnet(0, 5, 0, 0), softnet(1, 1205, 0, 0)), "softnet_backlog_drops");
        assertEquals(Severity.CRITICAL, f.severity());
        assertEquals("+1200 in 1.0 s (1200/s)", evidence(f, "softnet_stat cpu0 dropped"));
        assertEquals("1000", evidence(f, "net.core.netdev_max_backlog"));
        assertEquals("net.core.netdev_max_backlog = 2048",
                fix(f, "sysctl -w net.core.netdev_max_backlog=2048").persist());
        fix(f, "sh -c 'for q in /sys/class/net/eth0/queues/rx-*/rps_cpus; do echo f > $q; done'");
        assertTrue(f.title().contains("on 1 of 4 CPUs"), f.title());
    }

    @Test
    void backlogCountersWrapAt32BitsWithoutAFalseAlarmOrANegativeRate() {
        Finding f = only(diagnose(softnet(0, 0xffff_fff0L, 0, 0), softnet(1, 0x10, 0, 0)), "softnet_backlog_drops");
        assertEquals("+32 in 1.0 s (32/s)", evidence(f, "softnet_stat cpu0 dropped"));
    }

    @Test
    void timeSqueezeIsInfoWhenRareAndWarnsWhenSustained() {
        Finding rare = only(diagnose(softnet(0, 0, 0, 0), softnet(1, 0, 0, 3)), "softnet_time_squeeze");
        assertEquals(Severity.INFO, rare.severity());
        Finding busy = only(diagnose(softnet(0, 0, 0, 0), softnet(1, 0, 0, 50)), "softnet_time_squeeze");
        assertEquals(Severity.WARNING, busy.severity());
        fix(busy, "sysctl -w net.core.netdev_budget=600");
        fix(busy, "sysctl -w net.core.netdev_budget_usecs=4000");
        assertFalse(has(diagnose(softnet(0, 0, 0, 50), softnet(1, 0, 0, 50)), "softnet_time_squeeze"));
    }

    @Test
    void timeSqueezeNamesTheRssMaximumOfTheInterfaceThatReceived() {
        Snapshot b = softnet(0, 0, 0, 0);
        Snapshot a = softnet(1, 0, 0, 50);
        java.util.function.UnaryOperator<Snapshot> twoQueuesOf8 = s -> Snapshot.builder().takenAt(s.takenAtMillis(),
                s.monotonicNanos()).softnet(s.softnet()).sysctl(s.sysctl()).interfaces(List.of(iface("eth0", 2)
                .stats("rx_packets", s.iface("eth0").stats64().get("rx_packets")).channels(2, 8).build())).build();
        Finding f = only(diagnose(twoQueuesOf8.apply(b), twoQueuesOf8.apply(a)), "softnet_time_squeeze");
        assertTrue(commands(f).contains("spread interrupts over more CPUs: more RSS queues "
                + "(ethtool -L eth0 combined 8 (from 2 queues)) or RPS"), commands(f).toString());
    }

    // ------------------------------------------------------------------ udp_rcvbuf_errors

    private static Snapshot udp(double t, long rcvbuf, long in, String rmemMax) {
        return at(t, x -> x.snmp(longs("Udp.RcvbufErrors", rcvbuf, "Udp.InDatagrams", in, "Udp6.RcvbufErrors", 0,
                "Udp.MemErrors", 0)).sysctl(strings("net.core.rmem_max", rmemMax, "net.core.rmem_default", "212992",
                "net.ipv4.udp_mem", "10000 20000 40000")));
    }

    @Test
    void udpRcvbufErrorsSizeRmemMaxFromTheLossCappedAt64MiB() {
        Finding f = only(diagnose(udp(0, 0, 0, "212992"), udp(1, 1200, 5000, "212992")), "udp_rcvbuf_errors");
        assertEquals(Severity.CRITICAL, f.severity());
        assertEquals("+1200 in 1.0 s (1200/s)", evidence(f, "Udp.RcvbufErrors"));
        assertEquals("212992", evidence(f, "net.core.rmem_max"));
        // 4 x 1200/s x 2304 B = 11059200 -> 16 MiB (power of two above, more than twice 212992)
        Fix max = fix(f, "sysctl -w net.core.rmem_max=16777216");
        assertEquals("net.core.rmem_max = 16777216", max.persist());
        fix(f, "sysctl -w net.core.rmem_default=524288");
        assertTrue(commands(f).get(0).startsWith("ss -uanpm"), commands(f).toString());

        Finding capped = only(diagnose(udp(0, 0, 0, "33554432"), udp(1, 100000, 0, "33554432")), "udp_rcvbuf_errors");
        fix(capped, "sysctl -w net.core.rmem_max=67108864");
        Finding atCap = only(diagnose(udp(0, 0, 0, "67108864"), udp(1, 100000, 0, "67108864")), "udp_rcvbuf_errors");
        assertFalse(commands(atCap).stream().anyMatch(c -> c.startsWith("sysctl -w net.core.rmem_max")),
                commands(atCap).toString());
    }

    @Test
    void udpSmallLossStillDoublesRmemMax() {
        Finding f = only(diagnose(udp(0, 0, 0, "4194304"), udp(1, 3, 100, "4194304")), "udp_rcvbuf_errors");
        assertEquals(Severity.WARNING, f.severity());
        fix(f, "sysctl -w net.core.rmem_max=8388608");
    }

    @Test
    void udpMemoryErrorsAlsoRaiseUdpMem() {
        Snapshot b = udp(0, 0, 0, "212992");
        Snapshot a = at(1, x -> x.snmp(longs("Udp.RcvbufErrors", 10, "Udp.MemErrors", 10)).sysctl(b.sysctl()));
        Finding f = only(diagnose(b, a), "udp_rcvbuf_errors");
        Fix mem = fix(f, "sysctl -w net.ipv4.udp_mem=\"20000 40000 80000\"");
        assertEquals("net.ipv4.udp_mem = 20000 40000 80000", mem.persist());
    }

    // ------------------------------------------------------------------ tcp_listen_overflow

    @Test
    void listenOverflowsRaiseSomaxconnAndTheSynBacklogAndNameTheApplication() {
        Snapshot b = at(0, x -> x.snmp(longs("TcpExt.ListenOverflows", 0, "TcpExt.ListenDrops", 0))
                .sysctl(strings("net.core.somaxconn", "4096", "net.ipv4.tcp_max_syn_backlog", "512")));
        Snapshot a = at(1, x -> x.snmp(longs("TcpExt.ListenOverflows", 16, "TcpExt.ListenDrops", 16))
                .sysctl(b.sysctl()));
        Finding f = only(diagnose(b, a), "tcp_listen_overflow");
        assertEquals("+16 in 1.0 s (16/s)", evidence(f, "TcpExt.ListenOverflows"));
        fix(f, "sysctl -w net.core.somaxconn=8192");
        fix(f, "sysctl -w net.ipv4.tcp_max_syn_backlog=1024");
        assertTrue(commands(f).get(0).contains("listen() backlog in the application"), commands(f).toString());
    }

    // ------------------------------------------------------------------ tcp_backlog_or_memory

    @Test
    void tcpReceiveQueueDropsPointAtTheReaderFirst() {
        Snapshot b = at(0, x -> x.snmp(longs("TcpExt.TCPRcvQDrop", 0, "TcpExt.TCPMemoryPressures", 0))
                .sysctl(strings("net.ipv4.tcp_rmem", "4096\t131072\t6291456", "net.ipv4.tcp_mem", "1000 2000 3000")));
        Snapshot a = at(1, x -> x.snmp(longs("TcpExt.TCPRcvQDrop", 2, "TcpExt.TCPMemoryPressures", 0))
                .sysctl(b.sysctl()));
        DropReport d = drops(site("tcp_rcv_established", "PROTO_MEM", 2), site("udp_queue_rcv_one_skb", "PROTO_MEM", 5));
        Finding f = only(Diagnosis.diagnose(b, a, d, null), "tcp_backlog_or_memory");
        assertEquals("+2 in 1.0 s (2.0/s)", evidence(f, "TcpExt.TCPRcvQDrop"));
        assertEquals("+2 in 1.0 s (2.0/s)", evidence(f, "drops at tcp_rcv_established (PROTO_MEM)"));
        assertFalse(f.evidence().stream().anyMatch(e -> e.name().contains("udp_queue")), f.evidence().toString());
        assertTrue(commands(f).get(0).startsWith("ss -tnpm state established"), commands(f).toString());
        fix(f, "sysctl -w net.ipv4.tcp_rmem=\"4096 131072 16777216\"");
        assertFalse(commands(f).stream().anyMatch(c -> c.contains("tcp_mem")), "no memory pressure, no tcp_mem");
    }

    @Test
    void tcpMemoryPressureDoublesTcpMem() {
        Snapshot b = at(0, x -> x.snmp(longs("TcpExt.TCPMemoryPressures", 0))
                .sysctl(strings("net.ipv4.tcp_mem", "1000 2000 3000")));
        Snapshot a = at(1, x -> x.snmp(longs("TcpExt.TCPMemoryPressures", 1)).sysctl(b.sysctl()));
        Finding f = only(diagnose(b, a), "tcp_backlog_or_memory");
        fix(f, "sysctl -w net.ipv4.tcp_mem=\"2000 4000 6000\"");
    }

    // ------------------------------------------------------------------ nic_ring_overflow (recorded values)

    private static Snapshot nic(double t, long missed, long noBuf, long rx) {
        return nic(t, missed, noBuf, rx, 4);
    }

    private static Snapshot nic(double t, long missed, long noBuf, long rx, long queues) {
        return at(t, x -> x.interfaces(List.of(iface("eth0", 2).driver("ixgbe")
                .stats("rx_packets", 1_000_000 * (long) t, "rx_missed_errors", missed, "rx_dropped", 0)
                .ring(rx, 4096).channels(queues, 16).nic("rx_no_buffer_count", noBuf, "rx_packets", 1_000_000 * (long) t,
                        "tx_dropped", 0).build())));
    }

    @Test
    void ringOverflowSuggestsTheRingMaximum() {
        Finding f = only(diagnose(nic(0, 100, 0, 512), nic(1, 2100, 50, 512)), "nic_ring_overflow");
        assertEquals(Severity.CRITICAL, f.severity());
        assertEquals("+2000 in 1.0 s (2000/s)", evidence(f, "eth0 rx_missed_errors"));
        assertEquals("+50 in 1.0 s (50/s)", evidence(f, "eth0 rx_no_buffer_count (ethtool -S)"));
        assertEquals("512 of max 4096", evidence(f, "eth0 RX ring"));
        Fix g = fix(f, "ethtool -G eth0 rx 4096");
        assertNull(g.persist());
        Finding atMax = only(diagnose(nic(0, 0, 0, 4096), nic(1, 10, 0, 4096)), "nic_ring_overflow");
        assertTrue(atMax.title().contains("already at its maximum"), atMax.title());
        assertFalse(commands(atMax).stream().anyMatch(c -> c.startsWith("ethtool -G")));
    }

    @Test
    void ringOverflowSpreadsTheLoadToTheRssQueueMaximumTheDeviceReports() {
        Finding f = only(diagnose(nic(0, 0, 0, 512, 4), nic(1, 10, 0, 512, 4)), "nic_ring_overflow");
        assertTrue(commands(f).stream().anyMatch(c -> c.startsWith(
                "spread the receive load: more RSS queues (ethtool -L eth0 combined 16 (from 4 queues))")),
                commands(f).toString());
        Finding all = only(diagnose(nic(0, 0, 0, 512, 16), nic(1, 10, 0, 512, 16)), "nic_ring_overflow");
        assertTrue(commands(all).stream().anyMatch(c -> c.contains("eth0 already uses its maximum of 16 RSS queues")),
                commands(all).toString());
        Snapshot unknown0 = at(0, x -> x.interfaces(List.of(iface("eth0", 2).stats("rx_packets", 0,
                "rx_missed_errors", 0).build())));
        Snapshot unknown1 = at(1, x -> x.interfaces(List.of(iface("eth0", 2).stats("rx_packets", 10,
                "rx_missed_errors", 10).build())));
        Finding none = only(diagnose(unknown0, unknown1), "nic_ring_overflow");
        assertTrue(commands(none).stream().anyMatch(c -> c.contains("the RSS queues eth0 supports: ethtool -l eth0 (not supported)")),
                commands(none).toString());
        assertFalse(commands(none).stream().anyMatch(c -> c.contains(" N)") || c.contains(" IF ")), commands(none).toString());
    }

    // ------------------------------------------------------------------ checksum_errors, offload_risk

    @Test
    void crcErrorsPointAtTheLinkAndChecksumErrorsAtOffloadAbTests() {
        Snapshot b = at(0, x -> x.snmp(longs("Tcp.InCsumErrors", 0, "Udp.InCsumErrors", 0))
                .interfaces(List.of(iface("eth0", 2).stats("rx_packets", 0, "rx_crc_errors", 0)
                        .features("rx-checksum", true, false, "tx-tcp-segmentation", true, false,
                                "tx-generic-segmentation", true, false, "rx-gro", true, false, "rx-lro", false, true)
                        .build())));
        Snapshot a = at(1, x -> x.snmp(longs("Tcp.InCsumErrors", 3, "Udp.InCsumErrors", 1))
                .interfaces(List.of(iface("eth0", 2).stats("rx_packets", 100, "rx_crc_errors", 7)
                        .features("rx-checksum", true, false, "tx-tcp-segmentation", true, false,
                                "tx-generic-segmentation", true, false, "rx-gro", true, false, "rx-lro", false, true)
                        .build())));
        Finding f = only(diagnose(b, a), "checksum_errors");
        assertEquals("+3 in 1.0 s (3.0/s)", evidence(f, "Tcp.InCsumErrors"));
        assertEquals("+7 in 1.0 s (7.0/s)", evidence(f, "eth0 rx_crc_errors"));
        fix(f, "ethtool -K eth0 rx off tx off");
        // lro is fixed off here: not in the command, which would fail on it
        fix(f, "ethtool -K eth0 tso off gso off gro off");
        assertTrue(commands(f).stream().anyMatch(c -> c.startsWith("check the physical link of eth0")));
        assertTrue(f.fixes().get(f.fixes().size() - 1).risk().contains("16-bit checksum"));
    }

    @Test
    void lroOnABridgeMemberOrWhileForwardingIsARisk() {
        Snapshot s = at(0, x -> x.snmp(longs("Ip.Forwarding", 2)).interfaces(List.of(
                iface("eth0", 2).master("br0").features("rx-lro", true, false).build(),
                iface("eth1", 3).features("rx-lro", true, false).build())));
        Finding f = only(diagnose(s, s), "offload_risk");
        assertEquals(Severity.WARNING, f.severity());
        assertEquals("br0", evidence(f, "eth0 master"));
        fix(f, "ethtool -K eth0 lro off");
        Snapshot fwd = at(0, x -> x.snmp(longs("Ip.Forwarding", 1)).interfaces(List.of(
                iface("eth1", 3).features("rx-lro", true, false).build())));
        fix(only(diagnose(fwd, fwd), "offload_risk"), "ethtool -K eth1 lro off");
    }

    @Test
    void checksumErrorsOnAVirtualNicAddAnInfoAboutItsOffloads() {
        Snapshot b = at(0, x -> x.snmp(longs("Udp.InCsumErrors", 0)).interfaces(List.of(iface("eth0", 2)
                .driver("virtio_net").stats("rx_packets", 0)
                .features("tx-tcp-segmentation", true, false, "tx-generic-segmentation", true, false,
                        "rx-gro", true, false, "rx-lro", false, true).build())));
        Snapshot a = at(1, x -> x.snmp(longs("Udp.InCsumErrors", 4)).interfaces(List.of(iface("eth0", 2)
                .driver("virtio_net").stats("rx_packets", 10).features("tx-tcp-segmentation", true, false,
                        "tx-generic-segmentation", true, false, "rx-gro", true, false, "rx-lro", false, true).build())));
        List<Finding> fs = diagnose(b, a);
        Finding f = only(fs, "offload_risk");
        assertEquals(Severity.INFO, f.severity());
        fix(f, "ethtool -K eth0 tso off gso off gro off");
        assertTrue(has(fs, "checksum_errors"));
    }

    // ------------------------------------------------------------------ neighbour_table_overflow

    private static NeighbourTableStats arp(long entries, long fulls, long t3) {
        return new NeighbourTableStats("inet", "arp_cache", 128, 512, t3, 30000, entries,
                longs("table_fulls", fulls, "forced_gc_runs", fulls), Map.of());
    }

    @Test
    void neighbourOverflowRaisesAllThreeThresholdsInOrder() {
        Snapshot b = at(0, x -> x.neighbour(List.of(arp(1024, 0, 1024))));
        Snapshot a = at(1, x -> x.neighbour(List.of(arp(1024, 40, 1024))));
        Finding f = only(diagnose(b, a), "neighbour_table_overflow");
        assertEquals("+40 in 1.0 s (40/s)", evidence(f, "arp_cache table_fulls"));
        assertEquals(List.of("sysctl -w net.ipv4.neigh.default.gc_thresh3=2048",
                "sysctl -w net.ipv4.neigh.default.gc_thresh2=1024", "sysctl -w net.ipv4.neigh.default.gc_thresh1=256"),
                commands(f));
        assertEquals("net.ipv4.neigh.default.gc_thresh3 = 2048", f.fixes().get(0).persist());
    }

    @Test
    void neighbourQueueFullFromTheDropSiteSuggestsUnresQlenBytes() {
        Snapshot s = at(0, x -> x.netns("ds-n").sysctl(strings("net.ipv4.neigh.default.unres_qlen_bytes", "212992")));
        List<Finding> fs = Diagnosis.diagnose(s, at(1, x -> x.netns("ds-n").sysctl(s.sysctl())),
                drops(site("__neigh_event_send", "NEIGH_QUEUEFULL", 30)), null);
        Finding f = only(fs, "neighbour_table_overflow");
        fix(f, "sysctl -w net.ipv4.neigh.default.unres_qlen_bytes=524288");
        fix(f, "ip netns exec ds-n sh -c 'for f in /proc/sys/net/ipv4/neigh/*/unres_qlen_bytes; do echo 524288 > $f; done'");
    }

    // ------------------------------------------------------------------ qdisc_drops

    @Test
    void qdiscDropsOnAShaperAndOnAFifo() {
        QdiscStats tbf0 = new QdiscStats(4, "dsq", "tbf", "8001:", "root", longs("drops", 0, "overlimits", 0, "qlen", 0));
        QdiscStats tbf1 = new QdiscStats(4, "dsq", "tbf", "8001:", "root", longs("drops", 9, "overlimits", 30, "qlen", 2,
                "backlog", 2000));
        QdiscStats pf0 = new QdiscStats(5, "eth0", "pfifo_fast", "0:", "root", longs("drops", 0));
        QdiscStats pf1 = new QdiscStats(5, "eth0", "pfifo_fast", "0:", "root", longs("drops", 100));
        Snapshot b = at(0, x -> x.qdiscs(List.of(tbf0, pf0)).interfaces(List.of(iface("dsq", 4).build(),
                iface("eth0", 5).txqueuelen(1000).build())));
        Snapshot a = at(1, x -> x.qdiscs(List.of(tbf1, pf1)).interfaces(b.interfaces()));
        List<Finding> fs = diagnose(b, a);
        List<Finding> q = fs.stream().filter(f -> f.id().equals("qdisc_drops")).toList();
        assertEquals(2, q.size());
        assertTrue(q.get(0).title().contains("pfifo_fast on eth0"), "bigger first: " + q);
        fix(q.get(0), "ip link set dev eth0 txqueuelen 2000");
        assertEquals("+9 in 1.0 s (9.0/s)", evidence(q.get(1), "qdisc tbf 8001: root on dsq drops"));
        assertTrue(q.get(1).explanation().contains("shapes traffic"), q.get(1).explanation());
        assertFalse(commands(q.get(1)).stream().anyMatch(c -> c.contains("fq_codel")), "replacing a shaper drops its rate");
        assertTrue(commands(q.get(0)).stream().anyMatch(c -> c.contains("tc qdisc replace dev eth0 root fq_codel")));
    }

    @Test
    void qdiscFixesResizeFromTheCollectedLimitRateAndBurst() {
        QdiscStats tbf0 = new QdiscStats(4, "dsq", "tbf", "8001:", "root", longs("drops", 0, "overlimits", 0,
                "limit_bytes", 3000, "rate_bytes_per_s", 12500, "burst_bytes", 2000));
        QdiscStats tbf1 = new QdiscStats(4, "dsq", "tbf", "8001:", "root", longs("drops", 7, "overlimits", 9,
                "limit_bytes", 3000, "rate_bytes_per_s", 12500, "burst_bytes", 2000));
        QdiscStats fifo0 = new QdiscStats(6, "eth1", "pfifo", "1:", "root", longs("drops", 0, "limit_packets", 50));
        QdiscStats fifo1 = new QdiscStats(6, "eth1", "pfifo", "1:", "root", longs("drops", 3, "limit_packets", 50));
        QdiscStats big0 = new QdiscStats(7, "eth2", "bfifo", "2:", "root", longs("drops", 0, "limit_bytes", 3_000_000));
        QdiscStats big1 = new QdiscStats(7, "eth2", "bfifo", "2:", "root", longs("drops", 1, "limit_bytes", 3_000_000));
        Snapshot b = at(0, x -> x.qdiscs(List.of(tbf0, fifo0, big0)).interfaces(List.of(iface("dsq", 4).build(),
                iface("eth1", 6).txqueuelen(1000).build(), iface("eth2", 7).txqueuelen(1000).build())));
        Snapshot a = at(1, x -> x.qdiscs(List.of(tbf1, fifo1, big1)).interfaces(b.interfaces()));
        List<Finding> q = diagnose(b, a).stream().filter(f -> f.id().equals("qdisc_drops")).toList();
        assertEquals(3, q.size(), q.toString());
        Finding tbf = q.stream().filter(f -> f.title().contains("tbf")).findFirst().orElseThrow();
        assertEquals("3000 bytes", evidence(tbf, "qdisc tbf 8001: root on dsq limit"));
        fix(tbf, "tc qdisc change dev dsq root handle 8001: tbf rate 100000bit burst 2000 limit 6000"
                + "  # if the rate is right: the queue holds 3000 bytes now");
        Finding fifo = q.stream().filter(f -> f.title().contains("pfifo")).findFirst().orElseThrow();
        assertEquals("50 packets", evidence(fifo, "qdisc pfifo 1: root on eth1 limit"));
        // its own limit, not txqueuelen (1000, which would suggest 2000): twice 50, at least 1000
        fix(fifo, "tc qdisc change dev eth1 root handle 1: pfifo limit 1000");
        Finding bfifo = q.stream().filter(f -> f.title().contains("bfifo")).findFirst().orElseThrow();
        // 3 MB is 2000 packets of 1500 bytes: twice that
        fix(bfifo, "tc qdisc change dev eth2 root handle 2: bfifo limit 6000000");
        assertFalse(q.stream().flatMap(f -> commands(f).stream()).anyMatch(c -> c.contains("<") || c.contains("...")),
                q.toString());
    }

    // ------------------------------------------------------------------ netfilter_drops

    @Test
    void netfilterDropsNeedADropSourceAndExcludeConntrackDrops() {
        Snapshot b = at(0, x -> x.conntrack(conntrack(10, 1000, 1000, "drop", 0, "insert_failed", 0)));
        Snapshot a = at(1, x -> x.conntrack(conntrack(10, 1000, 1000, "drop", 0, "insert_failed", 0)));
        assertFalse(has(diagnose(b, a), "netfilter_drops"));
        Finding f = only(Diagnosis.diagnose(b, a, drops(site("nf_hook_slow", "NETFILTER_DROP", 25)), null),
                "netfilter_drops");
        assertEquals("+25 in 1.0 s (25/s)", evidence(f, "drops at nf_hook_slow (NETFILTER_DROP)"));
        assertEquals("nft -a list ruleset | grep -E 'drop|reject'", commands(f).get(0));

        Snapshot full = at(1, x -> x.conntrack(conntrack(1000, 1000, 1000, "drop", 25, "insert_failed", 0)));
        List<Finding> fs = Diagnosis.diagnose(b, full, drops(site("nf_hook_slow", "NETFILTER_DROP", 25)), null);
        assertFalse(has(fs, "netfilter_drops"), "all 25 are conntrack's: " + fs);
        assertTrue(has(fs, "conntrack_table_full"));
    }

    private static FirewallRuleset ruleset(long udpPackets) {
        return new FirewallRuleset(List.of(
                new FirewallRuleset.Chain("inet", "filter", "input", "input", 0, "accept", "filter"),
                new FirewallRuleset.Chain("inet", "filter", "dns", null, 0, null, null),
                new FirewallRuleset.Chain("inet", "filter", "fw", "forward", -5, "drop", "filter")),
                List.of(new FirewallRuleset.Rule("inet", "filter", "input", 5, "ct state established,related accept",
                                null, null, "accept"),
                        new FirewallRuleset.Rule("inet", "filter", "input", 7, "udp dport 12345 counter drop",
                                udpPackets, udpPackets * 48, "drop"),
                        new FirewallRuleset.Rule("inet", "filter", "input", 8, "tcp dport 2222 drop", null, null, "drop"),
                        new FirewallRuleset.Rule("inet", "filter", "dns", 9, "udp dport 53 drop", null, null, "drop")),
                false);
    }

    @Test
    void netfilterDropsNameTheRuleWhoseCounterRoseByTheDrops() {
        Snapshot b = at(0, x -> x.firewall(ruleset(100)));
        Snapshot a = at(4, x -> x.firewall(ruleset(3635)));
        Finding f = only(Diagnosis.diagnose(b, a, drops(site("nf_hook_slow", "NETFILTER_DROP", 3535)), null),
                "netfilter_drops");
        assertEquals("+3535 in 4.0 s (884/s)", evidence(f, "inet filter input handle 7: udp dport 12345 counter drop"));
        assertEquals(List.of("nft -a list chain inet filter input"), commands(f),
                "the counter explains every drop: no search, no candidates");
        assertFalse(f.evidence().stream().anyMatch(e -> e.value().startsWith("candidate")), f.evidence().toString());
    }

    @Test
    void netfilterDropsNoCounterExplainsListTheBaseChainsDropRulesAndPolicies() {
        Snapshot b = at(0, x -> x.firewall(ruleset(100)).netns("web"));
        Snapshot a = at(1, x -> x.firewall(ruleset(150)).netns("web"));
        Finding f = only(Diagnosis.diagnose(b, a, drops(site("nf_hook_slow", "NETFILTER_DROP", 80)), null),
                "netfilter_drops");
        assertEquals("+50 in 1.0 s (50/s)", evidence(f, "inet filter input handle 7: udp dport 12345 counter drop"));
        assertEquals("candidate (no counter, hook input)", evidence(f, "inet filter input handle 8: tcp dport 2222 drop"));
        assertEquals("candidate (hook forward)", evidence(f, "inet filter fw: policy drop"));
        assertFalse(f.evidence().stream().anyMatch(e -> e.name().contains("handle 9")), "a regular chain's rule is no candidate");
        assertFalse(f.evidence().stream().anyMatch(e -> e.name().contains("handle 5")), "an accept rule is no candidate");
        List<String> c = commands(f);
        assertEquals("ip netns exec web nft -a list chain inet filter input", c.get(0));
        assertEquals("ip netns exec web nft -a list ruleset | grep -E 'drop|reject'", c.get(1));
    }

    @Test
    void netfilterDropsWithoutARulesetAtBothSamplesReadAsBefore() {
        Snapshot b = at(0, x -> x);
        Snapshot a = at(1, x -> x.firewall(ruleset(150)));
        Finding with = only(Diagnosis.diagnose(b, a, drops(site("nf_hook_slow", "NETFILTER_DROP", 25)), null),
                "netfilter_drops");
        Finding without = only(Diagnosis.diagnose(b, at(1, x -> x), drops(site("nf_hook_slow", "NETFILTER_DROP", 25)),
                null), "netfilter_drops");
        assertEquals(without, with, "one sample without the ruleset: nothing to compare, the finding is unchanged");
    }

    // ------------------------------------------------------------------ no_socket_drops

    @Test
    void closedPortsAreInfoUnlessHeavy() {
        Snapshot b = at(0, x -> x.snmp(longs("Udp.NoPorts", 0)));
        Finding few = only(diagnose(b, at(1, x -> x.snmp(longs("Udp.NoPorts", 30)))), "no_socket_drops");
        assertEquals(Severity.INFO, few.severity());
        assertEquals("+30 in 1.0 s (30/s)", evidence(few, "Udp.NoPorts"));
        Finding many = only(diagnose(b, at(1, x -> x.snmp(longs("Udp.NoPorts", 5000)))), "no_socket_drops");
        assertEquals(Severity.WARNING, many.severity());
    }

    // ------------------------------------------------------------------ interface_rx_dropped

    @Test
    void rxDroppedIsInfoWhenUnknownProtocolsExplainItAndWarnsWhenNothingDoes() {
        Snapshot b = at(0, x -> x.interfaces(List.of(iface("eth0", 2).stats("rx_dropped", 0).build())));
        Snapshot a = at(1, x -> x.interfaces(List.of(iface("eth0", 2).stats("rx_dropped", 500).build())));
        Finding explained = only(Diagnosis.diagnose(b, a,
                drops(site("__netif_receive_skb_core", "UNHANDLED_PROTO", 500)), null), "interface_rx_dropped");
        assertEquals(Severity.INFO, explained.severity());
        assertTrue(explained.title().endsWith("frames nobody handles"), explained.title());
        Finding driver = only(Diagnosis.diagnose(b, a, drops(), null), "interface_rx_dropped");
        assertEquals(Severity.WARNING, driver.severity());
        Finding counters = only(diagnose(b, a), "interface_rx_dropped");
        assertEquals(Severity.INFO, counters.severity(), "without a drop source nothing tells them apart");
    }

    @Test
    void rxDroppedThatBacklogDropsAccountForIsLeftToTheSoftnetFinding() {
        Snapshot b = softnet(0, 0, 0, 0);
        Snapshot a = at(1, x -> x.softnet(softnet(1, 300, 0, 0).softnet())
                .interfaces(List.of(iface("eth0", 2).stats("rx_dropped", 300, "rx_packets", 1000).build())));
        Snapshot b2 = at(0, x -> x.softnet(b.softnet())
                .interfaces(List.of(iface("eth0", 2).stats("rx_dropped", 0, "rx_packets", 0).build())));
        List<Finding> fs = diagnose(b2, a);
        assertTrue(has(fs, "softnet_backlog_drops"));
        assertFalse(has(fs, "interface_rx_dropped"), fs.toString());
    }

    // ------------------------------------------------------------------ monitor_lost_events

    @Test
    void lostEventsWarnWhileTheyHappenAndStayAsInfo() {
        Snapshot s = at(0, x -> x);
        Snapshot s1 = at(1, x -> x);
        DropReport now = new DropReport("tracepoint", 0, 1_000_000_000L, 5_000_000_000L, 10, 10, 40, 40, List.of(), null);
        Finding f = only(Diagnosis.diagnose(s, s1, now, Map.of("perf_lost", 40L, "ring_bytes_per_cpu", 4194304L)),
                "monitor_lost_events");
        assertEquals(Severity.WARNING, f.severity());
        assertEquals("+40 in 1.0 s (40/s), 40 since start", evidence(f, "events lost by the monitor (tracepoint)"));
        assertEquals("40", evidence(f, "monitor perf_lost"));
        DropReport later = new DropReport("tracepoint", 0, 1_000_000_000L, 9_000_000_000L, 10, 0, 40, 0, List.of(), null);
        assertEquals(Severity.INFO, only(Diagnosis.diagnose(s, s1, later, Map.of("perf_lost", 40L)),
                "monitor_lost_events").severity());
        DropReport tail = new DropReport("netdm", 0, 1_000_000_000L, 1_000_000_000L, 0, 0, 3, 3, List.of(), null);
        Finding netdm = only(Diagnosis.diagnose(s, s1, tail, Map.of("tail_dropped_sw", 3L)), "monitor_lost_events");
        assertTrue(commands(netdm).stream().anyMatch(c -> c.contains("--queue")), commands(netdm).toString());
        assertFalse(has(Diagnosis.diagnose(s, s1, drops(), Map.of("perf_lost", 0L)), "monitor_lost_events"));
    }
}
