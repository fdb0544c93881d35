package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.Delta;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Severity;
import dev.dropscope.model.Snapshot;
import dev.dropscope.ui.LatestModel;
import dev.dropscope.ui.TopModel;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** {@code dropscope top} and {@code dropscope} alone, without a terminal (as in this JVM), and the model composer. */
class TopCommandTest {

    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void topNeedsATerminalAndSaysWhatToUseInstead() {
        Result r = run("top");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertEquals("dropscope top: needs a terminal on standard input and output; for scripts use 'dropscope watch'"
                + " or 'dropscope snapshot'\n", r.err());
    }

    @Test
    void noCommandOnATerminalRunsTopAndOtherwisePrintsHelp() {
        Result help = run();
        assertEquals(ExitCodes.OK, help.exit());
        assertTrue(help.out().contains("\n  top "), help.out());
        assertTrue(help.out().contains("On a terminal, 'dropscope' alone runs 'dropscope top'"), help.out());

        BooleanSupplier real = Main.onTerminal;
        Main.onTerminal = () -> true;
        try {
            // top itself then finds no console in this JVM: its own message proves it ran
            Result top = run();
            assertEquals(ExitCodes.USAGE, top.exit());
            assertTrue(top.err().startsWith("dropscope top: needs a terminal"), top.err());
            assertEquals("", top.out());
        } finally {
            Main.onTerminal = real;
        }
    }

    @Test
    void topStartsFromALeanCommandLineThatReadsItAsTheWholeOneDoes() {
        picocli.CommandLine lean = Main.commandLine(new String[] {"top"});
        picocli.CommandLine full = Main.commandLine();
        assertEquals(List.of("top"), List.copyOf(lean.getSubcommands().keySet()), "only top is built");
        assertTrue(full.getSubcommands().keySet().containsAll(List.of("top", "doctor", "watch", "help")));
        assertEquals(full.getSubcommands().get("top").getUsageMessage(), lean.getSubcommands().get("top").getUsageMessage());
        assertEquals(full.getCommandName(), lean.getCommandName());
        // the root's --native is inherited by top in both (its setter sets the property: restored after)
        String before = System.getProperty("dropscope.native");
        try {
            lean.parseArgs("top", "--native", "jnr", "--interval", "2s");
            assertEquals("jnr", System.getProperty("dropscope.native"));
            TopCommand top = lean.getSubcommands().get("top").getCommand();
            assertEquals(2000, top.intervalMillis);
        } finally {
            if (before == null) {
                System.clearProperty("dropscope.native");
            } else {
                System.setProperty("dropscope.native", before);
            }
        }
        // anything else, and nothing off a terminal (the usage lists every command), gets the whole line
        assertEquals(full.getSubcommands().keySet(), Main.commandLine(new String[] {"doctor"}).getSubcommands().keySet());
        assertEquals(full.getSubcommands().keySet(), Main.commandLine(new String[0]).getSubcommands().keySet());
    }

