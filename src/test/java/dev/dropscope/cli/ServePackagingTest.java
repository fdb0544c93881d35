package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.export.Promtool;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What packaging/ ships for serve: the alerting rules, their unit tests and the scrape config pass
 * Prometheus's own promtool, and the options the systemd unit documents are ones serve accepts.
 */
class ServePackagingTest {
    private static final Path REPO = Path.of(System.getProperty("dropscope.repo", "")).toAbsolutePath();
    private static final Path PROMETHEUS = REPO.resolve("packaging/prometheus");

    private static void promtool(String... args) throws Exception {
        Promtool.Result r = Promtool.runIn(PROMETHEUS, args);
        assertEquals(0, r.exit(), "promtool " + String.join(" ", args) + ":\n" + r.output());
    }

    @Test
    void alertRulesPassPromtoolCheckRules() throws Exception {
        promtool("check", "rules", "alerts.yml");
    }

    @Test
    void alertRulesPassTheirUnitTests() throws Exception {
        promtool("test", "rules", "alerts_test.yml");
    }

    @Test
    void scrapeConfigPassesPromtoolCheckConfig() throws Exception {
        promtool("check", "config", "scrape.yml");
    }

    @Test
    void promtoolFailsABrokenRule() throws Exception {
        Path bad = Files.createTempFile("dropscope-alerts", ".yml");
        try {
            Files.writeString(bad, "groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: rate(x[5m] > 0\n");
            Promtool.Result r = Promtool.runIn(PROMETHEUS, "check", "rules", bad.toString());
            assertTrue(r.exit() != 0, r.output());
        } finally {
            Files.delete(bad);
        }
    }

    @Test
    void theUnitRunsServeWithOptionsServeAccepts() throws IOException {
        String unit = Files.readString(REPO.resolve("packaging/dropscope-serve.service"));
        assertTrue(unit.contains("\nExecStart=/usr/bin/dropscope serve $DROPSCOPE_SERVE_OPTS\n"), unit);
        Matcher m = Pattern.compile("Environment=DROPSCOPE_SERVE_OPTS=(--\\S.*)").matcher(unit);
        assertTrue(m.find(), "the unit shows an example DROPSCOPE_SERVE_OPTS");
        List<String> args = new java.util.ArrayList<>(List.of("serve"));
        args.addAll(List.of(m.group(1).trim().split("\\s+")));
        ServeCommand serve = Main.commandLine().parseArgs(args.toArray(new String[0])).subcommand().commandSpec()
                .commandLine().getCommand();
        assertEquals(15_000, serve.intervalMillis);
        assertEquals(100, serve.topSites);
        assertEquals("/0.0.0.0:9464", serve.address.toString());
    }
}
