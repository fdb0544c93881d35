package dev.dropscope.export;

import static com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropPacket;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.ResolvedPacket;

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
    private final PrintWriter out;
    private String source = "";

    public WatchJson(PrintWriter out) {
        this.out = out;
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
            StartLine.class, Json.SNAKE.writerFor(StartLine.class),
            DropsLine.class, Json.SNAKE.writerFor(DropsLine.class),
            LostLine.class, Json.SNAKE.writerFor(LostLine.class),
            PacketLine.class, Json.SNAKE.writerFor(PacketLine.class),
            SummaryLine.class, Json.SNAKE.writerFor(SummaryLine.class));

    private void write(Object record) {
        try {
            out.println(WRITERS.get(record.getClass()).writeValueAsString(record));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        out.flush();
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
            write(new DropsLine("drops", time, r.source(), Site.of(s), s.delta(), Math.round(s.ratePerSecond() * 10) / 10.0));
        }
        if (r.lostDelta() > 0) {
            write(new LostLine("lost", time, r.source(), r.lostDelta()));
        }
        out.flush();
        return r.sites().size();
    }

    @Override
    public void packet(ResolvedPacket p, String src) {
        DropPacket d = p.packet();
        DropPacket.Payload b = d.payload();
        DropPacket.Tuple t = d.tuple();
        boolean ports = t.sourcePort() >= 0;
        write(new PacketLine("packet", Instant.ofEpochSecond(0, d.timeEpochNs()).toString(), src,
                d.origin() == DropOrigin.HARDWARE ? d.trap().name() : p.symbol(), p.offset() >= 0 ? p.offset() : null,
                hex(d.location()), p.module(), d.kernelSymbol(), d.reason(), origin(d.origin()),
                p.interfaceName() != null ? p.interfaceName() : d.interfaceName(), d.ifindex() >= 0 ? d.ifindex() : null,
                Netns.of(p.netns()), 1, d.trap().group(), b.protocol() < 0 ? null : String.format("0x%04x", b.protocol()), b.length(),
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
