package dev.dropscope.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.lang.ref.Reference;
import java.util.List;

/**
 * jnr-ffi backend: about 9 ns per call against JNA's 50. jnr-ffi 2.3.x passes a corrupt 6th argument
 * when all six arguments are primitives (jnr-ffi#181), so no such signature is declared here:
 * sendto goes through sendmsg (3 arguments), perf_event_open passes its attr as a jnr Pointer (not a
 * primitive, so not the broken shape), and mmap, which has no other shape, is handed to JNA.
 */
public final class JnrSyscalls extends AddressSyscalls {

    /** The libc calls as jnr sees them; never six primitives in one signature. */
    public interface LibC {
        int socket(int domain, int type, int protocol);

        int bind(int fd, long addr, int len);

        int getsockname(int fd, long addr, long lenPtr);

        int setsockopt(int fd, int level, int opt, long val, int len);

        int getsockopt(int fd, int level, int opt, long val, long lenPtr);

        long sendmsg(int fd, long msg, int flags);

        long recv(int fd, long buf, long len, int flags);

        long recvmsg(int fd, long msg, int flags);

        int poll(long fds, long nfds, int timeout);

        int close(int fd);

        int ioctl(int fd, long request, long arg);

        long syscall(long number, Pointer attr, int pid, int cpu, int groupFd, long flags);

        /** bpf(2): four primitives, below the six that jnr-ffi#181 corrupts. */
        long syscall(long number, int cmd, long attr, int size);

        int munmap(long addr, long len);

        int setns(int fd, int nstype);

        int open(long path, int flags);

        /** Five primitives: below the six that jnr-ffi#181 corrupts. */
        int mount(long source, long target, long fstype, long flags, long data);

        int umount2(long target, int flags);

        int malloc_trim(long pad);
    }

    private final LibC libc;
    private final Runtime runtime;
    private final Syscalls jna;
    private final ThreadLocal<NativeBuffer> scratch = ThreadLocal.withInitial(() -> NativeBuffer.allocate(128));

    JnrSyscalls() {
        this.libc = LibraryLoader.create(LibC.class).load("c");
        this.runtime = Runtime.getRuntime(libc);
        this.jna = SyscallsHolder.named("jna");
    }

    @Override
    public String name() {
        return "jnr";
    }

    @Override
    public List<String> delegatedCalls() {
        return List.of("mmap: delegated to JNA (six primitive arguments, jnr-ffi#181)");
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        return ret(libc.socket(domain, type, protocol));
    }

    @Override
    public long sendto(int fd, NativeBuffer buf, int offset, int length, int flags, NativeBuffer addr,
                       int addrOffset, int addrLength) {
        NativeBuffer msg = scratch.get();
        try {
            MsgHdr.writeSingle(msg, 0, buf, offset, length, addr, addrOffset, addrLength);
            return ret(libc.sendmsg(fd, msg.address(0, MsgHdr.SIZE), flags));
        } finally {
            Reference.reachabilityFence(buf);
            Reference.reachabilityFence(addr);
            Reference.reachabilityFence(msg);
        }
    }

    @Override
    public long mmap(long length, int prot, int flags, int fd, long fileOffset) {
        return jna.mmap(length, prot, flags, fd, fileOffset);
    }

    @Override
    int lastErrno() {
        return runtime.getLastError();
    }

    @Override
    int rawBind(int fd, long addr, int len) {
        return libc.bind(fd, addr, len);
    }

    @Override
    int rawGetsockname(int fd, long addr, long lenPtr) {
        return libc.getsockname(fd, addr, lenPtr);
    }

    @Override
    int rawSetsockopt(int fd, int level, int opt, long val, int len) {
        return libc.setsockopt(fd, level, opt, val, len);
    }

    @Override
    int rawGetsockopt(int fd, int level, int opt, long val, long lenPtr) {
        return libc.getsockopt(fd, level, opt, val, lenPtr);
    }

    @Override
    long rawSendmsg(int fd, long msg, int flags) {
        return libc.sendmsg(fd, msg, flags);
    }

    @Override
    long rawRecv(int fd, long buf, long len, int flags) {
        return libc.recv(fd, buf, len, flags);
    }

    @Override
    long rawRecvmsg(int fd, long msg, int flags) {
        return libc.recvmsg(fd, msg, flags);
    }

    @Override
    int rawPoll(long fds, long nfds, int timeout) {
        return libc.poll(fds, nfds, timeout);
    }

    @Override
    int rawIoctl(int fd, long request, long arg) {
        return libc.ioctl(fd, request, arg);
    }

    @Override
    int rawOpen(long path, int flags) {
        return libc.open(path, flags);
    }

    @Override
    int rawMount(long source, long target, long fstype, long flags, long data) {
        return libc.mount(source, target, fstype, flags, data);
    }

    @Override
    int rawUmount2(long target, int flags) {
        return libc.umount2(target, flags);
    }

    @Override
    public boolean trimNativeHeap() {
        return libc.malloc_trim(0) == 1;
    }

    @Override
    int rawClose(int fd) {
        return libc.close(fd);
    }

    @Override
    int rawMunmap(long address, long length) {
        return libc.munmap(address, length);
    }

    @Override
    int rawSetns(int fd, int nstype) {
        return libc.setns(fd, nstype);
    }

    @Override
    long rawPerfEventOpen(long number, long attr, int pid, int cpu, int groupFd, long flags) {
        // a Pointer, not a sixth primitive: jnr-ffi#181 (see the class comment)
        return libc.syscall(number, Pointer.wrap(runtime, attr), pid, cpu, groupFd, flags);
    }

    @Override
    long rawBpf(long number, int cmd, long attr, int size) {
        return libc.syscall(number, cmd, attr, size);
    }
}
