package dev.dropscope.sys;

import java.lang.ref.Reference;

/**
 * What both backends share: turning (buffer, offset, length) into a checked address, keeping the buffer
 * reachable during the call, and turning a failed call into -errno. A backend supplies only the raw
 * libc calls on addresses and its way of reading errno.
 */
abstract class AddressSyscalls implements Syscalls {

    /** errno of the calling thread, right after a failed call. */
    abstract int lastErrno();

    abstract int rawBind(int fd, long addr, int len);

    abstract int rawGetsockname(int fd, long addr, long lenPtr);

    abstract int rawSetsockopt(int fd, int level, int opt, long val, int len);

    abstract int rawGetsockopt(int fd, int level, int opt, long val, long lenPtr);

    abstract long rawSendmsg(int fd, long msg, int flags);

    abstract long rawRecv(int fd, long buf, long len, int flags);

    abstract long rawRecvmsg(int fd, long msg, int flags);

    abstract int rawPoll(long fds, long nfds, int timeout);

    abstract int rawIoctl(int fd, long request, long arg);

    abstract int rawOpen(long path, int flags);

    abstract int rawMount(long source, long target, long fstype, long flags, long data);

    abstract int rawUmount2(long target, int flags);

    abstract int rawClose(int fd);

    abstract int rawMunmap(long address, long length);

    abstract int rawSetns(int fd, int nstype);

    /** syscall(number, attr, pid, cpu, groupFd, flags) */
    abstract long rawPerfEventOpen(long number, long attr, int pid, int cpu, int groupFd, long flags);

    /** syscall(number, cmd, attr, size) */
    abstract long rawBpf(long number, int cmd, long attr, int size);

    final int ret(int r) {
        return r < 0 ? -lastErrno() : r;
    }

    final long ret(long r) {
        return r < 0 ? -lastErrno() : r;
    }

    @Override
    public int close(int fd) {
        return ret(rawClose(fd));
    }

    @Override
    public int munmap(long address, long length) {
        return ret(rawMunmap(address, length));
    }

    @Override
    public int setns(int fd, int nstype) {
        return ret(rawSetns(fd, nstype));
    }

    @Override
    public int perfEventOpen(NativeBuffer attr, int offset, int pid, int cpu, int groupFd, long flags) {
        try {
            return (int) ret(rawPerfEventOpen(SyscallNumbers.current().perfEventOpen(), attr.address(offset, 0), pid,
                    cpu, groupFd, flags));
        } finally {
            Reference.reachabilityFence(attr);
        }
    }

    @Override
    public int bpf(int cmd, NativeBuffer attr, int offset, int size) {
        try {
            return (int) ret(rawBpf(SyscallNumbers.current().bpf(), cmd, attr.address(offset, size), size));
        } finally {
            Reference.reachabilityFence(attr);
        }
    }

    @Override
    public int bind(int fd, NativeBuffer addr, int offset, int length) {
        try {
            return ret(rawBind(fd, addr.address(offset, length), length));
        } finally {
            Reference.reachabilityFence(addr);
        }
    }

    @Override
    public int getsockname(int fd, NativeBuffer addr, int offset, NativeBuffer len, int lenOffset) {
        try {
            int cap = len.buffer().getInt(lenOffset);
            return ret(rawGetsockname(fd, addr.address(offset, cap), len.address(lenOffset, 4)));
        } finally {
            Reference.reachabilityFence(addr);
            Reference.reachabilityFence(len);
        }
    }

    @Override
    public int setsockopt(int fd, int level, int option, NativeBuffer value, int offset, int length) {
        try {
            return ret(rawSetsockopt(fd, level, option, value.address(offset, length), length));
        } finally {
            Reference.reachabilityFence(value);
        }
    }

    @Override
    public int getsockopt(int fd, int level, int option, NativeBuffer value, int offset, NativeBuffer len,
                          int lenOffset) {
        try {
            int cap = len.buffer().getInt(lenOffset);
            return ret(rawGetsockopt(fd, level, option, value.address(offset, cap), len.address(lenOffset, 4)));
        } finally {
            Reference.reachabilityFence(value);
            Reference.reachabilityFence(len);
        }
    }

    @Override
    public long sendmsg(int fd, NativeBuffer msghdr, int offset, int flags) {
        try {
            return ret(rawSendmsg(fd, msghdr.address(offset, MsgHdr.SIZE), flags));
        } finally {
            Reference.reachabilityFence(msghdr);
        }
    }

    @Override
    public long recv(int fd, NativeBuffer buf, int offset, int length, int flags) {
        try {
            return ret(rawRecv(fd, buf.address(offset, length), length, flags));
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    @Override
    public long recvmsg(int fd, NativeBuffer msghdr, int offset, int flags) {
        try {
            return ret(rawRecvmsg(fd, msghdr.address(offset, MsgHdr.SIZE), flags));
        } finally {
            Reference.reachabilityFence(msghdr);
        }
    }

    @Override
    public int poll(NativeBuffer fds, int offset, int nfds, int timeoutMillis) {
        try {
            return ret(rawPoll(fds.address(offset, nfds * 8), nfds, timeoutMillis));
        } finally {
            Reference.reachabilityFence(fds);
        }
    }

    @Override
    public int ioctl(int fd, long request, NativeBuffer arg, int offset) {
        try {
            return ret(rawIoctl(fd, request, arg.address(offset, 0)));
        } finally {
            Reference.reachabilityFence(arg);
        }
    }

    @Override
    public int ioctlValue(int fd, long request, long value) {
        return ret(rawIoctl(fd, request, value));
    }

    @Override
    public int open(NativeBuffer path, int offset, int flags) {
        try {
            return ret(rawOpen(path.address(offset, 1), flags));
        } finally {
            Reference.reachabilityFence(path);
        }
    }

    @Override
    public int mount(NativeBuffer source, NativeBuffer target, NativeBuffer fstype, long flags) {
        try {
            return ret(rawMount(source.address(0, 1), target.address(0, 1), fstype.address(0, 1), flags, 0));
        } finally {
            Reference.reachabilityFence(source);
            Reference.reachabilityFence(target);
            Reference.reachabilityFence(fstype);
        }
    }

    @Override
    public int umount2(NativeBuffer target, int flags) {
        try {
            return ret(rawUmount2(target.address(0, 1), flags));
        } finally {
            Reference.reachabilityFence(target);
        }
    }
}
