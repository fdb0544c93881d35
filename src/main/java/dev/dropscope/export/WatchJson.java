package dev.dropscope.export;

import static com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropPacket;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.ResolvedPacket;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * JSON Lines: a {@code "type": "start"} object once monitoring is live, one object per site per interval ({@code count} = drops of that site in that interval),
 * one per packet in packet mode, and a final {@code "type": "summary"} object with the totals per site
 * and the monitor's own lost/overrun counts. Each record type is a Java record below, written in its
 * component order; optional keys are left out when null.
 */
public final class WatchJson implements WatchFormat {
    /**
     * One generator for the whole stream, over {@code out}: a record costs no generator, buffer or String of
     * its own (packet mode writes tens of thousands a second). Values are separated by a line end only.
     */
    private final JsonGenerator gen;
    private String source = "";

    public WatchJson(PrintWriter out) {
        try {
            this.gen = Json.SNAKE.getFactory().createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        gen.setRootValueSeparator(null);
    }

    record StartLine(String type, String time, String source, String why, String mode, double intervalS,
                     String symbolsNote, @JsonInclude(NON_NULL) String identityUnknownWhy) {
    }

    /** A site's identity, shared by the interval and summary records. */
    record Site(String symbol, Long offset, String address, String module, String reason, String origin,
                @JsonProperty("interface") String iface, @JsonInclude(NON_NULL) Integer ifindex,
                @JsonInclude(NON_NULL) Netns netns, boolean benign) {
        static Site of(ResolvedDropSite s) {
            return new Site(s.other() ? "other" : s.symbol(), s.offset() >= 0 ? s.offset() : null, hex(s.address()),
                    s.module(), s.reason(), WatchJson.origin(s.origin()), s.interfaceName(), s.ifindex() >= 0 ? s.ifindex() : null,
                    Netns.of(s.netns()), s.benign());
        }
    }

    /** A drop's namespace: its inode, {@code ip netns} name and container (null when unknown); absent without identity. */
    record Netns(long inode, String name, Container container, @JsonInclude(NON_NULL) Boolean host) {
        static Netns of(NetnsIdentity n) {
            return n == null ? null : new Netns(n.inode(), n.name(), n.container() == null ? null
                    : new Container(n.container().runtime(), n.container().id(), n.container().pid(),
                    n.container().command()), n.host() ? Boolean.TRUE : null);
        }
    }

    record Container(String runtime, String id, int pid, String comm) {
    }

    record DropsLine(String type, String time, String source, @JsonUnwrapped Site site, long count, double ratePerS) {
    }

    record LostLine(String type, String time, String source, long count) {
    }

    record PacketLine(String type, String time, String source, String symbol, Long offset, String address,
                      String module, String kernelSymbol, String reason, String origin,
                      @JsonProperty("interface") String iface, @JsonInclude(NON_NULL) Integer ifindex,
                      @JsonInclude(NON_NULL) Netns netns, int count,
                      @JsonInclude(NON_NULL) String trapGroup, String protocol, int length,
                      Integer originalLength, String l4, String src, String dst, @JsonInclude(NON_NULL) Integer sport,
                      @JsonInclude(NON_NULL) Integer dport, @JsonInclude(NON_NULL) Integer vlan,
                      @JsonInclude(NON_NULL) String cookie) {
    }

    record SummarySite(@JsonUnwrapped Site site, long count) {
    }

    record SummaryLine(String type, String time, String source, double durationS, long total, long lost,
                       List<SummarySite> sites, Map<String, Long> monitor) {
    }

    /** A first {@code "type": "start"} object: which source, why, and that monitoring is now live. */
    @Override
    public void start(Start start) {
        source = start.source();
        write(new StartLine("start", Instant.now().toString(), start.source(), start.why(), start.mode(),
                start.intervalMillis() / 1000.0, start.symbolsNote(), start.identityUnknownWhy()));
    }

    /**
     * The writers, serializers built when this class loads: {@code watch} creates its format before it opens
     * the drop source, so the first record does not hold up the reader while Jackson inspects the records.
     */
    private static final Map<Class<?>, ObjectWriter> WRITERS = Map.of(
            StartLine.class, writer(StartLine.class),
            DropsLine.class, writer(DropsLine.class),
            LostLine.class, writer(LostLine.class),
            PacketLine.class, writer(PacketLine.class),
            SummaryLine.class, writer(SummaryLine.class));

    /** Leaves flushing to {@link #flush}: one per record would be a write per packet. */
    private static ObjectWriter writer(Class<?> type) {
        return Json.SNAKE.writerFor(type).without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
    }

    /** Writes a record and its line end, flushed. */
    private void write(Object record) {
        writeUnflushed(record);
        flush();
    }

    private void writeUnflushed(Object record) {
        try {
            WRITERS.get(record.getClass()).writeValue(gen, record);
            gen.writeRaw(System.lineSeparator());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void flush() {
        try {
            gen.flush(); // and out: a PrintWriter, whose errors checkError() reports
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The epoch second {@link #time} last formatted, and its {@code Instant.toString()} without the "Z". */
    private long timeSecond = Long.MIN_VALUE;
    private String timePrefix;

    /**
     * {@code Instant.ofEpochSecond(0, epochNs).toString()}, the date and time formatted once per second: the
     * fraction in groups of three digits as ISO_INSTANT prints it (none when 0), then "Z".
     */
    String time(long epochNs) {
        long second = Math.floorDiv(epochNs, 1_000_000_000L);
        int nano = (int) Math.floorMod(epochNs, 1_000_000_000L);
        if (second != timeSecond) {
            String s = Instant.ofEpochSecond(second).toString();
            timePrefix = s.substring(0, s.length() - 1);
            timeSecond = second;
        }
        StringBuilder b = new StringBuilder(timePrefix.length() + 11).append(timePrefix);
        if (nano > 0) {
            b.append('.');
            int div = 100_000_000;
            for (int i = 0; nano > 0 || i % 3 != 0; i++) {
                int digit = nano / div;
                b.append((char) ('0' + digit));
                nano -= digit * div;
                div /= 10;
            }
        }
        return b.append('Z').toString();
    }

    /** {@code String.format("0x%04x", v)} for v >= 0. */
    static String hex4(int v) {
        String h = Integer.toHexString(v);
        return h.length() >= 4 ? "0x" + h : "0x" + "0000".substring(h.length()) + h;
    }

    private static String origin(DropOrigin o) {
        return o == DropOrigin.HARDWARE ? "hardware" : "software";
    }

    private static String hex(long address) {
        return address == 0 ? null : "0x" + Long.toHexString(address);
    }

    @Override
    public int interval(DropReport r) {
        String time = Instant.ofEpochMilli(r.timeEpochMillis()).toString();
        for (ResolvedDropSite s : r.sites()) {
            writeUnflushed(new DropsLine("drops", time, r.source(), Site.of(s), s.delta(), Math.round(s.ratePerSecond() * 10) / 10.0));
        }
        if (r.lostDelta() > 0) {
            writeUnflushed(new LostLine("lost", time, r.source(), r.lostDelta()));
        }
        flush();
        return r.sites().size();
    }

    @Override
    public void packet(ResolvedPacket p, String src) {
        DropPacket d = p.packet();
        DropPacket.Payload b = d.payload();
        DropPacket.Tuple t = d.tuple();
        boolean ports = t.sourcePort() >= 0;
        writeUnflushed(new PacketLine("packet", time(d.timeEpochNs()), src,
                d.origin() == DropOrigin.HARDWARE ? d.trap().name() : p.symbol(), p.offset() >= 0 ? p.offset() : null,
                hex(d.location()), p.module(), d.kernelSymbol(), d.reason(), origin(d.origin()),
                p.interfaceName() != null ? p.interfaceName() : d.interfaceName(), d.ifindex() >= 0 ? d.ifindex() : null,
                Netns.of(p.netns()), 1, d.trap().group(), b.protocol() < 0 ? null : hex4(b.protocol()), b.length(),
                // not known: the eBPF ring carries no length
                b.originalLength() >= 0 ? b.originalLength() : null, t.l4(), t.source(), t.destination(),
                ports ? t.sourcePort() : null, ports ? t.destinationPort() : null, b.vlan() >= 0 ? b.vlan() : null,
                d.trap().flowCookie()));
    }

    @Override
    public void summary(DropReport t, Map<String, Long> health) {
        write(new SummaryLine("summary", Instant.ofEpochMilli(t.timeEpochMillis()).toString(),
                t.source() == null ? source : t.source(), Math.round(t.elapsedNs() / 1e6) / 1000.0, t.total(), t.lost(),
                t.sites().stream().map(s -> new SummarySite(Site.of(s), s.count())).toList(), health));
    }
}
