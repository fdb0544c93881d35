package dev.dropscope.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

class FdTest {

    /** A Syscalls that only counts close calls, per descriptor. Anything else is a test bug. */
    static final class CountingSyscalls implements Syscalls {
        final Map<Integer, AtomicInteger> closes = new ConcurrentHashMap<>();

        int closesOf(int fd) {
            AtomicInteger n = closes.get(fd);
            return n == null ? 0 : n.get();
        }

        @Override
        public int close(int fd) {
            closes.computeIfAbsent(fd, k -> new AtomicInteger()).incrementAndGet();
            Thread.yield(); // widen the window a double close would need
            return 0;
        }

        @Override
        public String name() {
            return "counting";
        }

        @Override
        public List<String> delegatedCalls() {
            return List.of();
        }

        private static UnsupportedOperationException unused() {
            return new UnsupportedOperationException("FdTest's fake only closes");
        }

        @Override
        public int socket(int domain, int type, int protocol) {
            throw unused();
        }

        @Override
        public int bind(int fd, NativeBuffer addr, int offset, int length) {
            throw unused();
        }

        @Override
        public int getsockname(int fd, NativeBuffer addr, int offset, NativeBuffer lengthInOut, int lengthOffset) {
            throw unused();
        }

        @Override
        public int setsockopt(int fd, int level, int option, NativeBuffer value, int offset, int length) {
            throw unused();
        }

        @Override
        public int getsockopt(int fd, int level, int option, NativeBuffer value, int offset, NativeBuffer lengthInOut,
                              int lengthOffset) {
            throw unused();
        }

        @Override
        public long sendto(int fd, NativeBuffer buf, int offset, int length, int flags, NativeBuffer addr,
                           int addrOffset, int addrLength) {
            throw unused();
        }

        @Override
        public long sendmsg(int fd, NativeBuffer msghdr, int offset, int flags) {
            throw unused();
        }

        @Override
        public long recv(int fd, NativeBuffer buf, int offset, int length, int flags) {
            throw unused();
        }

        @Override
        public long recvmsg(int fd, NativeBuffer msghdr, int offset, int flags) {
            throw unused();
        }

        @Override
        public int poll(NativeBuffer fds, int offset, int nfds, int timeoutMillis) {
            throw unused();
        }

        @Override
        public int ioctl(int fd, long request, NativeBuffer arg, int offset) {
            throw unused();
        }

        @Override
        public int perfEventOpen(NativeBuffer attr, int offset, int pid, int cpu, int groupFd, long flags) {
            throw unused();
        }

        @Override
        public int ioctlValue(int fd, long request, long value) {
            throw unused();
        }

        @Override
        public int bpf(int cmd, NativeBuffer attr, int offset, int size) {
            throw unused();
        }

        @Override
        public long mmap(long length, int prot, int flags, int fd, long fileOffset) {
            throw unused();
        }

        @Override
        public int munmap(long address, long length) {
            throw unused();
        }

        @Override
        public int setns(int fd, int nstype) {
            throw unused();
        }

        @Override
        public int open(NativeBuffer path, int offset, int flags) {
            throw unused();
        }

        @Override
        public int mount(NativeBuffer source, NativeBuffer target, NativeBuffer fstype, long flags) {
            throw unused();
        }

        @Override
        public int umount2(NativeBuffer target, int flags) {
            throw unused();
        }
    }

    @Test
    void racingClosesCloseTheDescriptorExactlyOnce() throws Exception {
        CountingSyscalls sys = new CountingSyscalls();
        int threads = 8;
        int rounds = 100;
        for (int round = 0; round < rounds; round++) {
            int number = 1000 + round;
            Fd fd = Fd.own(sys, "fake", number);
            CyclicBarrier start = new CyclicBarrier(threads);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> racers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread racer = new Thread(() -> {
                    try {
                        start.await();
                        fd.close();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                racers.add(racer);
                racer.start();
            }
            for (Thread racer : racers) {
                racer.join();
            }
            assertEquals(null, failure.get());
            assertEquals(1, sys.closesOf(number), "round " + round + ": close(2) calls for one Fd");
            assertFalse(fd.isOpen());
        }
        assertEquals(rounds, sys.closes.size());
    }

    @Test
    void getAfterCloseThrowsAndCloseStaysIdempotent() throws NativeIoException {
        CountingSyscalls sys = new CountingSyscalls();
        Fd fd = Fd.own(sys, "fake", 42);
        assertTrue(fd.isOpen());
        assertEquals(42, fd.get());
        assertSame(sys, fd.syscalls());
        assertEquals("fd 42", fd.toString());
        fd.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, fd::get);
        assertTrue(e.getMessage().contains("42"), e.getMessage());
        fd.close();
        fd.close();
        assertEquals(1, sys.closesOf(42));
        assertEquals("fd 42 (closed)", fd.toString());
    }

    @Test
    void owningAFailedResultThrowsWithTheErrnoAndClosesNothing() {
        CountingSyscalls sys = new CountingSyscalls();
        NativeIoException e = assertThrows(NativeIoException.class, () -> Fd.own(sys, "socket(AF_NETLINK)", -Errno.EMFILE));
        assertEquals(Errno.EMFILE, e.errno());
        assertEquals("socket(AF_NETLINK)", e.operation());
        assertTrue(sys.closes.isEmpty());
    }

    /** The real thing: after close, /proc/self/fd/N is gone or names another file. */
    @Test
    void closingARealDescriptorReleasesIt() throws IOException, InterruptedException {
        Syscalls sys = Syscalls.get();
        Fd fd = Fd.own(sys, "socket", sys.socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */ | 0x80000, 0));
        int number = fd.get();
        String link = ProcSelf.fdLink(number);
        assertNotNull(link);
        assertTrue(link.startsWith("socket:["), link);

        Thread closer = new Thread(fd::close, "closer"); // from another thread than the one that opened it
        closer.start();
        closer.join();

        assertFalse(fd.isOpen());
        // the number may already be reused by another thread, but never for this socket: inodes are unique
        assertNotEquals(link, ProcSelf.fdLink(number), "the socket is still open");
    }

    /**
     * A double close elsewhere (the number closed behind the Fd's back) is loud: close(2) answers EBADF
     * and, with assertions on as in every test run, Fd.close fails instead of hiding it.
     */
    @Test
    void aDescriptorClosedBehindTheFdsBackIsLoud() throws IOException {
        Syscalls sys = Syscalls.get();
        Fd fd = Fd.own(sys, "socket", sys.socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */ | 0x80000, 0));
        assertEquals(0, sys.close(fd.get()), "the double close elsewhere");
        AssertionError e = assertThrows(AssertionError.class, fd::close);
        assertTrue(e.getMessage().contains("EBADF"), e.getMessage());
        assertFalse(fd.isOpen());
    }
}
