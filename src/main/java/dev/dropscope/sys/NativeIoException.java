package dev.dropscope.sys;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A failed system call: the operation and its errno. Expected failures (EAGAIN, EINTR, ENOBUFS),
 * refusals and "this kernel has no such thing" failures are stackless: they are control flow, not bugs,
 * and filling in a stack trace costs microseconds.
 *
 * <p>What a failure means is decided from its errno, never from its message: {@link #isDenied()} (the
 * kernel refused this process) and {@link #isAbsent()} (the kernel lacks the thing), and for any
 * exception with its causes, {@link #denied(Throwable)} and {@link #absent(Throwable)}.
 */
public class NativeIoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final int errno;

    public NativeIoException(String operation, int errno) {
        this(operation, errno, null);
    }

    /** {@code detail} is extra context, such as a netlink extended-ack message. */
    public NativeIoException(String operation, int errno, String detail) {
        this(operation + ": " + Errno.describe(errno) + (detail == null || detail.isEmpty() ? "" : ": " + detail),
                operation, errno);
    }

    /** For a subclass that words its own {@code message} (the verifier's refusal, say). */
    protected NativeIoException(String message, String operation, int errno) {
        super(message);
        this.operation = operation;
        this.errno = Math.abs(errno);
        if (!Errno.isExpected(errno) && !isDeniedErrno(this.errno) && !isAbsentErrno(this.errno)) {
            super.fillInStackTrace();
        }
    }

    /** Stackless by default; the constructor fills the trace in only for unexpected errors. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    private static boolean isDeniedErrno(int e) {
        return e == Errno.EPERM || e == Errno.EACCES;
    }

    private static boolean isAbsentErrno(int e) {
        return e == Errno.ENOENT || e == Errno.ENODEV || e == Errno.ENXIO || e == Errno.ENOSYS
                || e == Errno.EOPNOTSUPP || e == Errno.EPROTONOSUPPORT || e == Errno.EAFNOSUPPORT;
    }

    /**
     * The kernel refused this process: EPERM (a capability is missing, or a policy such as
     * perf_event_paranoid or an LSM said no) or EACCES (a file mode or namespace ownership). Running
     * with more privileges would change the answer.
     */
    public boolean isDenied() {
        return isDeniedErrno(errno);
    }

    /**
     * The kernel lacks what was asked for, so no privilege would help: ENOENT (no such file, netlink
     * family or tracepoint), ENODEV and ENXIO (no such device, or a file system type not built in),
     * ENOSYS (no such system call), EOPNOTSUPP (the driver or object does not do this),
     * EPROTONOSUPPORT and EAFNOSUPPORT (a socket protocol or family not built or not loaded). EINVAL is
     * not here: it also means a bad argument of ours.
     */
    public boolean isAbsent() {
        return isAbsentErrno(errno);
    }

    /**
     * Whether {@code failure} or one of its causes is the kernel refusing us: a {@link #isDenied()}
     * NativeIoException, or the JDK's {@link AccessDeniedException} (EACCES or EPERM from open(2)).
     */
    public static boolean denied(Throwable failure) {
        return firstCause(failure, t -> t instanceof NativeIoException n ? n.isDenied()
                : t instanceof AccessDeniedException).isPresent();
    }

    /**
     * Whether {@code failure} or one of its causes says the thing is not there: an {@link #isAbsent()}
     * NativeIoException, or the JDK's {@link NoSuchFileException} (ENOENT from open(2)).
     */
    public static boolean absent(Throwable failure) {
        return firstCause(failure, t -> t instanceof NativeIoException n ? n.isAbsent()
                : t instanceof NoSuchFileException).isPresent();
    }

    /** The first NativeIoException in {@code failure}'s cause chain, {@code failure} itself first. */
    public static Optional<NativeIoException> in(Throwable failure) {
        return firstCause(failure, t -> t instanceof NativeIoException).map(t -> (NativeIoException) t);
    }

    /**
     * The one walk of a cause chain: the first of {@code failure} and its causes that {@code test}
     * accepts. A chain that loops back on itself ends at the repeat.
     */
    static Optional<Throwable> firstCause(Throwable failure, Predicate<Throwable> test) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (test.test(t)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    public String operation() {
        return operation;
    }

    /** The positive errno value. */
    public int errno() {
        return errno;
    }

    /** Throws for a negative (-errno) result, returns it otherwise. */
    public static long check(String operation, long result) throws NativeIoException {
        if (result < 0) {
            throw new NativeIoException(operation, (int) -result);
        }
        return result;
    }

    public static int check(String operation, int result) throws NativeIoException {
        if (result < 0) {
            throw new NativeIoException(operation, -result);
        }
        return result;
    }
}
