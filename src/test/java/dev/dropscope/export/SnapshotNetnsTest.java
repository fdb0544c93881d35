package dev.dropscope.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.dropscope.model.Delta;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Snapshot;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Drop sites with their network namespace in the snapshot document: written as watch JSON writes them,
 * read back equal, shown by report and diff; the "machine-wide" note only where the source cannot tell.
 */
class SnapshotNetnsTest {
    static final NetnsIdentity BLUE = new NetnsIdentity(4026532501L, "blue", null);
    static final NetnsIdentity WEB = new NetnsIdentity(4026532777L, null, new NetnsIdentity.Container("docker",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 4242, "nginx"));
    static final NetnsIdentity HOST = new NetnsIdentity(4026531840L, null, null).asHost();
    static final String WHY = "interfaces and namespaces are unknown: no /sys/kernel/btf/vmlinux";

    static ResolvedDropSite site(String ifname, long count, NetnsIdentity ns) {
        return new ResolvedDropSite(0xffffffff8204674cL, "__udp4_lib_rcv", 0x4bc, 0xdd0, null, "NO_SOCKET",
                DropOrigin.SOFTWARE, ifname == null ? 0 : 2, ifname, count, count, count / 2.0, false, false, ns);
    }

    static DropReport report(ResolvedDropSite... sites) {
        long total = 0;
        for (ResolvedDropSite s : sites) {
            total += s.count();
        }
        return new DropReport("ebpf", 2_000, 2_000_000_000L, 2_000_000_000L, total, total, 0, 0, List.of(sites), null);
    }

    static final DropReport FOUR = report(site("veth1", 500, BLUE), site("eth0", 300, WEB), site("lo", 30, HOST),
            site(null, 8, null));

    static String write(String netns, SnapshotJson.Drops drops) {
        Snapshot a = Snapshot.builder().takenAt(0, 0).host("h").kernelRelease("6.18").netns(netns).build();
        Snapshot b = Snapshot.builder().takenAt(2_000, 2_000_000_000L).host("h").kernelRelease("6.18").netns(netns).build();
        return SnapshotJson.write(b, Delta.between(a, b), List.of(), drops);
    }

    static SnapshotJson.Drops known(DropReport r) {
        return new SnapshotJson.Drops(r, "the eBPF source", Map.of("bpf_ring_lost", 0L)).withIdentity(null);
    }

    @Test
    void sitesCarryTheirNamespaceAsWatchJsonWritesItAndReadBackEqual() throws Exception {
        String json = write(null, known(FOUR));
        assertEquals(Set.of(), SnapshotFormatsTest.violations(json));
        JsonNode sites = SnapshotJson.parse(json).get("drops").get("sites");
        assertEquals("{\"inode\":4026532501,\"name\":\"blue\",\"container\":null}", sites.get(0).get("netns").toString());
        assertEquals("{\"inode\":4026532777,\"name\":null,\"container\":{\"runtime\":\"docker\",\"id\":"
                + "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"pid\":4242,\"comm\":\"nginx\"}}",
                sites.get(1).get("netns").toString());
        assertEquals("{\"inode\":4026531840,\"name\":null,\"container\":null,\"host\":true}",
                sites.get(2).get("netns").toString(), "the machine's own namespace says so");
        assertEquals(List.of("location", "symbol", "offset", "size", "address", "module", "reason", "origin", "ifindex",
                "interface", "netns", "count", "rate_per_s", "benign", "other"), SnapshotJsonTest.fieldNames(sites.get(0)));
        assertFalse(sites.get(3).has("netns"), "a drop without a namespace has no key, as before namespaces");
        // the same object as watch JSON's, key for key
        StringWriter w = new StringWriter();
        new WatchJson(new PrintWriter(w)).summary(FOUR, Map.of());
        JsonNode watched = new ObjectMapper().readTree(w.toString()).get("sites");
        for (int i = 0; i < 4; i++) {
            assertEquals(watched.get(i).get("netns"), sites.get(i).get("netns"), "site " + i);
        }
        JsonNode ebpf = SnapshotJson.parse(json).get("sources").get("ebpf");
        assertTrue(ebpf.get("identity_known").asBoolean());
        assertFalse(ebpf.has("identity_unknown"));
        assertFalse(SnapshotJson.parse(json).get("sources").get("netdm").has("identity_known"), "said of the source used");

        SnapshotDocument d = SnapshotReader.parse(json, "f.json");
        assertEquals(FOUR.sites(), d.drops().report().sites());
        assertTrue(d.drops().identityKnown());
        assertEquals(json, SnapshotJson.write(d.snapshot(), d.delta(), d.findings(), d.drops()), "written again, byte for byte");
    }

