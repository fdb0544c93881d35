package dev.dropscope.collect;

import dev.dropscope.sys.Errno;
import dev.dropscope.sys.Fd;
import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Where collectors run: the caller's own network namespace, or a named one ({@code ip netns add NAME},
 * {@code /run/netns/NAME}). For a named one, each collector thread calls setns(2) once before its first
 * task; the thread then stays there for its whole life and is never handed to other code. Netlink and
 * ioctl sockets opened on it belong to that namespace, {@code /proc/thread-self/net} shows its /proc/net
 * and {@code /proc/sys/net} its sysctls, so collectors need no other change.
 */
public final class NetnsScope implements AutoCloseable {
    private static final String RUN_NETNS = "/run/netns/";
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;

    private final String name;
    private final Fd fd;
    private final ThreadLocal<Boolean> entered = ThreadLocal.withInitial(() -> false);

    private NetnsScope(String name, Fd fd) {
        this.name = name;
        this.fd = fd;
    }

    /** The calling process's own namespace: nothing to enter. */
    public static NetnsScope current() {
        return new NetnsScope(null, null);
    }

    /**
     * A named namespace. Checks now that it exists and can be entered, so a wrong name fails at once with
     * "network namespace 'NAME' not found (/run/netns/NAME)".
     */
    public static NetnsScope named(Syscalls sys, String name) throws IOException {
        if (name == null || name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IOException("'" + name + "' is not a network namespace name (as ip netns lists them)");
        }
        String path = RUN_NETNS + name;
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        NativeBuffer buf = NativeBuffer.allocate(p.length + 1);
        buf.buffer().put(0, p);
        int rc = sys.open(buf, 0, O_RDONLY | O_CLOEXEC);
        if (rc == -Errno.ENOENT) {
            throw new IOException("network namespace '" + name + "' not found (" + path + ")");
        }
        if (rc == -Errno.EACCES || rc == -Errno.EPERM) {
            throw new NativeIoException("network namespace '" + name + "' (" + path + ")", -rc);
        }
        Fd fd = Fd.own(sys, "open " + path, rc);
        NetnsScope scope = new NetnsScope(name, fd);
        try {
            scope.call(() -> null); // setns on a throw-away thread: EINVAL (not a netns), EPERM show now
        } catch (IOException e) {
            fd.close();
            throw e;
        } catch (Exception e) {
            fd.close();
            throw new IOException(e.getMessage(), e);
        }
        return scope;
    }

    /**
     * The namespace with inode {@code inode}, entered through {@code path}: {@code /run/netns/NAME} or, for
     * a namespace without a name (a container's), {@code /proc/PID/ns/net} of a process in it. The opened
     * file must be that namespace (a pid reused meanwhile, or a name bound again to another, is refused),
     * checked on the inode of our own descriptor.
     */
    public static NetnsScope at(Syscalls sys, Path path, long inode) throws IOException {
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        NativeBuffer buf = NativeBuffer.allocate(p.length + 1);
        buf.buffer().put(0, p);
        int rc = sys.open(buf, 0, O_RDONLY | O_CLOEXEC);
        if (rc < 0) {
            throw new NativeIoException("open " + path, -rc);
        }
        Fd fd = Fd.own(sys, "open " + path, rc);
        try {
            // stat through the descriptor's magic link: the inode of the file we hold open, whatever its path
            Object ino = Files.getAttribute(Path.of("/proc/self/fd/" + rc), "unix:ino");
            if (!(ino instanceof Long l) || l != inode) {
                throw new IOException(path + " is namespace " + ino + ", not " + inode);
            }
        } catch (IOException | RuntimeException e) {
            fd.close();
            throw e;
        }
        return new NetnsScope("netns:" + inode, fd);
    }

    /** The namespace name, null for the caller's own. */
    public String name() {
        return name;
    }

    /**
     * The namespace's inode ({@code ns.inum}, as drop sources report it): stat(2) of {@code /run/netns/NAME}
     * (a bind mount of the namespace) or of {@code /proc/self/ns/net} for the caller's own.
     */
    public long inode() throws IOException {
        Path p = Path.of(name == null ? "/proc/self/ns/net" : RUN_NETNS + name);
        return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
    }

    /** Our own namespace's inode ({@code /proc/self/ns/net}), -1 when it cannot be read. */
    public static long ownInode() {
        return Own.INODE;
    }

    /** Ours is the machine's initial namespace (pid 1's), or pid 1's cannot be read (a sandboxed init). */
    public static boolean ownIsHost() {
        return Own.HOST;
    }

    /** Read once, when first asked. */
    private static final class Own {
        static final long INODE = inodeOf("/proc/self/ns/net");
        static final boolean HOST = INODE > 0 && (inodeOf("/proc/1/ns/net") < 0 || inodeOf("/proc/1/ns/net") == INODE);

        private static long inodeOf(String nsLink) {
            try {
                return ((Number) Files.getAttribute(Path.of(nsLink), "unix:ino")).longValue();
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
    }

    /**
     * Moves the calling thread into the namespace, once per thread. Only for threads this scope's owner
     * created and will not give back to a pool.
     */
    public void enter() throws NativeIoException {
        if (fd == null || entered.get()) {
            return;
        }
        Syscalls sys = fd.syscalls();
        int rc = sys.setns(fd.get(), CLONE_NEWNET);
        if (rc < 0) {
            throw new NativeIoException("setns into network namespace '" + name + "'", -rc);
        }
        entered.set(true);
    }

    /** {@code task} wrapped to run in the namespace. */
    public <T> Callable<T> wrap(Callable<T> task) {
        return () -> {
            enter();
            return task.call();
        };
    }

    /**
     * Runs {@code task} on a new thread in the namespace and waits for it; the thread ends with the task.
     */
    public <T> T call(Callable<T> task) throws Exception {
        FutureTask<T> f = new FutureTask<>(wrap(task));
        Thread t = new Thread(f, "dropscope-netns-" + (name == null ? "self" : name));
        t.setDaemon(true);
        t.start();
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception) {
                throw (Exception) c;
            }
            throw new IllegalStateException(c);
        }
    }

    @Override
    public void close() {
        if (fd != null) {
            fd.close();
        }
    }
}
