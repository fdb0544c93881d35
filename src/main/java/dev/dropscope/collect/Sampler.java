package dev.dropscope.collect;

import dev.dropscope.model.Snapshot;
import dev.dropscope.procfs.ProcFiles;
import dev.dropscope.procfs.Sysctls;
import dev.dropscope.sys.Failures;
import dev.dropscope.sys.Syscalls;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Takes snapshots: runs every collector, one after the other on one worker thread (in the scope's
 * namespace), and waits at most {@code budget}. A collector still running when the budget is spent is
 * recorded as "timed out" and its previous value is reused; it keeps the worker it is on, which is retired
 * (it ends when the collector returns), and the collectors queued behind it move to a fresh worker with a
 * budget of their own, so one stuck collector never blocks the loop or the others. It is not started
 * again until it finishes. A collector that fails is recorded with its one-line error and the rest of the
 * snapshot goes on. One worker, not one per collector: at intervals of seconds the collectors take
 * milliseconds each, and a thread per collector cost a stack and a thread for nothing.
 * Not thread-safe: one caller.
 */
public final class Sampler implements AutoCloseable {

    private static final class Slot {
        final Collector collector;
        Future<Snapshot.Builder> running;
        /** Set by the worker when the collector starts: a queued task that never started is not stuck. */
        volatile long startedNanos;
        long runningSinceNanos;
        /** How long the collector took in its latest finished run, in ns. */
        volatile long tookNanos = -1;
        Snapshot.Builder last;
        /** 0: the worker in the scope's namespace; 1: the one in the caller's (a named scope's machine-wide sysctls). */
        final int lane;
        private final AtomicBoolean closed = new AtomicBoolean();

        void closeCollector() {
            if (closed.compareAndSet(false, true)) {
                collector.close();
            }
        }

        Slot(Collector collector, int lane) {
            this.collector = collector;
            this.lane = lane;
        }
    }

    private final List<Slot> slots = new ArrayList<>();
    /**
     * Per lane, the worker the next collectors run on; null until needed and after a collector overran on
     * it. Two lanes because a worker that entered a named namespace stays there (NetnsScope).
     */
    private final ExecutorService[] worker = new ExecutorService[2];
    /** Workers left to an overrunning collector: each ends when its collector returns. */
    private final List<ExecutorService> retired = new ArrayList<>();
    private int workers;
    /** Set by close(): a collect that returns after it closes its own collector. */
    private volatile boolean closing;
    private final NetnsScope scope;
    private final Duration budget;
    private final String host;
    private final String kernelRelease;

    public Sampler(List<Collector> collectors, NetnsScope scope, Duration budget) {
        this.scope = scope;
        this.budget = budget;
        for (Collector c : collectors) {
            slots.add(new Slot(c, scope.name() != null && c.inCallerNamespace() ? 1 : 0));
        }
        Sysctls k = Sysctls.query(ProcFiles.PROC, "kernel.hostname", "kernel.osrelease");
        this.host = k.get("kernel.hostname").orElse(null);
        this.kernelRelease = k.get("kernel.osrelease").orElse(null);
    }

    /**
     * The standard collectors: links with ethtool, /proc/net, sysctls, conntrack, neighbour tables, qdiscs,
     * sockets, the nf_tables ruleset;
     * for a named namespace also the machine-wide sysctls, which a namespace does not show.
     */
    public static List<Collector> standardCollectors(Syscalls sys, NetnsScope scope) {
        List<Collector> l = new ArrayList<>(List.of(new LinkCollector(sys), new ProcNetCollector(), new SysctlCollector(),
                new ConntrackCollector(sys), new NeighbourCollector(sys), new QdiscCollector(sys), new SocketCollector(sys),
                new FirewallCollector(sys)));
        if (scope.name() != null) {
            l.add(SysctlCollector.machineWide());
        }
        return l;
    }

