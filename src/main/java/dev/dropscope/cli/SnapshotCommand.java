package dev.dropscope.cli;

import dev.dropscope.collect.DropMonitor;
import dev.dropscope.collect.DropMonitors;
import dev.dropscope.collect.DropReportBuilder;
import dev.dropscope.collect.DropWatcher;
import dev.dropscope.collect.NetDmMonitor;
import dev.dropscope.collect.NetDmSession;
import dev.dropscope.collect.NetnsScope;
import dev.dropscope.collect.Sampler;
import dev.dropscope.diagnosis.BenignDrops;
import dev.dropscope.diagnosis.Diagnosis;
import dev.dropscope.export.FixesFile;
import dev.dropscope.export.SnapshotFile;
import dev.dropscope.export.SnapshotJson;
import dev.dropscope.model.Delta;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Finding;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.ResolvedPacket;
import dev.dropscope.model.Snapshot;
import dev.dropscope.perf.CpuList;
import dev.dropscope.procfs.Kallsyms;
import dev.dropscope.procfs.NetDevices;
import dev.dropscope.sys.Errno;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import picocli.CommandLine;
import picocli.CommandLine.Command;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
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
    /** How long one sample may take before a slow collector is reported as timed out. */
    static final Duration BUDGET = Duration.ofSeconds(5);
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)?");
    /** Distinct drop sites tracked before the rest go to "other" (as watch does). */
    private static final int MAX_SITES = 4096;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "1s",
            description = "Time between the two samples, e.g. 500ms, 1s, 2m (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--format", paramLabel = "json", defaultValue = "json",
            description = "Output format (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--netns", paramLabel = "NAME",
            description = "Collect inside the named network namespace (as 'ip netns' lists them).")
    String netns;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of standard output.")
    Path output;

    enum Source { auto, netdm, tracepoint, none }

    @Option(names = "--source", paramLabel = "auto|netdm|tracepoint|none",
            description = "Drop source watched between the samples (default: ${DEFAULT-VALUE}; 'auto' falls back "
                    + "to counters alone when none works, 'none' never opens one).")
    Source source = Source.auto;

    @Option(names = "--fixes-file", paramLabel = "FILE",
            description = "Also write the findings' sysctl settings to FILE (a new file) for review; nothing is applied.")
    Path fixesFile;

    @Override
    public Integer call() throws Exception {
        Duration interval = parseDuration(duration);
        if (!format.equals("json")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--format': '" + format + "' (expected json)");
        }
        PrintWriter err = spec.commandLine().getErr();
        Syscalls sys = Syscalls.get();
        NetnsScope scope;
        try {
            scope = netns == null ? NetnsScope.current() : NetnsScope.named(sys, netns);
        } catch (IOException e) {
            err.println("dropscope: " + e.getMessage());
            boolean denied = e instanceof NativeIoException
                    && (((NativeIoException) e).errno() == Errno.EPERM || ((NativeIoException) e).errno() == Errno.EACCES);
            return denied ? ExitCodes.PERMISSION : ExitCodes.FAILURE;
        }
        if (fixesFile != null && Files.exists(fixesFile, LinkOption.NOFOLLOW_LINKS)) {
            scope.close();
            err.println("dropscope: --fixes-file " + fixesFile + " already exists; not overwriting it");
            return ExitCodes.FAILURE;
        }
        String json;
        List<Finding> findings;
        Snapshot second;
        try (StopSignal stop = StopSignal.install(); scope;
             Sampler sampler = new Sampler(Sampler.standardCollectors(sys, scope), scope, BUDGET)) {
            DropMonitor monitor = null;
            String dropsWhy;
            if (source == Source.none) {
                dropsWhy = "not watched (--source none): findings from counters alone";
            } else {
                try {
                    monitor = DropMonitors.open(sys, DropMonitors.Requested.valueOf(source.name().toUpperCase(Locale.ROOT)),
                            new NetDmMonitor.Options(true, false, false, null, null, NetDmSession.Existing.FAIL));
                    dropsWhy = monitor.why();
                } catch (IOException e) {
                    if (source != Source.auto) {
                        err.println("dropscope: " + e.getMessage());
                        return e.getMessage().contains("Operation not permitted") || e.getMessage().contains("Permission denied")
                                ? ExitCodes.PERMISSION : ExitCodes.FAILURE;
                    }
                    dropsWhy = "no drop source: " + e.getMessage() + "; findings from counters alone";
                    err.println("dropscope: " + dropsWhy);
                }
            }
            Snapshot first;
            SnapshotJson.Drops drops;
            try {
                first = sampler.sample();
                long left = interval.toNanos() - (System.nanoTime() - first.monotonicNanos());
                DropReport window = null;
                if (monitor != null) {
                    window = watch(monitor, Math.max(left, 1), stop, err);
                } else if (left > 0) {
                    Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
                }
                second = sampler.sample();
                drops = window == null ? SnapshotJson.Drops.none(dropsWhy)
                        : new SnapshotJson.Drops(window, dropsWhy, monitor.health());
            } finally {
                if (monitor != null) {
                    monitor.close(); // on every path: the kernel is left as it was
                }
            }
            if (stop.requested()) {
                return ExitCodes.INTERRUPTED;
            }
            Delta delta = Delta.between(first, second);
            findings = Diagnosis.diagnose(delta, drops.report(), drops.health());
            json = SnapshotJson.write(second, delta, findings, drops);
        }
        // the snapshot first: a fixes file that cannot be written must not cost the user what was collected
        int exit = ExitCodes.OK;
        if (output == null) {
            spec.commandLine().getOut().print(json);
            spec.commandLine().getOut().flush();
        } else {
            try {
                SnapshotFile.replace(output, json);
            } catch (IOException e) {
                err.println("dropscope: cannot write " + output + ": " + e.getMessage());
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
                err.println("dropscope: cannot write " + fixesFile + ": " + e.getMessage());
                exit = ExitCodes.FAILURE;
            }
        }
        return exit;
    }

    /**
     * Watches drops for {@code nanos} and returns them as one window: every site's {@code delta} is its
     * count over the whole window, as the diagnosis expects.
     */
    private static DropReport watch(DropMonitor monitor, long nanos, StopSignal stop, PrintWriter err) throws IOException {
        Kallsyms kallsyms;
        try {
            kallsyms = Kallsyms.query(Path.of("/proc"));
        } catch (IOException e) {
            err.println("dropscope: warning: /proc/kallsyms: " + e.getMessage() + "; drop locations shown as addresses");
            kallsyms = null;
        }
        Map<Integer, String> ifnames = NetDevices.queryNames(Path.of("/sys"));
        DropReportBuilder builder = new DropReportBuilder(kallsyms, monitor.reasons(), ifnames, BenignDrops::isBenign);
        // one report at the end: the interval is the whole window
        DropWatcher.Settings settings = new DropWatcher.Settings(Math.max(nanos, 10_000_000L), nanos, 0, s -> true,
                MAX_SITES);
        DropWatcher watcher = new DropWatcher(monitor, builder, settings, new DropWatcher.Output() {
            @Override
            public int interval(DropReport report) {
                return 0;
            }

            @Override
            public void packet(ResolvedPacket packet) {
            }
        }, stop::requested, cpuCount());
        return window(watcher.run());
    }

    /** Totals since the start as one window: delta = count, rate = count over the elapsed time. */
    public static DropReport window(DropReport totals) {
        double seconds = totals.elapsedNs() / 1e9;
        List<ResolvedDropSite> sites = new ArrayList<>();
        for (ResolvedDropSite x : totals.sites()) {
            sites.add(new ResolvedDropSite(x.address(), x.symbol(), x.offset(), x.size(), x.module(), x.reason(),
                    x.origin(), x.ifindex(), x.interfaceName(), x.count(), x.count(),
                    seconds > 0 ? x.count() / seconds : 0, x.benign(), x.other()));
        }
        return new DropReport(totals.source(), totals.timeEpochMillis(), totals.elapsedNs(), totals.elapsedNs(),
                totals.total(), totals.total(), totals.lost(), totals.lost(), sites, totals.symbolsNote());
    }

    /** Highest online CPU + 1, for the per-CPU breakdown. */
    private static int cpuCount() {
        try {
            int max = 0;
            for (int c : CpuList.queryOnline(Path.of("/sys"))) {
                max = Math.max(max, c);
            }
            return max + 1;
        } catch (IOException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /** "500ms", "1s", "1.5s", "2m", or a plain number of seconds; at least 1 ms. */
    Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            double n = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double ms = unit.equals("ms") ? n : unit.equals("s") ? n * 1000 : n * 60_000;
            if (ms >= 1 && ms <= 24 * 3600_000.0) {
                return Duration.ofNanos((long) (ms * 1_000_000));
            }
        }
        throw new CommandLine.ParameterException(spec.commandLine(),
                "Invalid value for option '--duration': '" + text + "' (expected e.g. 500ms, 1s, 2m; 1 ms to 24 h)");
    }
}
