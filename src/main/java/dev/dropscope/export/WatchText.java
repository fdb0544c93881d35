package dev.dropscope.export;

import dev.dropscope.model.DropPacket;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.ResolvedPacket;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/**
 * The default stream: one line per site per interval, with its reason, interface, count and rate, and
 * {@code netns NAME} after the interface when the source reports namespaces (nothing otherwise, so the
 * lines of sources without identity are as before).
 */
public final class WatchText implements WatchFormat {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter PACKET_TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS").withZone(ZoneId.systemDefault());

    private final PrintWriter out;

    public WatchText(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void start(Start s) {
        out.printf(Locale.ROOT, "dropscope watch: %s source (%s), %s mode, every %s%n", s.source(), s.why(), s.mode(),
                Durations.format(s.intervalMillis()));
        if (s.symbolsNote() != null) {
            out.println("note: " + s.symbolsNote());
        }
        if (s.identityUnknownWhy() != null) {
            out.println("note: " + s.identityUnknownWhy());
        }
        out.printf("%-8s %10s %10s  %-44s %-20s %s%n", "TIME", "DROPS", "PER SEC", "LOCATION", "REASON", "INTERFACE");
        out.flush();
    }

    @Override
    public int interval(DropReport r) {
        String time = TIME.format(Instant.ofEpochMilli(r.timeEpochMillis()));
        int lines = 0;
        for (ResolvedDropSite s : r.sites()) {
            out.printf(Locale.ROOT, "%-8s %10d %10.1f  %-44s %-20s %s%s%s%n", time, s.delta(), s.ratePerSecond(),
                    s.location(), s.reason() == null ? "-" : s.reason(),
                    s.interfaceName() != null ? s.interfaceName() : s.ifindex() >= 0 ? "if" + s.ifindex() : "-",
                    netns(s.netns()), s.benign() ? "  (expected)" : "");
            lines++;
        }
        if (r.lostDelta() > 0) {
            out.printf(Locale.ROOT, "%-8s %10d %10s  %s%n", time, r.lostDelta(), "", "LOST by the monitor (not shown above)");
        }
        out.flush();
        return lines;
    }

    @Override
    public void packet(ResolvedPacket p, String source) {
        DropPacket d = p.packet();
        StringBuilder s = new StringBuilder();
        s.append(PACKET_TIME.format(Instant.ofEpochSecond(0, d.timeEpochNs()))).append("  ").append(p.location());
        s.append("  ").append(d.reason() == null ? "-" : d.reason());
        String ifname = p.interfaceName() != null ? p.interfaceName() : d.interfaceName();
        s.append("  ").append(ifname != null ? ifname : d.ifindex() >= 0 ? "if" + d.ifindex() : "-").append(netns(p.netns()));
        String flow = WatchDropwatch.flow(d);
        if (!flow.isEmpty()) {
            s.append("  ").append(flow);
        }
        s.append("  len ").append(d.payload().originalLength()).append(System.lineSeparator());
        out.write(s.toString()); // unflushed: the watch loop flushes once per drain (flush())
    }

    @Override
    public void flush() {
        out.flush();
    }

    /** " netns NAME" (its ip netns name, container, or netns:INODE), or "" when the source does not say. */
    static String netns(NetnsIdentity n) {
        return n == null ? "" : " netns " + n.label();
    }

    @Override
    public void summary(DropReport t, Map<String, Long> health) {
        out.printf(Locale.ROOT, "%nsummary: %d drops in %s (%.1f/s), %d lost by the monitor%n", t.total(),
                Durations.format(t.elapsedNs() / 1_000_000), t.elapsedNs() <= 0 ? 0.0 : t.total() * 1e9 / t.elapsedNs(),
                t.lost());
        for (ResolvedDropSite s : t.sites()) {
            out.printf(Locale.ROOT, "%10d  %-44s %-20s %s%s%n", s.count(), s.location(), s.reason() == null ? "-" : s.reason(),
                    s.interfaceName() != null ? s.interfaceName() : s.netns() != null && s.ifindex() >= 0 ? "if" + s.ifindex() : "-",
                    netns(s.netns()));
        }
        StringBuilder h = new StringBuilder("monitor:");
        health.forEach((k, v) -> h.append(' ').append(k).append('=').append(v));
        out.println(h);
        out.flush();
    }
}
