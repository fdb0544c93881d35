package dev.dropscope.cli;

import dev.dropscope.export.SnapshotDiff;
import dev.dropscope.export.SnapshotDocument;
import dev.dropscope.export.SnapshotReader;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code dropscope diff A B}: what changed between two saved snapshots. */
@Command(name = "diff", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compare two JSON snapshots (before and after a change, two servers of a pool, ...): settings "
                + "that differ (sysctls, MTU, ring sizes, offloads, rp_filter, conntrack and neighbour limits, qdiscs), "
                + "counters per second that moved (by more than " + SnapshotDiff.MIN_RATE_CHANGE + "/s and 10%%; raw "
                + "counts are not compared), findings that appeared or were resolved, and drop sites that appeared, "
                + "vanished or changed rate. Runs anywhere, without root.",
            "",
            "Example: dropscope snapshot -o before.json; sysctl -w net.core.rmem_max=8388608; "
                + "dropscope snapshot -o after.json; dropscope diff before.json after.json"},
        footerHeading = "%nExit codes:%n",
        footer = {"  0  success (whether or not the snapshots differ)",
            "  1  a file cannot be read, is not a dropscope snapshot, is corrupt or truncated, or is from a",
            "     newer dropscope",
            "  2  bad command line"})
public final class DiffCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "A", description = "The earlier (or reference) snapshot.")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "The later (or compared) snapshot.")
    Path b;

    enum Format { text, markdown, json }

    @Option(names = "--format", paramLabel = "text|markdown|json", defaultValue = "text",
            description = "Output format (default: ${DEFAULT-VALUE}); json is schema " + SnapshotDiff.SCHEMA + ".")
    Format format;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        SnapshotDocument da;
        SnapshotDocument db;
        try {
            da = SnapshotReader.read(a);
            db = SnapshotReader.read(b);
        } catch (SnapshotReader.BadSnapshotException e) {
            err.println("dropscope: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        SnapshotDiff.Result r = SnapshotDiff.compare(da, db);
        String text = switch (format) {
            case markdown -> SnapshotDiff.markdown(r, a.toString(), b.toString());
            case json -> SnapshotDiff.json(r, a.toString(), b.toString());
            default -> SnapshotDiff.text(r, a.toString(), b.toString());
        };
        PrintWriter out = spec.commandLine().getOut();
        out.print(text);
        out.flush();
        return ExitCodes.OK;
    }
}
