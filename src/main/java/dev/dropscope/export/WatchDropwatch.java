package dev.dropscope.export;

import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropPacket;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.ResolvedPacket;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/**
 * dropwatch's own output lines, so parsers written for dropwatch keep working:
 * {@code N drops at SYMBOL+OFFHEX (0xADDR) [software]}, {@code N drops at location 0xADDR [software]},
 * {@code N drops at TRAP [hardware]}, and its packet-mode blocks. Nothing else is printed. Interfaces and
 * namespaces go only where dropwatch has a slot for them: a summary line has none (parsers match it whole,
 * so it stays as dropwatch prints it; {@code --format text} or {@code json} show them), a packet block has
 * {@code input port ifindex} and {@code input port name}, and, only where the source reports namespaces
 * (the eBPF source with BTF), an {@code input port netns: NAME} line in the same style. Sources without
 * namespaces print exactly what they printed before.
 */
public final class WatchDropwatch implements WatchFormat {
    /** asctime()'s layout, which dropwatch prints packet timestamps with. */
    private static final DateTimeFormatter ASCTIME =
            DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.ROOT).withZone(ZoneId.systemDefault());

    private final PrintWriter out;

    public WatchDropwatch(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void start(Start start) {
        // dropwatch prints nothing before the first alert once monitoring runs
    }

    /** One summary line exactly as dropwatch's printf formats it. */
    public static String line(long count, ResolvedDropSite s) {
        if (s.origin() == DropOrigin.HARDWARE) {
            return count + " drops at " + s.symbol() + " [hardware]";
        }
        if (s.symbol() != null && s.offset() >= 0) {
            // %s+%llx (%p): the offset in hex without 0x, the address as glibc prints a pointer
            return count + " drops at " + s.symbol() + "+" + Long.toHexString(s.offset()) + " (" + pointer(s.address())
                    + ") [software]";
        }
        return count + " drops at location " + pointer(s.address()) + " [software]";
    }

    /** glibc's %p: "0x" + lowercase hex, "(nil)" for NULL (NET_DM's NIC rx_dropped reports). */
    static String pointer(long address) {
        return address == 0 ? "(nil)" : "0x" + Long.toHexString(address);
    }

    @Override
    public int interval(DropReport r) {
        int lines = 0;
        for (ResolvedDropSite s : r.sites()) {
            if (!s.other()) {
                out.println(line(s.delta(), s));
                lines++;
            }
        }
        out.flush();
        return lines;
    }

    static String flow(DropPacket d) {
        DropPacket.Tuple t = d.tuple();
        if (t.source() == null) {
            return "";
        }
        String src = t.sourcePort() >= 0 ? endpoint(t.source(), t.sourcePort()) : t.source();
        String dst = t.destinationPort() >= 0 ? endpoint(t.destination(), t.destinationPort()) : t.destination();
        return (t.l4() == null ? "ip" : t.l4()) + " " + src + " -> " + dst;
    }

    private static String endpoint(String host, int port) {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    @Override
    public void packet(ResolvedPacket p, String source) {
        DropPacket d = p.packet();
        // built whole and written once, unflushed: the watch loop flushes once per drain (flush())
        StringBuilder o = new StringBuilder(256);
        if (d.origin() == DropOrigin.HARDWARE) {
            line(o, "drop at: " + d.trap().name() + " (" + d.trap().group() + ")");
        } else {
            line(o, "drop at: " + p.location() + " (0x" + Long.toHexString(d.location()) + ")");
        }
        line(o, "origin: " + (d.origin() == DropOrigin.HARDWARE ? "hardware" : "software"));
        if (d.ifindex() >= 0) {
            line(o, "input port ifindex: " + d.ifindex());
        }
        if (d.interfaceName() != null) {
            line(o, "input port name: " + d.interfaceName());
        } else if (p.netns() != null && p.interfaceName() != null) {
            // named in its own namespace by us (the kernel sends a name only with hardware drops)
            line(o, "input port name: " + p.interfaceName());
        }
        if (p.netns() != null) {
            line(o, "input port netns: " + p.netns().label());
        }
        if (d.trap().flowCookie() != null) {
            line(o, "cookie: " + d.trap().flowCookie());
        }
        if (d.timeEpochNs() > 0) {
            Instant t = Instant.ofEpochSecond(0, d.timeEpochNs());
            String nano = Integer.toString(t.getNano());
            o.append("timestamp: ").append(ASCTIME.format(t)).append(' ').append("000000000", nano.length(), 9)
                    .append(nano).append(" nsec").append(NL);
        }
        DropPacket.Payload b = d.payload();
        if (b.protocol() >= 0) {
            line(o, "protocol: 0x" + Integer.toHexString(b.protocol()));
        }
        line(o, "length: " + b.length());
        if (b.originalLength() >= 0) {
            line(o, "original length: " + b.originalLength());
        }
        if (d.reason() != null) {
            line(o, "drop reason: " + d.reason());
        }
        o.append(NL);
        out.write(o.toString());
    }

    private static final String NL = System.lineSeparator();

    private static void line(StringBuilder o, String s) {
        o.append(s).append(NL);
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void summary(DropReport totals, Map<String, Long> monitorHealth) {
        // dropwatch prints no summary; scripts parsing its lines must not see new ones
    }
}
