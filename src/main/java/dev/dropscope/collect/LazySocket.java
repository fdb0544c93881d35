package dev.dropscope.collect;

import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;

/**
 * A netlink socket opened on first use, on the collector's own thread (so it lives in the namespace that
 * thread is in), and kept between samples.
 */
final class LazySocket implements AutoCloseable {
    private final Syscalls sys;
    private final int protocol;
    private volatile NetlinkSocket socket;

    LazySocket(Syscalls sys, int protocol) {
        this.sys = sys;
        this.protocol = protocol;
    }

    NetlinkSocket get() throws IOException {
        NetlinkSocket s = socket;
        if (s == null) {
            s = NetlinkSocket.open(sys, protocol);
            socket = s;
        }
        return s;
    }

    /** Closes the socket if it was opened; any thread. */
    @Override
    public void close() {
        NetlinkSocket s = socket;
        if (s != null) {
            s.close();
        }
    }
}
