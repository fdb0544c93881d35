package dev.dropscope.procfs;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which process holds a socket, found the way {@code ss -p} finds it: every {@code /proc/PID/fd/N} link
 * that reads {@code socket:[INODE]}. Walking every process is the expensive part, so answers are cached
 * by inode and a walk happens only for inodes not known yet, stops at a time budget, and says so.
 * Processes of other users need CAP_SYS_PTRACE (root has it) to have their fds read; those are counted.
 * Not thread-safe: one collector owns it.
 */
public final class SocketOwners {
    /** The process holding a socket; {@code container} is null when its cgroup names none. */
    public record Owner(int pid, String command, Container container) {
    }

    /** A container runtime and the container's id (64 hex digits), from the process's cgroup path. */
    public record Container(String runtime, String id) {
    }

    /**
     * What one lookup found.
     *
     * @param owners    the owners of the asked inodes that were found
     * @param complete  false when the time budget ran out before every process was looked at
     * @param denied    processes whose fds could not be read (another user's, without CAP_SYS_PTRACE)
     * @param scanned   processes whose fds were read in this lookup (0 when the cache answered)
     */
    public record Lookup(Map<Long, Owner> owners, boolean complete, int denied, int scanned) {
    }

    /** Entries kept at most: beyond it the cache starts again from what the last lookup asked for. */
    static final int CACHE_LIMIT = 1 << 16;

    private final Path proc;
    private final Map<Long, Owner> byInode = new HashMap<>();
    /** Asked for and not found by the last complete walk: not walked for again until something new is asked. */
    private final Set<Long> unowned = new HashSet<>();
    /** The last pid a walk cut short by its budget looked at; the next walk starts after it. */
    private int resumeAfter;
    /** The phase (0: processes in the namespace looked at, 1: the others) the last cut-short walk stopped in. */
    private int resumePhase;
    /** The process a walk's budget ran out inside of (0: none). */
    private int cutInside;

    public SocketOwners(Path proc) {
        this.proc = proc;
    }

    /**
     * The owners of {@code inodes} (0 is no inode: a connection still in an accept queue). Walks
     * {@code /proc} only when one of them is neither cached nor known to be unowned, for at most
     * {@code budgetNanos} of this thread's CPU time (wall time where the JVM cannot measure it): on a busy
     * host wall time would mostly measure the wait for a CPU.
     */
    public Lookup query(Set<Long> inodes, long budgetNanos) {
        Set<Long> missing = new HashSet<>();
        for (Long i : inodes) {
            if (i != 0 && !byInode.containsKey(i) && !unowned.contains(i)) {
                missing.add(i);
            }
        }
        boolean complete = true;
        int denied = 0;
        int scanned = 0;
        if (!missing.isEmpty()) {
            if (byInode.size() > CACHE_LIMIT) {
                byInode.keySet().retainAll(inodes);
            }
            long deadline = now() + budgetNanos;
            int[] pids = queryPids();
            if (pids == null) {
                complete = false;
            } else {
                long[] stats = new long[2]; // denied, scanned
                complete = walk(pids, missing, deadline, stats);
                denied = (int) stats[0];
                scanned = (int) stats[1];
            }
            if (complete) {
                unowned.clear();
                unowned.addAll(missing);
            }
        }
        Map<Long, Owner> out = new HashMap<>();
        for (Long i : inodes) {
            Owner o = byInode.get(i);
            if (o != null) {
                out.put(i, o);
            }
        }
        return new Lookup(out, complete, denied, scanned);
    }

