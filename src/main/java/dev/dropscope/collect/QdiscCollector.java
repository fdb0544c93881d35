package dev.dropscope.collect;

import static dev.dropscope.netlink.NetlinkConstants.NETLINK_ROUTE;

import dev.dropscope.model.QdiscStats;
import dev.dropscope.model.Snapshot;
import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.netlink.route.Link;
import dev.dropscope.netlink.route.Links;
import dev.dropscope.netlink.route.Qdisc;
import dev.dropscope.netlink.route.Qdiscs;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Qdiscs of every interface (RTM_GETQDISC): drops, overlimits, requeues, backlog, as tc -s shows them. */
public final class QdiscCollector extends NetlinkCollector {
    public static final String NAME = "qdisc";

    private final LazySocket rtnl;

    public QdiscCollector(Syscalls sys) {
        super(sys, NAME);
        this.rtnl = socket(NETLINK_ROUTE);
    }

    @Override
    public void collect(Snapshot.Builder into) throws IOException {
        NetlinkSocket rtnl = this.rtnl.get();
        Map<Integer, String> names = new HashMap<>();
        for (Link l : Links.query(rtnl)) {
            names.put(l.ifindex(), l.name());
        }
        List<QdiscStats> out = new ArrayList<>();
        for (Qdisc q : Qdiscs.query(rtnl)) {
            out.add(new QdiscStats(q.ifindex(), names.get(q.ifindex()), q.kind(), q.handleName(), q.parentName(),
                    q.stats()));
        }
        into.qdiscs(out);
    }
}
