package dev.dropscope.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropPacket;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.ResolvedPacket;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/**
 * JSON Lines: a {@code "type": "start"} object once monitoring is live, one object per site per interval ({@code count} = drops of that site in that interval),
 * one per packet in packet mode, and a final {@code "type": "summary"} object with the totals per site
 * and the monitor's own lost/overrun counts.
 */
public final class WatchJson implements WatchFormat {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final PrintWriter out;
    private String source = "";

    public WatchJson(PrintWriter out) {
        this.out = out;
    }

    /** A first {@code "type": "start"} object: which source, why, and that monitoring is now live. */
    @Override
    public void start(Start start) {
        source = start.source();
        ObjectNode o = MAPPER.createObjectNode();
        o.put("type", "start");
        o.put("time", Instant.now().toString());
        o.put("source", start.source());
        o.put("why", start.why());
        o.put("mode", start.mode());
        o.put("interval_s", start.intervalMillis() / 1000.0);
        o.put("symbols_note", start.symbolsNote());
        write(o);
        out.flush();
    }

    private void write(ObjectNode o) {
        try {
            out.println(MAPPER.writeValueAsString(o));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String origin(DropOrigin o) {
        return o == DropOrigin.HARDWARE ? "hardware" : "software";
    }

    static ObjectNode site(ObjectNode o, ResolvedDropSite s) {
        o.put("symbol", s.other() ? "other" : s.symbol());
        if (s.offset() >= 0) {
            o.put("offset", s.offset());
        } else {
            o.putNull("offset");
        }
        o.put("address", s.address() == 0 ? null : "0x" + Long.toHexString(s.address()));
        o.put("module", s.module());
        o.put("reason", s.reason());
        o.put("origin", origin(s.origin()));
        o.put("interface", s.interfaceName());
        if (s.ifindex() >= 0) {
            o.put("ifindex", s.ifindex());
        }
        o.put("benign", s.benign());
        return o;
    }

    @Override
    public int interval(DropReport r) {
        String time = Instant.ofEpochMilli(r.timeEpochMillis()).toString();
        int n = 0;
        for (ResolvedDropSite s : r.sites()) {
            ObjectNode o = MAPPER.createObjectNode();
            o.put("type", "drops");
            o.put("time", time);
            o.put("source", r.source());
            site(o, s);
            o.put("count", s.delta());
            o.put("rate_per_s", Math.round(s.ratePerSecond() * 10) / 10.0);
            write(o);
            n++;
        }
        if (r.lostDelta() > 0) {
            ObjectNode o = MAPPER.createObjectNode();
            o.put("type", "lost");
            o.put("time", time);
            o.put("source", r.source());
            o.put("count", r.lostDelta());
            write(o);
        }
        out.flush();
        return n;
    }

    @Override
    public void packet(ResolvedPacket p, String src) {
        DropPacket d = p.packet();
        ObjectNode o = MAPPER.createObjectNode();
        o.put("type", "packet");
        o.put("time", Instant.ofEpochSecond(0, d.timeEpochNs()).toString());
        o.put("source", src);
        o.put("symbol", d.origin() == DropOrigin.HARDWARE ? d.trapName() : p.symbol());
        if (p.offset() >= 0) {
            o.put("offset", p.offset());
        } else {
            o.putNull("offset");
        }
        o.put("address", d.location() == 0 ? null : "0x" + Long.toHexString(d.location()));
        o.put("module", p.module());
        o.put("kernel_symbol", d.kernelSymbol());
        o.put("reason", d.reason());
        o.put("origin", origin(d.origin()));
        o.put("interface", p.interfaceName() != null ? p.interfaceName() : d.interfaceName());
        if (d.ifindex() >= 0) {
            o.put("ifindex", d.ifindex());
        }
        o.put("count", 1);
        if (d.trapGroup() != null) {
            o.put("trap_group", d.trapGroup());
        }
        o.put("protocol", d.protocol() < 0 ? null : String.format("0x%04x", d.protocol()));
        o.put("length", d.length());
        if (d.originalLength() >= 0) {
            o.put("original_length", d.originalLength());
        } else {
            o.putNull("original_length"); // not known: the eBPF ring carries no length
        }
        o.put("l4", d.l4());
        o.put("src", d.source());
        o.put("dst", d.destination());
        if (d.sourcePort() >= 0) {
            o.put("sport", d.sourcePort());
            o.put("dport", d.destinationPort());
        }
        if (d.vlan() >= 0) {
            o.put("vlan", d.vlan());
        }
        if (d.flowCookie() != null) {
            o.put("cookie", d.flowCookie());
        }
        write(o);
        out.flush();
    }

    @Override
    public void summary(DropReport t, Map<String, Long> health) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("type", "summary");
        o.put("time", Instant.ofEpochMilli(t.timeEpochMillis()).toString());
        o.put("source", t.source() == null ? source : t.source());
        o.put("duration_s", Math.round(t.elapsedNs() / 1e6) / 1000.0);
        o.put("total", t.total());
        o.put("lost", t.lost());
        ArrayNode sites = o.putArray("sites");
        for (ResolvedDropSite s : t.sites()) {
            ObjectNode so = site(sites.addObject(), s);
            so.put("count", s.count());
        }
        ObjectNode m = o.putObject("monitor");
        health.forEach(m::put);
        write(o);
        out.flush();
    }
}
