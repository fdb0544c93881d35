package dev.dropscope.cli;

import dev.dropscope.bpf.DropPrograms;
import dev.dropscope.collect.DropMonitor;
import dev.dropscope.doctor.DropMonitors;
import dev.dropscope.collect.DropReportBuilder;
import dev.dropscope.collect.DropWatcher;
import dev.dropscope.collect.NetDmSession;
import dev.dropscope.collect.NetnsScope;
import dev.dropscope.doctor.Privileges;
import dev.dropscope.collect.Sampler;
import dev.dropscope.diagnosis.BenignDrops;
import dev.dropscope.diagnosis.Diagnosis;
import dev.dropscope.export.FixesFile;
import dev.dropscope.export.SnapshotDocument;
import dev.dropscope.export.SnapshotFile;
import dev.dropscope.export.SnapshotJson;
import dev.dropscope.export.SnapshotReport;
import dev.dropscope.model.Delta;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.DropSite;
import dev.dropscope.model.Finding;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.ResolvedPacket;
import dev.dropscope.model.Snapshot;
import dev.dropscope.procfs.Kallsyms;
import dev.dropscope.procfs.NetDevices;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.stream.Collectors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code dropscope snapshot}: two samples {@code --duration} apart, printed with per-second rates and the
 * findings (docs/findings.md) from them and from the drops a drop source saw in between.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Take two samples of the network stack's counters and settings and print the second "
                + "with per-second rates (interfaces, ethtool, protocol counters, softnet, conntrack, "
                + "neighbour tables, qdiscs, sysctls), the drop sites seen in between, and findings: what is "
                + "wrong, the evidence, and the exact commands that fix it (never applied by dropscope)."})
