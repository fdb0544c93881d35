package dev.dropscope.collect;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.SocketStats;
import dev.dropscope.model.Snapshot;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;
import dev.dropscope.testutil.Root;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The socket collector on the real kernel, in a namespace of its own: an IPv6 listener with connections
 * waiting, a connection with unread data, a UDP socket that dropped, 200 idle connections that must not be
 * kept; each kept socket with this JVM as its owner.
 */
@Needs(root = true, tools = {"ip"})
class SocketCollectorTest {
    static final Syscalls SYS = Syscalls.get();

    @Test
    void keepsTheSocketsWorthShowingWithTheirOwner() throws Exception {
        List<AutoCloseable> keep = new ArrayList<>();
        try (Netns ns = Netns.create("sockcoll")) {
            ns.ip("link", "set", "lo", "up");
            ns.inside(SYS, () -> {
                ServerSocketChannel l6 = ServerSocketChannel.open(StandardProtocolFamily.INET6);
                l6.bind(new InetSocketAddress("::1", 8443), 3);
                keep.add(l6);
                for (int i = 0; i < 2; i++) {
                    SocketChannel c = SocketChannel.open(StandardProtocolFamily.INET6);
                    c.connect(new InetSocketAddress("::1", 8443));
                    keep.add(c);
                }
                ServerSocketChannel l4 = ServerSocketChannel.open(StandardProtocolFamily.INET);
                l4.bind(new InetSocketAddress("127.0.0.1", 8080), 512);
                keep.add(l4);
                for (int i = 0; i < 101; i++) {
                    SocketChannel c = SocketChannel.open(StandardProtocolFamily.INET);
                    c.connect(new InetSocketAddress("127.0.0.1", 8080));
                    keep.add(c);
                    keep.add(l4.accept());
                    if (i == 0) {
                        c.write(ByteBuffer.allocate(5000)); // unread by the accepted end
                    }
                }
                DatagramChannel u = DatagramChannel.open(StandardProtocolFamily.INET);
                u.setOption(StandardSocketOptions.SO_RCVBUF, 2048);
                u.bind(new InetSocketAddress("127.0.0.1", 5353));
                keep.add(u);
                try (DatagramChannel s = DatagramChannel.open(StandardProtocolFamily.INET)) {
                    for (int i = 0; i < 100; i++) {
                        s.send(ByteBuffer.allocate(100), new InetSocketAddress("127.0.0.1", 5353));
                    }
                }
                return null;
            });
            try (NetnsScope scope = NetnsScope.named(SYS, ns.name()); SocketCollector c = new SocketCollector(SYS)) {
                Snapshot.Builder b = Snapshot.builder();
                scope.call(() -> {
                    c.collect(b);
                    return null;
                });
                Snapshot s = b.build();
                assertEquals(List.of(), s.errors());
                SocketStats st = s.sockets();
                assertNotNull(st);
                // 3 + 2 on ::1, 1 + 202 on 127.0.0.1, 1 UDP receiver
                assertEquals(209, st.total(), st.toString());
                assertTrue(st.allDropsListed());
                assertNull(st.ownersNote(), st.ownersNote());
                long me = ProcessHandle.current().pid();
                SocketStats.Entry l6 = find(st, "tcp", "LISTEN", 8443);
                assertEquals(6, l6.family());
                assertEquals("::1", l6.localAddress());
                assertEquals(2, l6.rqueue(), "two connections wait to be accepted");
                assertEquals(3, l6.wqueue(), "listen(fd, 3)");
                assertEquals(me, l6.pid());
                assertEquals("java", l6.command());
                SocketStats.Entry unread = st.sockets().stream().filter(e -> e.rqueue() == 5000).findFirst().orElseThrow();
                assertEquals(8080, unread.localPort());
                assertEquals(5000, unread.bytesReceived());
                assertEquals(me, unread.pid());
                SocketStats.Entry udp = find(st, "udp", "UNCONN", 5353);
                assertTrue(udp.drops() > 50, udp.toString());
                assertEquals(4096, udp.rcvbuf(), "SO_RCVBUF 2048, doubled");
                assertEquals(me, udp.pid());
                assertEquals(3, st.sockets().size(), "the 200 idle connections and the empty listener stay out: " + st);
            }
        } finally {
            for (AutoCloseable a : keep) {
                a.close();
            }
        }
    }

    private static SocketStats.Entry find(SocketStats st, String protocol, String state, int port) {
        return st.sockets().stream().filter(e -> e.protocol().equals(protocol) && e.state().equals(state)
                && e.localPort() == port).findFirst().orElseThrow(() -> new AssertionError(port + " not in " + st));
    }
}
