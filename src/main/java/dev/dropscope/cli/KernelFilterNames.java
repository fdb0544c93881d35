package dev.dropscope.cli;

import dev.dropscope.bpf.DropPrograms;
import dev.dropscope.collect.NetnsInterfaces;
import dev.dropscope.collect.NetnsScope;
import dev.dropscope.procfs.NetnsNames;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * {@code --netns}/{@code --interface} as the eBPF program's filter keys ({@link DropPrograms.Filter}),
 * resolved when the watch starts and again at each report ({@link #refresh}), so a namespace made again
 * under the same name (a new inode), a container started later, or a device made again (a new ifindex)
 * is counted from the next report on. A refresh is cheap: one stat of {@code /run/netns/NAME} per name;
 * every process's cgroup is read (for container names only) at most every {@link #PROCESS_SCAN_NS}; a
 * namespace's devices are dumped when it is new to the filter and then at most every
 * {@link #DEVICE_SCAN_NS}. The keys are those the names mean now: a namespace no name means any more
 * ({@code ip netns del}) leaves the filter at the next refresh, after that report has read its counts.
 * Not thread-safe (the watch thread's); {@code names} is shared under its lock.
 */
final class KernelFilterNames {
    static final long PROCESS_SCAN_NS = 2_000_000_000L;
    static final long DEVICE_SCAN_NS = 5_000_000_000L;

    private final List<String> netnsNames;
    private final List<String> interfaces;
    private final NetnsNames names;
    private final NetnsInterfaces devices;
    private final LongSupplier clock;
    private final Map<String, Set<Long>> byProcess = new HashMap<>(); // a container name's namespaces at the last scan
    private final Map<Long, Map<String, Integer>> ifindexes = new HashMap<>();
    private final Map<Long, Long> dumpedAt = new HashMap<>();
    private final Set<Long> everMeant = new HashSet<>(); // under its own lock: the report's filter reads it
    private long scannedAt;
    private boolean scanned;
    private List<String> missing = List.of();
    private boolean truncated;

    KernelFilterNames(List<String> netnsNames, List<String> interfaces, NetnsNames names, NetnsInterfaces devices,
                      LongSupplier clock) {
        this.netnsNames = List.copyOf(netnsNames);
        this.interfaces = List.copyOf(interfaces);
        this.names = names;
        this.devices = devices;
        this.clock = clock;
    }

    KernelFilterNames(List<String> netnsNames, List<String> interfaces, NetnsNames names, NetnsInterfaces devices) {
        this(netnsNames, interfaces, names, devices, System::nanoTime);
    }

    /** How the program filters: not at all without --netns (an ifindex means a device only in its namespace). */
    DropPrograms.Filter.By by() {
        return netnsNames.isEmpty() ? DropPrograms.Filter.By.ALL
                : interfaces.isEmpty() ? DropPrograms.Filter.By.NETNS : DropPrograms.Filter.By.INTERFACE;
    }

    /** The keys the names mean now, everything looked up afresh. */
    DropPrograms.Filter resolve() {
        scanned = false;
        dumpedAt.clear();
        return refresh();
    }

    /** The keys the names mean now, from what changed since the last call (see the class). */
    DropPrograms.Filter refresh() {
        if (by() == DropPrograms.Filter.By.ALL) {
            return DropPrograms.Filter.NONE;
        }
        long now = clock.getAsLong();
        boolean scan = !scanned || now - scannedAt >= PROCESS_SCAN_NS;
        if (scan) {
            scanned = true;
            scannedAt = now;
        }
        SortedSet<Long> inodes = new TreeSet<>();
        List<String> notFound = new ArrayList<>();
        synchronized (names) {
            for (String n : netnsNames) {
                Set<Long> found = new TreeSet<>(names.find(n, false));
                if (n.equals("host") && NetnsScope.ownIsHost()) {
                    found.add(NetnsScope.ownInode()); // the label top and the others give our own namespace
                }
                if (NetnsNames.mayNameContainer(n)) {
                    if (scan) {
                        Set<Long> all = names.find(n, true);
                        all.removeAll(found);
                        byProcess.put(n, all);
                    }
                    found.addAll(byProcess.getOrDefault(n, Set.of()));
                }
                found.removeIf(i -> i <= 0 || i > 0xffff_ffffL); // no kernel's ns.inum: nothing to compare
                if (found.isEmpty()) {
                    notFound.add(n);
                }
                inodes.addAll(found);
            }
        }
        missing = List.copyOf(notFound);
        synchronized (everMeant) {
            everMeant.addAll(inodes);
        }
        SortedSet<DropPrograms.Filter.Key> keys = new TreeSet<>();
        if (by() == DropPrograms.Filter.By.NETNS) {
            for (long i : inodes) {
                keys.add(new DropPrograms.Filter.Key(i, 0));
            }
        } else {
            ifindexes.keySet().retainAll(inodes);
            dumpedAt.keySet().retainAll(inodes);
            for (long i : inodes) {
                Long at = dumpedAt.get(i);
                if (at == null || now - at >= DEVICE_SCAN_NS) {
                    ifindexes.put(i, devices.ifindexes(i, interfaces));
                    dumpedAt.put(i, now);
                }
                for (int ifindex : ifindexes.get(i).values()) {
                    if (ifindex > 0) {
                        keys.add(new DropPrograms.Filter.Key(i, ifindex));
                    }
                }
            }
        }
        truncated = keys.size() > DropPrograms.Filter.CAPACITY;
        while (keys.size() > DropPrograms.Filter.CAPACITY) {
            keys.remove(keys.last());
        }
        return by() == DropPrograms.Filter.By.NETNS ? new DropPrograms.Filter(DropPrograms.Filter.By.NETNS, keys)
                : DropPrograms.Filter.interfaces(keys);
    }

    /** Whether namespace {@code inode} was one the names meant at some resolution since the start. */
    boolean everMeant(long inode) {
        synchronized (everMeant) {
            return everMeant.contains(inode);
        }
    }

    /** The --netns names that meant no namespace at the last resolution. */
    List<String> missing() {
        return missing;
    }

    /** Whether the last resolution had more keys than the filter map holds (the rest are not counted). */
    boolean truncated() {
        return truncated;
    }
}
