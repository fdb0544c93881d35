package dev.dropscope.sys;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

/**
 * The {@link Syscalls} contract, run against both backends on the real kernel: round trips over loopback
 * UDP and NETLINK_ROUTE, the exact errno of each failure, offsets honoured and {@code ByteBuffer.position()}
 * ignored, EAGAIN returned rather than thrown, and every six-argument call (mmap, sendto,
 * perf_event_open) arriving intact, which is what jnr-ffi#181 would break. Where possible the result is
 * checked against an independent witness: /proc/self, or the JDK's own socket implementation.
 */
class SyscallsContractTest {

    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.dropscope.sys.SyscallsContractTest#backends")
    @interface BothBackends {
    }

    static Stream<Arguments> backends() {
        return Stream.of("jna", "jnr").map(n -> Arguments.of(Named.of(n, Syscalls.named(n))));
    }

    @BothBackends
    void trimNativeHeapHandsFreedMallocPagesBack(Syscalls sys) {
        // 32 MiB in 16 KiB blocks (below glibc's mmap threshold, so from the malloc heap), all freed
        long[] blocks = new long[2048];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = com.sun.jna.Native.malloc(16 * 1024);
            assertNotEquals(0, blocks[i]);
            new com.sun.jna.Pointer(blocks[i]).setMemory(0, 16 * 1024, (byte) 1); // touched: resident
        }
        for (long b : blocks) {
            com.sun.jna.Native.free(b);
        }
        assertTrue(sys.trimNativeHeap(), "malloc_trim(0) released nothing after 32 MiB were freed");
    }

    static boolean isRoot() {
        return ProcSelf.isRoot();
    }

    // socket(2), socket(7), ip(7)
    static final int AF_INET = 2;
    static final int AF_NETLINK = 16;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_RAW = 3;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_TYPE = 3;
    static final int SO_RCVBUF = 8;
    static final int MSG_TRUNC = 0x20;
    static final int MSG_DONTWAIT = 0x40;
    static final int POLLIN = 0x1;
    static final long FIONREAD = 0x541B;
    static final int SOCKADDR_IN_SIZE = 16;
    static final int EDESTADDRREQ = 89;
    static final int ENOPROTOOPT = 92;
    // netlink(7), rtnetlink(7)
    static final int NETLINK_ROUTE = 0;
    static final int SOCKADDR_NL_SIZE = 12;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int RTM_NEWLINK = 16;
    static final int RTM_GETLINK = 18;
    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_DUMP = 0x300;
    static final int IFLA_IFNAME = 3;
    // mmap(2), open(2), setns(2)
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_PRIVATE = 2;
    static final int MAP_ANONYMOUS = 0x20;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int CLONE_NEWUTS = 0x04000000;
    static final int CLONE_NEWNET = 0x40000000;
    static final int PAGE = 4096;
    // perf_event_open(2)
    static final int PERF_TYPE_SOFTWARE = 1;
    static final long PERF_COUNT_SW_DUMMY = 9;
    static final int PERF_ATTR_SIZE_VER0 = 64;
    static final int PERF_ATTR_SIZE_VER5 = 112;
    static final long PERF_FLAG_FD_CLOEXEC = 8;
    static final long PERF_EVENT_IOC_ENABLE = 0x2400;
    static final long PERF_EVENT_IOC_DISABLE = 0x2401;
    static final long PERF_EVENT_IOC_SET_OUTPUT = 0x2405;
    static final long PERF_EVENT_IOC_ID = 0x80082407L; // _IOR('$', 7, __u64 *)

    /** A descriptor number no process can have open (beyond fs.nr_open's ceiling). */
    static final int NEVER_OPEN_FD = Integer.MAX_VALUE;
    static final byte SENTINEL = (byte) 0xA5;

    // ---------------------------------------------------------------- helpers

    static Fd udpSocket(Syscalls sys, int extraType) throws NativeIoException {
        return Fd.own(sys, "socket(AF_INET, SOCK_DGRAM)", sys.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | extraType, 0));
    }

    /** struct sockaddr_in for 127.0.0.1:port at {@code at}: family in host order, port and address in network order. */
    static void putLoopback(NativeBuffer b, int at, int port) {
        ByteBuffer x = b.buffer();
        x.putShort(at, (short) AF_INET);
        x.put(at + 2, (byte) (port >>> 8));
        x.put(at + 3, (byte) port);
        x.put(at + 4, (byte) 127);
        x.put(at + 5, (byte) 0);
        x.put(at + 6, (byte) 0);
        x.put(at + 7, (byte) 1);
        x.putLong(at + 8, 0);
    }

    static int portOf(NativeBuffer b, int at) {
        return ((b.buffer().get(at + 2) & 0xff) << 8) | (b.buffer().get(at + 3) & 0xff);
    }

    static byte[] ipv4Of(NativeBuffer b, int at) {
        return new byte[] {b.buffer().get(at + 4), b.buffer().get(at + 5), b.buffer().get(at + 6), b.buffer().get(at + 7)};
    }

    /** Binds to 127.0.0.1:0 and returns the port the kernel picked, learned through getsockname. */
    static int bindLoopback(Syscalls sys, int fd) {
        NativeBuffer a = NativeBuffer.allocate(64);
        putLoopback(a, 20, 0);
        assertEquals(0, sys.bind(fd, a, 20, SOCKADDR_IN_SIZE), "bind");
        fill(a, SENTINEL);
        a.buffer().putInt(52, 32); // socklen_t in: room for 32 bytes
        assertEquals(0, sys.getsockname(fd, a, 8, a, 52), "getsockname");
        assertEquals(SOCKADDR_IN_SIZE, a.buffer().getInt(52), "getsockname writes the real address length back");
        assertEquals(AF_INET, a.buffer().getShort(8));
        assertArrayEquals(new byte[] {127, 0, 0, 1}, ipv4Of(a, 8));
        assertEquals(SENTINEL, a.buffer().get(7), "getsockname wrote before its offset");
        int port = portOf(a, 8);
        assertNotEquals(0, port, "the kernel picks a port on bind to port 0");
        return port;
    }

    /** The whole buffer, whatever its position and limit: absolute ByteBuffer access stops at the limit. */
    static ByteBuffer all(NativeBuffer b) {
        return b.buffer().duplicate().clear();
    }

    static void fill(NativeBuffer b, byte value) {
        ByteBuffer x = all(b);
        for (int i = 0; i < x.capacity(); i++) {
            x.put(i, value);
        }
    }

    static void put(NativeBuffer b, int at, byte[] bytes) {
        all(b).put(at, bytes);
    }

    static byte[] get(NativeBuffer b, int at, int length) {
        byte[] out = new byte[length];
        all(b).get(at, out);
        return out;
    }

    /** Every byte outside {@code [from, to)} still holds the sentinel. */
    static void assertUntouchedOutside(NativeBuffer b, int from, int to) {
        ByteBuffer x = all(b);
        for (int i = 0; i < x.capacity(); i++) {
            if ((i < from || i >= to) && x.get(i) != SENTINEL) {
                fail("byte " + i + " outside [" + from + ", " + to + ") was written");
            }
        }
    }

    /** poll(2) on one descriptor; the pollfd lives at offset 8 so a backend ignoring the offset shows. */
    static int pollIn(Syscalls sys, int fd, int timeoutMillis, int[] revents) {
        NativeBuffer p = NativeBuffer.allocate(24);
        fill(p, SENTINEL);
        p.buffer().putInt(8, fd);
        p.buffer().putShort(12, (short) POLLIN);
        p.buffer().putShort(14, (short) 0);
        int r = sys.poll(p, 8, 1, timeoutMillis);
        revents[0] = p.buffer().getShort(14);
        assertUntouchedOutside(p, 8, 16);
        return r;
    }

    static DatagramSocket javaPeer() throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        s.setSoTimeout(10_000); // only bounds a failure; a passing run never waits for it
        return s;
    }

    // ---------------------------------------------------------------- UDP

    @BothBackends
    void udpRoundTripHonoursOffsetsAndIgnoresPosition(Syscalls sys) throws IOException {
        try (Fd fd = udpSocket(sys, 0); DatagramSocket peer = javaPeer()) {
            int port = bindLoopback(sys, fd.get());
            int[] revents = new int[1];
            assertEquals(0, pollIn(sys, fd.get(), 0, revents), "nothing queued yet");
            assertEquals(0, revents[0]);

            // out: payload at offset 11, destination sockaddr_in at offset 20 of another buffer; the data
            // buffer's position and limit point at garbage a position-honouring backend would send instead
            byte[] out = "dropscope says hello over loopback".getBytes(StandardCharsets.US_ASCII);
            NativeBuffer tx = NativeBuffer.allocate(128);
            fill(tx, (byte) 'X');
            put(tx, 11, out);
            tx.buffer().position(3).limit(9);
            NativeBuffer dst = NativeBuffer.allocate(64);
            fill(dst, SENTINEL);
            putLoopback(dst, 20, peer.getLocalPort());
            assertEquals(out.length, sys.sendto(fd.get(), tx, 11, out.length, 0, dst, 20, SOCKADDR_IN_SIZE));
            assertEquals(3, tx.buffer().position(), "sendto moved the position");
            assertEquals(9, tx.buffer().limit(), "sendto moved the limit");

            DatagramPacket got = new DatagramPacket(new byte[256], 256);
            peer.receive(got);
            assertArrayEquals(out, Arrays.copyOf(got.getData(), got.getLength()), "the JDK socket received other bytes");
            assertEquals(port, got.getPort(), "getsockname's port is not the one the datagram came from");

            // in: sent by the JDK, received at offset 37 while position says 200
            byte[] in = "and the kernel answers back".getBytes(StandardCharsets.US_ASCII);
            peer.send(new DatagramPacket(in, in.length, InetAddress.getLoopbackAddress(), port));
            assertEquals(1, pollIn(sys, fd.get(), 10_000, revents), "poll must report the queued datagram");
            assertTrue((revents[0] & POLLIN) != 0, "revents " + revents[0] + " lacks POLLIN");

            NativeBuffer count = NativeBuffer.allocate(16);
            fill(count, SENTINEL);
            assertEquals(0, sys.ioctl(fd.get(), FIONREAD, count, 4), "ioctl(FIONREAD)");
            assertEquals(in.length, count.buffer().getInt(4), "FIONREAD: length of the queued datagram");
            assertUntouchedOutside(count, 4, 8);

            NativeBuffer rx = NativeBuffer.allocate(256);
            fill(rx, SENTINEL);
            rx.buffer().limit(160).position(150); // neither covers [37, 137)
            assertEquals(in.length, sys.recv(fd.get(), rx, 37, 100, 0));
            assertArrayEquals(in, get(rx, 37, in.length), "bytes did not land at the offset");
            assertUntouchedOutside(rx, 37, 37 + in.length);
            assertEquals(150, rx.buffer().position(), "recv moved the position");
            assertEquals(160, rx.buffer().limit(), "recv moved the limit");

            assertEquals(0, pollIn(sys, fd.get(), 0, revents), "the queue is drained");
        }
    }

    @BothBackends
    void recvWithMsgTruncReportsTheWholeDatagramButWritesOnlyTheRoom(Syscalls sys) throws IOException {
        try (Fd fd = udpSocket(sys, 0); DatagramSocket peer = javaPeer()) {
            int port = bindLoopback(sys, fd.get());
            byte[] in = new byte[50];
            for (int i = 0; i < in.length; i++) {
                in[i] = (byte) (i + 1);
            }
            peer.send(new DatagramPacket(in, in.length, InetAddress.getLoopbackAddress(), port));
            assertEquals(1, pollIn(sys, fd.get(), 10_000, new int[1]));
            NativeBuffer rx = NativeBuffer.allocate(64);
            fill(rx, SENTINEL);
            assertEquals(50, sys.recv(fd.get(), rx, 5, 10, MSG_TRUNC));
            assertArrayEquals(Arrays.copyOf(in, 10), get(rx, 5, 10));
            assertUntouchedOutside(rx, 5, 15);
        }
    }

    @BothBackends
    void sendmsgAndRecvmsgCarryDataAndTheSendersAddress(Syscalls sys) throws IOException {
        try (Fd receiver = udpSocket(sys, 0); Fd sender = udpSocket(sys, 0)) {
            int receiverPort = bindLoopback(sys, receiver.get());
            int senderPort = bindLoopback(sys, sender.get());

            byte[] out = "carried by sendmsg".getBytes(StandardCharsets.US_ASCII);
            NativeBuffer data = NativeBuffer.allocate(64);
            put(data, 9, out);
            data.buffer().position(40);
            NativeBuffer name = NativeBuffer.allocate(32);
            putLoopback(name, 12, receiverPort);
            NativeBuffer msg = NativeBuffer.allocate(8 + MsgHdr.SIZE + MsgHdr.IOVEC_SIZE);
            MsgHdr.writeSingle(msg, 8, data, 9, out.length, name, 12, SOCKADDR_IN_SIZE);
            assertEquals(out.length, sys.sendmsg(sender.get(), msg, 8, 0));

            assertEquals(1, pollIn(sys, receiver.get(), 10_000, new int[1]));
            NativeBuffer rx = NativeBuffer.allocate(128);
            fill(rx, SENTINEL);
            NativeBuffer from = NativeBuffer.allocate(48);
            fill(from, SENTINEL);
            NativeBuffer rmsg = NativeBuffer.allocate(16 + MsgHdr.SIZE + MsgHdr.IOVEC_SIZE);
            MsgHdr.writeSingle(rmsg, 16, rx, 21, 64, from, 8, 32);
            assertEquals(out.length, sys.recvmsg(receiver.get(), rmsg, 16, 0));
            assertArrayEquals(out, get(rx, 21, out.length));
            assertUntouchedOutside(rx, 21, 21 + out.length);
            assertEquals(SOCKADDR_IN_SIZE, rmsg.buffer().getInt(16 + MsgHdr.NAMELEN), "msg_namelen written back");
            assertEquals(AF_INET, from.buffer().getShort(8));
            assertEquals(senderPort, portOf(from, 8), "msg_name must hold the sender's port");
            assertArrayEquals(new byte[] {127, 0, 0, 1}, ipv4Of(from, 8));
            assertUntouchedOutside(from, 8, 8 + SOCKADDR_IN_SIZE);
        }
    }

    @BothBackends
    void sendtoWithoutAnAddressOnAnUnconnectedSocketIsEdestaddrreq(Syscalls sys) throws IOException {
        try (Fd fd = udpSocket(sys, 0)) {
            NativeBuffer tx = NativeBuffer.allocate(8);
            assertEquals(-EDESTADDRREQ, sys.sendto(fd.get(), tx, 0, 8, 0, null, 0, 0));
        }
    }

    @BothBackends
    void rangesOutsideTheBufferAreRefusedBeforeAnyNativeCall(Syscalls sys) throws IOException {
        try (Fd fd = udpSocket(sys, SOCK_NONBLOCK)) {
            NativeBuffer b = NativeBuffer.allocate(32);
            NativeBuffer addr = NativeBuffer.allocate(16);
            putLoopback(addr, 0, 9);
            assertThrows(IndexOutOfBoundsException.class, () -> sys.recv(fd.get(), b, 20, 13, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> sys.recv(fd.get(), b, -1, 4, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> sys.sendto(fd.get(), b, 0, 33, 0, addr, 0, 16));
            assertThrows(IndexOutOfBoundsException.class, () -> sys.sendto(fd.get(), b, 0, 8, 0, addr, 4, 16));
            assertThrows(IndexOutOfBoundsException.class, () -> sys.bind(fd.get(), addr, 1, 16));
        }
    }

    // ---------------------------------------------------------------- netlink

    @BothBackends
    void netlinkRouteLinkDumpRoundTrip(Syscalls sys) throws IOException {
        try (Fd fd = Fd.own(sys, "socket(AF_NETLINK)", sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE))) {
            NativeBuffer addr = NativeBuffer.allocate(64);
            addr.buffer().putShort(4, (short) AF_NETLINK);
            assertEquals(0, sys.bind(fd.get(), addr, 4, SOCKADDR_NL_SIZE));
            addr.buffer().putInt(36, SOCKADDR_NL_SIZE);
            assertEquals(0, sys.getsockname(fd.get(), addr, 20, addr, 36));
            assertEquals(SOCKADDR_NL_SIZE, addr.buffer().getInt(36));
            assertEquals(AF_NETLINK, addr.buffer().getShort(20));
            int portId = addr.buffer().getInt(24);
            assertNotEquals(0, portId, "the kernel assigns a port id on bind");

            // RTM_GETLINK dump: nlmsghdr + an all-zero ifinfomsg (AF_UNSPEC), at offset 8
            int seq = 0x5eed0001;
            NativeBuffer tx = NativeBuffer.allocate(64);
            ByteBuffer t = tx.buffer();
            t.putInt(8, 32).putShort(12, (short) RTM_GETLINK).putShort(14, (short) (NLM_F_REQUEST | NLM_F_DUMP))
                    .putInt(16, seq).putInt(20, portId);
            NativeBuffer kernel = NativeBuffer.allocate(48);
            kernel.buffer().putShort(32, (short) AF_NETLINK); // sockaddr_nl{AF_NETLINK, pid 0} at 32
            assertEquals(32, sys.sendto(fd.get(), tx, 8, 32, 0, kernel, 32, SOCKADDR_NL_SIZE));

            Map<String, Integer> links = new TreeMap<>();
            NativeBuffer rx = NativeBuffer.allocate(64 * 1024);
            NativeBuffer from = NativeBuffer.allocate(16);
            NativeBuffer msg = NativeBuffer.allocate(MsgHdr.SIZE + MsgHdr.IOVEC_SIZE);
            boolean done = false;
            for (int datagrams = 0; !done; datagrams++) {
                assertTrue(datagrams < 10_000, "no NLMSG_DONE");
                assertEquals(1, pollIn(sys, fd.get(), 10_000, new int[1]), "the kernel did not answer");
                MsgHdr.writeSingle(msg, 0, rx, 0, rx.capacity(), from, 0, SOCKADDR_NL_SIZE);
                long n = sys.recvmsg(fd.get(), msg, 0, 0);
                assertTrue(n > 0, () -> "recvmsg: " + Errno.describe((int) n));
                assertEquals(0, from.buffer().getInt(4), "netlink answers come from the kernel (nl_pid 0)");
                ByteBuffer b = rx.buffer();
                for (int at = 0; at < n; at += (b.getInt(at) + 3) & ~3) {
                    int len = b.getInt(at);
                    int type = Short.toUnsignedInt(b.getShort(at + 4));
                    assertTrue(len >= 16 && at + len <= n, "bad nlmsg_len " + len);
                    assertEquals(seq, b.getInt(at + 8), "nlmsg_seq echoed");
                    assertEquals(portId, b.getInt(at + 12), "nlmsg_pid is our port id");
                    if (type == NLMSG_DONE) {
                        done = true;
                        break;
                    }
                    if (type == NLMSG_ERROR) {
                        fail("kernel error " + Errno.describe(b.getInt(at + 16)));
                    }
                    assertEquals(RTM_NEWLINK, type);
                    int index = b.getInt(at + 20);
                    for (int a = at + 32; a + 4 <= at + len; a += (Short.toUnsignedInt(b.getShort(a)) + 3) & ~3) {
                        int alen = Short.toUnsignedInt(b.getShort(a));
                        assertTrue(alen >= 4, "bad nla_len");
                        if ((b.getShort(a + 2) & 0x3fff) == IFLA_IFNAME) {
                            byte[] name = get(rx, a + 4, alen - 5); // NUL-terminated
                            links.put(new String(name, StandardCharsets.UTF_8), index);
                        }
                    }
                }
            }
            assertEquals(1, links.get("lo"), "loopback is ifindex 1 in every network namespace");
            assertEquals(procNetDevNames(), links.keySet(), "the dump and /proc/net/dev disagree");
        }
    }

    /** Interface names of this network namespace, as /proc/net/dev lists them. */
    static Set<String> procNetDevNames() throws IOException {
        Set<String> names = new HashSet<>();
        var lines = Files.readAllLines(Paths.get("/proc/net/dev"));
        for (String line : lines.subList(2, lines.size())) {
            names.add(line.substring(0, line.indexOf(':')).trim());
        }
        return names;
    }

    // ---------------------------------------------------------------- errno values

    @BothBackends
    void closingABadDescriptorIsEbadf(Syscalls sys) {
        assertEquals(-Errno.EBADF, sys.close(-1));
        assertEquals(-Errno.EBADF, sys.close(NEVER_OPEN_FD));
    }

    @BothBackends
    void anUnknownAddressFamilyIsEafnosupport(Syscalls sys) {
        assertEquals(-Errno.EAFNOSUPPORT, sys.socket(9999, SOCK_DGRAM, 0));
    }

    @BothBackends
    void bindOnAClosedDescriptorIsEbadf(Syscalls sys) throws IOException {
        Fd fd = udpSocket(sys, 0);
        int n = fd.get();
        fd.close();
        NativeBuffer a = NativeBuffer.allocate(16);
        putLoopback(a, 0, 0);
        assertEquals(-Errno.EBADF, sys.bind(n, a, 0, SOCKADDR_IN_SIZE));
        assertEquals(-Errno.EBADF, sys.bind(NEVER_OPEN_FD, a, 0, SOCKADDR_IN_SIZE));
    }

    @BothBackends
    void socketOptionsReportTheKernelsErrnos(Syscalls sys) throws IOException {
        try (Fd fd = udpSocket(sys, 0)) {
            NativeBuffer v = NativeBuffer.allocate(16);
            v.buffer().putInt(4, 1);
            assertEquals(-ENOPROTOOPT, sys.setsockopt(fd.get(), SOL_SOCKET, 9999, v, 4, 4), "unknown option");
            assertEquals(-Errno.EINVAL, sys.setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, v, 4, 2), "optlen < sizeof(int)");
            assertEquals(-Errno.EBADF, sys.setsockopt(NEVER_OPEN_FD, SOL_SOCKET, SO_RCVBUF, v, 4, 4));
            v.buffer().putInt(12, 4);
            assertEquals(-ENOPROTOOPT, sys.getsockopt(fd.get(), SOL_SOCKET, 9999, v, 0, v, 12));
        }
    }

    @BothBackends
    void getsockoptReturnsTheValueAndWritesTheLength(Syscalls sys) throws IOException {
        try (Fd fd = udpSocket(sys, 0)) {
            NativeBuffer v = NativeBuffer.allocate(32);
            fill(v, SENTINEL);
            v.buffer().putInt(24, 16); // room for 16, SO_TYPE is an int
            assertEquals(0, sys.getsockopt(fd.get(), SOL_SOCKET, SO_TYPE, v, 4, v, 24));
            assertEquals(SOCK_DGRAM, v.buffer().getInt(4));
            assertEquals(4, v.buffer().getInt(24), "the kernel writes the real length back");
            assertEquals(SENTINEL, v.buffer().get(8), "getsockopt wrote past the length it reported");

            // SO_RCVBUF: the kernel doubles the request (capped by net.core.rmem_max), see socket(7)
            int request = 16384;
            // not Files.readString: on JDK 17 it returns one byte of a /proc/sys file (st_size is 0)
            long rmemMax = Long.parseLong(Files.readAllLines(Paths.get("/proc/sys/net/core/rmem_max")).get(0).trim());
            v.buffer().putInt(0, request);
            assertEquals(0, sys.setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, v, 0, 4));
            v.buffer().putInt(16, 4);
            assertEquals(0, sys.getsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, v, 8, v, 16));
            int granted = v.buffer().getInt(8);
            assertEquals(2 * Math.min(request, rmemMax), granted, "SO_RCVBUF after asking for " + request);
        }
    }

    @BothBackends
    void anUnknownIoctlOnASocketIsEnotty(Syscalls sys) throws IOException {
        try (Fd fd = udpSocket(sys, 0)) {
            NativeBuffer arg = NativeBuffer.allocate(16);
            // not a socket ioctl (type 0xde, not 0x89) and unknown to UDP: sock_do_ioctl answers ENOTTY
            assertEquals(-Errno.ENOTTY, sys.ioctl(fd.get(), 0xDEAD, arg, 0));
            assertEquals(-Errno.ENOTTY, sys.ioctlValue(fd.get(), 0xDEAD, 0));
            assertEquals(-Errno.EBADF, sys.ioctl(NEVER_OPEN_FD, FIONREAD, arg, 0));
        }
    }

    /**
     * errno is per thread: four threads failing in four different ways at once each get their own errno,
     * never a neighbour's (a backend reading a shared errno would mix them up).
     */
    @BothBackends
    void errnoIsPerThread(Syscalls sys) throws Exception {
        try (Fd empty = udpSocket(sys, SOCK_NONBLOCK); Fd fd = udpSocket(sys, 0)) {
            bindLoopback(sys, empty.get());
            NativeBuffer v = NativeBuffer.allocate(8);
            int rounds = 2000;
            IntSupplier[] calls = {
                () -> sys.close(NEVER_OPEN_FD),
                () -> sys.socket(9999, SOCK_DGRAM, 0),
                () -> (int) sys.recv(empty.get(), NativeBuffer.allocate(16), 0, 16, 0),
                () -> sys.setsockopt(fd.get(), SOL_SOCKET, 9999, v, 0, 4),
            };
            int[] expected = {-Errno.EBADF, -Errno.EAFNOSUPPORT, -Errno.EAGAIN, -ENOPROTOOPT};
            CyclicBarrier start = new CyclicBarrier(calls.length);
            AtomicReference<String> wrong = new AtomicReference<>();
            Thread[] threads = new Thread[calls.length];
            for (int t = 0; t < calls.length; t++) {
                int k = t;
                threads[t] = new Thread(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < rounds; i++) {
                            int r = calls[k].getAsInt();
                            if (r != expected[k]) {
                                wrong.compareAndSet(null, "call " + k + " round " + i + ": " + Errno.describe(r)
                                        + " instead of " + Errno.describe(expected[k]));
                                return;
                            }
                        }
                    } catch (Exception e) {
                        wrong.compareAndSet(null, e.toString());
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            assertNull(wrong.get());
        }
    }

    // ---------------------------------------------------------------- EAGAIN

    @BothBackends
    void anEmptyNonBlockingSocketReturnsEagainWithoutThrowing(Syscalls sys) throws IOException {
        try (Fd nonBlocking = udpSocket(sys, SOCK_NONBLOCK); Fd blocking = udpSocket(sys, 0)) {
            bindLoopback(sys, nonBlocking.get());
            bindLoopback(sys, blocking.get());
            NativeBuffer rx = NativeBuffer.allocate(64);
            fill(rx, SENTINEL);
            assertEquals(-Errno.EAGAIN, sys.recv(nonBlocking.get(), rx, 0, 64, 0), "SOCK_NONBLOCK");
            assertEquals(-Errno.EAGAIN, sys.recv(blocking.get(), rx, 0, 64, MSG_DONTWAIT), "MSG_DONTWAIT");
            NativeBuffer msg = NativeBuffer.allocate(MsgHdr.SIZE + MsgHdr.IOVEC_SIZE);
            MsgHdr.writeSingle(msg, 0, rx, 0, 64, null, 0, 0);
            assertEquals(-Errno.EAGAIN, sys.recvmsg(nonBlocking.get(), msg, 0, 0), "recvmsg, SOCK_NONBLOCK");
            assertEquals(-Errno.EAGAIN, sys.recvmsg(blocking.get(), msg, 0, MSG_DONTWAIT), "recvmsg, MSG_DONTWAIT");
            assertUntouchedOutside(rx, 0, 0);
            int[] revents = new int[1];
            assertEquals(0, pollIn(sys, nonBlocking.get(), 0, revents), "poll with timeout 0 on an empty socket");
            assertEquals(0, revents[0]);
        }
    }

    // ---------------------------------------------------------------- six-argument calls

    @BothBackends
    void anonymousMmapIsReadableWritableAndUnmaps(Syscalls sys) throws IOException {
        long addr = sys.mmap(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assertTrue(addr > 0, () -> "mmap: " + Errno.describe((int) addr));
        assertEquals(0, addr % PAGE, "mappings are page aligned");
        String line = ProcSelf.mapping(addr);
        assertNotNull(line, "the mapping is not in /proc/self/maps");
        assertTrue(line.contains(" rw-p "), line);
        try {
            NativeBuffer view = NativeBuffer.wrap(addr, 2 * PAGE);
            assertEquals(0, view.buffer().getLong(PAGE + 8), "anonymous memory starts zeroed");
            view.buffer().putLong(PAGE + 8, 0x0123456789abcdefL);
            assertEquals(0x0123456789abcdefL, view.buffer().getLong(PAGE + 8));
        } finally {
            assertEquals(0, sys.munmap(addr, 2 * PAGE));
        }
        assertNull(ProcSelf.mapping(addr), "munmap left the address mapped");
    }

    /**
     * A file mapping at a non-zero offset: the offset is mmap's sixth argument, the one jnr-ffi#181
     * corrupts when all six are primitives. The bytes seen must be the file's bytes at that offset.
     */
    @BothBackends
    void fileMmapAtANonZeroOffsetSeesTheFilesBytesThere(Syscalls sys, @TempDir Path dir) throws IOException {
        byte[] content = new byte[3 * PAGE];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 7 + i / PAGE * 31);
        }
        Path file = dir.resolve("pages.bin");
        Files.write(file, content);
        NativeBuffer path = NativeBuffer.allocate(4096);
        ProcSelf.putCString(path, 3, file.toString());
        try (Fd fd = Fd.own(sys, "open", sys.open(path, 3, O_RDONLY | O_CLOEXEC))) {
            for (int offset : new int[] {PAGE, 2 * PAGE}) {
                long addr = sys.mmap(PAGE, PROT_READ, MAP_PRIVATE, fd.get(), offset);
                assertTrue(addr > 0, () -> "mmap at " + offset + ": " + Errno.describe((int) addr));
                try {
                    String line = ProcSelf.mapping(addr);
                    assertNotNull(line);
                    assertEquals(offset, ProcSelf.fileOffset(line, addr), line);
                    byte[] seen = new byte[PAGE];
                    NativeBuffer.wrap(addr, PAGE).buffer().get(0, seen);
                    assertArrayEquals(Arrays.copyOfRange(content, offset, offset + PAGE), seen,
                            "the mapping shows other bytes than the file's at offset " + offset);
                } finally {
                    assertEquals(0, sys.munmap(addr, PAGE));
                }
            }
            assertEquals(-Errno.EINVAL, sys.mmap(PAGE, PROT_READ, MAP_PRIVATE, fd.get(), 100), "unaligned offset");
        }
    }

    @BothBackends
    void mmapAndMunmapReportErrnos(Syscalls sys) {
        assertEquals(-Errno.EBADF, sys.mmap(PAGE, PROT_READ, MAP_PRIVATE, NEVER_OPEN_FD, 0));
        assertEquals(-Errno.EINVAL, sys.mmap(0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), "length 0");
        long addr = sys.mmap(PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assertTrue(addr > 0);
        assertEquals(-Errno.EINVAL, sys.munmap(addr + 1, PAGE), "unaligned address");
        assertEquals(0, sys.munmap(addr, PAGE));
    }

    /** perf_event_attr for a disabled software dummy event at {@code at}, user space only. */
    static NativeBuffer dummyEventAttr(int at, int size) {
        NativeBuffer attr = NativeBuffer.allocate(at + 128);
        fill(attr, (byte) 0);
        attr.buffer().putInt(at, PERF_TYPE_SOFTWARE);
        attr.buffer().putInt(at + 4, size);
        attr.buffer().putLong(at + 8, PERF_COUNT_SW_DUMMY);
        attr.buffer().putLong(at + 40, 1L | 1L << 5 | 1L << 6); // disabled, exclude_kernel, exclude_hv
        return attr;
    }

    /**
     * perf_event_open's flags are its fifth argument and the syscall number makes six: whether
     * PERF_FLAG_FD_CLOEXEC arrived is visible in the descriptor's flags, and a bad flag must be EINVAL.
     */
    @BothBackends
    @Needs(root = true)
    void perfEventOpenPassesEveryArgumentIntact(Syscalls sys) throws IOException {
        NativeBuffer attr = dummyEventAttr(8, PERF_ATTR_SIZE_VER5);
        long firstId;
        try (Fd fd = Fd.own(sys, "perf_event_open", sys.perfEventOpen(attr, 8, 0, -1, -1, PERF_FLAG_FD_CLOEXEC))) {
            assertEquals("anon_inode:[perf_event]", ProcSelf.fdLink(fd.get()));
            assertTrue((ProcSelf.fdFlags(fd.get()) & ProcSelf.O_CLOEXEC) != 0, "PERF_FLAG_FD_CLOEXEC was lost");

            NativeBuffer id = NativeBuffer.allocate(32);
            fill(id, SENTINEL);
            assertEquals(0, sys.ioctl(fd.get(), PERF_EVENT_IOC_ID, id, 12));
            firstId = id.buffer().getLong(12);
            assertNotEquals(0, firstId);
            assertUntouchedOutside(id, 12, 20);

            assertEquals(0, sys.ioctlValue(fd.get(), PERF_EVENT_IOC_ENABLE, 0));
            assertEquals(0, sys.ioctlValue(fd.get(), PERF_EVENT_IOC_DISABLE, 0));
            assertEquals(-Errno.EBADF, sys.ioctlValue(fd.get(), PERF_EVENT_IOC_SET_OUTPUT, NEVER_OPEN_FD),
                    "ioctl's integer argument did not arrive");
        }
        try (Fd fd = Fd.own(sys, "perf_event_open", sys.perfEventOpen(attr, 8, 0, -1, -1, 0))) {
            assertEquals(0, ProcSelf.fdFlags(fd.get()) & ProcSelf.O_CLOEXEC, "O_CLOEXEC without asking for it");
            NativeBuffer id = NativeBuffer.allocate(8);
            assertEquals(0, sys.ioctl(fd.get(), PERF_EVENT_IOC_ID, id, 0));
            assertNotEquals(firstId, id.buffer().getLong(0), "two events, one id");
        }
        assertEquals(-Errno.EINVAL, sys.perfEventOpen(attr, 8, 0, -1, -1, 0x100), "unknown flag");
        assertEquals(-Errno.EINVAL, sys.perfEventOpen(attr, 8, 0, -1, -1, PERF_FLAG_FD_CLOEXEC | 1L << 32),
                "a flag in the upper half");
        assertEquals(-Errno.EBADF, sys.perfEventOpen(attr, 8, 0, -1, NEVER_OPEN_FD, PERF_FLAG_FD_CLOEXEC),
                "group_fd did not arrive");

        // an attr size below PERF_ATTR_SIZE_VER0 is E2BIG, and the kernel writes its own size into attr.size
        NativeBuffer small = dummyEventAttr(16, 7);
        assertEquals(-Errno.E2BIG, sys.perfEventOpen(small, 16, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
        int kernelSize = small.buffer().getInt(16 + 4);
        assertTrue(kernelSize > PERF_ATTR_SIZE_VER0 && kernelSize % 8 == 0, "kernel attr size " + kernelSize);
    }

    // ---------------------------------------------------------------- bpf

    // linux/bpf.h: enum bpf_cmd, enum bpf_map_type, union bpf_attr (MAP_CREATE and *_ELEM layouts)
    static final int BPF_MAP_CREATE = 0;
    static final int BPF_MAP_LOOKUP_ELEM = 1;
    static final int BPF_MAP_UPDATE_ELEM = 2;
    static final int BPF_MAP_TYPE_ARRAY = 2;

    /**
     * bpf(2) gets cmd, the attr at its offset and the size intact: an ARRAY map made from an attr 24 bytes
     * into a buffer, a value written and read back through it, and each argument's own errno.
     */
    @BothBackends
    @Needs(root = true)
    void bpfPassesCommandAttrAndSizeIntact(Syscalls sys) throws IOException {
        NativeBuffer attr = NativeBuffer.allocate(24 + 1024);
        fill(attr, SENTINEL);
        ByteBuffer a = attr.buffer();
        for (int i = 24; i < 24 + 72; i++) {
            a.put(i, (byte) 0);
        }
        a.putInt(24, BPF_MAP_TYPE_ARRAY);
        a.putInt(24 + 4, 4);   // key_size
        a.putInt(24 + 8, 8);   // value_size
        a.putInt(24 + 12, 3);  // max_entries
        try (Fd map = Fd.own(sys, "bpf(BPF_MAP_CREATE)", sys.bpf(BPF_MAP_CREATE, attr, 24, 72))) {
            assertEquals("anon_inode:bpf-map", ProcSelf.fdLink(map.get()));
            NativeBuffer kv = NativeBuffer.allocate(16);
            kv.buffer().putInt(0, 2).putLong(8, 0x1122334455667788L);
            NativeBuffer elem = NativeBuffer.allocate(32);
            elem.buffer().putInt(0, map.get()).putLong(8, kv.address()).putLong(16, kv.address() + 8).putLong(24, 0);
            assertEquals(0, sys.bpf(BPF_MAP_UPDATE_ELEM, elem, 0, 32));
            kv.buffer().putLong(8, 0);
            assertEquals(0, sys.bpf(BPF_MAP_LOOKUP_ELEM, elem, 0, 32));
            assertEquals(0x1122334455667788L, kv.buffer().getLong(8), "the value did not round-trip");
            kv.buffer().putInt(0, 3); // past max_entries
            assertEquals(-Errno.ENOENT, sys.bpf(BPF_MAP_LOOKUP_ELEM, elem, 0, 32));
        }
        // the size arrives: bytes past the kernel's union bpf_attr must be zero, so 1 KiB ending in garbage is E2BIG
        assertEquals(SENTINEL, a.get(24 + 1023));
        assertEquals(-Errno.E2BIG, sys.bpf(BPF_MAP_CREATE, attr, 24, 1024));
        assertEquals(-Errno.EINVAL, sys.bpf(1 << 20, attr, 24, 72), "an unknown command");
        assertThrows(IndexOutOfBoundsException.class, () -> sys.bpf(BPF_MAP_CREATE, attr, 1000, 72));
    }

    // ---------------------------------------------------------------- open, setns

    @BothBackends
    @Needs(root = true)
    void openAndSetnsIntoOurOwnNetworkNamespace(Syscalls sys) throws Exception {
        NativeBuffer path = NativeBuffer.allocate(64);
        fill(path, (byte) 'x');
        ProcSelf.putCString(path, 5, "/proc/self/ns/net");
        String ours = Files.readSymbolicLink(Paths.get("/proc/self/ns/net")).toString();
        try (Fd plain = Fd.own(sys, "open", sys.open(path, 5, O_RDONLY));
             Fd ns = Fd.own(sys, "open", sys.open(path, 5, O_RDONLY | O_CLOEXEC))) {
            assertEquals(ours, ProcSelf.fdLink(ns.get()), "opened another file than the path at the offset");
            assertTrue((ProcSelf.fdFlags(ns.get()) & ProcSelf.O_CLOEXEC) != 0, "O_CLOEXEC lost");
            assertEquals(0, ProcSelf.fdFlags(plain.get()) & ProcSelf.O_CLOEXEC, "O_CLOEXEC without asking");

            // setns moves only the calling thread, and into the namespace it is already in: harmless
            AtomicInteger same = new AtomicInteger(1);
            AtomicInteger wrongType = new AtomicInteger(1);
            AtomicInteger badFd = new AtomicInteger(1);
            AtomicReference<Throwable> error = new AtomicReference<>();
            Thread t = new Thread(() -> {
                wrongType.set(sys.setns(ns.get(), CLONE_NEWUTS));
                badFd.set(sys.setns(NEVER_OPEN_FD, CLONE_NEWNET));
                same.set(sys.setns(ns.get(), CLONE_NEWNET));
            }, "setns-probe");
            t.setUncaughtExceptionHandler((th, e) -> error.set(e));
            t.start();
            t.join();
            assertNull(error.get());
            assertEquals(-Errno.EINVAL, wrongType.get(), "a net namespace fd with nstype CLONE_NEWUTS");
            assertEquals(-Errno.EBADF, badFd.get());
            assertEquals(0, same.get(), "setns into our own network namespace");
        }
        ProcSelf.putCString(path, 0, "/proc/self/no-such-file");
        assertEquals(-Errno.ENOENT, sys.open(path, 0, O_RDONLY | O_CLOEXEC));
    }

    // ---------------------------------------------------------------- selection, delegation

    @Test
    void onlyTheJnrBackendDelegatesAndItSaysWhichCalls() {
        assertEquals("jna", Syscalls.named("jna").name());
        assertEquals("jnr", Syscalls.named("jnr").name());
        assertTrue(Syscalls.named("jna").delegatedCalls().isEmpty());
        var delegated = Syscalls.named("jnr").delegatedCalls();
        assertEquals(1, delegated.size(), delegated.toString());
        assertTrue(delegated.get(0).startsWith("mmap:") && delegated.get(0).contains("jnr-ffi#181"), delegated.get(0));
    }

    @Test
    void theSystemPropertyChoosesTheBackend() {
        String before = System.getProperty("dropscope.native");
        try {
            System.clearProperty("dropscope.native");
            assertEquals("jna", Syscalls.get().name(), "the default");
            System.setProperty("dropscope.native", "jnr");
            assertEquals("jnr", Syscalls.get().name());
            assertTrue(Syscalls.get() == Syscalls.named("jnr"), "one instance per backend");
            System.setProperty("dropscope.native", "ffm");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Syscalls::get);
            assertTrue(e.getMessage().contains("ffm"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty("dropscope.native");
            } else {
                System.setProperty("dropscope.native", before);
            }
        }
    }
}
