package dev.dropscope.collect;

import static dev.dropscope.netlink.genl.netdm.NetDmConstants.*;

import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropPacket;
import dev.dropscope.model.DropSite;
import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.netlink.genl.netdm.NetDmDecoder;
import dev.dropscope.netlink.genl.netdm.NetDmStats;
import dev.dropscope.netlink.genl.netdm.PacketAlert;
import dev.dropscope.netlink.genl.netdm.PacketHeaders;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Drops from the kernel's NET_DM drop monitor: summary alerts (per-CPU {pc, count} batches sent about a
 * second after the first drop) or packet alerts (one message per dropped packet, with reason, input port
 * and payload). The kernel's own loss counters ("tail dropped") and our socket's overruns are reported
 * as lost, never hidden.
 */
public final class NetDmMonitor implements DropMonitor {

    /**
     * How NET_DM is asked to monitor: start from {@link #defaults()} and change what differs.
     *
     * @param truncLen NET_DM_ATTR_TRUNC_LEN, null for the kernel's default
     * @param queueLen NET_DM_ATTR_QUEUE_LEN, null for the kernel's default
     */
    public record Options(boolean software, boolean hardware, boolean packetMode, Integer truncLen,
                          Integer queueLen, NetDmSession.Existing existing) {
        /** Software drops in summary mode with the kernel's lengths; fails when another session runs. */
        public static Options defaults() {
            return new Options(true, false, false, null, null, NetDmSession.Existing.FAIL);
        }

        public Options withSoftware(boolean v) {
            return new Options(v, hardware, packetMode, truncLen, queueLen, existing);
        }

        public Options withHardware(boolean v) {
            return new Options(software, v, packetMode, truncLen, queueLen, existing);
        }

        public Options withPacketMode(boolean v) {
            return new Options(software, hardware, v, truncLen, queueLen, existing);
        }

        public Options withTruncLen(Integer v) {
            return new Options(software, hardware, packetMode, v, queueLen, existing);
        }

        public Options withQueueLen(Integer v) {
            return new Options(software, hardware, packetMode, truncLen, v, existing);
        }

        public Options withExisting(NetDmSession.Existing v) {
            return new Options(software, hardware, packetMode, truncLen, queueLen, v);
        }
    }

    private static final long STATS_EVERY_NS = 1_000_000_000L;
    /** At stop, queued alerts are delivered for up to this long ... */
    static final long DRAIN_DELIVER_NS = 3_000_000_000L;
    /** ... and what is still queued after that is read for up to this long more and counted as lost. */
    static final long DRAIN_COUNT_NS = 3_000_000_000L;
    /** Datagrams read at stop, at most (the socket holds at most EVENTS_RCVBUF bytes once NET_DM is off). */
    static final int DRAIN_MAX_DATAGRAMS = 1 << 20;

    private final NetDmSession session;
    private final NetlinkSocket events;
    private final NetDmDecoder decoder;
    private final DropReasons reasons;
    private final String why;
    private final Options options;
    private long lastStatsNs;
    private long tailSwBase = -1;
    private long tailHwBase = -1;
    private long tailSw;
    private long tailHw;
    private long overrunsReported;
    private long drainedAtStop;
    private long skippedAtStop;
    private boolean countOnly;
    private DropSink sink;

    private final NetlinkSocket.Handler handler = this::onMessage;
    private final NetDmDecoder.SummaryConsumer summary = new NetDmDecoder.SummaryConsumer() {
        @Override
        public void onSoftwareDrops(long pc, int count) {
            sink.onDrops(pc, DropReasons.UNKNOWN, DropOrigin.SOFTWARE, -1, -1, System.nanoTime(),
                    Integer.toUnsignedLong(count));
        }

        @Override
        public void onHardwareDrops(String trapName, int count) {
            sink.onDrops(0, reasons.code(trapName), DropOrigin.HARDWARE, -1, -1, System.nanoTime(),
                    Integer.toUnsignedLong(count));
        }
    };

