package dev.dropscope.sys;

import java.util.List;

/**
 * The system calls dropscope makes, and nothing else. Every call returns its result, or {@code -errno}
 * on failure; none throws on the expected failures (EAGAIN, EINTR, ENOBUFS), so a hot receive loop pays
 * no exception cost. Buffers are passed as {@link NativeBuffer} plus an explicit offset and length, never
 * through {@code ByteBuffer.position()}, so no layer above depends on position semantics.
 *
 * <p>Two implementations exist: {@link JnaSyscalls} (default) and {@link JnrSyscalls}. {@link #get()}
 * picks one from the {@code dropscope.native} system property ({@code jna} or {@code jnr}).
 */
public interface Syscalls {

    /** mmap(2) protection and flags (asm-generic/mman-common.h, the same on every Linux architecture). */
    int PROT_READ = 1;
    int PROT_WRITE = 2;
    int MAP_SHARED = 1;

    /** Backend name: "jna" or "jnr". */
    String name();

    /** Calls this backend does not make itself but hands to JNA, with the reason, e.g. "mmap: jnr-ffi#181". */
    List<String> delegatedCalls();

    int socket(int domain, int type, int protocol);

    int bind(int fd, NativeBuffer addr, int offset, int length);

    /** {@code getsockname}; {@code lengthInOut} holds a socklen_t (int) at {@code lengthOffset}. */
    int getsockname(int fd, NativeBuffer addr, int offset, NativeBuffer lengthInOut, int lengthOffset);

    int setsockopt(int fd, int level, int option, NativeBuffer value, int offset, int length);

    /** {@code getsockopt}; {@code lengthInOut} holds a socklen_t (int) at {@code lengthOffset}. */
    int getsockopt(int fd, int level, int option, NativeBuffer value, int offset,
                   NativeBuffer lengthInOut, int lengthOffset);

    /**
     * Sends {@code length} bytes to the address in {@code addr} (may be null for a connected socket).
     * Returns bytes sent or -errno.
     */
    long sendto(int fd, NativeBuffer buf, int offset, int length, int flags,
                NativeBuffer addr, int addrOffset, int addrLength);

    /** {@code sendmsg} with a caller-built {@code struct msghdr} at {@code offset}. */
    long sendmsg(int fd, NativeBuffer msghdr, int offset, int flags);

    /** Receives into {@code buf[offset, offset+length)}. Returns bytes received (the datagram's length
     * with MSG_TRUNC) or -errno. */
    long recv(int fd, NativeBuffer buf, int offset, int length, int flags);

    /** {@code recvmsg} with a caller-built {@code struct msghdr} at {@code offset}. */
    long recvmsg(int fd, NativeBuffer msghdr, int offset, int flags);

    /** {@code poll} over {@code nfds} {@code struct pollfd} (8 bytes each) at {@code offset}. */
    int poll(NativeBuffer fds, int offset, int nfds, int timeoutMillis);

    int close(int fd);

    /** {@code ioctl(fd, request, arg)} where arg points into {@code arg} at {@code offset}. */
    int ioctl(int fd, long request, NativeBuffer arg, int offset);

    /** {@code perf_event_open(attr, pid, cpu, group_fd, flags)} via syscall(2). */
    int perfEventOpen(NativeBuffer attr, int offset, int pid, int cpu, int groupFd, long flags);

    /** {@code ioctl(fd, request, unsigned long value)} for ioctls that take an integer (perf's ENABLE). */
    int ioctlValue(int fd, long request, long value);

    /** Maps {@code length} bytes of {@code fd} at {@code fileOffset}; returns the address or -errno. */
    long mmap(long length, int prot, int flags, int fd, long fileOffset);

    int munmap(long address, long length);

    /** {@code setns(fd, nstype)}: moves the calling thread into a namespace. */
    int setns(int fd, int nstype);

    /** {@code open(path, flags)}; the path is a NUL-terminated string in {@code path} at {@code offset}. */
    int open(NativeBuffer path, int offset, int flags);

    /**
     * {@code mount(source, target, fstype, flags, NULL)}: each string is NUL-terminated at offset 0 of its
     * buffer. Used to mount tracefs privately when the system has not mounted it.
     */
    int mount(NativeBuffer source, NativeBuffer target, NativeBuffer fstype, long flags);

    /** {@code umount2(target, flags)}; {@code target} NUL-terminated at offset 0. */
    int umount2(NativeBuffer target, int flags);

    /**
     * {@code bpf(cmd, attr, size)} via syscall(2): {@code size} bytes of {@code union bpf_attr} at
     * {@code offset}. Returns the kernel's result (a new fd, 0, ...) or -errno.
     */
    int bpf(int cmd, NativeBuffer attr, int offset, int size);

    /**
     * glibc's {@code malloc_trim(0)}: hands the malloc heap's free pages back to the kernel. A long-running
     * agent calls it once its start-up garbage (BTF, kallsyms parsing) is freed; returns whether any
     * memory was released. Backends without it do nothing.
     */
    default boolean trimNativeHeap() {
        return false;
    }

    /** The backend chosen by the {@code dropscope.native} system property (default {@code jna}). */
    static Syscalls get() {
        return SyscallsHolder.selected();
    }

    /** A backend by name; {@code IllegalArgumentException} for an unknown name. */
    static Syscalls named(String name) {
        return SyscallsHolder.named(name);
    }
}