    @Test
    void aNamespaceWithoutItsInodeIsOneClearLine() throws Exception {
        ObjectNode j = (ObjectNode) new ObjectMapper().readTree(write(null, known(FOUR)));
        ((ObjectNode) j.get("drops").get("sites").get(0).get("netns")).remove("inode");
        String msg = assertThrows(SnapshotReader.BadSnapshotException.class,
                () -> SnapshotReader.parse(j.toString(), "f.json")).getMessage();
        assertEquals("f.json: invalid snapshot: drops.sites[0].netns.inode: missing", msg);
        assertTrue(SnapshotFormatsTest.violations(j.toString()).stream().anyMatch(v -> v.contains("inode")));
    }

    @Test
    void theMachineWideNoteStaysOnlyWhereTheSourceCannotTell() throws Exception {
        DropReport blueOnly = report(site("veth1", 500, BLUE));
        JsonNode known = SnapshotJson.parse(write("blue", known(blueOnly)));
        assertFalse(known.get("drops").has("scope"), "the sites were kept for being blue's");

        SnapshotJson.Drops unknownDrops = new SnapshotJson.Drops(report(site(null, 500, null)), "the eBPF source",
                Map.of()).withIdentity(WHY);
        String text = write("blue", unknownDrops);
        assertEquals(Set.of(), SnapshotFormatsTest.violations(text));
        JsonNode unknown = SnapshotJson.parse(text);
        assertEquals(SnapshotDto.MACHINE_WIDE, unknown.get("drops").get("scope").asText());
        assertFalse(unknown.get("sources").get("ebpf").get("identity_known").asBoolean());
        assertEquals(WHY, unknown.get("sources").get("ebpf").get("identity_unknown").asText());

        // a caller that does not say (older files, other commands): machine-wide, as before
        JsonNode unsaid = SnapshotJson.parse(write("blue", new SnapshotJson.Drops(blueOnly, "x", Map.of())));
        assertEquals(SnapshotDto.MACHINE_WIDE, unsaid.get("drops").get("scope").asText());

        String reportKnown = SnapshotReport.text(SnapshotReader.parse(write("blue", known(blueOnly)), "a.json"));
        assertFalse(reportKnown.contains("Machine-wide"), reportKnown);
        String reportUnknown = SnapshotReport.text(SnapshotReader.parse(text, "b.json"));
        assertTrue(reportUnknown.contains("Machine-wide: the drop source sees every namespace, not only this one."),
                reportUnknown);
    }

    @Test
    void theReportShowsEachSitesNamespaceWhenKnown() throws Exception {
        String text = SnapshotReport.text(SnapshotReader.parse(write(null, known(FOUR)), "f.json"));
        int at = text.indexOf("Location");
        String table = text.substring(at, text.indexOf("\n\n", at));
        List<String> rows = table.lines().toList();
        assertTrue(rows.get(0).matches("Location +Reason +Origin +Interface +Namespace +Count +/s +Benign"), rows.get(0));
        assertTrue(rows.get(1).matches(" *__udp4_lib_rcv\\+0x4bc/0xdd0 +NO_SOCKET +software +veth1 +blue +500 .*"), table);
        assertTrue(rows.get(2).matches(".* eth0 +docker:0123456789ab +300 .*"), table);
        assertTrue(rows.get(3).matches(".* lo +host +30 .*"), table);
        assertTrue(rows.get(4).matches(".* software +- +- +8 .*"), table);

        String none = SnapshotReport.text(SnapshotReader.parse(write(null, known(report(site("lo", 3, null)))), "f.json"));
        assertFalse(none.contains("Namespace"), "no column when the source named no namespace");
    }

    @Test
    void diffTellsTheSameSiteInTwoNamespacesApartWhenBothSnapshotsNameThem() throws Exception {
        SnapshotDocument a = SnapshotReader.parse(write(null, known(report(site("lo", 100, BLUE)))), "a.json");
        SnapshotDocument b = SnapshotReader.parse(write(null, known(report(site("lo", 100, BLUE),
                site("lo", 400, WEB)))), "b.json");
        SnapshotDiff.Result r = SnapshotDiff.compare(a, b);
        assertEquals(1, r.dropsAppeared().size(), r.toString());
        assertEquals("__udp4_lib_rcv+0x4bc/0xdd0 (NO_SOCKET) on lo in docker:0123456789ab", r.dropsAppeared().get(0).name());
        assertTrue(r.dropsChanged().isEmpty() && r.dropsVanished().isEmpty(), r.toString());

        // against a snapshot whose source named none, by location, reason and interface as before
        SnapshotDocument old = SnapshotReader.parse(write(null, known(report(site("lo", 100, null)))), "o.json");
        SnapshotDiff.Result m = SnapshotDiff.compare(old, b);
        assertTrue(m.dropsAppeared().isEmpty(), m.toString());
        assertEquals("__udp4_lib_rcv+0x4bc/0xdd0 (NO_SOCKET) on lo", m.dropsChanged().get(0).name());
        assertEquals(50.0, m.dropsChanged().get(0).before(), "A's 100 in 2 s");
        assertEquals(250.0, m.dropsChanged().get(0).after(), "B's two namespaces' together");
    }
}
