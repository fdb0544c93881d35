package dev.dropscope.cli;

import java.util.Date;
import java.util.function.Supplier;
import dev.dropscope.collect.DropMonitor;
import dev.dropscope.doctor.DropMonitors;
import dev.dropscope.collect.DropReportBuilder;
import dev.dropscope.collect.LiveFeed;
import dev.dropscope.collect.NetDmSession;
import dev.dropscope.collect.NetnsScope;
import dev.dropscope.collect.Sampler;
import dev.dropscope.cli.serve.ServeHttp;
import dev.dropscope.cli.serve.WebConfig;
import dev.dropscope.diagnosis.BenignDrops;
import dev.dropscope.export.PrometheusMetrics;
import dev.dropscope.model.CollectorError;
import dev.dropscope.model.Delta;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Snapshot;
import dev.dropscope.procfs.Kallsyms;
import dev.dropscope.procfs.NetDevices;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.sys.Failures;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code dropscope serve}: a Prometheus exporter of the drop sites, the stack's counters and the findings. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Serve Prometheus metrics: watch drops and sample the network stack every --interval, and answer "
                + "GET /metrics (text exposition format) and GET /healthz (200 'ok', or 503 and why).",
            "",
            "Metrics (docs/metrics.md): dropscope_drops_total{symbol,reason,origin,interface,netns} per drop site, "
                + "dropscope_interface_<stat>_total{interface} (ip -s link), ring sizes, "
                + "dropscope_softnet_*_total{cpu}, dropscope_snmp_<group>_<field>_total (rcvbuf_errors, "
                + "listen_overflows, in_csum_errors, ...), conntrack entries and max, "
                + "dropscope_finding{id,severity} for every current finding, and the monitor's own health.",
            "",
            "Drop sites: the first --top-sites label sets seen get a series of their own for the life of the "
                + "process; later ones are summed in symbol=\"other\", so every counter only rises.",
            "",
            "Listens on 127.0.0.1 unless told otherwise: the metrics name this host's kernel functions and "
                + "interfaces. packaging/dropscope-serve.service runs it under systemd; packaging/prometheus/ "
                + "has a scrape config and alerting rules."},
        footerHeading = "%nExit codes:%n",
        footer = {"  1 cannot listen (port taken) or a source failed, 2 bad option, 4 missing privileges,",
            "  130 Ctrl-C, 143 SIGTERM (after restoring the kernel's state); it never exits 0 by itself"})
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"--listen", "--web.listen-address"}, paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9464",
            converter = ListenAddressConverter.class,
            description = "Address to serve on (default: ${DEFAULT-VALUE}); ':9464' or '0.0.0.0:9464' for every "
                    + "interface, '[::1]:9464' for IPv6, port 0 for any free port.")
    InetSocketAddress address;

    @Option(names = "--web.config.file", paramLabel = "FILE",
            description = "TLS and basic authentication, in the Prometheus exporter-toolkit's web config format "
                    + "(tls_server_config cert_file/key_file, basic_auth_users with bcrypt hashes), as node_exporter "
                    + "takes it; a file that cannot be used stops serve at start (exit 2).")
    Path webConfigFile;

    @Option(names = "--interval", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5s",
            description = "Sample the stack and close a drop interval every DURATION, at least 100ms "
                    + "(default: ${DEFAULT-VALUE}). Scrapes in between see the latest values.")
    long intervalMillis;

    @Option(names = "--source", paramLabel = "auto|netdm|tracepoint|ebpf|none",
            description = "Drop source (default: ${DEFAULT-VALUE}; 'auto' serves the counters alone, with a warning, "
                    + "when no source works; 'none' never opens one).")
    Source source = Source.auto;

    @Option(names = "--top-sites", paramLabel = "N", defaultValue = "" + PrometheusMetrics.DEFAULT_TOP_SITES,
            description = "Drop-site label sets with a series of their own; the rest go to symbol=\"other\" "
                    + "(default: ${DEFAULT-VALUE}). The same cap applies to the per-socket drop series "
                    + "(command=\"other\") and the per-rule firewall series (chain=\"other\").")
    int topSites;

    @Mixin
    LiveOptions.Takeover netDm;

    @Override
    public Integer call() throws IOException, InterruptedException, CommandFailure {
        if (intervalMillis < 100) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be at least 100ms");
        }
        if (topSites < 0 || topSites > 10_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--top-sites must be 0 to 10000");
        }
        PrintWriter err = spec.commandLine().getErr();
        WebConfig web = WebConfig.NONE;
        if (webConfigFile != null) {
            try {
                web = WebConfig.load(webConfigFile, new Date());
            } catch (WebConfig.Invalid e) {
                err.println("dropscope serve: " + e.getMessage()); // never a server that runs open instead
                return ExitCodes.USAGE;
            }
        }
        State state = new State(new PrometheusMetrics(topSites), version(), Math.max(3 * intervalMillis, 30_000));
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(state);
        ProcessMetrics.builder().register(registry);
        try (StopSignal stop = StopSignal.install()) {
            // listen first: a taken port is reported before anything in the kernel is touched
            HTTPServer server;
            try {
                server = ServeHttp.start(address, registry, state::other, web);
            } catch (BindException e) {
                err.println("dropscope serve: cannot listen on " + show(address) + ": " + e.getMessage()
                        + (address.getPort() != 0 ? " (is another exporter using port " + address.getPort()
                        + "? choose another with --listen)" : ""));
                return ExitCodes.FAILURE;
            } catch (IOException e) {
                err.println("dropscope serve: cannot listen on " + show(address) + ": " + Failures.oneLine(e));
                return ExitCodes.FAILURE;
            }
            try {
                Syscalls sys = Syscalls.get();
                DropMonitor monitor;
                if (source == Source.none) {
                    monitor = new Monitoring.NoDrops("not watched (--source none)");
                } else {
                    try {
                        monitor = DropMonitors.open(sys, source.requested(), Monitoring.netDmSummary(netDm.existing()));
                    } catch (IOException e) {
                        if (source != Source.auto || e instanceof NetDmSession.AlreadyMonitoringException) {
                            throw new CommandFailure("dropscope serve: " + e.getMessage(), e);
                        }
                        monitor = new Monitoring.NoDrops("no drop source: " + e.getMessage());
                        err.println("dropscope serve: warning: " + monitor.why() + "; serving the counters alone");
                    }
                }
                stop.guard(monitor);
                try {
                    state.source(monitor.source());
                    return serve(sys, monitor, state, server, address, stop, err, web.tls() ? "https" : "http");
                } finally {
                    monitor.close(); // on every path: the kernel is left as it was
                    stop.release(monitor);
                }
            } finally {
                server.close();
            }
        }
    }

    private int serve(Syscalls sys, DropMonitor monitor, State state, HTTPServer server, InetSocketAddress address,
                      StopSignal stop, PrintWriter err, String scheme) throws IOException, InterruptedException {
        NetnsScope scope = NetnsScope.current();
        try (Sampler sampler = new Sampler(Sampler.standardCollectors(sys, scope), scope, Monitoring.SAMPLE_BUDGET)) {
            long intervalNs = Duration.ofMillis(intervalMillis).toNanos();
            LiveFeed feed = new LiveFeed(monitor,
                    // namespaces named as watch names them: the netns label of dropscope_drops_total
                    () -> WatchCommand.withIdentities(new DropReportBuilder(kallsyms(err), monitor.reasons(),
                            NetDevices.queryNames(Path.of("/sys")), BenignDrops::isBenign), sys),
                    sampler, new LiveFeed.Settings(intervalNs, intervalNs, Monitoring.MAX_SITES, Monitoring.cpuCount()),
                    trimAfterReports(state, sys));
            state.durations(sampler::lastDurations);
            try {
                err.println("dropscope serve: listening on " + scheme + "://" + show(new InetSocketAddress(address.getAddress(),
                        server.getPort())) + "/metrics; drop source: " + monitor.source() + " (" + monitor.why() + ")");
                if (!(monitor instanceof Monitoring.NoDrops) && monitor.identityUnknownWhy() != null) {
                    // why dropscope_drops_total has netns="" (and maybe interface="")
                    err.println("dropscope serve: note: " + monitor.identityUnknownWhy());
                }
                err.flush();
                // this thread samples and drains until stopped: no sampler or drain thread of its own
                feed.runHere(() -> !stop.requested() && state.failure() == null);
                if (Thread.interrupted()) {
                    throw new InterruptedException("serve interrupted");
                }
            } finally {
                feed.close(); // the drain thread must be out of the monitor before the caller closes it
            }
        }
        if (state.failure() != null) {
            err.println("dropscope serve: " + state.failure());
            return ExitCodes.FAILURE;
        }
        return ExitCodes.INTERRUPTED;
    }

    /**
     * The listener, and after each drop report a malloc_trim: glibc keeps freed native memory otherwise
     * (the start-up's BTF and kallsyms parsing, then each interval's), 2-3 MiB of the agent's resident size
     * for its whole life (jcmd System.trim_native_heap showed it); a trim takes 0.3-3 ms, once an interval.
     */
    private static LiveFeed.Listener trimAfterReports(State state, Syscalls sys) {
        return new LiveFeed.Listener() {
            @Override
            public void onDrops(DropReport sinceStart, Map<String, Long> monitorHealth) {
                state.onDrops(sinceStart, monitorHealth);
                sys.trimNativeHeap();
            }

            @Override
            public void onSample(Snapshot snapshot, Delta delta) {
                state.onSample(snapshot, delta);
            }

            @Override
            public void onFailure(String what, Throwable error) {
                state.onFailure(what, error);
            }
        };
    }

    /**
     * {@code snapshot --format prometheus}: one snapshot in the exposition format, the same mapping as
     * serve; the drop counts are those of the snapshot's window.
     */
    static String exposition(Snapshot snapshot, List<Finding> findings, DropReport drops, String source,
                             Map<String, Long> monitorHealth) {
        return PrometheusMetrics.text(new PrometheusMetrics(PrometheusMetrics.DEFAULT_TOP_SITES).collect(
                new PrometheusMetrics.Input(snapshot, drops, source, monitorHealth, findings,
                        PrometheusMetrics.errorCounts(snapshot), 1, version())));
    }

    private static String show(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static String version() {
        try {
            String v = new Main.Version().getVersion()[0];
            return v.startsWith("dropscope ") ? v.substring("dropscope ".length()) : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static Kallsyms kallsyms(PrintWriter err) {
        try {
            return Kallsyms.query(Path.of("/proc"));
        } catch (IOException e) {
            err.println("dropscope serve: warning: /proc/kallsyms: " + e.getMessage() + "; drop sites shown as addresses");
            return null;
        }
    }

    /**
     * The latest of everything the feed delivered, turned into metrics (findings included) at most once
     * per update: scrapes between two updates get the same snapshots and only encode them. Also answers
     * {@code /healthz} and {@code /}.
     */
    static final class State implements LiveFeed.Listener, MultiCollector {
        private final PrometheusMetrics metrics;
        private String source = "none";
        private final String version;
        private final long staleMillis;
        private final Map<String, Long> collectorErrors = new TreeMap<>();
        private DropReport drops;
        private Map<String, Long> health = Map.of();
        private Snapshot snapshot;
        private Delta delta;
        private long samples;
        private volatile String failure;
        /** The metrics of the latest update; null when an update came since (built on the next scrape). */
        private MetricSnapshots built;
        private Supplier<Map<String, Double>> durations = Map::of;

        State(PrometheusMetrics metrics, String version, long staleMillis) {
            this.metrics = metrics;
            this.version = version;
            this.staleMillis = staleMillis;
        }

        /** The drop source, once it is open ("none" until then, and for --source none). */
        synchronized void source(String name) {
            source = name;
            built = null;
        }

        /** Per collector, the seconds its latest run took: dropscope_scrape_duration_seconds. */
        synchronized void durations(Supplier<Map<String, Double>> d) {
            durations = d;
        }

        @Override
        public synchronized void onDrops(DropReport sinceStart, Map<String, Long> monitorHealth) {
            drops = sinceStart;
            health = monitorHealth;
            built = null;
        }

        @Override
        public synchronized void onSample(Snapshot s, Delta d) {
            snapshot = s;
            delta = d;
            samples++;
            built = null;
            for (CollectorError e : s.errors()) {
                collectorErrors.merge(e.collector(), 1L, Long::sum);
            }
        }

        @Override
        public void onFailure(String what, Throwable error) {
            failure = what + " failed: " + Failures.oneLine(error);
        }

        String failure() {
            return failure;
        }

        @Override
        public synchronized MetricSnapshots collect() {
            if (built == null) {
                boolean watched = !source.equals("none");
                PrometheusMetrics.Input in = new PrometheusMetrics.Input(snapshot, watched ? drops : null, source,
                        watched ? health : Map.of(),
                        Monitoring.findings(snapshot, delta, watched ? drops : null, health),
                        collectorErrors, samples, version);
                MetricSnapshots.Builder b = MetricSnapshots.builder();
                metrics.collect(in).forEach(b::metricSnapshot);
                b.metricSnapshot(PrometheusMetrics.collectorDurations(durations.get()));
                built = b.build();
            }
            return built;
        }

        /** Why the exporter is unhealthy, or null when it is fine. */
        synchronized String unhealthy(long nowMillis) {
            if (failure != null) {
                return failure;
            }
            if (snapshot == null) {
                return "no stack sample yet";
            }
            long age = nowMillis - snapshot.takenAtMillis();
            return age > staleMillis ? "latest stack sample is " + age / 1000 + " s old" : null;
        }

        /** Everything but /metrics: /healthz, a short index at /, 404 elsewhere. */
        void other(HttpExchange x) throws IOException {
            try (x) {
                String path = x.getRequestURI().getPath();
                int status;
                String body;
                if (path.equals("/healthz")) {
                    String why = unhealthy(System.currentTimeMillis());
                    status = why == null ? 200 : 503;
                    body = why == null ? "ok\n" : why + "\n";
                } else if (path.equals("/")) {
                    status = 200; // the landing page exporters have: where the metrics are
                    body = "<html><head><title>dropscope</title></head><body>\n<h1>dropscope " + version
                            + "</h1>\n<p>Kernel packet drops, the network stack's counters and findings.</p>\n<ul>\n"
                            + "<li><a href=\"metrics\">Metrics</a></li>\n<li><a href=\"healthz\">Health</a></li>\n"
                            + "</ul>\n</body></html>\n";
                } else {
                    status = 404;
                    body = "not found: try /metrics or /healthz\n";
                }
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                x.getResponseHeaders().set("Content-Type", (path.equals("/") ? "text/html" : "text/plain")
                        + "; charset=utf-8");
                boolean head = x.getRequestMethod().equalsIgnoreCase("HEAD");
                x.sendResponseHeaders(status, head ? -1 : b.length);
                if (!head) {
                    try (OutputStream out = x.getResponseBody()) {
                        out.write(b);
                    }
                }
            }
        }
    }
}
