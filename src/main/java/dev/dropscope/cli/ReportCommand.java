package dev.dropscope.cli;

import com.googlecode.lanterna.screen.TerminalScreen;

import dev.dropscope.export.SnapshotDocument;
import dev.dropscope.export.SnapshotJson;
import dev.dropscope.export.SnapshotReader;
import dev.dropscope.export.SnapshotReport;
import dev.dropscope.ui.LatestModel;
import dev.dropscope.ui.Theme;
import dev.dropscope.ui.TopModel;
import dev.dropscope.ui.TopScreen;
import dev.dropscope.ui.TopState;
import dev.dropscope.ui.TopUi;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code dropscope report FILE}: a saved JSON snapshot as a report, or read-only in the top screen. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show a snapshot saved with 'dropscope snapshot --output FILE' (JSON) as a report: findings "
                + "first with their fixes, then the evidence (drop sites, interfaces, softnet, protocol counters, "
                + "conntrack, neighbour tables, qdiscs, sysctls). Runs anywhere, without root: nothing is collected, "
                + "the findings are the ones the snapshot recorded.",
            "",
            "Example: dropscope snapshot --duration 10s -o web1.json; then, on any machine: dropscope report web1.json"},
        footerHeading = "%nExit codes:%n",
        footer = {"  0  success",
            "  1  the file cannot be read, is not a dropscope snapshot, is corrupt or truncated, or is from a",
            "     newer dropscope (schema newer than " + SnapshotJson.SCHEMA + ")",
            "  2  bad command line (e.g. --tui without a terminal)"})
public final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "A JSON snapshot ('dropscope snapshot --format json').")
    Path file;

    enum Format { text, markdown }

    @Option(names = "--format", paramLabel = "text|markdown", defaultValue = "text",
            description = "Report format (default: ${DEFAULT-VALUE}); markdown pastes into a ticket.")
    Format format;

    @Option(names = "--tui", description = "Browse it in the 'dropscope top' screen instead, read-only (q quits).")
    boolean tui;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        if (tui && !Main.onTerminal.getAsBoolean()) {
            err.println("dropscope report: --tui needs a terminal on standard input and output");
            return ExitCodes.USAGE;
        }
        SnapshotDocument doc;
        try {
            doc = SnapshotReader.read(file);
        } catch (SnapshotReader.BadSnapshotException e) {
            err.println("dropscope: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        if (tui) {
            return browse(doc, err);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(format == Format.markdown ? SnapshotReport.markdown(doc) : SnapshotReport.text(doc));
        out.flush();
        return ExitCodes.OK;
    }

    /** The model the top screen draws, from a saved document: frozen, with no sparkline history. */
    static TopModel model(SnapshotDocument doc, Path file) {
        var r = doc.drops().report();
        long intervalMillis = Math.round(doc.durationSeconds() * 1000);
        String why = "saved snapshot " + file.getFileName() + ", read-only"
                + (doc.drops().why() == null ? "" : ": " + doc.drops().why());
        TopModel.Header header = new TopModel.Header(doc.snapshot().host(), doc.snapshot().kernelRelease(),
                r == null ? "none" : r.source(), why, Math.max(intervalMillis, 1));
        return new TopModel(header, doc.snapshot().takenAtMillis(), r, doc.snapshot(), doc.delta(), doc.findings(),
                Map.of(), doc.drops().health());
    }

    private int browse(SnapshotDocument doc, PrintWriter err) throws IOException, InterruptedException {
        Charset charset = Charset.defaultCharset();
        try (StopSignal stop = StopSignal.install()) {
            TerminalScreen screen = TopUi.openTerminal(charset);
            LatestModel latest = new LatestModel(model(doc, file));
            TopScreen painter = new TopScreen(Theme.fromEnvironment(System.getenv(), charset), ZoneId.systemDefault());
            TopUi.Outcome outcome = new TopUi(screen, painter, latest, stop::requested,
                    shown -> "read-only: this is a saved snapshot (" + file.getFileName() + ")").run();
            if (outcome.failure() != null) {
                err.println("dropscope report: " + outcome.failure());
                return ExitCodes.FAILURE;
            }
            return outcome.exit() == TopState.Exit.QUIT ? ExitCodes.OK : ExitCodes.INTERRUPTED;
        }
    }
}
