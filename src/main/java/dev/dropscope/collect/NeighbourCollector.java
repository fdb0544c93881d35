package dev.dropscope.collect;

import static dev.dropscope.netlink.NetlinkConstants.NETLINK_ROUTE;

import dev.dropscope.model.NeighbourTableStats;
import dev.dropscope.model.Snapshot;
import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.netlink.route.NeighbourTable;
import dev.dropscope.netlink.route.NeighbourTables;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Neighbour tables (RTM_GETNEIGHTBL): thresholds, size and counters of each table, not per device. */
public final class NeighbourCollector extends NetlinkCollector {
    public static final String NAME = "neighbour";

    private final LazySocket rtnl;

    public NeighbourCollector(Syscalls sys) {
        super(sys, NAME);
        this.rtnl = socket(NETLINK_ROUTE);
    }

    @Override
    public void collect(Snapshot.Builder into) throws IOException {
        NetlinkSocket rtnl = this.rtnl.get();
        List<NeighbourTableStats> out = new ArrayList<>();
        for (NeighbourTable t : NeighbourTables.query(rtnl)) {
            if (!t.isTableLevel()) {
                continue;
            }
            Map<String, Long> parms = new LinkedHashMap<>(t.parms());
            parms.remove("refcnt"); // a reference count: says nothing about drops and changes all the time
            out.add(new NeighbourTableStats(t.family(), t.name(), t.thresh1(), t.thresh2(), t.thresh3(),
                    t.gcIntervalMs(), t.config().get("entries"), t.stats(), parms));
        }
        into.neighbour(out);
    }
}
