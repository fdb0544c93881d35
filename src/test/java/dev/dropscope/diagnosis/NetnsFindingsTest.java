package dev.dropscope.diagnosis;

import static dev.dropscope.diagnosis.Snap.at;
import static dev.dropscope.diagnosis.Snap.commands;
import static dev.dropscope.diagnosis.Snap.evidence;
import static dev.dropscope.diagnosis.Snap.iface;
import static dev.dropscope.diagnosis.Snap.longs;
import static dev.dropscope.diagnosis.Snap.only;
import static dev.dropscope.diagnosis.Snap.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.Delta;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Severity;
import dev.dropscope.model.Snapshot;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Findings about drops in a namespace other than the one the counters come from: their own finding, named
 * "in namespace NAME (IF)", commands entered with ip netns exec or nsenter; findings of the collector's own
 * namespace exactly as without namespaces.
 */
class NetnsFindingsTest {
    static final long HOST = 4026531840L;
    static final NetnsIdentity HOST_NS = new NetnsIdentity(HOST, null, null);
    static final NetnsIdentity BLUE = new NetnsIdentity(4026532501L, "blue", null);
    static final NetnsIdentity WEB = new NetnsIdentity(4026532777L, null,
            new NetnsIdentity.Container("docker", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                    4242, "nginx"));
    static final NetnsIdentity NOBODY = NetnsIdentity.of(4026532999L);

    static ResolvedDropSite site(String symbol, String reason, long delta, String ifname, NetnsIdentity ns) {
        return new ResolvedDropSite(0xffffffff81000000L, symbol, 0x40, 0x400, null, reason, DropOrigin.SOFTWARE,
                ifname == null ? -1 : 7, ifname, delta, delta, delta, false, false, ns);
    }

    static DropReport drops(ResolvedDropSite... sites) {
        long total = 0;
        for (ResolvedDropSite s : sites) {
            total += s.delta();
        }
        return new DropReport("ebpf", 0, 1_000_000_000L, 1_000_000_000L, total, total, 0, 0, List.of(sites), null);
    }

    /** The same sites without their namespace: what a source without identity reports. */
    static DropReport withoutNetns(DropReport r) {
        List<ResolvedDropSite> out = new ArrayList<>();
        for (ResolvedDropSite s : r.sites()) {
            out.add(new ResolvedDropSite(s.address(), s.symbol(), s.offset(), s.size(), s.module(), s.reason(),
                    s.origin(), s.ifindex(), s.interfaceName(), s.count(), s.delta(), s.ratePerSecond(), s.benign(),
                    s.other()));
        }
        return new DropReport(r.source(), r.timeEpochMillis(), r.intervalNs(), r.elapsedNs(), r.total(), r.totalDelta(),
                r.lost(), r.lostDelta(), out, r.symbolsNote());
    }

    static Delta hostDelta(long noPorts, long rcvbuf) {
        Snapshot b = at(0, x -> x.snmp(longs("Udp.NoPorts", 0, "Udp.RcvbufErrors", 0, "Udp.InDatagrams", 0))
                .sysctl(strings("net.core.rmem_max", "212992", "net.core.rmem_default", "212992",
                        "net.core.somaxconn", "4096"))
                .interfaces(List.of(iface("eth0", 2).stats("rx_dropped", 0).build())));
        Snapshot a = at(1, x -> x.snmp(longs("Udp.NoPorts", noPorts, "Udp.RcvbufErrors", rcvbuf, "Udp.InDatagrams", 900))
                .sysctl(strings("net.core.rmem_max", "212992", "net.core.rmem_default", "212992",
                        "net.core.somaxconn", "4096"))
                .interfaces(List.of(iface("eth0", 2).stats("rx_dropped", 400).build())));
        return Delta.between(b, a);
    }

    static List<Finding> withId(List<Finding> fs, String id) {
        return fs.stream().filter(f -> f.id().equals(id)).toList();
    }

    @Test
    void findingsOfTheHostsOwnNamespaceAreExactlyAsWithoutNamespaces() {
        Delta d = hostDelta(30, 50);
        DropReport r = drops(site("__udp4_lib_rcv", "NO_SOCKET", 30, "lo", HOST_NS),
                site("udp_queue_rcv_one_skb", "SOCKET_RCVBUFF", 50, "eth0", HOST_NS),
                site("__netif_receive_skb_core", "UNHANDLED_PROTO", 400, "eth0", HOST_NS),
                site("nf_hook_slow", "NETFILTER_DROP", 12, null, null)); // no device, no socket: no namespace
        List<Finding> before = Diagnosis.diagnose(d, withoutNetns(r), null);
        List<Finding> known = Diagnosis.diagnose(d, r, null, HOST);
        assertEquals(before, known);
        assertEquals(before, Diagnosis.diagnose(d, r, null)); // the namespace unknown: every site is ours
        assertEquals(4, known.size(), known.toString());
        for (Finding f : known) {
            assertFalse(f.title().contains("namespace"), f.title());
            commands(f).forEach(c -> assertFalse(c.startsWith("ip netns exec") || c.startsWith("nsenter"), c));
        }
    }