    public Snapshot sample() throws InterruptedException {
        long start = System.nanoTime();
        Snapshot.Builder out = Snapshot.builder().takenAt(System.currentTimeMillis(), start)
                .host(host).kernelRelease(kernelRelease).netns(scope.name());
        List<Slot> stillBusy = new ArrayList<>();
        for (Slot s : slots) {
            if (s.running != null && !s.running.isDone()) {
                stillBusy.add(s);
            } else {
                submit(s, start);
            }
        }
        long deadline = start + budget.toNanos();
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            String name = s.collector.name();
            try {
                Snapshot.Builder part = s.running.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                s.last = part;
                out.merge(part);
            } catch (TimeoutException e) {
                if (!stillBusy.contains(s) && worker[s.lane] != null) {
                    // it overran and keeps its worker; the collectors queued behind it move to a fresh one
                    // and get a budget of their own, so one stuck collector costs the others one budget
                    ExecutorService old = worker[s.lane];
                    old.shutdown();
                    retired.add(old);
                    worker[s.lane] = null;
                    for (Slot q : slots.subList(i + 1, slots.size())) {
                        if (q.lane == s.lane && !stillBusy.contains(q) && q.startedNanos == 0 && q.running.cancel(false)) {
                            submit(q, System.nanoTime());
                        }
                    }
                    deadline = System.nanoTime() + budget.toNanos();
                }
                long ms = (System.nanoTime() - s.runningSinceNanos) / 1_000_000;
                String what = stillBusy.contains(s) ? "still running after " + ms + " ms" : "timed out after " + ms + " ms";
                if (s.last != null) {
                    out.error(name, what + " (previous value reused)");
                    out.mergeData(s.last);
                } else {
                    out.error(name, what);
                }
            } catch (ExecutionException e) {
                out.error(name, Failures.oneLine(e.getCause()));
            }
        }
        retired.removeIf(ExecutorService::isTerminated);
        return out.build();
    }

    private void submit(Slot s, long now) {
        Collector c = s.collector;
        Callable<Snapshot.Builder> task = () -> {
            long t0 = System.nanoTime();
            s.startedNanos = t0;
            try {
                Snapshot.Builder part = Snapshot.builder();
                c.collect(part);
                s.tookNanos = System.nanoTime() - t0;
                return part;
            } finally {
                if (closing) {
                    // close() came while this collect was inside the collector's sockets: close it only now
                    // (a number closed under a blocked recv can be reused at once)
                    s.closeCollector();
                }
            }
        };
        s.startedNanos = 0;
        s.running = worker(s.lane).submit(c.inCallerNamespace() ? task : scope.wrap(task));
        s.runningSinceNanos = now;
    }

    private ExecutorService worker(int lane) {
        if (worker[lane] == null) {
            int n = ++workers;
            worker[lane] = Executors.newSingleThreadExecutor(r -> {
                Thread th = new Thread(r, n == 1 ? "dropscope-collect" : "dropscope-collect-" + n);
                th.setDaemon(true);
                return th;
            });
        }
        return worker[lane];
    }

    /** Per collector: the seconds its latest finished run took (absent before one finished). */
    public Map<String, Double> lastDurations() {
        Map<String, Double> m = new TreeMap<>();
        for (Slot s : slots) {
            long t = s.tookNanos;
            if (t >= 0) {
                m.merge(s.collector.name(), t / 1e9, Double::sum);
            }
        }
        return m;
    }


    /**
     * Stops the workers (interrupting a collect in progress) and waits up to one budget for them to end.
     * A collector is closed when no collect of it runs: here, or by its worker when a collect still in
     * progress returns (never while it is inside the collector's sockets).
     */
    @Override
    public void close() {
        closing = true;
        List<ExecutorService> all = new ArrayList<>(retired);
        for (ExecutorService w : worker) {
            if (w != null) {
                all.add(w);
            }
        }
        for (ExecutorService w : all) {
            w.shutdownNow();
        }
        long deadline = System.nanoTime() + budget.toNanos();
        try {
            for (ExecutorService w : all) {
                w.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Slot s : slots) {
            Future<Snapshot.Builder> f = s.running;
            // queued and never started (shutdownNow dropped it): cancel succeeds and nothing will run it
            if (f == null || f.isDone() || (s.startedNanos == 0 && f.cancel(false))) {
                s.closeCollector();
            }
        }
    }
}
