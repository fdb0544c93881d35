package dev.dropscope.cli;

import dev.dropscope.doctor.DropMonitors;
import dev.dropscope.collect.DropMonitor;
import dev.dropscope.collect.DropReportBuilder;
import dev.dropscope.collect.SymbolTable;
import dev.dropscope.collect.LiveFeed;
import dev.dropscope.collect.NetDmMonitor;
import dev.dropscope.collect.NetDmSession;
import dev.dropscope.collect.NetnsCountersCollector;
import dev.dropscope.collect.NetnsScope;
import dev.dropscope.collect.Sampler;
import dev.dropscope.diagnosis.BenignDrops;
import dev.dropscope.export.SnapshotFile;
import dev.dropscope.export.SnapshotJson;
import dev.dropscope.model.Delta;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Finding;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Snapshot;
import dev.dropscope.procfs.NetDevices;
import dev.dropscope.procfs.NetnsNames;
import dev.dropscope.procfs.ProcFiles;
import dev.dropscope.procfs.Sysctls;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.ui.LatestModel;
import dev.dropscope.ui.SiteHistory;
import dev.dropscope.ui.Theme;
import dev.dropscope.ui.TopModel;
import dev.dropscope.ui.TopScreen;
import dev.dropscope.ui.TopState;
import dev.dropscope.ui.TopUi;
import dev.dropscope.sys.Failures;
import com.googlecode.lanterna.screen.TerminalScreen;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code dropscope top} (and {@code dropscope} alone on a terminal): the live terminal view. */
@Command(name = "top", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "The live terminal view: where the kernel drops packets, why, and what to type about it.",
            "",
            "Header: host, kernel, drop source and why, drops/s, events the monitor lost, pause, clock.",
            "The screen is up at once; 'opening...' in the header until the source is open.",
            "Panes: Drop sites (function+offset, reason, rate, total, share, last minute), Interfaces",
            "(packets, drops and errors per second, ring, offloads, rp_filter), System (softnet per CPU,",
            "conntrack, UDP buffers, TCP listen queues, checksums) and Findings (evidence and fix commands).",
            "",
            "Keys: Tab/arrows move, Enter details, s sort, / filter, p pause, e export a snapshot, ? help, q quit.",
            "k: sockets; n: drops per network namespace beside its own counters (eBPF source with BTF).",
            "NO_COLOR=1 shows it without colours. 'dropscope' with no command on a terminal runs this."},
        footerHeading = "%nExit codes:%n",
        footer = {"  0 quit with q, 1 the drop source or sampling failed, 2 bad option or not a terminal,",
            "  4 missing privileges, 130 Ctrl-C or SIGTERM (after restoring the terminal and the kernel)"})
public final class TopCommand implements Callable<Integer> {

    /** Findings of one moment from what was measured; any argument may still be null early on. */
    interface Diagnoser {
        List<Finding> diagnose(Snapshot snapshot, Delta delta, DropReport drops, Map<String, Long> monitorHealth);
    }

    /** The findings of the moment, as serve exports them ({@link Monitoring#findings}). */
    static final Diagnoser DIAGNOSIS = Monitoring::findings;

    /** The first drop report comes this soon: where packets die should show within a second of starting. */
    static final long FIRST_REPORT_NS = 300_000_000L;

    /** The longest the symbol table waits for the first full frame before it is read anyway. */
    static final long KALLSYMS_WAIT_MS = 1000;

    /** The native binding being loaded since {@code main} began, when the command line runs top; else null. */
    private static volatile CompletableFuture<Syscalls> preloaded;

