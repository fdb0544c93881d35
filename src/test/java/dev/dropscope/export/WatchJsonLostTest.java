package dev.dropscope.export;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.ResolvedDropSite;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Packet mode's intervals: the sites are left out (packets are the records), the monitor's losses are not. */
class WatchJsonLostTest {
    private static final ResolvedDropSite SITE = new ResolvedDropSite(0xffffffff81000000L, "__udp4_lib_rcv", 0x10, 0x100,
            null, "NO_SOCKET", DropOrigin.SOFTWARE, 1, "lo", 176, 40, 40.0, false, false);

    private static List<JsonNode> lines(DropReport r) throws Exception {
        StringWriter s = new StringWriter();
        int records = new WatchJson(new PrintWriter(s)).interval(r);
        assertEquals(r.sites().size(), records, "records are the site lines");
        ObjectMapper m = new ObjectMapper();
        return s.toString().lines().map(l -> {
            try {
                return m.readTree(l);
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
    }

    @Test
    void anIntervalWithoutSitesStillReportsWhatWasLost() throws Exception {
        DropReport full = new DropReport("netdm", 1_000, 1_000_000_000L, 5_000_000_000L, 176, 40, 1008, 300,
                List.of(SITE), null);
        List<JsonNode> all = lines(full);
        assertEquals(List.of("drops", "lost"), all.stream().map(n -> n.get("type").asText()).toList());

        List<JsonNode> packetMode = lines(full.withoutSites());
        assertEquals(1, packetMode.size(), packetMode.toString());
        assertEquals("lost", packetMode.get(0).get("type").asText());
        assertEquals(300, packetMode.get(0).get("count").asLong());
        assertEquals("netdm", packetMode.get(0).get("source").asText());

        DropReport quiet = new DropReport("netdm", 1_000, 1_000_000_000L, 5_000_000_000L, 176, 40, 1008, 0,
                List.of(SITE), null);
        assertEquals(List.of(), lines(quiet.withoutSites()), "nothing lost in the interval: no line");
    }
}
