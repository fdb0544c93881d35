package dev.dropscope.diagnosis;

import static dev.dropscope.diagnosis.Snap.at;
import static dev.dropscope.diagnosis.Snap.drops;
import static dev.dropscope.diagnosis.Snap.longs;
import static dev.dropscope.diagnosis.Snap.site;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.Finding;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Severity;
import dev.dropscope.model.Snapshot;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The entry point: ordering, benign drops, purity of the package, and the documented ids. */
class DiagnosisTest {

    static Path repo() {
        return Paths.get(System.getProperty("dropscope.repo", "")).toAbsolutePath();
    }

    @Test
    void findingsComeMostSevereFirstThenBiggestFirst() {
        Snapshot b = at(0, x -> x.snmp(longs("Udp.RcvbufErrors", 0, "Udp.NoPorts", 0, "TcpExt.ListenOverflows", 0,
                "TcpExt.ListenDrops", 0, "TcpExt.IPReversePathFilter", 0)));
        Snapshot a = at(1, x -> x.snmp(longs("Udp.RcvbufErrors", 5000, "Udp.NoPorts", 10, "TcpExt.ListenOverflows", 3,
                "TcpExt.ListenDrops", 3, "TcpExt.IPReversePathFilter", 40)));
        List<Finding> fs = Diagnosis.diagnose(b, a, null, null);
        assertEquals(List.of("udp_rcvbuf_errors", "rp_filter_drops", "tcp_listen_overflow", "no_socket_drops"),
                fs.stream().map(Finding::id).toList());
        assertEquals(List.of(Severity.CRITICAL, Severity.WARNING, Severity.WARNING, Severity.INFO),
                fs.stream().map(Finding::severity).toList());
    }

    @Test
    void aBurstInAShortWindowIsJudgedOverASecond() {
        // 50 drops in 30 ms: a burst, not 1700/s of ongoing loss
        Snapshot b = Snapshot.builder().takenAt(0, 0).snmp(longs("TcpExt.IPReversePathFilter", 0)).build();
        Snapshot a = Snapshot.builder().takenAt(30, 30_000_000L).snmp(longs("TcpExt.IPReversePathFilter", 50)).build();
        Finding f = Snap.only(Diagnosis.diagnose(b, a, null, null), "rp_filter_drops");
        assertEquals(Severity.WARNING, f.severity());
        assertEquals("+50 in 0.03 s", Snap.evidence(f, "TcpExt.IPReversePathFilter"));
        assertEquals("Reverse-path filter drops packets (50 in 0.03 s)", f.title());
    }

    @Test
    void nothingMovedNothingFound() {
        Snapshot s = at(0, x -> x.snmp(longs("Udp.RcvbufErrors", 7, "TcpExt.ListenOverflows", 9)));
        assertEquals(List.of(), Diagnosis.diagnose(s, at(1, x -> x.snmp(s.snmp())), drops(), java.util.Map.of()));
        assertEquals(List.of(), Diagnosis.diagnose(s, s, null, null), "a zero-length window too");
    }

    @Test
    void benignDropsDoNotBecomeFindingsEvenWhenTheBuilderDidNotMarkThem() {
        Snapshot s = at(0, x -> x);
        // a closing UDP socket's queue, and a NOT_SPECIFIED free in a consume path: expected, not loss
        List<Finding> fs = Diagnosis.diagnose(s, at(1, x -> x), drops(site("udp_destruct_common", "NOT_SPECIFIED", 900),
                site("skb_queue_purge_reason", "QUEUE_PURGE", 50), site("skb_free_datagram", null, 20),
                site("tcp_rcv_state_process", "TCP_CLOSE", 5)), null);
        assertEquals(List.of(), fs);
        // the same function with a real reason is a real drop
        ResolvedDropSite real = site("udp_destruct_common", "SOCKET_RCVBUFF", 9);
        assertTrue(Snap.has(Diagnosis.diagnose(s, at(1, x -> x), drops(real), null), "udp_rcvbuf_errors"));
    }

    @Test
    void theFirstSampleAloneJudgesOnlyWhatOneMomentShows() {
        Snapshot s = at(0, x -> x.snmp(longs("Udp.RcvbufErrors", 1_000_000))
                .conntrack(Snap.conntrack(990, 1000, 250, "drop", 5)));
        List<Finding> fs = Diagnosis.diagnose(null, s, null, null);
        assertEquals(List.of("conntrack_table_full"), fs.stream().map(Finding::id).toList(),
                "counters since boot are history, a nearly full table is now");
    }

    @Test
    void benignClassification() {
        assertTrue(BenignDrops.isBenign("udp_destruct_common", null));
        assertTrue(BenignDrops.isBenign("skb_queue_purge", "NOT_SPECIFIED"));
        assertTrue(BenignDrops.isBenign(null, "SOCKET_CLOSE"));
        assertTrue(BenignDrops.isBenign("tcp_v4_rcv", "TCP_CLOSE"));
        assertTrue(BenignDrops.isBenign("skb_consume_udp", null));
        assertFalse(BenignDrops.isBenign("skb_consume_udp", "UDP_CSUM"));
        assertFalse(BenignDrops.isBenign("udp_queue_rcv_one_skb", "SOCKET_RCVBUFF"));
        assertFalse(BenignDrops.isBenign("nf_hook_slow", null));
        assertFalse(BenignDrops.isBenign(null, null));
    }

    @Test
    void theOtherBucketAndHardwareSitesAreEvidenceOfNothingInParticular() {
        ResolvedDropSite other = new ResolvedDropSite(0, null, -1, -1, null, null, DropOrigin.SOFTWARE, -1, null, 99,
                99, 99, false, true);
        assertEquals(List.of(), Diagnosis.diagnose(at(0, x -> x), at(1, x -> x), drops(other), null));
    }

    /** No I/O and no clock: the package must give the same findings for the same input, anywhere. */
    @Test
    void theDiagnosisPackageIsPure() throws IOException {
        Path dir = repo().resolve("src/main/java/dev/dropscope/diagnosis");
        Pattern impure = Pattern.compile("java\\.io\\.|java\\.nio\\.|java\\.net\\.|System\\s*\\.\\s*(currentTimeMillis|"
                + "nanoTime|getenv|getProperty|out|err)|Instant\\s*\\.\\s*now|LocalDateTime|Clock\\b|new\\s+Random|"
                + "ProcessBuilder|Runtime\\s*\\.|Thread\\s*\\.");
        List<String> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                List<String> lines = Files.readAllLines(p);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = impure.matcher(lines.get(i));
                    if (m.find()) {
                        found.add(p.getFileName() + ":" + (i + 1) + ": " + lines.get(i).strip());
                    }
                }
            }
        }
        assertEquals(List.of(), found);
    }

    /** Finding ids are a contract: each is documented, and the document lists no id that does not exist. */
    @Test
    void everyFindingIdIsDocumented() throws IOException {
        String doc = Files.readString(repo().resolve("docs/findings.md"));
        for (String id : Diagnosis.IDS) {
            assertTrue(doc.contains("## `" + id + "`"), "docs/findings.md lacks a section for " + id);
        }
        Matcher m = Pattern.compile("(?m)^## `([a-z_]+)`").matcher(doc);
        List<String> documented = new ArrayList<>();
        while (m.find()) {
            documented.add(m.group(1));
        }
        assertEquals(Diagnosis.IDS, documented, "docs/findings.md: same ids, same order");
        assertEquals(18, Diagnosis.IDS.size());
    }
}
