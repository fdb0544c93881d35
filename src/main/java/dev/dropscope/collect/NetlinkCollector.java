package dev.dropscope.collect;

import dev.dropscope.sys.Syscalls;

import java.util.ArrayList;
import java.util.List;

/**
 * A collector that reads over netlink: its sockets are {@link LazySocket}s, opened on first use on the
 * collector's thread (so in its namespace) and closed by {@link #close} from any thread.
 */
abstract class NetlinkCollector implements Collector {
    private final String name;
    private final Syscalls sys;
    private final List<LazySocket> sockets = new ArrayList<>(); // filled by the constructor only

    NetlinkCollector(Syscalls sys, String name) {
        this.sys = sys;
        this.name = name;
    }

    /** A socket of {@code protocol}, opened on first use and closed with the collector; constructors only. */
    final LazySocket socket(int protocol) {
        LazySocket s = new LazySocket(sys, protocol);
        sockets.add(s);
        return s;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public void close() {
        for (LazySocket s : sockets) {
            s.close();
        }
    }
}
