package dev.dropscope.sys;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.lang.ref.Reference;
import java.util.List;

/**
 * JNA direct mapping (Native.register): about 50 ns per call, every signature shape correct, including
 * the six-primitive calls (mmap, syscall) that jnr-ffi 2.3.x corrupts. Natives are declared without
 * {@code throws LastErrorException}: an exception per EAGAIN costs microseconds, so errno is read with
 * {@link Native#getLastError()} straight after the call instead.
 */
public final class JnaSyscalls extends AddressSyscalls {

    static final class LibC {
        static {
            // JNA opens "c" as the process itself (dlopen(NULL)), never by path; without this property its
            // first NativeLibrary runs `/sbin/ldconfig -p` to build a search path nobody uses: a child process,
            // ~20 ms, and a "process reaper" thread that stays for the life of the JVM
            System.getProperties().putIfAbsent("jna.platform.library.path", "");
            Native.register(LibC.class, NativeLibrary.getInstance("c"));
        }

        static native int socket(int domain, int type, int protocol);

        static native int bind(int fd, long addr, int len);

        static native int getsockname(int fd, long addr, long lenPtr);

        static native int setsockopt(int fd, int level, int opt, long val, int len);

        static native int getsockopt(int fd, int level, int opt, long val, long lenPtr);

        static native long sendto(int fd, long buf, long len, int flags, long addr, int addrLen);

        static native long sendmsg(int fd, long msg, int flags);

        static native long recv(int fd, long buf, long len, int flags);

        static native long recvmsg(int fd, long msg, int flags);

        static native int poll(long fds, long nfds, int timeout);

        static native int close(int fd);

        static native int ioctl(int fd, long request, long arg);

        static native long syscall(long number, long a1, long a2, long a3, long a4, long a5);

        static native long mmap(long addr, long len, int prot, int flags, int fd, long off);

        static native int munmap(long addr, long len);

        static native int setns(int fd, int nstype);

        static native int open(long path, int flags);

        static native int mount(long source, long target, long fstype, long flags, long data);

        static native int umount2(long target, int flags);

        static native int malloc_trim(long pad);
    }

    JnaSyscalls() {
        // force the library registration now, so a missing libjnidispatch fails at selection time
        LibC.close(-1);
    }

    @Override
    public String name() {
        return "jna";
    }

    @Override
    public List<String> delegatedCalls() {
        return List.of();
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        return ret(LibC.socket(domain, type, protocol));
    }

    @Override
    public long sendto(int fd, NativeBuffer buf, int offset, int length, int flags, NativeBuffer addr,
                       int addrOffset, int addrLength) {
        try {
            long a = addr == null ? 0 : addr.address(addrOffset, addrLength);
            return ret(LibC.sendto(fd, buf.address(offset, length), length, flags, a, addr == null ? 0 : addrLength));
        } finally {
            Reference.reachabilityFence(buf);
            Reference.reachabilityFence(addr);
        }
    }

    @Override
    public long mmap(long length, int prot, int flags, int fd, long fileOffset) {
        long r = LibC.mmap(0, length, prot, flags, fd, fileOffset);
        return r == -1 ? -Native.getLastError() : r;
    }

    @Override
    int lastErrno() {
        return Native.getLastError();
    }

    @Override
    int rawClose(int fd) {
        return LibC.close(fd);
    }

    @Override
    int rawMunmap(long address, long length) {
        return LibC.munmap(address, length);
    }

    @Override
    int rawSetns(int fd, int nstype) {
        return LibC.setns(fd, nstype);
    }

    @Override
    long rawPerfEventOpen(long number, long attr, int pid, int cpu, int groupFd, long flags) {
        return LibC.syscall(number, attr, pid, cpu, groupFd, flags);
    }

    @Override
    long rawBpf(long number, int cmd, long attr, int size) {
        return LibC.syscall(number, cmd, attr, size, 0, 0);
    }

    @Override
    int rawBind(int fd, long addr, int len) {
        return LibC.bind(fd, addr, len);
    }

    @Override
    int rawGetsockname(int fd, long addr, long lenPtr) {
        return LibC.getsockname(fd, addr, lenPtr);
    }

    @Override
    int rawSetsockopt(int fd, int level, int opt, long val, int len) {
        return LibC.setsockopt(fd, level, opt, val, len);
    }

    @Override
    int rawGetsockopt(int fd, int level, int opt, long val, long lenPtr) {
        return LibC.getsockopt(fd, level, opt, val, lenPtr);
    }

    @Override
    long rawSendmsg(int fd, long msg, int flags) {
        return LibC.sendmsg(fd, msg, flags);
    }

    @Override
    long rawRecv(int fd, long buf, long len, int flags) {
        return LibC.recv(fd, buf, len, flags);
    }

    @Override
    long rawRecvmsg(int fd, long msg, int flags) {
        return LibC.recvmsg(fd, msg, flags);
    }

    @Override
    int rawPoll(long fds, long nfds, int timeout) {
        return LibC.poll(fds, nfds, timeout);
    }

    @Override
    int rawIoctl(int fd, long request, long arg) {
        return LibC.ioctl(fd, request, arg);
    }

    @Override
    int rawOpen(long path, int flags) {
        return LibC.open(path, flags);
    }

    @Override
    int rawMount(long source, long target, long fstype, long flags, long data) {
        return LibC.mount(source, target, fstype, flags, data);
    }

    @Override
    int rawUmount2(long target, int flags) {
        return LibC.umount2(target, flags);
    }

    @Override
    public boolean trimNativeHeap() {
        return LibC.malloc_trim(0) == 1;
    }
}