    @Test
    void anotherNamedNamespacesDropsAreAFindingOfTheirOwnThatEntersIt() {
        Delta d = hostDelta(30, 0);
        DropReport r = drops(site("__udp4_lib_rcv", "NO_SOCKET", 30, "lo", HOST_NS),
                site("__udp4_lib_rcv", "NO_SOCKET", 500, "veth1", BLUE));
        List<Finding> fs = withId(Diagnosis.diagnose(d, r, null, HOST), "no_socket_drops");
        assertEquals(2, fs.size(), fs.toString());
        // most severe first: blue's 500/s warns, the host's 30/s informs
        Finding blue = fs.get(0);
        Finding host = fs.get(1);
        assertEquals("Packets to closed ports (500/s) in namespace blue (veth1)", blue.title());
        assertEquals(Severity.WARNING, blue.severity());
        assertEquals(List.of(new Evidence("drops at __udp4_lib_rcv (NO_SOCKET) on veth1", "+500 in 1.0 s (500/s)")),
                blue.evidence(), "blue's sites alone: the host's NoPorts is not blue's");
        assertEquals(List.of("ip netns exec blue ss -lunpt  # is the service that should own the port running?",
                        "see which ports are hit: dropscope watch --source ebpf --mode packet --reason NO_SOCKET "
                                + "--netns blue"), commands(blue));

        assertEquals("Packets to closed ports (30/s)", host.title());
        assertEquals(Severity.INFO, host.severity());
        assertEquals("+30 in 1.0 s (30/s)", evidence(host, "Udp.NoPorts"));
        assertEquals("+30 in 1.0 s (30/s)", evidence(host, "drops at __udp4_lib_rcv (NO_SOCKET) on lo"));
        assertEquals(2, host.evidence().size(), host.evidence().toString());
        assertEquals("ss -lunpt  # is the service that should own the port running?", commands(host).get(0));
        assertEquals(only(Diagnosis.diagnose(d, drops(site("__udp4_lib_rcv", "NO_SOCKET", 30, "lo", null)), null),
                "no_socket_drops"), host, "the host's finding is what it was before blue's drops were told apart");
    }

    @Test
    void aContainersNamespaceIsEnteredThroughItsProcessAndMachineWideSysctlsAreNot() {
        Delta d = hostDelta(0, 0);
        DropReport r = drops(site("udp_queue_rcv_one_skb", "SOCKET_RCVBUFF", 2000, "eth0", WEB));
        Finding f = only(Diagnosis.diagnose(d, r, null, HOST), "udp_rcvbuf_errors");
        assertEquals("UDP receive buffers overflow (2000/s dropped) in namespace docker:0123456789ab (eth0)", f.title());
        assertEquals("nsenter -t 4242 -n ss -uanpm", commands(f).get(0));
        // rmem_max is one value for the machine: from the host's snapshot, set without entering anything
        assertEquals("212992", evidence(f, "net.core.rmem_max"));
        assertTrue(commands(f).contains("sysctl -w net.core.rmem_max=33554432"), commands(f).toString());
        for (Evidence e : f.evidence()) {
            assertFalse(e.name().startsWith("Udp."), "the host's UDP counters are not the container's: " + e);
        }
    }

    @Test
    void aNamespaceWithNoNameAndNoProcessGetsAPlaceholderToFillIn() {
        Finding f = only(Diagnosis.diagnose(hostDelta(0, 0),
                drops(site("__udp4_lib_rcv", "NO_SOCKET", 5, null, NOBODY)), null, HOST), "no_socket_drops");
        assertEquals("Packets to closed ports (5.0/s) in namespace netns:4026532999", f.title());
        assertEquals("nsenter -t <pid in netns:4026532999> -n ss -lunpt  # is the service that should own the port running?",
                commands(f).get(0));
        assertTrue(commands(f).get(1).endsWith("--netns netns:4026532999"), commands(f).get(1));
    }

    @Test
    void netfilterDropsInAnotherNamespaceListThatNamespacesRules() {
        Finding f = only(Diagnosis.diagnose(hostDelta(0, 0),
                drops(site("nf_hook_slow", "NETFILTER_DROP", 80, "veth1", BLUE)), null, HOST), "netfilter_drops");
        assertEquals("Firewall rules drop packets (80/s) in namespace blue (veth1)", f.title());
        assertEquals("ip netns exec blue nft -a list ruleset | grep -E 'drop|reject'", commands(f).get(0));
        assertTrue(commands(f).get(1).contains("(ip netns exec blue nft replace rule FAMILY TABLE CHAIN handle H"),
                commands(f).get(1));
        assertTrue(commands(f).get(2).endsWith("then ip netns exec blue nft monitor trace"), commands(f).get(2));
    }

