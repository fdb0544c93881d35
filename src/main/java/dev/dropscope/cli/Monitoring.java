package dev.dropscope.cli;

import dev.dropscope.collect.DropMonitor;
import dev.dropscope.collect.DropReasons;
import dev.dropscope.collect.DropSink;
import dev.dropscope.collect.NetDmMonitor;
import dev.dropscope.collect.NetDmSession;
import dev.dropscope.collect.NetnsScope;
import dev.dropscope.diagnosis.Diagnosis;
import dev.dropscope.model.Delta;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.DropSite;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Snapshot;
import dev.dropscope.perf.CpuList;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What the live commands (watch, top, snapshot, serve) share: their limits, the CPU count, the no-source monitor. */
final class Monitoring {
    /** How long one sample of the stack may take before a slow collector is reported as timed out. */
    static final Duration SAMPLE_BUDGET = Duration.ofSeconds(5);

    /** The namespace whose counters the collectors read: ours. */
    private static final long OWN_NETNS = ownNetns();

    /**
     * Findings from the latest sample's rates and the latest drop report (one sample alone: what it shows),
     * as top shows them and serve exports them. Drops in other namespaces than ours give findings of their
     * own that name the namespace and whose fixes enter it. Here, not in TopCommand, so that serve does not
     * load Lanterna's classes.
     */
    static List<Finding> findings(Snapshot snapshot, Delta delta, DropReport drops, Map<String, Long> health) {
        return snapshot == null ? List.of()
                : Diagnosis.diagnose(delta != null ? delta : Delta.between(snapshot, snapshot), drops, health, OWN_NETNS);
    }

    /** The inode of our network namespace, or NO_NETNS without /proc (every drop counts as ours). */
    private static long ownNetns() {
        long own = NetnsScope.ownInode();
        return own > 0 ? own : DropSite.NO_NETNS;
    }

    /** Distinct drop sites tracked before the rest are added up as "other". */
    static final int MAX_SITES = 4096;

    private Monitoring() {
    }

    /** Highest online CPU number + 1 (the aggregator's per-CPU width); the JVM's count when /sys does not say. */
    static int cpuCount() {
        int[] cpus;
        try {
            cpus = CpuList.queryOnline(Path.of("/sys"));
        } catch (IOException e) {
            return Runtime.getRuntime().availableProcessors();
        }
        int max = 0;
        for (int c : cpus) {
            max = Math.max(max, c);
        }
        return max + 1;
    }

    /** NET_DM's options for software drops in summary mode, as top, snapshot and serve watch them. */
    static NetDmMonitor.Options netDmSummary(NetDmSession.Existing existing) {
        return NetDmMonitor.Options.defaults().withExisting(existing);
    }

    /** No drop source ({@code --source none}, or none works): the feed then only samples counters. */
    static final class NoDrops implements DropMonitor {
        private final String why;
        private final DropReasons reasons = new DropReasons();

        NoDrops(String why) {
            this.why = why;
        }

        @Override
        public String source() {
            return "none";
        }

        @Override
        public String why() {
            return why;
        }

        @Override
        public boolean hasReasons() {
            return false;
        }

        @Override
        public DropReasons reasons() {
            return reasons;
        }

        @Override
        public long poll(DropSink sink, int timeoutMillis) throws IOException {
            try {
                Thread.sleep(Math.max(1, timeoutMillis));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            }
            return 0;
        }

        @Override
        public Map<String, Long> health() {
            return Map.of();
        }

        @Override
        public void close() {
        }
    }
}
