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
public final class JnrSyscalls implements Syscalls {

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

        int munmap(long addr, long len);

        int setns(int fd, int nstype);

        int open(long path, int flags);

        /** Five primitives: below the six that jnr-ffi#181 corrupts. */
        int mount(long source, long target, long fstype, long flags, long data);

        int umount2(long target, int flags);
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

    private int ret(int r) {
        return r < 0 ? -runtime.getLastError() : r;
    }

    private long ret(long r) {
        return r < 0 ? -runtime.getLastError() : r;
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        return ret(libc.socket(domain, type, protocol));
    }

    @Override
    public int bind(int fd, NativeBuffer addr, int offset, int length) {
        try {
            return ret(libc.bind(fd, addr.address(offset, length), length));
        } finally {
            Reference.reachabilityFence(addr);
        }
    }

    @Override
    public int getsockname(int fd, NativeBuffer addr, int offset, NativeBuffer len, int lenOffset) {
        try {
            int cap = len.buffer().getInt(lenOffset);
            return ret(libc.getsockname(fd, addr.address(offset, cap), len.address(lenOffset, 4)));
        } finally {
            Reference.reachabilityFence(addr);
            Reference.reachabilityFence(len);
        }
    }

    @Override
    public int setsockopt(int fd, int level, int option, NativeBuffer value, int offset, int length) {
        try {
            return ret(libc.setsockopt(fd, level, option, value.address(offset, length), length));
        } finally {
            Reference.reachabilityFence(value);
        }
    }

    @Override
    public int getsockopt(int fd, int level, int option, NativeBuffer value, int offset, NativeBuffer len,
                          int lenOffset) {
        try {
            int cap = len.buffer().getInt(lenOffset);
            return ret(libc.getsockopt(fd, level, option, value.address(offset, cap), len.address(lenOffset, 4)));
        } finally {
            Reference.reachabilityFence(value);
            Reference.reachabilityFence(len);
        }
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
    public long sendmsg(int fd, NativeBuffer msghdr, int offset, int flags) {
        try {
            return ret(libc.sendmsg(fd, msghdr.address(offset, MsgHdr.SIZE), flags));
        } finally {
            Reference.reachabilityFence(msghdr);
        }
    }

    @Override
    public long recv(int fd, NativeBuffer buf, int offset, int length, int flags) {
        try {
            return ret(libc.recv(fd, buf.address(offset, length), length, flags));
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    @Override
    public long recvmsg(int fd, NativeBuffer msghdr, int offset, int flags) {
        try {
            return ret(libc.recvmsg(fd, msghdr.address(offset, MsgHdr.SIZE), flags));
        } finally {
            Reference.reachabilityFence(msghdr);
        }
    }

    @Override
    public int poll(NativeBuffer fds, int offset, int nfds, int timeoutMillis) {
        try {
            return ret(libc.poll(fds.address(offset, nfds * 8), nfds, timeoutMillis));
        } finally {
            Reference.reachabilityFence(fds);
        }
    }

    @Override
    public int close(int fd) {
        return ret(libc.close(fd));
    }

    @Override
    public int ioctl(int fd, long request, NativeBuffer arg, int offset) {
        try {
            return ret(libc.ioctl(fd, request, arg.address(offset, 0)));
        } finally {
            Reference.reachabilityFence(arg);
        }
    }

    @Override
    public int ioctlValue(int fd, long request, long value) {
        return ret(libc.ioctl(fd, request, value));
    }

    @Override
    public int perfEventOpen(NativeBuffer attr, int offset, int pid, int cpu, int groupFd, long flags) {
        try {
            Pointer p = Pointer.wrap(runtime, attr.address(offset, 0));
            return (int) ret(libc.syscall(JnaSyscalls.SYS_PERF_EVENT_OPEN, p, pid, cpu, groupFd, flags));
        } finally {
            Reference.reachabilityFence(attr);
        }
    }

    @Override
    public long mmap(long length, int prot, int flags, int fd, long fileOffset) {
        return jna.mmap(length, prot, flags, fd, fileOffset);
    }

    @Override
    public int munmap(long address, long length) {
        return ret(libc.munmap(address, length));
    }

    @Override
    public int setns(int fd, int nstype) {
        return ret(libc.setns(fd, nstype));
    }

    @Override
    public int open(NativeBuffer path, int offset, int flags) {
        try {
            return ret(libc.open(path.address(offset, 1), flags));
        } finally {
            Reference.reachabilityFence(path);
        }
    }

    @Override
    public int mount(NativeBuffer source, NativeBuffer target, NativeBuffer fstype, long flags) {
        try {
            return ret(libc.mount(source.address(0, 1), target.address(0, 1), fstype.address(0, 1), flags, 0));
        } finally {
            Reference.reachabilityFence(source);
            Reference.reachabilityFence(target);
            Reference.reachabilityFence(fstype);
        }
    }

    @Override
    public int umount2(NativeBuffer target, int flags) {
        try {
            return ret(libc.umount2(target.address(0, 1), flags));
        } finally {
            Reference.reachabilityFence(target);
        }
    }
}
