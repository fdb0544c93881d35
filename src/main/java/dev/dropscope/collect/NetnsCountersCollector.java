package dev.dropscope.collect;

import dev.dropscope.model.NetnsCounters;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.procfs.NetnsNames;
import dev.dropscope.procfs.ProcNetDev;
import dev.dropscope.procfs.ProtocolCounters;
import dev.dropscope.sys.Errno;
import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * The counters of the other network namespaces drops happen in: each has its own {@code /proc/net/snmp},
 * {@code netstat}, {@code snmp6} and {@code dev}, and our own (the System pane's) says nothing about them.
 * A namespace is entered by a process in it ({@code /proc/PID/net/...}, the process {@link NetnsNames}
 * found; its {@code ns/net} is checked before and after, so a pid reused meanwhile is not read) or, for an
 * {@code ip netns} name, by setns(2) on the collector's own thread ({@code /proc/thread-self/net}), which
 * goes back into our namespace after each reading.
 *
 * <p>Bounded: only the namespaces asked for, at most {@code cap} per call (the caller passes the busiest
 * first); the last counts of at most {@link #KEEP} namespaces are kept by inode, so one that disappears
 * keeps them, marked gone. Thread-safe.
 */
public final class NetnsCountersCollector implements AutoCloseable {
    public static final int DEFAULT_CAP = 16;
    static final int KEEP = 256;
    /** The {@code /proc/net/dev} sums each reading carries, under {@code dev.NAME}. */
    static final List<String> DEV_KEYS = List.of("rx_dropped", "rx_errors", "rx_fifo_errors", "tx_dropped", "tx_errors");

    private final Syscalls sys;
    private final Path proc;
    private final LongFunction<NetnsNames.Netns> names;
    private final int cap;
    private final LongSupplier clock;
    private final long own;
    private static final String RUN_NETNS = "/run/netns/";
    private static final String OWN_NS = "/proc/self/ns/net";
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;

    /** The thread that enters named namespaces, and its way back into ours (used on that thread only). */
    private ExecutorService entering;
    private Integer ownNs;
    private volatile boolean stuck;

    private final Map<Long, NetnsCounters> last = new LinkedHashMap<>(32, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, NetnsCounters> e) {
            return size() > KEEP;
        }
    };

    /**
     * @param sys   for setns into named namespaces; null reads only through processes
     * @param names who a namespace is (its name or a process in it); called on the collecting thread
     */
    public NetnsCountersCollector(Syscalls sys, LongFunction<NetnsNames.Netns> names, int cap) {
        this(sys, Path.of("/proc"), names, cap, System::nanoTime);
    }

    NetnsCountersCollector(Syscalls sys, Path proc, LongFunction<NetnsNames.Netns> names, int cap, LongSupplier clock) {
        this.sys = sys;
        this.proc = proc;
        this.names = names;
        this.cap = cap;
        this.clock = clock;
        this.own = inodeOf(proc.resolve("self/ns/net"));
    }

    /** Our own namespace's inode (its counters are the Snapshot's), -1 when unreadable. */
    public long ownInode() {
        return own;
    }

    /** "host" when we run in the namespace of pid 1, else "netns:INODE" of our own. */
    public String ownLabel() {
        long init = inodeOf(proc.resolve("1/ns/net"));
        return init == own || init < 0 ? "host" : "netns:" + own;
    }

    /**
     * Reads the namespaces of {@code busiest} (most drops first; ours and 0 are skipped, at most
     * {@code cap} read), and returns every namespace remembered by inode: those not read this time
     * with their last counts.
     */
    public synchronized Map<Long, NetnsCounters> collect(Collection<Long> busiest) {
        int read = 0;
        for (long inode : busiest) {
            if (inode == 0 || inode == own || read >= cap) {
                continue;
            }
            read++;
            last.put(inode, read(inode, last.get(inode)));
        }
        return Map.copyOf(last);
    }

    private NetnsCounters read(long inode, NetnsCounters before) {
        NetnsNames.Netns n = names.apply(inode);
        NetnsIdentity id = identity(n);
        Reading r;
        try {
            r = n.owner() != null ? throughProcess(inode, n.owner().pid())
                    : n.name() != null && sys != null ? throughName(inode, n.name())
                    : Reading.failed(false, "no process or ip netns name to enter it by");
        } catch (Exception e) {
            r = Reading.failed(false, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
        if (r.counters() == null) {
            // gone or unreadable: its last counts stay, without rates (nothing new was measured)
            return before == null ? new NetnsCounters(id, 0, Map.of(), Map.of(), r.gone(), r.problem())
                    : new NetnsCounters(before.netns(), before.monotonicNanos(), before.counters(), Map.of(), r.gone(),
                    r.problem());
        }
        long now = clock.getAsLong();
        Map<String, Double> rates = new LinkedHashMap<>();
        if (before != null && !before.counters().isEmpty() && now > before.monotonicNanos()) {
            double seconds = (now - before.monotonicNanos()) / 1e9;
            for (Map.Entry<String, Long> e : r.counters().entrySet()) {
                Long was = before.counters().get(e.getKey());
                if (was != null && e.getValue() >= was) { // a counter that went back (inode reused) has no rate
                    rates.put(e.getKey(), (e.getValue() - was) / seconds);
                }
            }
        }
        return new NetnsCounters(id, now, r.counters(), rates, false, r.problem());
    }

    /** What one reading gave: the counters, or null with why (and whether the namespace is gone). */
    private record Reading(Map<String, Long> counters, boolean gone, String problem) {
        static Reading failed(boolean gone, String why) {
            return new Reading(null, gone, why);
        }
    }

    private Reading throughProcess(long inode, int pid) {
        Path dir = proc.resolve(Integer.toString(pid));
        if (inodeOf(dir.resolve("ns/net")) != inode) {
            return Reading.failed(true, "its process " + pid + " ended");
        }
        Reading r = readUnder(dir);
        if (inodeOf(dir.resolve("ns/net")) != inode) {
            return Reading.failed(true, "its process " + pid + " ended"); // read from a reused pid, perhaps
        }
        return r;
    }

    /**
     * Reads a named namespace on the collector's own thread: setns(2) into {@code /run/netns/NAME}, read
     * {@code /proc/thread-self/net}, setns back into ours. The thread holds no other namespace between
     * readings (a thread inside one would keep it alive after {@code ip netns delete}), and one thread for
     * all of them costs no thread start per namespace per interval.
     */
    private Reading throughName(long inode, String name) throws Exception {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            return Reading.failed(false, "'" + name + "' is not a network namespace name");
        }
        ExecutorService e;
        synchronized (this) {
            if (entering == null) {
                entering = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "dropscope-netns-counters");
                    t.setDaemon(true);
                    return t;
                });
            }
            e = entering;
        }
        try {
            return e.submit(() -> readInside(inode, name)).get();
        } catch (ExecutionException x) {
            throw x.getCause() instanceof Exception c ? c : x;
        } finally {
            if (stuck) {
                synchronized (this) {
                    e.shutdown(); // its thread ends after this task; the next reading starts a new one
                    entering = null;
                    stuck = false;
                }
            }
        }
    }

    private Reading readInside(long inode, String name) throws IOException {
        if (ownNs == null) {
            int fd = open(OWN_NS);
            if (fd < 0) {
                throw new NativeIoException("open " + OWN_NS, -fd);
            }
            ownNs = fd;
        }
        String path = RUN_NETNS + name;
        int fd = open(path);
        if (fd < 0) {
            return Reading.failed(fd == -Errno.ENOENT, fd == -Errno.ENOENT
                    ? "network namespace '" + name + "' not found (" + path + ")"
                    : "open " + path + ": " + Errno.describe(-fd));
        }
        int rc;
        try {
            rc = sys.setns(fd, CLONE_NEWNET);
        } finally {
            sys.close(fd);
        }
        if (rc < 0) {
            return Reading.failed(false, "setns into network namespace '" + name + "': " + Errno.describe(-rc));
        }
        try {
            if (inodeOf(Path.of("/proc/thread-self/ns/net")) != inode) {
                return Reading.failed(true, "'" + name + "' names another namespace now");
            }
            return readUnder(Path.of("/proc"));
        } finally {
            if (sys.setns(ownNs, CLONE_NEWNET) < 0) {
                // stuck in another namespace: this thread must not read for us again (nor keep it alive)
                stuck = true;
                sys.close(ownNs);
                ownNs = null;
            }
        }
    }

    /** open(2) O_RDONLY|O_CLOEXEC: the fd, or -errno. */
    private int open(String path) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        NativeBuffer buf = NativeBuffer.allocate(p.length + 1);
        buf.buffer().put(0, p);
        return sys.open(buf, 0, O_RDONLY | O_CLOEXEC);
    }

    /** Ends the namespace-entering thread (the next named reading starts another). */
    @Override
    public synchronized void close() {
        if (entering != null) {
            entering.submit(() -> {
                if (ownNs != null) {
                    sys.close(ownNs);
                    ownNs = null;
                }
            });
            entering.shutdown();
            entering = null;
        }
    }

    /** snmp, netstat, snmp6 and dev under {@code dir} ({@code /proc} on a thread inside, or {@code /proc/PID}). */
    private static Reading readUnder(Path dir) {
        ProtocolCounters pc = ProtocolCounters.query(dir);
        ProcNetDev dev = ProcNetDev.query(dir);
        if (pc.counters().isEmpty() && dev.interfaces().isEmpty()) {
            List<String> why = new ArrayList<>(pc.problems());
            why.addAll(dev.problems());
            return Reading.failed(false, String.join("; ", why));
        }
        Map<String, Long> out = new LinkedHashMap<>(pc.counters());
        for (String k : DEV_KEYS) {
            out.put("dev." + k, dev.sum(k));
        }
        List<String> problems = new ArrayList<>(pc.problems());
        problems.addAll(dev.problems());
        return new Reading(out, false, problems.isEmpty() ? null : String.join("; ", problems));
    }

    /** The identity the drop sites carry, from what {@link NetnsNames} found. */
    public static NetnsIdentity identity(NetnsNames.Netns n) {
        NetnsNames.Owner o = n.owner();
        return new NetnsIdentity(n.inode(), n.name(), o == null || o.container() == null ? null
                : new NetnsIdentity.Container(o.container().runtime(), o.container().id(), o.pid(), o.command()));
    }

    /** The inode of a {@code ns/net} link, -1 when it cannot be read. */
    static long inodeOf(Path nsLink) {
        try {
            return NetnsNames.parseNsInode(Files.readSymbolicLink(nsLink).toString());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return -1;
        }
    }
}
