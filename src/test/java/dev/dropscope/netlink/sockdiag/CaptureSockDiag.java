package dev.dropscope.netlink.sockdiag;

import static dev.dropscope.netlink.sockdiag.SockDiagConstants.*;

import dev.dropscope.netlink.MessageBuilder;
import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.netlink.NlMsg;
import dev.dropscope.netlink.RecordedReplies;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Captures the inet_diag fixtures (src/test/resources/netlink/sockdiag/README.md): in a private namespace, a
 * TCP listener with one connection left in its accept queue, an accepted connection whose 100 000 bytes
 * were never read, the same over IPv6, and UDP sockets (v4 with a 4 KiB buffer that dropped datagrams, v6
 * with two queued); then the four dumps as hex and {@code ss -tuanmieiO}; ss's stderr (no cgroup2 mount) is dropped printed right after.
 *
 * <p>Run as root: {@code java -cp target/test-classes:target/classes:$(cat cp.txt)
 * dev.dropscope.netlink.sockdiag.CaptureSockDiag src/test/resources/netlink/sockdiag/$(uname -r)}
 */
public final class CaptureSockDiag {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        Syscalls sys = Syscalls.get();
        List<AutoCloseable> keep = new ArrayList<>();
        try (Netns ns = Netns.create("sockcap")) {
            ns.ip("link", "set", "lo", "up");
            ns.inside(sys, () -> {
                // channels of StandardProtocolFamily.INET: a plain ServerSocket would be a dual-stack AF_INET6 one
                ServerSocketChannel l4 = ServerSocketChannel.open(StandardProtocolFamily.INET);
                l4.bind(new InetSocketAddress("127.0.0.1", 8080), 5);
                keep.add(l4);
                SocketChannel c1 = SocketChannel.open(StandardProtocolFamily.INET);
                c1.connect(new InetSocketAddress("127.0.0.1", 8080));
                SocketChannel c2 = SocketChannel.open(StandardProtocolFamily.INET);
                c2.connect(new InetSocketAddress("127.0.0.1", 8080));
                keep.add(c1);
                keep.add(c2);
                keep.add(l4.accept()); // c1 accepted; c2 stays in the accept queue
                c1.write(ByteBuffer.allocate(100_000));

                ServerSocket l6 = new ServerSocket(8081, 7, InetAddress.getByName("::1"));
                keep.add(l6);
                Socket c6 = new Socket("::1", 8081);
                keep.add(c6);
                keep.add(l6.accept());
                c6.getOutputStream().write(new byte[1000]);

                DatagramChannel u4 = DatagramChannel.open(StandardProtocolFamily.INET);
                u4.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
                u4.bind(new InetSocketAddress("127.0.0.1", 5353));
                keep.add(u4);
                DatagramSocket u6 = new DatagramSocket(new InetSocketAddress("::1", 5354));
                keep.add(u6);
                try (DatagramSocket s = new DatagramSocket()) {
                    byte[] b = new byte[200];
                    for (int i = 0; i < 50; i++) {
                        s.send(new DatagramPacket(b, b.length, new InetSocketAddress("127.0.0.1", 5353)));
                    }
                    for (int i = 0; i < 2; i++) {
                        s.send(new DatagramPacket(b, b.length, new InetSocketAddress("::1", 5354)));
                    }
                }
                return null;
            });
            Thread.sleep(500);
            ns.inside(sys, () -> {
                try (NetlinkSocket s = NetlinkSocket.open(sys, NETLINK_SOCK_DIAG)) {
                    capture(dir, s, "tcp4", AF_INET, IPPROTO_TCP);
                    capture(dir, s, "tcp6", AF_INET6, IPPROTO_TCP);
                    capture(dir, s, "udp4", AF_INET, IPPROTO_UDP);
                    capture(dir, s, "udp6", AF_INET6, IPPROTO_UDP);
                }
                return null;
            });
            Process p = new ProcessBuilder("ip", "netns", "exec", ns.name(), "ss", "-tuanmieiO")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            write(dir, "dump.ss.txt", out);
        } finally {
            for (AutoCloseable c : keep) {
                c.close();
            }
        }
    }

    private static void capture(Path dir, NetlinkSocket s, String name, int family, int protocol) throws Exception {
        MessageBuilder m = InetDiag.dumpRequest(family, protocol, InetDiag.ALL_STATES);
        int len = m.finish();
        byte[] tx = new byte[len];
        m.buffer().get(m.start(), tx);
        List<byte[]> rx = new ArrayList<>();
        String op = "SOCK_DIAG_BY_FAMILY " + name + " dump";
        s.request(op, m, (b, at, l) -> {
            byte[] copy = new byte[l];
            b.get(at, copy);
            rx.add(copy);
        });
        List<String> lines = new ArrayList<>();
        lines.add("# " + op + ", captured on " + System.getProperty("os.version") + " by CaptureSockDiag");
        int i = 0;
        lines.add("# [" + i++ + "] tx " + op + ": " + tx.length + " bytes (seq and port filled in on send)");
        lines.add(RecordedReplies.hex(tx, 0, tx.length));
        for (byte[] r : rx) {
            ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.nativeOrder());
            lines.add("# [" + i++ + "] rx type " + NlMsg.type(b, 0) + ": " + r.length + " bytes");
            lines.add(RecordedReplies.hex(r, 0, r.length));
        }
        write(dir, name + "-dump.hex", String.join("\n", lines) + "\n");
    }

    private static void write(Path dir, String file, String text) throws Exception {
        Files.writeString(dir.resolve(file), text, StandardCharsets.UTF_8);
        System.out.println("wrote " + dir.resolve(file));
    }
}
