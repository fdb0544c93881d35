package dev.dropscope.diagnosis;

import dev.dropscope.cli.SnapshotCommand;
import dev.dropscope.collect.DropMonitor;
import dev.dropscope.doctor.DropMonitors;
import dev.dropscope.collect.DropReportBuilder;
import dev.dropscope.collect.DropWatcher;
import dev.dropscope.collect.NetDmMonitor;
import dev.dropscope.collect.NetnsScope;
import dev.dropscope.collect.Sampler;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Finding;
import dev.dropscope.model.ResolvedPacket;
import dev.dropscope.model.Snapshot;
import dev.dropscope.procfs.Kallsyms;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;
import dev.dropscope.testutil.Root;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Network namespaces for the real-fault tests ({@code ds-diag-<pid>-<n>}, from {@link Netns}), deleted on
 * close even when the test failed, and a {@link Window}: dropscope's own collectors and drop source
 * watching a namespace while a test makes a fault happen in it.
 */
final class FaultLab implements AutoCloseable {
    static final Syscalls SYS = Syscalls.get();
    /** How long the drop watcher drains events already in the perf ring after the fault. */
    private static final long DRAIN_NS = 300_000_000L;

    private final List<Netns> namespaces = new ArrayList<>();
    private static boolean has(String tool) {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** A new namespace with lo up and IPv6 off (no autoconfiguration traffic behind the test's back). */
    Netns namespace() throws IOException {
        Netns n = Netns.create("diag");
        namespaces.add(n);
        n.ip("link", "set", "lo", "up");
        exec(n, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        return n;
    }

    /** Runs a command inside {@code n}; fails with its output on a non-zero exit. */
    static String exec(Netns n, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", n.name()));
        cmd.addAll(List.of(command));
        return Netns.run(cmd.toArray(new String[0]));
    }

    /** Runs a fix command exactly as a finding prints it, as a shell would. */
    static String runFix(String command) throws IOException {
        return Netns.run("sh", "-c", command);
    }

    static String mac(Netns n, String dev) throws IOException {
        return exec(n, "cat", "/sys/class/net/" + dev + "/address").strip();
    }

    static int ifindex(Netns n, String dev) throws IOException {
        return Integer.parseInt(exec(n, "cat", "/sys/class/net/" + dev + "/ifindex").strip());
    }

    /** Starts watching {@code n}: the drop source opens, then the first sample is taken. */
    Window watch(Netns n) throws Exception {
        return new Window(n, null);
    }

    /** As {@link #watch(Netns)} with a drop source the test opened; the window closes it. */
    Window watch(Netns n, DropMonitor source) throws Exception {
        return new Window(n, source);
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Netns n : namespaces) {
            try {
                n.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** The collectors and the drop source on one namespace, from {@link #watch} to {@link #finish}. */
    static final class Window implements AutoCloseable {
        final NetnsScope scope;
        final Sampler sampler;
        final DropMonitor monitor;
        final Snapshot before;
        Snapshot after;
        DropReport drops;

        private Window(Netns n, DropMonitor source) throws Exception {
            DropMonitor m = source;
            try {
                scope = NetnsScope.named(SYS, n.name());
            } catch (Exception e) {
                if (source != null) {
                    source.close();
                }
                throw e;
            }
            sampler = new Sampler(Sampler.standardCollectors(SYS, scope), scope, Duration.ofSeconds(10));
            if (m == null) {
                try {
                    m = DropMonitors.open(SYS, DropMonitors.Requested.AUTO,
                            NetDmMonitor.Options.defaults());
                } catch (IOException e) {
                    System.err.println("no drop source, counters only: " + e.getMessage());
                }
            }
            monitor = m;
            before = sampler.sample();
        }

        boolean hasDropSource() {
            return monitor != null;
        }

        /** Takes the second sample, collects the drops of the window, and returns the diagnosis. */
        List<Finding> finish() throws Exception {
            after = sampler.sample();
            Map<String, Long> health = null;
            if (monitor != null) {
                DropReportBuilder builder = new DropReportBuilder(Kallsyms.query(Path.of("/proc")), monitor.reasons(),
                        Map.of(), BenignDrops::isBenign);
                DropWatcher w = new DropWatcher(monitor, builder,
                        new DropWatcher.Settings(DRAIN_NS, DRAIN_NS, 0, s -> true, 4096), new DropWatcher.Output() {
                            @Override
                            public int interval(DropReport report) {
                                return 0;
                            }

                            @Override
                            public void packet(ResolvedPacket packet) {
                            }
                        }, () -> false, Runtime.getRuntime().availableProcessors() + 64);
                drops = SnapshotCommand.window(w.run());
                health = monitor.health();
            }
            List<Finding> f = Diagnosis.diagnose(before, after, drops, health);
            System.out.println("findings in " + scope.name() + ": " + f);
            return f;
        }

        @Override
        public void close() throws IOException {
            try {
                if (monitor != null) {
                    monitor.close();
                }
            } finally {
                sampler.close();
                scope.close();
            }
        }
    }
}