    @Test
    void badOptionsAreUsageErrors() {
        Result r = run("top", "--interval", "50ms");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().startsWith("dropscope: --interval must be at least 100ms"), r.err());
        assertEquals(ExitCodes.USAGE, run("top", "--source", "bpf").exit());
    }

    @Test
    void helpNamesTheKeysAndExitCodes() {
        Result r = run("top", "--help");
        assertEquals(ExitCodes.OK, r.exit());
        assertTrue(r.out().contains("Keys: Tab/arrows move, Enter details, s sort, / filter, p pause, e export"), r.out());
        assertTrue(r.out().contains("130 Ctrl-C or SIGTERM"), r.out());
        for (String line : r.out().split("\n")) {
            assertTrue(line.length() <= 100, "too wide for a terminal: " + line);
        }
    }

    @Test
    void theComposerJoinsDropsAndSamplesIntoModelsWithHistoryAndFindings() {
        TopModel.Header header = new TopModel.Header("h", "k", "tracepoint", "why", 1000);
        LatestModel latest = new LatestModel(TopModel.starting(header, 0));
        List<String> calls = new ArrayList<>();
        Finding f = new Finding("x", Severity.INFO, "t", List.of(new Evidence("e", "1")), "why", List.of());
        TopCommand.Composer c = new TopCommand.Composer(header, latest, (s, d, r, h) -> {
            calls.add((s == null ? "-" : "S") + (d == null ? "-" : "D") + (r == null ? "-" : "R" + r.total()) + h);
            return List.of(f);
        });
        ResolvedDropSite site = new ResolvedDropSite(0x10, "f", 1, 2, null, "NO_SOCKET", DropOrigin.SOFTWARE, -1, null, 5, 5,
                5.0, false, false);
        DropReport r1 = new DropReport("tracepoint", 1, 1_000_000_000L, 1, 5, 5, 0, 0, List.of(site), null);
        c.onDrops(r1, Map.of("perf_lost", 0L));
        TopModel m1 = latest.latest();
        assertSame(r1, m1.drops());
        assertNull(m1.snapshot());
        assertEquals(List.of(5.0), m1.history().get(TopModel.siteKey(site)));
        assertEquals(List.of(f), m1.findings());

        Snapshot s = Snapshot.builder().takenAt(2, 2).build();
        Delta d = Delta.between(s, s);
        c.onSample(s, d);
        TopModel m2 = latest.latest();
        assertSame(s, m2.snapshot());
        assertSame(d, m2.delta());
        assertSame(r1, m2.drops(), "a sample keeps the last drop report");
        assertEquals(List.of(5.0), m2.history().get(TopModel.siteKey(site)), "only drop intervals add to the history");
        assertEquals(List.of("--R5{perf_lost=0}", "SDR5{perf_lost=0}"), calls);

        c.onFailure("drop source", new java.io.IOException("gone"));
        assertEquals("drop source failed: gone", latest.failure());
    }

    /** {@code e} in top writes what the screen shows, as the snapshot command would: sites, findings, lost events. */
    @Test
    void theExportCarriesTheShownDropSitesFindingsAndMonitorCounters() throws Exception {
        TopModel.Header header = new TopModel.Header("h", "k", "tracepoint", "auto: no NET_DM", 1000);
        ResolvedDropSite site = new ResolvedDropSite(0x10, "__udp4_lib_rcv", 0x4bc, 0x600, null, "NO_SOCKET",
                DropOrigin.SOFTWARE, 3, "eth1", 61_000, 1000, 1000.0, false, false);
        DropReport drops = new DropReport("tracepoint", 1, 60_000_000_000L, 1_000_000_000L, 61_000, 1000, 7, 2,
                List.of(site), null);
        Finding f = new Finding("no_socket_drops", Severity.INFO, "Packets to closed ports (1000/s)",
                List.of(new Evidence("Udp.NoPorts", "+1000 in 1 s (1000/s)")), "why", List.of());
        Snapshot s = Snapshot.builder().takenAt(1_795_350_896_000L, 2).host("h").build();
        TopModel shown = new TopModel(header, 0, drops, s, Delta.between(s, s), List.of(f), Map.of(),
                Map.of("perf_lost", 7L));
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ds-top-export");
        try {
            java.nio.file.Path file = TopCommand.export(shown, dir, java.time.ZoneOffset.UTC);
            assertEquals(dir.resolve("dropscope-snapshot-20261122-123456.json"), file);
            com.fasterxml.jackson.databind.JsonNode j = dev.dropscope.export.SnapshotJson.parse(
                    java.nio.file.Files.readString(file));
            assertEquals("no_socket_drops", j.get("findings").get(0).get("id").asText());
            assertEquals("Udp.NoPorts", j.get("findings").get(0).get("evidence").get(0).get("name").asText());
            com.fasterxml.jackson.databind.JsonNode d = j.get("drops");
            assertEquals("tracepoint", d.get("source").asText());
            assertEquals("auto: no NET_DM", d.get("why").asText());
            assertEquals(61_000, d.get("total").asLong());
            assertEquals(7, d.get("lost").asLong());
            assertEquals(7, j.get("monitor").get("counters").get("perf_lost").asLong());
            assertEquals(7, j.get("monitor").get("lost_events").asLong());
            assertEquals("__udp4_lib_rcv", d.get("sites").get(0).get("symbol").asText());
            assertEquals("NO_SOCKET", d.get("sites").get(0).get("reason").asText());
            assertEquals("eth1", d.get("sites").get(0).get("interface").asText());
            assertEquals(61_000, d.get("sites").get(0).get("count").asLong());

            // before the first drop interval: no sites, and the file says why
            TopModel early = new TopModel(header, 0, null, s, null, List.of(), Map.of(), Map.of());
            java.nio.file.Files.delete(file);
            com.fasterxml.jackson.databind.JsonNode e = dev.dropscope.export.SnapshotJson.parse(
                    java.nio.file.Files.readString(TopCommand.export(early, dir, java.time.ZoneOffset.UTC)));
            assertTrue(e.get("drops").get("source").isNull());
            assertEquals("no drop interval yet (auto: no NET_DM)", e.get("drops").get("why").asText());
        } finally {
            try (var files = java.nio.file.Files.list(dir)) {
                for (java.nio.file.Path p : files.toList()) {
                    java.nio.file.Files.delete(p);
                }
            }
            java.nio.file.Files.delete(dir);
        }
    }
}