    @Test
    void rxDroppedIsExplainedOnlyByTheSitesOfItsOwnNamespace() {
        Delta d = hostDelta(0, 0);
        // eth0 is the host's: blue's unhandled frames are on blue's devices and do not explain eth0's rx_dropped
        DropReport r = drops(site("__netif_receive_skb_core", "UNHANDLED_PROTO", 300, "veth1", BLUE));
        List<Finding> fs = Diagnosis.diagnose(d, r, null, HOST);
        Finding f = only(fs, "interface_rx_dropped");
        assertEquals("Interface eth0 rx_dropped rising (400/s)", f.title());
        assertEquals(Severity.WARNING, f.severity(), "nothing of the host's explains it");
        assertEquals("ip -s -s link show dev eth0", commands(f).get(0));
        assertEquals(Diagnosis.diagnose(d, drops(), null), fs, "blue's sites make no finding without its counters");

        DropReport own = drops(site("__netif_receive_skb_core", "UNHANDLED_PROTO", 300, "eth0", HOST_NS));
        Finding explained = only(Diagnosis.diagnose(d, own, null, HOST), "interface_rx_dropped");
        assertEquals("Interface eth0 rx_dropped rising (400/s): frames nobody handles", explained.title());
    }

    @Test
    void inASnapshotOfANamedNamespaceItsOwnDropsNameItWhenTheSourceDoes() {
        long blueInode = BLUE.inode();
        Snapshot b = at(0, x -> x.netns("blue").snmp(longs("Udp.NoPorts", 0)));
        Snapshot a = at(1, x -> x.netns("blue").snmp(longs("Udp.NoPorts", 40)));
        Delta d = Delta.between(b, a);
        Finding f = only(Diagnosis.diagnose(d, drops(site("__udp4_lib_rcv", "NO_SOCKET", 40, "lo", BLUE)), null,
                blueInode), "no_socket_drops");
        assertEquals("Packets to closed ports (40/s) in namespace blue (lo)", f.title());
        assertEquals("+40 in 1.0 s (40/s)", evidence(f, "Udp.NoPorts"), "blue's own counters: the snapshot is of blue");
        assertEquals("ip netns exec blue ss -lunpt  # is the service that should own the port running?", commands(f).get(0));

        // a source that cannot tell: as before, the snapshot's name on the commands and a machine-wide watch
        Finding unknown = only(Diagnosis.diagnose(d, drops(site("__udp4_lib_rcv", "NO_SOCKET", 40, null, null)), null,
                blueInode), "no_socket_drops");
        assertEquals("Packets to closed ports (40/s)", unknown.title());
        assertEquals("see which ports are hit: dropscope watch --source netdm --mode packet --reason NO_SOCKET "
                + "(drops of every namespace)", commands(unknown).get(1));
    }

    /** Every rule, fed drops of every reason in another namespace: all its findings name it and enter it. */
    @Test
    void everyFindingFromAnotherNamespacesDropsNamesItAndEntersIt() {
        List<ResolvedDropSite> sites = new ArrayList<>();
        for (String reason : List.of("IP_CSUM", "NETFILTER_DROP", "TCP_LISTEN_OVERFLOW", "NEIGH_CREATEFAIL",
                "NEIGH_QUEUEFULL", "NO_SOCKET", "QDISC_DROP", "IP_RPFILTER", "UNHANDLED_PROTO", "CPU_BACKLOG",
                "SOCKET_BACKLOG", "PROTO_MEM", "SOCKET_RCVBUFF")) {
            sites.add(site("f_" + reason.toLowerCase(), reason, 150, "veth1", BLUE));
        }
        DropReport r = drops(sites.toArray(new ResolvedDropSite[0]));
        List<Finding> fs = Diagnosis.diagnose(hostDelta(0, 0), r, null, HOST);
        Set<String> ids = fs.stream().map(Finding::id).collect(Collectors.toCollection(java.util.TreeSet::new));
        // the host's eth0 rx_dropped is the host's finding; every other one rests on blue's drops
        assertTrue(ids.containsAll(Set.of("no_socket_drops", "udp_rcvbuf_errors", "netfilter_drops",
                "rp_filter_drops", "tcp_listen_overflow", "checksum_errors", "neighbour_table_overflow",
                "softnet_backlog_drops", "tcp_backlog_or_memory")), ids.toString());
        for (Finding f : fs) {
            if (f.id().equals("interface_rx_dropped")) {
                assertEquals("Interface eth0 rx_dropped rising (400/s)", f.title());
                continue;
            }
            assertTrue(f.title().endsWith(" in namespace blue (veth1)"), f.title());
            for (Evidence e : f.evidence()) {
                assertFalse(e.value().startsWith("+0 "), f.id() + ": the host's counter is not blue's: " + e);
            }
            for (String c : commands(f)) {
                assertFalse(c.matches("^(ss|nft|ip (?!netns exec blue )|tc|ethtool|conntrack) .*"),
                        f.id() + ": a command run on the host would show the host's state: " + c);
            }
        }
    }
}