    /**
     * Walks the processes for {@code missing}, in turns across calls when the budget runs out. When this
     * thread looks at another namespace than dropscope's own (a {@code --netns}: the collector thread
     * entered it), the processes in it are read first and the others only for what is still missing: a
     * socket's holder almost always lives in its namespace, and one readlink of {@code ns/net} costs a fifth
     * of reading a process's fd table. In dropscope's own namespace, normally the host's where most
     * processes are, that check would only add to the cost. (pid 1's namespace is not always readable, even
     * to root: a sandbox's pid 1 may be another user namespace's.)
     *
     * @return false when the budget ran out before every process was looked at
     */
    private boolean walk(int[] pids, Set<Long> missing, long deadline, long[] stats) {
        long own = queryNetns(proc.resolve("thread-self"));
        long init = own <= 0 ? -1 : queryNetns(proc.resolve("self"));
        boolean split = own > 0 && init > 0 && own != init;
        // a walk resumed among the other processes reads this namespace's again afterwards, so that every
        // process is looked at before anything is called nobody's
        int[] phases = !split ? new int[] {0} : resumePhase == 1 ? new int[] {1, 0} : new int[] {0, 1};
        int after = resumeAfter;
        resumePhase = 0;
        resumeAfter = 0;
        for (int step = 0; step < phases.length && !missing.isEmpty(); step++, after = 0) {
            int phase = phases[step];
            // go on after the process the last cut-short walk stopped at, so a big host is covered in turns
            int start = 0;
            while (start < pids.length && pids[start] <= after) {
                start++;
            }
            for (int k = 0; k < pids.length && !missing.isEmpty(); k++) {
                int pid = pids[(start + k) % pids.length];
                int previous = pids[(start + k - 1 + pids.length) % pids.length];
                if (now() > deadline) {
                    resumePhase = phase;
                    resumeAfter = previous;
                    return false;
                }
                Path dir = proc.resolve(Integer.toString(pid));
                if (split) {
                    long ns = queryNetns(dir);
                    // not readable (another user's, or gone): looked at with the namespace's own
                    boolean inside = ns <= 0 || ns == own;
                    if (inside != (phase == 0)) {
                        continue;
                    }
                }
                // a process cut short last time is read to its end now, so every walk gets past it
                int r = scanProcess(dir, pid, missing, pid == cutInside ? Long.MAX_VALUE : deadline);
                if (r == CUT && missing.isEmpty()) {
                    return true; // everything asked for was found before the budget ran out
                }
                if (r == CUT) {
                    cutInside = pid;
                    resumePhase = phase;
                    resumeAfter = previous;
                    return false;
                }
                if (pid == cutInside) {
                    cutInside = 0;
                }
                if (r < 0) {
                    stats[0]++;
                } else {
                    stats[1]++;
                }
            }
        }
        return true;
    }

