package dev.dropscope.collect;

import dev.dropscope.model.Snapshot;
import dev.dropscope.procfs.ProcFiles;
import dev.dropscope.procfs.Sysctls;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Takes snapshots: runs every collector at once, each on its own thread (in the scope's namespace), and
 * waits at most {@code budget} for them. A collector that does not finish in time is recorded as
 * "timed out" and its previous value is reused; it keeps its thread, and is not started again until it
 * finishes, so one stuck collector never blocks the loop or the others. A collector that fails is
 * recorded with its one-line error and the rest of the snapshot goes on. Not thread-safe: one caller.
 */
public final class Sampler implements AutoCloseable {

    private static final class Slot {
        final Collector collector;
        final ExecutorService thread;
        volatile boolean threadStarted;
        private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        Future<Snapshot.Builder> running;
        long runningSinceNanos;
        Snapshot.Builder last;

        Slot(Collector collector) {
            this.collector = collector;
            // the collector is closed by its own thread as that thread ends: never while a collect() is
            // still inside one of its sockets (a number closed under a blocked recv can be reused at once)
            this.thread = Executors.newSingleThreadExecutor(r -> {
                Thread th = new Thread(() -> {
                    try {
                        r.run();
                    } finally {
                        closeCollector();
                    }
                }, "dropscope-collector-" + collector.name());
                th.setDaemon(true);
                threadStarted = true;
                return th;
            });
        }

        void closeCollector() {
            if (closed.compareAndSet(false, true)) {
                collector.close();
            }
        }
    }

    private final List<Slot> slots = new ArrayList<>();
    private final NetnsScope scope;
    private final Duration budget;
    private final String host;
    private final String kernelRelease;

    public Sampler(List<Collector> collectors, NetnsScope scope, Duration budget) {
        this.scope = scope;
        this.budget = budget;
        for (Collector c : collectors) {
            slots.add(new Slot(c));
        }
        Sysctls k = Sysctls.query(ProcFiles.PROC, "kernel.hostname", "kernel.osrelease");
        this.host = k.get("kernel.hostname").orElse(null);
        this.kernelRelease = k.get("kernel.osrelease").orElse(null);
    }

    /**
     * The standard collectors: links with ethtool, /proc/net, sysctls, conntrack, neighbour tables, qdiscs,
     * sockets;
     * for a named namespace also the machine-wide sysctls, which a namespace does not show.
     */
    public static List<Collector> standardCollectors(dev.dropscope.sys.Syscalls sys, NetnsScope scope) {
        List<Collector> l = new ArrayList<>(List.of(new LinkCollector(sys), new ProcNetCollector(), new SysctlCollector(),
                new ConntrackCollector(sys), new NeighbourCollector(sys), new QdiscCollector(sys), new SocketCollector(sys)));
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
                continue;
            }
            Collector c = s.collector;
            java.util.concurrent.Callable<Snapshot.Builder> task = () -> {
                Snapshot.Builder part = Snapshot.builder();
                c.collect(part);
                return part;
            };
            s.running = s.thread.submit(c.inCallerNamespace() ? task : scope.wrap(task));
            s.runningSinceNanos = start;
        }
        long deadline = start + budget.toNanos();
        for (Slot s : slots) {
            String name = s.collector.name();
            try {
                Snapshot.Builder part = s.running.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                s.last = part;
                out.merge(part);
            } catch (TimeoutException e) {
                long ms = (System.nanoTime() - s.runningSinceNanos) / 1_000_000;
                String what = stillBusy.contains(s) ? "still running after " + ms + " ms" : "timed out after " + ms + " ms";
                if (s.last != null) {
                    out.error(name, what + " (previous value reused)");
                    out.mergeData(s.last);
                } else {
                    out.error(name, what);
                }
            } catch (ExecutionException e) {
                out.error(name, oneLine(e.getCause()));
            }
        }
        return out.build();
    }

    /** An exception as one line: its message, or its class name when it has none. */
    static String oneLine(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        }
        return m.replace('\n', ' ');
    }

    /**
     * Stops the collectors' threads (interrupting a collect in progress) and waits up to one budget for
     * them to end; each thread closes its collector as it ends. A collector whose thread never started is
     * closed here; one still stuck after the wait is closed by its thread whenever that collect returns.
     */
    @Override
    public void close() {
        for (Slot s : slots) {
            s.thread.shutdownNow();
            if (!s.threadStarted) {
                s.closeCollector();
            }
        }
        long deadline = System.nanoTime() + budget.toNanos();
        try {
            for (Slot s : slots) {
                s.thread.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
