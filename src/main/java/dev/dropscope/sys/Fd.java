package dev.dropscope.sys;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Owns one file descriptor and closes it exactly once, whichever thread calls {@link #close()} first
 * (a signal handler's shutdown hook and the main loop may race). After close, {@link #get()} throws
 * instead of handing out a number the kernel may already have given to someone else.
 */
public final class Fd implements AutoCloseable {
    private static final int OPEN = 0;
    private static final int CLOSED = 1;

    private final Syscalls sys;
    private final int fd;
    private final AtomicInteger state = new AtomicInteger(OPEN);

    private Fd(Syscalls sys, int fd) {
        this.sys = sys;
        this.fd = fd;
    }

    /** Takes ownership of {@code result} from a call that returns an fd or -errno. */
    public static Fd own(Syscalls sys, String operation, int result) throws NativeIoException {
        return new Fd(sys, NativeIoException.check(operation, result));
    }

    /** The descriptor, for a system call; {@code IllegalStateException} after close. */
    public int get() {
        if (state.get() != OPEN) {
            throw new IllegalStateException("file descriptor " + fd + " is closed");
        }
        return fd;
    }

    public boolean isOpen() {
        return state.get() == OPEN;
    }

    public Syscalls syscalls() {
        return sys;
    }

    /**
     * Closes the descriptor if this is the first close; later calls do nothing. close(2) releases the
     * number even when it reports EINTR or EIO, so those are not retried. EBADF means the number was
     * closed already behind this Fd's back (a double close elsewhere, which can close someone else's
     * file): an AssertionError under -ea (every test run), a one-line warning otherwise.
     */
    @Override
    public void close() {
        if (state.compareAndSet(OPEN, CLOSED)) {
            int r = sys.close(fd);
            if (r == -Errno.EBADF) {
                String why = "close(" + fd + "): EBADF: the descriptor was already closed elsewhere (a double close)";
                assert false : why;
                System.err.println("dropscope: warning: " + why);
            }
        }
    }

    @Override
    public String toString() {
        return "fd " + fd + (isOpen() ? "" : " (closed)");
    }
}
