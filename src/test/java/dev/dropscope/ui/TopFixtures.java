package dev.dropscope.ui;

import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.Delta;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.FeatureState;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.Reading;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.RpFilterState;
import dev.dropscope.model.Severity;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SoftnetCpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fixed models of a server in trouble, and a virtual terminal to draw them on. The numbers are chosen
 * so each pane has something to show: UDP to a closed port (1000/s), a full UDP receive buffer
 * (1200/s), a benign teardown drop, a NIC missing packets, a nearly full conntrack table.
 */
final class TopFixtures {
    /** 2026-11-22 12:34:56 UTC. */
    static final long NOW = 1_795_350_896_000L;
    static final long SECOND = 1_000_000_000L;

    private TopFixtures() {
    }

    static TopModel.Header header() {
        return new TopModel.Header("web-1", "6.18.44-fc", "tracepoint", "auto: reasons, CPUs, exact counts", 1000);
    }

    static ResolvedDropSite site(String symbol, long offset, String reason, long delta, long count, boolean benign) {
        return new ResolvedDropSite(0xffffffff81000000L + offset + symbol.hashCode() % 4096 * 4096L, symbol, offset, 0x440,
                null, reason, DropOrigin.SOFTWARE, -1, null, count, delta, delta, benign, false);
    }

    static final ResolvedDropSite UDP_NO_PORT = site("__udp4_lib_rcv", 0x4bc, "NO_SOCKET", 1000, 61_000, false);
    static final ResolvedDropSite UDP_RCVBUF = site("__udp_enqueue_schedule_skb", 0x7e, "SOCKET_RCVBUFF", 1200, 30_000, false);
    static final ResolvedDropSite TEARDOWN = site("skb_queue_purge_reason", 0x1d, "QUEUE_PURGE", 4, 900_000, true);
    static final ResolvedDropSite TCP_OLD = site("tcp_validate_incoming", 0x15b, "TCP_OLD_SEQUENCE", 0, 12, false);

    static DropReport report(ResolvedDropSite... sites) {
        long total = 0;
        long delta = 0;
        for (ResolvedDropSite s : sites) {
            total += s.count();
            delta += s.delta();
        }
        return new DropReport("tracepoint", NOW, SECOND, 60 * SECOND, total, delta, 5, 5, List.of(sites), null);
    }

    static InterfaceStats iface(String name, int ifindex, long rxPackets, long rxMissed, boolean ring) {
        Map<String, Long> stats = new LinkedHashMap<>();
        stats.put("rx_packets", rxPackets);
        stats.put("tx_packets", rxPackets / 2);
        stats.put("rx_dropped", 0L);
        stats.put("tx_dropped", 0L);
        stats.put("rx_errors", rxMissed);
        stats.put("tx_errors", 0L);
        stats.put("rx_missed_errors", rxMissed);
        stats.put("rx_crc_errors", 0L);
        Map<String, FeatureState> f = new LinkedHashMap<>();
        f.put("tx-tcp-segmentation", new FeatureState(true, true, false));
        f.put("tx-generic-segmentation", new FeatureState(true, true, false));
        f.put("rx-gro", new FeatureState(true, true, false));
        f.put("rx-lro", new FeatureState(false, false, true));
        f.put("rx-checksum", new FeatureState(true, true, false));
        f.put("tx-checksum-ipv4", new FeatureState(false, false, true));
        f.put("tx-checksum-ip-generic", new FeatureState(true, true, false));
        return new InterfaceStats(name, ifindex, null,
                new InterfaceStats.Settings(Reading.of("virtio_net"), "UP", 1500, 1000, null,
                        ring ? Reading.of(Map.of("rx", 512L, "rx_max", 4096L, "tx", 512L, "tx_max", 4096L))
                                : Reading.notSupported(),
                        Reading.notSupported(), Reading.of(f)),
                new InterfaceStats.Counters(stats, Reading.notSupported(), Reading.notSupported()));
    }

    /** One sample; {@code t} seconds in, with counters that grow by the rates the fixture wants. */
    static Snapshot snapshot(int t) {
        return snapshot(t, "eth0");
    }

    /** Same, with the busy interface named {@code eth}. */
    static Snapshot snapshot(int t, String eth) {
        Map<String, Long> snmp = new LinkedHashMap<>();
        snmp.put("Udp.NoPorts", 1000L * t);
        snmp.put("Udp.RcvbufErrors", 1200L * t);
        snmp.put("Udp.SndbufErrors", 0L);
        snmp.put("Udp6.RcvbufErrors", 0L);
        snmp.put("Udp.InCsumErrors", 0L);
        snmp.put("Tcp.InCsumErrors", 0L);
        snmp.put("TcpExt.ListenOverflows", 0L);
        snmp.put("TcpExt.ListenDrops", 0L);
        List<SoftnetCpu> softnet = List.of(
                new SoftnetCpu(0, Map.of("processed", 9000L * t, "dropped", 5L * t, "time_squeeze", 30L * t)),
                new SoftnetCpu(1, Map.of("processed", 100L * t, "dropped", 0L, "time_squeeze", 0L)));
        ConntrackState ct = new ConntrackState(true, 240_000L, 262_144L, 65_536L,
                Map.of("drop", 3L * t, "early_drop", 0L, "insert_failed", 0L), List.of(), "ctnetlink");
        return Snapshot.builder().takenAt(NOW, 1_000 * SECOND + t * SECOND).host("web-1").kernelRelease("6.18.44-fc")
                .interfaces(List.of(iface("lo", 1, 10L * t, 0, false), iface(eth, 2, 50_000L * t, 120L * t, true)))
                .snmp(snmp).softnet(softnet).conntrack(ct)
                .rpFilter(new RpFilterState(2, 1, Map.of("lo", 0, eth, 1), Map.of("lo", 2, eth, 2)))
                .sysctl(Map.of("net.core.rmem_max", "212992", "net.core.netdev_max_backlog", "1000"))
                .build();
    }