    /**
     * Starts loading the native binding (JNA: 100-200 ms) on a thread of its own when {@code args} run top
     * with the default backend, so it overlaps building the command line (another 200 ms) instead of
     * following it. Only a start-up shortcut: {@link #syscalls()} loads it itself when this did not.
     */
    static void preloadNative(String[] args) {
        boolean top = args.length == 0 || args[0].equals("top");
        if (!top || System.getProperty("dropscope.native") != null || Arrays.stream(args).anyMatch(a ->
                a.startsWith("--native") || a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version"))) {
            return; // another backend, or no start at all: the JVM may exit while JNA unpacks its library
        }
        CompletableFuture<Syscalls> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(Syscalls.get());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "dropscope-preload");
        t.setDaemon(true);
        t.start();
        preloaded = f;
    }

    /** The native binding: the preloaded one (its failure as thrown there), else loaded now. */
    static Syscalls syscalls() {
        CompletableFuture<Syscalls> f = preloaded;
        if (f == null) {
            return Syscalls.get();
        }
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error r) {
                throw r;
            }
            throw e;
        }
    }

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    LiveOptions.LiveSource sourceOption;

    @Option(names = "--interval", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "1s",
            description = "Refresh every DURATION, at least 100ms (default: ${DEFAULT-VALUE}).")
    long intervalMillis;

    @Mixin
    LiveOptions.Takeover netDm;

    @Override
    public Integer call() throws IOException, InterruptedException, CommandFailure {
        if (intervalMillis < 100) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be at least 100ms");
        }
        PrintWriter err = spec.commandLine().getErr();
        if (System.console() == null) {
            err.println("dropscope top: needs a terminal on standard input and output;"
                    + " for scripts use 'dropscope watch' or 'dropscope snapshot'");
            return ExitCodes.USAGE;
        }
        Charset charset = Charset.defaultCharset();
        // Lanterna's terminal set-up runs stty several times: overlap it with everything else at the start
        CompletableFuture<TerminalScreen> terminal = CompletableFuture.supplyAsync(() -> {
            try {
                return TopUi.openTerminal(charset);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try (StopSignal stop = StopSignal.install()) {
            try {
                return show(terminal, charset, stop, err);
            } finally {
                // the screen loop gives the terminal back itself; this is for the paths that never reach it
                closeWhenOpen(terminal);
            }
        }
    }

    /** The terminal, once Lanterna has set it up; its failure as the IOException it was. */
    private static TerminalScreen await(CompletableFuture<TerminalScreen> terminal) throws IOException {
        try {
            return terminal.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw e;
        }
    }

    /** Gives the terminal back (raw mode off); closing it twice is harmless. */
    private static void closeWhenOpen(CompletableFuture<TerminalScreen> terminal) {
        try {
            await(terminal).getTerminal().close();
        } catch (IOException | RuntimeException e) {
            // it never got set up, so there is nothing to give back
        }
    }

    /**
     * The screen comes up first, saying the drop source is opening; {@link TopStart} loads the native
     * binding, starts sampling and opens the source behind it. Leaving, on any path and at any moment,
     * closes what was opened before the exit code is decided.
     */
    private int show(CompletableFuture<TerminalScreen> terminal, Charset charset, StopSignal stop, PrintWriter err)
            throws IOException, InterruptedException, CommandFailure {
        Sysctls kernel = Sysctls.query(ProcFiles.PROC, "kernel.hostname", "kernel.osrelease");
        TopModel.Header header = TopModel.Header.opening(kernel.get("kernel.hostname").orElse(null),
                kernel.get("kernel.osrelease").orElse(null), "--source " + sourceOption.source.name(), intervalMillis);
        LatestModel latest = new LatestModel(TopModel.starting(header, System.currentTimeMillis()));
        // one table of namespace names for the drop sites and the per-namespace counters
        NetnsNames names = NetnsNames.system();
        LongFunction<NetnsNames.Netns> lookup = inode -> {
            synchronized (names) {
                return names.lookup(inode);
            }
        };
        Composer composer = new Composer(header, latest, DIAGNOSIS);
        NetnsScope scope = NetnsScope.current();
        long intervalNs = Duration.ofMillis(intervalMillis).toNanos();
        NetDmMonitor.Options netdm = Monitoring.netDmSummary(netDm.existing());
        DropMonitors.Requested requested = sourceOption.source.requested();
        TopUi.Outcome outcome;
        // kallsyms (a quarter second of parsing) waits for the first frame with counters, at most a second
        CountDownLatch fullFrame = new CountDownLatch(1);
        TopStart start = TopStart.begin(TopCommand::syscalls,
                sys -> {
                    composer.withNamespaces(new NetnsCountersCollector(sys, lookup, NetnsCountersCollector.DEFAULT_CAP));
                    return new Sampler(Sampler.standardCollectors(sys, scope), scope, Monitoring.SAMPLE_BUDGET);
                },
                sys -> DropMonitors.open(sys, requested, netdm),
                monitor -> {
                    composer.identityUnknown(monitor.identityUnknownWhy());
                    return builder(syscalls(), monitor, SymbolTable.loadInBackground(e -> { },
                            () -> fullFrame.await(KALLSYMS_WAIT_MS, TimeUnit.MILLISECONDS)), names);
                },
                new LiveFeed.Settings(intervalNs, Math.min(intervalNs, FIRST_REPORT_NS), Monitoring.MAX_SITES,
                        Monitoring.cpuCount()),
                composer, composer::sourceOpened, latest::fail, stop);
        try {
            TopScreen painter = new TopScreen(Theme.fromEnvironment(System.getenv(), charset), ZoneId.systemDefault());
            outcome = new TopUi(await(terminal), painter, latest, stop::requested, TopCommand::export)
                    .onFrame(m -> {
                        if (m.snapshot() != null) {
                            fullFrame.countDown();
                        }
                    })
                    .run();
        } finally {
            start.close();
            composer.closeNamespaces();
        }
        Throwable failed = start.failure();
        if (failed instanceof DropMonitors.NoDropSourceException || failed instanceof NetDmSession.AlreadyMonitoringException) {
            throw WatchCommand.dropSourceFailure("dropscope top: ", failed);
        }
        rethrow(failed);
        if (outcome.failure() != null) {
            err.println("dropscope top: " + outcome.failure());
            return ExitCodes.FAILURE;
        }
        return outcome.exit() == TopState.Exit.QUIT ? ExitCodes.OK : ExitCodes.INTERRUPTED;
    }

    /**
     * Names the drop sites: symbols, reasons, our interfaces, and for other namespaces their names
     * ({@code names}, shared under its lock) and their interfaces' names inside them.
     */
    static DropReportBuilder builder(Syscalls sys, DropMonitor monitor, SymbolTable symbols,
                                     NetnsNames names) {
        return WatchCommand.withIdentities(DropReportBuilder.withSymbols(symbols, monitor.reasons(),
                NetDevices.queryNames(Path.of("/sys")), BenignDrops::isBenign), sys, names);
    }

    /** Any other failure of the start as if it had happened here (a LinkageError goes to Main's handler). */
    private static void rethrow(Throwable failed) throws IOException {
        if (failed instanceof IOException e) {
            throw e;
        }
        if (failed instanceof RuntimeException e) {
            throw e;
        }
        if (failed instanceof Error e) {
            throw e;
        }
        if (failed != null) {
            throw new IOException(Failures.oneLine(failed), failed);
        }
    }

    /** {@code e}: the shown snapshot as JSON in the current directory. */
    static String export(TopModel shown) {
        if (shown.snapshot() == null) {
            return "nothing to export yet: the first sample has not arrived";
        }
        try {
            return "snapshot written to " + export(shown, Path.of("").toAbsolutePath(), ZoneId.systemDefault());
        } catch (IOException | RuntimeException e) {
            return "export failed: " + Failures.oneLine(e);
        }
    }

    /** The shown frame as the snapshot command writes one: counters, the findings shown, the drop sites. */
    static Path export(TopModel shown, Path dir, ZoneId zone) throws IOException {
        SnapshotJson.Drops drops = shown.drops() == null
                ? SnapshotJson.Drops.none("no drop interval yet (" + shown.header().sourceWhy() + ")")
                : new SnapshotJson.Drops(shown.drops(), shown.header().sourceWhy(), shown.monitorHealth());
        return SnapshotFile.write(dir, shown.snapshot(), shown.delta(), shown.findings(), drops, zone);
    }

    /** Joins what the feed's two threads deliver into one model per change, with the sparkline history. */
    static final class Composer implements LiveFeed.Listener {
        private TopModel.Header header;
        private final LatestModel latest;
        private final Diagnoser diagnoser;
        private final SiteHistory history = new SiteHistory();
        private DropReport drops;
        private Map<String, Long> health = Map.of();
        private Snapshot snapshot;
        private Delta delta;
        private volatile NetnsCountersCollector namespaceCounters;
        private TopModel.Namespaces namespaces;

        Composer(TopModel.Header header, LatestModel latest, Diagnoser diagnoser) {
            this.header = header;
            this.latest = latest;
            this.diagnoser = diagnoser;
        }

        @Override
        public synchronized void onDrops(DropReport sinceStart, Map<String, Long> monitorHealth) {
            drops = sinceStart;
            health = monitorHealth;
            history.record(sinceStart);
            publish();
        }

        /** The drop source is open: the header names it from now on. */
        public synchronized void sourceOpened(String source, String why) {
            header = header.opened(source, why);
            publish();
        }

        /** Reads the other namespaces' own counters with each sample, for those drops were seen in. */
        void withNamespaces(NetnsCountersCollector collector) {
            namespaceCounters = collector;
        }

        /** Ends the namespace counters' thread, once sampling has stopped. */
        void closeNamespaces() {
            NetnsCountersCollector c = namespaceCounters;
            if (c != null) {
                c.close();
            }
        }

        /** Why drops come without interface and namespace (null: they have them); the header says so. */
        public synchronized void identityUnknown(String why) {
            header = header.withIdentityWhy(why);
            publish();
        }

        @Override
        public void onSample(Snapshot s, Delta d) {
            NetnsCountersCollector c = namespaceCounters;
            // read outside the lock: entering namespaces must not hold up the drop reports
            TopModel.Namespaces ns = c == null ? null
                    : new TopModel.Namespaces(c.ownInode(), c.ownLabel(), c.collect(busiest(currentDrops())));
            synchronized (this) {
                snapshot = s;
                delta = d;
                if (ns != null) {
                    namespaces = ns;
                }
                publish();
            }
        }

        private synchronized DropReport currentDrops() {
            return drops;
        }

        /** The namespaces of {@code r}'s sites, most drops in the last interval first, then most since the start. */
        static List<Long> busiest(DropReport r) {
            if (r == null) {
                return List.of();
            }
            Map<Long, long[]> by = new HashMap<>();
            for (ResolvedDropSite s : r.sites()) {
                NetnsIdentity n = s.netns();
                if (n != null) {
                    long[] v = by.computeIfAbsent(n.inode(), k -> new long[2]);
                    v[0] += s.delta();
                    v[1] += s.count();
                }
            }
            List<Long> out = new ArrayList<>(by.keySet());
            out.sort(Comparator.comparingLong((Long k) -> by.get(k)[0]).thenComparingLong(k -> by.get(k)[1]).reversed()
                    .thenComparingLong(k -> k));
            return out;
        }

        @Override
        public void onFailure(String what, Throwable error) {
            latest.fail(what + " failed: " + Failures.oneLine(error));
        }

        private void publish() {
            latest.publish(new TopModel(header, System.currentTimeMillis(), drops, snapshot, delta,
                    diagnoser.diagnose(snapshot, delta, drops, health), history.snapshot(), health, namespaces));
        }
    }
}
