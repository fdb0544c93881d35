package dev.dropscope.procfs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * Who a network namespace is, from its inode ({@code ns.inum}, as the eBPF source reports it): its
 * {@code ip netns} name (a file in /run/netns is a bind mount of the namespace: its inode is the
 * namespace's), else the first process found in it ({@code /proc/PID/ns/net -> net:[INODE]}) with its
 * command and the container its cgroup names (docker, podman, containerd/k8s, cri-o), else nothing.
 * Answers are cached (at most {@link #CACHE_LIMIT}); a namespace nobody was found for is looked up again
 * after {@link #RETRY_NS}, so one created meanwhile gets its name. Not thread-safe.
 */
public final class NetnsNames {
    /** A namespace's identity; {@code name} and {@code owner} null when unknown. */
    public record Netns(long inode, String name, Owner owner) {
        /** {@code ip netns} name, else {@code RUNTIME:ID12} of the container, else {@code netns:INODE}. */
        public String label() {
            if (name != null) {
                return name;
            }
            if (owner != null && owner.container() != null) {
                String id = owner.container().id();
                return owner.container().runtime() + ":" + id.substring(0, Math.min(12, id.length()));
            }
            return "netns:" + inode;
        }
    }

    /** The first process found in the namespace, and its container (null when its cgroup names none). */
    public record Owner(int pid, String command, SocketOwners.Container container) {
    }

    static final int CACHE_LIMIT = 4096;
    static final long RETRY_NS = 5_000_000_000L;

    private final Path runNetns;
    private final Path proc;
    private final LongSupplier clock;
    private final Map<Long, Netns> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Netns> e) {
            return size() > CACHE_LIMIT;
        }
    };
    private final Map<Long, Long> missedAt = new LinkedHashMap<>();

    /** The machine's: /run/netns and /proc. */
    public static NetnsNames system() {
        return new NetnsNames(Path.of("/run/netns"), Path.of("/proc"), System::nanoTime);
    }

    /** @param runNetns where {@code ip netns} keeps its names; @param proc procfs (fixtures in tests) */
    public NetnsNames(Path runNetns, Path proc, LongSupplier clock) {
        this.runNetns = runNetns;
        this.proc = proc;
        this.clock = clock;
    }

    /** The namespace with {@code inode}; {@code label()} is at least {@code netns:INODE}. */
    public Netns lookup(long inode) {
        Netns n = cache.get(inode);
        if (n != null && (n.name() != null || n.owner() != null)) {
            return n;
        }
        Long missed = missedAt.get(inode);
        long now = clock.getAsLong();
        if (n != null && missed != null && now - missed < RETRY_NS) {
            return n;
        }
        n = resolve(inode);
        cache.put(inode, n);
        if (n.name() == null && n.owner() == null) {
            if (missedAt.size() >= CACHE_LIMIT) {
                missedAt.clear();
            }
            missedAt.put(inode, now);
        } else {
            missedAt.remove(inode);
        }
        return n;
    }

    /**
     * A file that is namespace {@code inode}, to enter it by: its {@code /run/netns} name, else
     * {@code /proc/PID/ns/net} of the process {@link #lookup} found in it (looked for again when that one
     * has left it or ended), else null. The caller checks the opened file's inode: a pid can be reused.
     */
    public Path path(long inode) {
        Netns n = lookup(inode);
        if (n.name() != null) {
            return runNetns.resolve(n.name());
        }
        if (n.owner() != null && !inNamespace(n.owner().pid(), inode)) {
            Netns now = resolve(inode);
            if (now.name() == null && now.owner() == null) {
                return null; // ended: its last known identity stays its label
            }
            cache.put(inode, now);
            n = now;
        }
        return n.name() != null ? runNetns.resolve(n.name())
                : n.owner() != null ? proc.resolve(n.owner().pid() + "/ns/net") : null;
    }

    private boolean inNamespace(int pid, long inode) {
        try {
            return parseNsInode(Files.readSymbolicLink(proc.resolve(pid + "/ns/net")).toString()) == inode;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * The namespaces {@code name} can mean now, as a {@code --netns NAME} matches them: {@code netns:INODE},
     * an {@code ip netns} name, or a container's {@code RUNTIME:ID12} label, its id, or an id prefix of 12 or
     * more characters (every namespace a process of such a container is in). Empty when none is found now.
     */
    public Set<Long> find(String name) {
        return find(name, true);
    }

    /**
     * Whether {@code name} can be a container's (a {@code RUNTIME:ID12} label or an id prefix of 12 or more
     * hex digits): only then does {@link #find} need to read every process's cgroup.
     */
    public static boolean mayNameContainer(String name) {
        // container ids are 64 hex digits (SocketOwners), so only a hex name can be a prefix of one
        return (name.length() >= 12 && name.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                || (name.contains(":") && !name.startsWith("netns:"));
    }

    /** {@link #find(String)}, reading the processes' cgroups (for containers) only when {@code processes}. */
    public Set<Long> find(String name, boolean processes) {
        Set<Long> found = new TreeSet<>();
        if (name.startsWith("netns:")) {
            try {
                long v = Long.parseLong(name.substring(6));
                if (v > 0) {
                    found.add(v);
                }
            } catch (NumberFormatException e) {
                // not an inode: maybe a name after all
            }
        }
        if (!name.isEmpty() && !name.contains("/") && !name.equals(".") && !name.equals("..")) {
            try {
                Object ino = Files.getAttribute(runNetns.resolve(name), "unix:ino");
                if (ino instanceof Long l) {
                    found.add(l);
                }
            } catch (IOException | UnsupportedOperationException e) {
                // no such name
            }
        }
        if (!processes || !mayNameContainer(name)) {
            return found;
        }
        try (DirectoryStream<Path> d = Files.newDirectoryStream(proc)) {
            for (Path p : d) {
                if (SocketOwners.parsePid(p.getFileName().toString()) <= 0) {
                    continue;
                }
                try {
                    SocketOwners.Container c = SocketOwners.parseContainer(Files.readString(p.resolve("cgroup")));
                    if (c != null && (name.equals(c.runtime() + ":" + c.id().substring(0, Math.min(12, c.id().length())))
                            || (name.length() >= 12 && c.id().startsWith(name)))) {
                        long ino = parseNsInode(Files.readSymbolicLink(p.resolve("ns/net")).toString());
                        if (ino > 0) {
                            found.add(ino);
                        }
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // ended meanwhile, or not ours to read
                }
            }
        } catch (IOException e) {
            // no /proc: no containers to find
        }
        return found;
    }

    /** {@link #lookup}'s label. */
    public String label(long inode) {
        return lookup(inode).label();
    }

    private Netns resolve(long inode) {
        String name = ipNetnsName(inode);
        Owner owner = name != null ? null : firstProcess(inode);
        return new Netns(inode, name, owner);
    }

    private String ipNetnsName(long inode) {
        try (DirectoryStream<Path> d = Files.newDirectoryStream(runNetns)) {
            String best = null;
            for (Path p : d) {
                try {
                    Object ino = Files.getAttribute(p, "unix:ino");
                    String n = p.getFileName().toString();
                    // two names for one namespace: the first in order, so the answer does not vary
                    if (ino instanceof Long l && l == inode && (best == null || n.compareTo(best) < 0)) {
                        best = n;
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // removed meanwhile, or not ours to stat
                }
            }
            return best;
        } catch (IOException e) {
            return null; // no /run/netns: no named namespaces
        }
    }

    private Owner firstProcess(long inode) {
        int first = Integer.MAX_VALUE;
        try (DirectoryStream<Path> d = Files.newDirectoryStream(proc)) {
            for (Path p : d) {
                int pid = SocketOwners.parsePid(p.getFileName().toString());
                if (pid <= 0 || pid >= first) {
                    continue;
                }
                try {
                    if (parseNsInode(Files.readSymbolicLink(p.resolve("ns/net")).toString()) == inode) {
                        first = pid; // the lowest pid: a container's init, not one of its children
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // ended meanwhile, or another user's without CAP_SYS_PTRACE
                }
            }
        } catch (IOException e) {
            return null;
        }
        if (first == Integer.MAX_VALUE) {
            return null;
        }
        Path dir = proc.resolve(Integer.toString(first));
        String comm = null;
        SocketOwners.Container container = null;
        try {
            comm = SocketOwners.parseComm(Files.readString(dir.resolve("comm")));
        } catch (IOException e) {
            // ended meanwhile
        }
        try {
            container = SocketOwners.parseContainer(Files.readString(dir.resolve("cgroup")));
        } catch (IOException e) {
            // ended meanwhile
        }
        return new Owner(first, comm, container);
    }

    /** The inode of an ns link target {@code net:[4026531840]}, or -1 for anything else. */
    public static long parseNsInode(String target) {
        return SocketOwners.bracketed(target, "net:[");
    }
}