    /** The inode of a process's network namespace from its {@code ns/net} link, or -1 when not readable. */
    private static long queryNetns(Path dir) {
        try {
            return NetnsNames.parseNsInode(Files.readSymbolicLink(dir.resolve("ns/net")).toString());
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean CPU_TIME = THREADS.isCurrentThreadCpuTimeSupported();

    private static long now() {
        return CPU_TIME ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** The pids under proc, ascending; null when proc cannot be listed. */
    private int[] queryPids() {
        int[] pids = new int[256];
        int n = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc)) {
            for (Path p : entries) {
                int pid = parsePid(p.getFileName().toString());
                if (pid > 0) {
                    if (n == pids.length) {
                        pids = Arrays.copyOf(pids, n * 2);
                    }
                    pids[n++] = pid;
                }
            }
        } catch (IOException e) {
            return null;
        }
        int[] out = Arrays.copyOf(pids, n);
        Arrays.sort(out);
        return out;
    }

    private static final int CUT = -2;
    /** Fds read between two looks at the clock inside one process. */
    private static final int FDS_PER_CHECK = 1024;

    /**
     * Reads one process's fds; returns how many asked-for inodes it held, -1 when its fds are not readable
     * to us, {@link #CUT} when {@code deadline} passed in the middle (a process with a huge fd table).
     */
    private int scanProcess(Path dir, int pid, Set<Long> missing, long deadline) {
        Owner owner = null;
        int found = 0;
        int seen = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(dir.resolve("fd"))) {
            for (Path fd : fds) {
                if (++seen % FDS_PER_CHECK == 0 && now() > deadline) {
                    return CUT;
                }
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException | UnsupportedOperationException e) {
                    continue; // closed meanwhile
                }
                long inode = parseSocketInode(target);
                if (inode <= 0) {
                    continue;
                }
                if (owner == null) {
                    owner = new Owner(pid, queryCommand(dir), queryContainer(dir));
                }
                byInode.putIfAbsent(inode, owner);
                if (missing.remove(inode)) {
                    found++;
                    if (missing.isEmpty()) {
                        break; // the rest of a big fd table would only fill the cache
                    }
                }
            }
        } catch (AccessDeniedException e) {
            return -1;
        } catch (NoSuchFileException e) {
            return 0; // the process ended
        } catch (IOException e) {
            return 0;
        }
        return found;
    }

    private static String queryCommand(Path dir) {
        try {
            return parseComm(Files.readString(dir.resolve("comm")));
        } catch (IOException e) {
            return null;
        }
    }

    private static Container queryContainer(Path dir) {
        try {
            return parseContainer(Files.readString(dir.resolve("cgroup")));
        } catch (IOException e) {
            return null;
        }
    }

    /** A /proc entry's pid, or -1 for the entries that are not processes (self, net, sys, ...). */
    static int parsePid(String name) {
        if (name.isEmpty() || name.length() > 10) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v > Integer.MAX_VALUE ? -1 : (int) v;
    }

    /** The inode of an fd link target {@code socket:[12345]}, or -1 for anything else. */
    public static long parseSocketInode(String target) {
        return bracketed(target, "socket:[");
    }

    /** The decimal number in {@code PREFIX12345]} (an fd or ns link target), or -1 for anything else. */
    static long bracketed(String target, String prefix) {
        int n = target.length();
        if (!target.startsWith(prefix) || !target.endsWith("]") || n < prefix.length() + 2 || n > prefix.length() + 22) {
            return -1;
        }
        long v = 0;
        for (int i = prefix.length(); i < n - 1; i++) {
            char c = target.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** {@code /proc/PID/comm}: the command name without its newline (the kernel cuts it at 15 bytes). */
    public static String parseComm(String text) {
        String s = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        return s.isEmpty() ? null : s;
    }

    private static final Pattern ID = Pattern.compile("(?<![0-9a-f])([0-9a-f]{64})(?![0-9a-f])");

    /**
     * The container of a process from its {@code /proc/PID/cgroup}: a 64-hex-digit id in a path that names
     * a runtime ({@code docker-ID.scope}, {@code /docker/ID}, {@code libpod-ID.scope}, {@code
     * cri-containerd-ID.scope}, {@code crio-ID.scope}, {@code /kubepods/.../podUID/ID}). Null for a process
     * in no container.
     */
    public static Container parseContainer(String text) {
        for (String line : text.split("\n")) {
            int c = line.indexOf(':', line.indexOf(':') + 1);
            String path = c < 0 ? line : line.substring(c + 1);
            Matcher m = ID.matcher(path);
            String id = null;
            while (m.find()) {
                id = m.group(1); // the innermost (last) id of the path
            }
            if (id == null) {
                continue;
            }
            String runtime = runtime(path);
            if (runtime != null) {
                return new Container(runtime, id);
            }
        }
        return null;
    }

    private static String runtime(String path) {
        if (path.contains("cri-containerd-") || path.contains("/containerd/") || path.contains("containerd-")) {
            return "containerd";
        }
        if (path.contains("crio-")) {
            return "cri-o";
        }
        if (path.contains("libpod")) {
            return "podman";
        }
        if (path.contains("docker")) {
            return "docker";
        }
        if (path.contains("kubepods")) {
            return "kubernetes";
        }
        return null;
    }

    /** For tests: the inodes cached. */
    List<Long> cachedInodes() {
        return new ArrayList<>(byInode.keySet());
    }
}
