package dev.dropscope.collect;

import static dev.dropscope.netlink.NetlinkConstants.NETLINK_ROUTE;

import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.netlink.route.Link;
import dev.dropscope.netlink.route.Links;
import dev.dropscope.sys.Syscalls;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Interface names inside their own network namespace: an ifindex means a device only in its namespace,
 * so the names come from an RTM_GETLINK dump made there (a thread that entered the namespace with
 * {@link NetnsScope}). Namespaces with an {@code ip netns} name can be entered by it; others answer null.
 * One dump per namespace, cached (at most {@link #LIMIT} namespaces); an ifindex not in the dump dumps
 * again at most every {@link #REFRESH_NS}, so a device made later gets its name. Thread-safe.
 */
public final class NetnsInterfaces {
    static final int LIMIT = 256;
    static final long REFRESH_NS = 5_000_000_000L;

    private record Table(Map<Integer, String> names, long dumpedAt) {
    }

    private final Syscalls sys;
    private final LongSupplier clock;
    private final Map<String, Table> byNetns = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Table> e) {
            return size() > LIMIT;
        }
    };

    public NetnsInterfaces(Syscalls sys) {
        this(sys, System::nanoTime);
    }

    NetnsInterfaces(Syscalls sys, LongSupplier clock) {
        this.sys = sys;
        this.clock = clock;
    }

    /** The name of {@code ifindex} in the namespace named {@code netnsName}, or null. */
    public synchronized String name(String netnsName, int ifindex) {
        if (netnsName == null || ifindex <= 0) {
            return null;
        }
        Table t = byNetns.get(netnsName);
        long now = clock.getAsLong();
        if (t == null || (!t.names().containsKey(ifindex) && now - t.dumpedAt() >= REFRESH_NS)) {
            t = new Table(dump(netnsName), now);
            byNetns.put(netnsName, t);
        }
        return t.names().get(ifindex);
    }

    private Map<Integer, String> dump(String netnsName) {
        Map<Integer, String> names = new HashMap<>();
        try (NetnsScope scope = NetnsScope.named(sys, netnsName)) {
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
