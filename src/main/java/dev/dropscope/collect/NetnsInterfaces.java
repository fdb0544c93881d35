package dev.dropscope.collect;

import static dev.dropscope.netlink.NetlinkConstants.NETLINK_ROUTE;

import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.netlink.route.Link;
import dev.dropscope.netlink.route.Links;
import dev.dropscope.procfs.NetnsNames;
import dev.dropscope.sys.Syscalls;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.nio.file.Path;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * Interface names inside their own network namespace: an ifindex means a device only in its namespace,
 * so the names come from an RTM_GETLINK dump made there (a thread that entered the namespace with
 * {@link NetnsScope}). A namespace is entered through the file its locator gives: its {@code /run/netns}
 * name, or {@code /proc/PID/ns/net} of a process in it for one without a name (a container's); the file
 * opened must be that namespace (its inode), so a reused pid names nothing. None: null. One dump per
 * namespace, cached (at most {@link #LIMIT} namespaces); an ifindex not in the dump dumps again at most
 * every {@link #REFRESH_NS}, so a device made later gets its name. Thread-safe.
 */
public final class NetnsInterfaces {
    static final int LIMIT = 256;
    static final long REFRESH_NS = 5_000_000_000L;

    private record Table(Map<Integer, String> names, long dumpedAt) {
    }

    private final Syscalls sys;
    private final LongFunction<Path> locator;
    private final LongSupplier clock;
    private final Map<Long, Table> byNetns = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Table> e) {
            return size() > LIMIT;
        }
    };

    /** @param locator a namespace's inode -> a file that is it ({@code NetnsNames.path}), or null */
    public NetnsInterfaces(Syscalls sys, LongFunction<Path> locator) {
        this(sys, locator, System::nanoTime);
    }

    NetnsInterfaces(Syscalls sys, LongFunction<Path> locator, LongSupplier clock) {
        this.sys = sys;
        this.locator = locator;
        this.clock = clock;
    }

    /** The name of {@code ifindex} in namespace {@code inode}, or null. */
    public synchronized String name(long inode, int ifindex) {
        if (inode <= 0 || ifindex <= 0) {
            return null;
        }
        Table t = byNetns.get(inode);
        long now = clock.getAsLong();
        if (t == null || (!t.names().containsKey(ifindex) && now - t.dumpedAt() >= REFRESH_NS)) {
            t = new Table(dump(inode), now);
            byNetns.put(inode, t);
        }
        return t.names().get(ifindex);
    }

    /** The ifindex of the device named {@code name} in namespace {@code inode} now (a fresh dump), or -1. */
    public synchronized int ifindex(long inode, String name) {
        if (inode <= 0) {
            return -1;
        }
        Table t = new Table(dump(inode), clock.getAsLong());
        byNetns.put(inode, t);
        for (Map.Entry<Integer, String> e : t.names().entrySet()) {
            if (e.getValue().equals(name)) {
                return e.getKey();
            }
        }
        return -1;
    }

    /**
     * The ifindexes of the devices named {@code names} in namespace {@code inode} now, from one fresh dump
     * (names not there are left out; a namespace not found: empty).
     */
    public synchronized Map<String, Integer> ifindexes(long inode, Collection<String> names) {
        Map<String, Integer> found = new LinkedHashMap<>();
        if (inode <= 0) {
            return found;
        }
        Table t = new Table(dump(inode), clock.getAsLong());
        byNetns.put(inode, t);
        for (Map.Entry<Integer, String> e : t.names().entrySet()) {
            if (names.contains(e.getValue())) {
                found.put(e.getValue(), e.getKey());
            }
        }
        return found;
    }

    private Map<Integer, String> dump(long inode) {
        Map<Integer, String> names = new HashMap<>();
        Path where = locator.apply(inode);
        if (where == null) {
            return names;
        }
        try (NetnsScope scope = NetnsScope.at(sys, where, inode)) {
            scope.call(() -> {
                try (NetlinkSocket rtnl = NetlinkSocket.open(sys, NETLINK_ROUTE)) {
                    for (Link l : Links.query(rtnl)) {
                        names.put(l.ifindex(), l.name());
                    }
                }
                return null;
            });
        } catch (Exception e) {
            // gone meanwhile, or not ours to enter: no names (the ifindex is still shown)
        }
        return names;
    }
}