public final class SnapshotCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "1s", converter = WindowConverter.class,
            description = "Time between the two samples, e.g. 500ms, 1s, 2m (default: ${DEFAULT-VALUE}).")
    Duration interval;

    /** Output formats; each is rendered from the same collected document. */
    enum Format { json, text, markdown, prometheus }

    @Mixin
    FormatOption format;

    @Option(names = "--netns", paramLabel = "NAME",
            description = "Collect inside the named network namespace (as 'ip netns' lists them); with a drop "
                    + "source that names each drop's namespace (eBPF with BTF), only its drops are kept.")
    String netns;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Write to FILE instead of standard output: written to a temporary file next to it and "
                    + "renamed into place, so FILE is never half written. An existing FILE is kept (exit 1) "
                    + "unless --force is given.")
    Path output;

    @Option(names = {"-f", "--force"}, description = "Replace an existing --output FILE.")
    boolean force;

    @Option(names = "--source", paramLabel = "auto|netdm|tracepoint|ebpf|none",
            description = "Drop source watched between the samples (default: ${DEFAULT-VALUE}; 'auto' falls back "
                    + "to counters alone when none works, 'none' never opens one).")
    Source source = Source.auto;

    @Option(names = "--fixes-file", paramLabel = "FILE",
            description = "Also write the findings' sysctl settings to FILE (a new file) for review; nothing is applied.")
    Path fixesFile;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (output != null && !force && (Files.isRegularFile(output) || Files.isSymbolicLink(output))) {
            err.println("dropscope: " + output + " already exists; not overwriting it (use --force to replace it)");
            return ExitCodes.FAILURE;
        }
        Syscalls sys = Syscalls.get();
        NetnsScope scope;
        try {
            scope = netns == null ? NetnsScope.current() : NetnsScope.named(sys, netns);
        } catch (IOException e) {
            throw new CommandFailure("dropscope: " + e.getMessage(), e);
        }
        long ownNetns; // the namespace the counters come from: drops elsewhere are another namespace's
        try {
            ownNetns = scope.inode();
        } catch (IOException e) {
            if (netns != null) {
                scope.close();
                throw new CommandFailure("dropscope: network namespace '" + netns + "': " + e.getMessage(), e);
            }
            ownNetns = DropSite.NO_NETNS; // no /proc: every drop counts as ours, as before namespaces were known
        }
        if (fixesFile != null && Files.exists(fixesFile, LinkOption.NOFOLLOW_LINKS)) {
            scope.close();
            err.println("dropscope: --fixes-file " + fixesFile + " already exists; not overwriting it");
            return ExitCodes.FAILURE;
        }
        try (StopSignal stop = StopSignal.install(); scope;
             Sampler sampler = new Sampler(Sampler.standardCollectors(sys, scope), scope, Monitoring.SAMPLE_BUDGET)) {
            // the symbol table and the interface names load while the source opens: both before the window,
            // whose drops and counters then run the same --duration (they were once loaded inside it)
            FutureTask<Names> names = source == Source.none ? null : new FutureTask<>(Names::load);
            if (names != null) {
                Thread t = new Thread(names, "dropscope-symbols");
                t.setDaemon(true);
                t.start();
            }
            DropMonitor monitor = null;
            String dropsWhy;
            boolean dropsFailed = false;
            if (source == Source.none) {
                dropsWhy = "not watched (--source none): findings from counters alone";
            } else {
                try {
                    // with --netns the eBPF program itself counts only that namespace's drops (inNetns below
                    // still keeps only them, from any source that names namespaces)
                    monitor = DropMonitors.open(sys, source.requested(), Monitoring.netDmSummary(NetDmSession.Existing.FAIL),
                            netns != null && ownNetns > 0 && ownNetns <= 0xffff_ffffL
                                    ? DropPrograms.Filter.netns(ownNetns) : DropPrograms.Filter.NONE);
                    dropsWhy = monitor.why();
                } catch (IOException e) {
                    if (source != Source.auto) {
                        throw new CommandFailure("dropscope: " + e.getMessage(), e);
                    }
                    boolean denied = NativeIoException.denied(e);
                    dropsFailed = true;
                    dropsWhy = "no drop source: " + e.getMessage() + (denied ? " (" + Privileges.dropSourceNeeds() + ")" : "")
                            + "; findings from counters alone";
                    if (!denied) {
                        err.println("dropscope: " + dropsWhy); // a refusal is in the left-out note at the end
                    }
                }
            }
            Snapshot first;
            Snapshot second;
            SnapshotJson.Drops drops;
            try (Progress progress = Progress.start(err, Main.onTerminal.getAsBoolean(), interval)) {
                DropReportBuilder builder = monitor == null ? null : builder(sys, monitor, names, err);
                // the window starts here, with the source open and its names ready
                first = sampler.sample();
                warmUp(first, ownNetns);
                long left = interval.toNanos() - (System.nanoTime() - first.monotonicNanos());
                DropReport window = null;
                if (monitor != null) {
                    window = watch(monitor, builder, Math.max(left, 1), stop);
                } else {
                    long end = System.nanoTime() + left;
                    while (!stop.requested() && end - System.nanoTime() > 0) {
                        Thread.sleep(Math.min(50, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                    }
                }
                // interrupted: the window ends now, and what was collected is still written
                second = sampler.sample();
                drops = window == null ? dropsFailed ? SnapshotJson.Drops.failed(dropsWhy) : SnapshotJson.Drops.none(dropsWhy)
                        : new SnapshotJson.Drops(window, dropsWhy, monitor.health()).withIdentity(monitor.identityUnknownWhy());
                if (netns != null && drops.identityKnown() && ownNetns != DropSite.NO_NETNS) {
                    drops = new SnapshotJson.Drops(inNetns(drops.report(), ownNetns), drops.why(), drops.health(),
                            drops.sources());
                }
            } finally {
                if (monitor != null) {
                    monitor.close(); // on every path: the kernel is left as it was
                }
            }
            Delta delta = Delta.between(first, second);
            List<Finding> findings = Diagnosis.diagnose(delta, drops.report(), drops.health(), ownNetns);
            SnapshotDocument doc = new SnapshotDocument(SnapshotJson.SCHEMA, second, delta, findings, drops);
            String text = text(doc, monitor == null ? "none" : monitor.source());
            leftOut(err, monitor != null || source == Source.none);
            // the snapshot first: a fixes file that cannot be written must not cost the user what was collected
            // (still inside StopSignal: a SIGTERM now waits for the rename, so no temporary file is left behind)
            int exit = stop.requested() ? ExitCodes.INTERRUPTED : ExitCodes.OK;
            if (output == null) {
                spec.commandLine().getOut().print(text);
                spec.commandLine().getOut().flush();
            } else {
                try {
                    SnapshotFile.writeAtomically(output, text, force);
                } catch (FileAlreadyExistsException e) {
                    err.println("dropscope: " + output + " already exists; not overwriting it (use --force to replace it)");
                    exit = ExitCodes.FAILURE;
                } catch (IOException e) {
                    err.println("dropscope: cannot write " + output + ": " + SnapshotFile.reason(e));
                    exit = ExitCodes.FAILURE;
                }
            }
            if (fixesFile != null) {
                try {
                    Files.writeString(fixesFile, FixesFile.render(findings, second.host(), second.netns()),
                            StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (FileAlreadyExistsException e) {
                    err.println("dropscope: --fixes-file " + fixesFile + " already exists; not overwriting it");
                    exit = ExitCodes.FAILURE;
                } catch (IOException e) {
                    err.println("dropscope: cannot write " + fixesFile + ": " + SnapshotFile.reason(e));
                    exit = ExitCodes.FAILURE;
                }
            }
            return exit;
        }
    }

    /** The output in {@code --format}; {@code source} names the drop source for the prometheus format. */
    private String text(SnapshotDocument doc, String source) {
        return format.fmt == Format.prometheus
                ? ServeCommand.exposition(doc.snapshot(), doc.findings(), doc.drops().report(), source,
                        doc.drops().health())
                : render(format.fmt, doc);
    }

    /**
     * Diagnoses and renders the first sample alone, output thrown away, while the window runs: the diagnosis
     * and the format's classes load and warm up then, instead of after the window (about 0.1-0.3 s).
     */
    private void warmUp(Snapshot first, long ownNetns) {
        Thread t = new Thread(() -> {
            try {
                Delta none = Delta.between(first, first);
                SnapshotJson.Drops drops = SnapshotJson.Drops.none("warm-up");
                text(new SnapshotDocument(SnapshotJson.SCHEMA, first, none,
                        Diagnosis.diagnose(none, null, Map.of(), ownNetns), drops), "none");
            } catch (RuntimeException e) {
                // only a warm-up: the real document is made (and any failure reported) after the window
            }
        }, "dropscope-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    /** The document in the chosen format; one switch, so a new format is one case. */
    static String render(Format fmt, SnapshotDocument doc) {
        switch (fmt) {
            case text:
                return SnapshotReport.text(doc);
            case markdown:
                return SnapshotReport.markdown(doc);
            case json:
            default:
                return SnapshotJson.write(doc.snapshot(), doc.delta(), doc.findings(), doc.drops());
        }
    }

    /**
     * {@code --format}, parsed from a String rather than declared as the enum so that shell completion stays
     * as it was (no candidates); a mixin so it keeps its place in the help.
     */
    static final class FormatOption {
        @Spec(Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec mixee;

        Format fmt = Format.json;

        @Option(names = "--format", paramLabel = "json|text|markdown|prometheus", defaultValue = "json",
                description = "Output format (default: ${DEFAULT-VALUE}): json is the versioned document "
                        + "(docs/snapshot-schema.json) that 'dropscope report' and 'dropscope diff' read; text and "
                        + "markdown are a report for a person or a ticket, findings first; prometheus is the text exposition "
                        + "format with the same metrics as 'dropscope serve' (for node_exporter's textfile collector).")
        void format(String value) {
            try {
                fmt = Format.valueOf(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(mixee.commandLine(), "Invalid value for option '--format': '"
                        + value + "' (expected one of " + Arrays.stream(Format.values()).map(Enum::name)
                        .collect(Collectors.joining(", ")) + ")");
            }
        }
    }

    /** Without root: says on stderr what the snapshot lacks and which capability would give it. */
    private static void leftOut(PrintWriter err, boolean hasDropSites) {
        try {
            List<Privileges.Missing> missing = new ArrayList<>(Privileges.missing(Privileges.current()));
            if (hasDropSites) {
                missing.removeIf(m -> m.part().equals("drop sites"));
            }
            String note = Privileges.leftOut(missing);
            if (!note.isEmpty()) {
                err.println("dropscope snapshot: " + note);
            }
        } catch (IOException | IllegalArgumentException e) {
            err.println("dropscope snapshot: cannot tell which privileges we lack: " + e.getMessage());
        }
    }

    /** What names the drop sites: /proc/kallsyms (or why not) and the interface names, read off the main thread. */
    private record Names(Kallsyms kallsyms, IOException kallsymsFailed, Map<Integer, String> ifnames) {
        static Names load() {
            Kallsyms kallsyms = null;
            IOException failed = null;
            try {
                kallsyms = Kallsyms.query(Path.of("/proc"));
            } catch (IOException e) {
                failed = e;
            }
            return new Names(kallsyms, failed, NetDevices.queryNames(Path.of("/sys")));
        }
    }

    /** The report builder for {@code monitor}'s drops, from {@code names} once they are loaded. */
    private static DropReportBuilder builder(Syscalls sys, DropMonitor monitor, FutureTask<Names> names,
                                             PrintWriter err) throws InterruptedException {
        Names n;
        try {
            n = names.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
        if (n.kallsymsFailed() != null) {
            err.println("dropscope: warning: /proc/kallsyms: " + n.kallsymsFailed().getMessage()
                    + "; drop locations shown as addresses");
        }
        // another namespace's ifindex is named by a dump there (one per namespace, at the report)
        return WatchCommand.withIdentities(
                new DropReportBuilder(n.kallsyms(), monitor.reasons(), n.ifnames(), BenignDrops::isBenign), sys);
    }

    /**
     * Watches drops for {@code nanos} and returns them as one window: every site's {@code delta} is its
     * count over the whole window, as the diagnosis expects.
     */
    private static DropReport watch(DropMonitor monitor, DropReportBuilder builder, long nanos, StopSignal stop)
            throws IOException {
        // one report at the end: the interval is the whole window
        DropWatcher.Settings settings = new DropWatcher.Settings(Math.max(nanos, 10_000_000L), nanos, 0, s -> true,
                Monitoring.MAX_SITES);
        DropWatcher watcher = new DropWatcher(monitor, builder, settings, new DropWatcher.Output() {
            @Override
            public int interval(DropReport report) {
                return 0;
            }

            @Override
            public void packet(ResolvedPacket packet) {
            }
        }, stop::requested, Monitoring.cpuCount());
        return window(watcher.run());
    }

    /** Totals since the start as one window: delta = count, rate = count over the elapsed time. */
    public static DropReport window(DropReport totals) {
        double seconds = totals.elapsedNs() / 1e9;
        List<ResolvedDropSite> sites = new ArrayList<>();
        for (ResolvedDropSite x : totals.sites()) {
            sites.add(new ResolvedDropSite(x.address(), x.symbol(), x.offset(), x.size(), x.module(), x.reason(),
                    x.origin(), x.ifindex(), x.interfaceName(), x.count(), x.count(),
                    seconds > 0 ? x.count() / seconds : 0, x.benign(), x.other(), x.netns()));
        }
        return new DropReport(totals.source(), totals.timeEpochMillis(), totals.elapsedNs(), totals.elapsedNs(),
                totals.total(), totals.total(), totals.lost(), totals.lost(), sites, totals.symbolsNote());
    }

    /**
     * The window's drops in namespace {@code inode} only, {@code total} their sum: the sites of other
     * namespaces, those without one, and {@code other} (sites beyond the cap, of no one namespace) go;
     * {@code lost} stays the source's, which cannot say whose they were.
     */
    static DropReport inNetns(DropReport r, long inode) {
        List<ResolvedDropSite> sites = r.sites().stream()
                .filter(x -> !x.other() && x.netns() != null && x.netns().inode() == inode).toList();
        long total = sites.stream().mapToLong(ResolvedDropSite::count).sum();
        long totalDelta = sites.stream().mapToLong(ResolvedDropSite::delta).sum();
        return new DropReport(r.source(), r.timeEpochMillis(), r.intervalNs(), r.elapsedNs(), total, totalDelta,
                r.lost(), r.lostDelta(), sites, r.symbolsNote());
    }

    /** {@code --duration}: "500ms", "1s", "1.5s", "2m", or a plain number of seconds; 1 ms to 24 h. */
    static final class WindowConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)?");

        @Override
        public Duration convert(String text) {
            Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
            if (m.matches()) {
                double n = Double.parseDouble(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2);
                double ms = unit.equals("ms") ? n : unit.equals("s") ? n * 1000 : n * 60_000;
                if (ms >= 1 && ms <= 24 * 3600_000.0) {
                    return Duration.ofNanos((long) (ms * 1_000_000));
                }
            }
            throw new CommandLine.TypeConversionException("'" + text + "' (expected e.g. 500ms, 1s, 2m; 1 ms to 24 h)");
        }
    }
}