    private NetDmMonitor(NetDmSession session, NetlinkSocket events, DropReasons reasons, String why, Options options) {
        this.session = session;
        this.events = events;
        this.decoder = session.decoder();
        this.reasons = reasons;
        this.why = why;
        this.options = options;
    }

    /**
     * Listens first (so nothing sent right after START is missed), then configures and starts. On any
     * failure the session is closed, restoring what it changed.
     */
    public static NetDmMonitor start(NetDmSession session, Options o, DropReasons reasons, String why) throws IOException {
        try {
            NetlinkSocket events = session.listen();
            session.start(o.software(), o.hardware(),
                    o.packetMode() ? NET_DM_ALERT_MODE_PACKET : NET_DM_ALERT_MODE_SUMMARY,
                    o.packetMode() ? o.truncLen() : null, o.packetMode() ? o.queueLen() : null, o.existing());
            NetDmMonitor m = new NetDmMonitor(session, events, reasons, why, o);
            m.readTailDrops();
            return m;
        } catch (IOException | RuntimeException e) {
            try {
                session.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    @Override
    public String source() {
        return "netdm";
    }

    @Override
    public String why() {
        return why;
    }

    @Override
    public boolean hasReasons() {
        return options.packetMode(); // summary alerts carry only {pc, count}
    }

    @Override
    public DropReasons reasons() {
        return reasons;
    }

    public Options options() {
        return options;
    }

    @Override
    public long poll(DropSink sink, int timeoutMillis) throws IOException {
        DropMonitor.failIfInterrupted();
        this.sink = sink;
        long delivered = events.receiveEvents(handler, timeoutMillis);
        reportOverruns(sink);
        long now = System.nanoTime();
        if (now - lastStatsNs >= STATS_EVERY_NS) {
            long before = tailSw + tailHw;
            readTailDrops();
            if (tailSw + tailHw > before) {
                sink.onLost(tailSw + tailHw - before);
            }
        }
        DropMonitor.failIfInterrupted(); // poll(2) does not see Java interrupts: what arrived is delivered already
        return delivered;
    }

    /** STATS_GET: the kernel's tail drops since we started (its counters are global and cumulative). */
    private void readTailDrops() throws IOException {
        lastStatsNs = System.nanoTime();
        NetDmStats s = session.stats();
        if (tailSwBase < 0) {
            tailSwBase = Math.max(0, s.softwareTailDropped());
            tailHwBase = Math.max(0, s.hardwareTailDropped());
        }
        tailSw = Math.max(0, s.softwareTailDropped() - tailSwBase);
        tailHw = Math.max(0, s.hardwareTailDropped() - tailHwBase);
    }

    /**
     * STOP (so the kernel sends nothing more), then deliver what is still queued on our socket: a slow
     * reader can be hundreds of alerts behind when watching ends, and closing the socket would throw them
     * away uncounted. Bounded: alerts not decoded within {@link #DRAIN_DELIVER_NS} are read and counted
     * as lost. Passive sessions start nothing and cannot stop the flow: they only take what is queued
     * within the delivery budget. Ends with the last tail-drop and overrun counts.
     */
    @Override
    public long finish(DropSink sink) throws IOException {
        this.sink = sink;
        boolean stopped = session.started();
        session.stopMonitoring();
        long delivered = events.drainEvents(handler, DRAIN_MAX_DATAGRAMS, DRAIN_DELIVER_NS);
        drainedAtStop += delivered;
        if (stopped) {
            countOnly = true;
            try {
                long skippedBefore = skippedAtStop;
                long read = events.drainEvents(handler, DRAIN_MAX_DATAGRAMS, DRAIN_COUNT_NS);
                drainedAtStop += read - (skippedAtStop - skippedBefore); // summary alerts: still delivered
                delivered += read - (skippedAtStop - skippedBefore);
            } finally {
                countOnly = false;
            }
        }
        reportOverruns(sink);
        long before = tailSw + tailHw;
        readTailDrops();
        if (tailSw + tailHw > before) {
            sink.onLost(tailSw + tailHw - before);
        }
        return delivered;
    }

    private void reportOverruns(DropSink sink) {
        long overruns = events.overruns();
        if (overruns > overrunsReported) {
            // an overrun loses an unknown number of alerts; count each as one lost report
            sink.onLost(overruns - overrunsReported);
            overrunsReported = overruns;
        }
    }

    private void onMessage(ByteBuffer b, int at, int len) throws IOException {
        int cmd = NetDmDecoder.command(b, at, len);
        if (countOnly) {
            if (cmd == NET_DM_CMD_PACKET_ALERT) {
                skippedAtStop++;
                sink.onLost(1);
                return;
            }
            if (cmd != NET_DM_CMD_ALERT) {
                return;
            }
            // a summary alert is cheap to decode and may count many drops: always delivered
        }
        if (cmd == NET_DM_CMD_ALERT) {
            decoder.summaryAlert(b, at, len, summary);
        } else if (cmd == NET_DM_CMD_PACKET_ALERT) {
            PacketAlert a = decoder.packetAlert(b, at, len);
            DropOrigin origin = a.isHardware() ? DropOrigin.HARDWARE : DropOrigin.SOFTWARE;
            int reason = a.isHardware() ? reasons.code(a.trapName()) : reasons.code(a.reason());
            sink.onDrops(a.pc(), reason, origin, a.ifindex(), -1, System.nanoTime(), 1);
            sink.onPacket(toPacket(a, origin));
        }
    }

    static DropPacket toPacket(PacketAlert a, DropOrigin origin) {
        PacketHeaders h = a.headers();
        return new DropPacket(a.timestampNs(), origin, a.pc(), a.symbol(), a.reason(), a.ifindex(), a.ifname(),
                new DropPacket.Trap(a.trapGroup(), a.trapName(), a.cookie() == null ? null : HexFormat.of().formatHex(a.cookie())),
                new DropPacket.Payload(a.protocol(), a.payload().length, a.originalLength(), h.vlanId()),
                new DropPacket.Tuple(h.l4Name(), h.source() == null ? null : h.source().getHostAddress(),
                        h.destination() == null ? null : h.destination().getHostAddress(), h.sourcePort(),
                        h.destinationPort()),
                DropSite.NO_NETNS, new DropPacket.Capture(a.payload(), start(a.payload(), a.protocol())));
    }

    /**
     * Where NET_DM's payload starts: the kernel sends it from the mac header, which on a device without
     * one (ipip, gre, wireguard: mac_len 0) is the network header. An Ethernet header names the
     * protocol (or a VLAN tag) at bytes 12-13; an IP header instead starts with its version.
     */
    static DropPacket.Start start(byte[] p, int protocol) {
        int version = protocol == 0x0800 ? 4 : protocol == 0x86dd ? 6 : -1;
        if (version < 0 || p.length == 0 || (p[0] & 0xff) >> 4 != version) {
            return DropPacket.Start.MAC;
        }
        if (p.length >= 14) {
            int type = (p[12] & 0xff) << 8 | p[13] & 0xff;
            if (type == protocol || type == 0x8100 || type == 0x88a8) {
                return DropPacket.Start.MAC;
            }
        }
        return DropPacket.Start.NETWORK;
    }

    @Override
    public Map<String, Long> health() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("netlink_overruns", events.overruns());
        m.put("tail_dropped_sw", tailSw);
        m.put("tail_dropped_hw", tailHw);
        m.put("malformed_messages", events.malformed());
        m.put("foreign_messages", events.foreignMessages());
        m.put("drained_at_stop", drainedAtStop);
        m.put("lost_at_stop", skippedAtStop);
        return m;
    }

    /** True if starting required stopping a session someone else left on. */
    public boolean tookOver() {
        return session.tookOver();
    }

    @Override
    public void close() throws IOException {
        session.close();
    }
}