    static final Finding CONNTRACK_FULL = new Finding("conntrack_table_full", Severity.CRITICAL,
            "Conntrack table 92% full: new flows dropped (3/s)",
            List.of(new Evidence("nf_conntrack_count", "240000 of max 262144"), new Evidence("conntrack drop", "3/s")),
            "When the table is full the kernel drops the first packet of every new connection. Clients see "
                    + "timeouts, not errors.",
            List.of(new Fix("sysctl -w net.netfilter.nf_conntrack_max=524288",
                    "net.netfilter.nf_conntrack_max = 524288", "about 300 bytes of memory per entry")));
    static final Finding UDP_BUFFERS = new Finding("udp_rcvbuf_errors", Severity.WARNING,
            "UDP receive buffers overflow (1200 drops/s)",
            List.of(new Evidence("Udp.RcvbufErrors", "1200/s"), new Evidence("net.core.rmem_max", "212992"),
                    new Evidence("drops at __udp_enqueue_schedule_skb (SOCKET_RCVBUFF)", "1200/s")),
            "A UDP socket receives faster than its application reads.",
            List.of(new Fix("sysctl -w net.core.rmem_max=8388608", "net.core.rmem_max = 8388608",
                    "more memory per socket that asks for it")));
    static final Finding CLOSED_PORT = new Finding("udp_no_ports", Severity.INFO, "UDP to closed ports (1000/s)",
            List.of(new Evidence("Udp.NoPorts", "1000/s")), "Something sends UDP to a port nobody listens on.",
            List.of());

    static TopModel model() {
        return model(report(UDP_RCVBUF, UDP_NO_PORT, TEARDOWN, TCP_OLD));
    }

    static TopModel model(DropReport drops) {
        return model(drops, "eth0");
    }

    /** {@link #model(DropReport)} with the busy interface named {@code eth}. */
    static TopModel model(DropReport drops, String eth) {
        Snapshot before = snapshot(1, eth);
        Snapshot after = snapshot(2, eth);
        Map<String, List<Double>> history = new LinkedHashMap<>();
        List<Double> udp = new ArrayList<>();
        for (int i = 0; i < 58; i++) {
            udp.add(0.0);
        }
        udp.add(500.0);
        udp.add(1000.0);
        history.put(TopModel.siteKey(UDP_NO_PORT), udp);
        return new TopModel(header(), NOW, drops, after, Delta.between(before, after),
                List.of(CONNTRACK_FULL, UDP_BUFFERS, CLOSED_PORT), history, Map.of("perf_lost", 5L));
    }

    // ------------------------------------------------------------------ drawing

    /** A frame drawn by {@link TopScreen} through a real Lanterna screen onto a virtual terminal. */
    static final class Frame {
        final DefaultVirtualTerminal terminal;
        final int width;
        final int height;

        private Frame(DefaultVirtualTerminal terminal, int width, int height) {
            this.terminal = terminal;
            this.width = width;
            this.height = height;
        }

        static Frame draw(TopModel m, TopState s, int width, int height, Theme theme) {
            try {
                DefaultVirtualTerminal t = new DefaultVirtualTerminal(new TerminalSize(width, height));
                TerminalScreen screen = new TerminalScreen(t);
                screen.startScreen();
                TopScreen painter = new TopScreen(theme, ZoneOffset.UTC);
                painter.draw(screen.newTextGraphics(), screen.getTerminalSize(), m,
                        painter.fit(m, s, screen.getTerminalSize()));
                screen.refresh();
                return new Frame(t, width, height);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Frame of(DefaultVirtualTerminal t) {
            TerminalSize size = t.getTerminalSize();
            return new Frame(t, size.getColumns(), size.getRows());
        }

        String line(int row) {
            StringBuilder b = new StringBuilder();
            for (int c = 0; c < width; c++) {
                b.append(terminal.getCharacter(c, row).getCharacterString());
            }
            return b.toString();
        }

        String text() {
            StringBuilder b = new StringBuilder();
            for (int r = 0; r < height; r++) {
                b.append(line(r)).append('\n');
            }
            return b.toString();
        }

        TextCharacter cell(int col, int row) {
            return terminal.getCharacter(col, row);
        }

        /** Where {@code s} first appears, or null. */
        TerminalPosition find(String s) {
            for (int r = 0; r < height; r++) {
                int c = line(r).indexOf(s);
                if (c >= 0) {
                    return new TerminalPosition(c, r);
                }
            }
            return null;
        }

        /** The row {@code s} is on; fails when it is not on the screen. */
        int rowOf(String s) {
            TerminalPosition p = find(s);
            if (p == null) {
                throw new AssertionError("'" + s + "' is not on the screen:\n" + text());
            }
            return p.getRow();
        }

        TextCharacter cellAt(String s) {
            TerminalPosition p = find(s);
            if (p == null) {
                throw new AssertionError("'" + s + "' is not on the screen:\n" + text());
            }
            return cell(p.getColumn(), p.getRow());
        }
    }
}
