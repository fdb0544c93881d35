package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import dev.dropscope.testutil.NeedsExtension;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** dropscope(1) is generated from the command-line model: it must cover all of it, and groff must take it. */
class ManPageTest {
    private static final String PAGE = ManPage.render(Main.commandLine());

    /** How a name appears once roff-escaped. */
    private static String roff(String s) {
        return ManPage.text(s);
    }

    @Test
    void everyCommandAndOptionIsDocumented() {
        CommandLine root = Main.commandLine();
        for (Map.Entry<String, CommandLine> e : root.getSubcommands().entrySet()) {
            assertTrue(PAGE.contains(".SS \"" + roff(e.getKey()) + "\""), "no section for command " + e.getKey());
            for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                if (o.hidden()) {
                    continue;
                }
                for (String name : o.names()) {
                    assertTrue(PAGE.contains("\\fB" + roff(name) + "\\fR"), e.getKey() + " option " + name + " missing");
                }
            }
        }
        for (OptionSpec o : root.getCommandSpec().options()) {
            assertTrue(PAGE.contains("\\fB" + roff(o.longestName()) + "\\fR"), "global option " + o.longestName());
        }
    }

    @Test
    void exitCodesFilesAndExamplesAreThere() {
        for (int code : List.of(ExitCodes.OK, ExitCodes.FAILURE, ExitCodes.USAGE, ExitCodes.NO_DROP_SOURCE,
                ExitCodes.PERMISSION, ExitCodes.INTERRUPTED)) {
            assertTrue(PAGE.contains(".SH EXIT STATUS") && PAGE.contains(".TP\n.B " + code + "\n"), "exit code " + code);
        }
        for (String s : List.of(".SH FILES", "/usr/share/dropscope/dropscope.jar", "/var/cache/dropscope/dropscope.jsa",
                ".SH EXAMPLES", ".SH ENVIRONMENT", "CAP_NET_ADMIN", "CAP_PERFMON")) {
            assertTrue(PAGE.contains(roff(s)) || PAGE.contains(s), s);
        }
        assertTrue(PAGE.startsWith(".\\\" Generated") && PAGE.contains(".TH DROPSCOPE 1 "), PAGE.substring(0, 200));
    }

    @Test
    void groffRendersItWithoutWarnings() throws Exception {
        NeedsExtension.requireTools("groff");
        Path page = Files.createTempFile("dropscope", ".1");
        try {
            Files.writeString(page, PAGE);
            PackageInstallIT.Result r = PackageInstallIT.run(List.of("groff", "-man", "-Tutf8", "-ww", "-z", page.toString()));
            assertEquals(0, r.exit(), r.all());
            assertEquals("", r.err(), "groff warnings");
        } finally {
            Files.deleteIfExists(page);
        }
    }
}
