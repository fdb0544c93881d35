package dev.dropscope.sys;

import java.io.IOException;

/**
 * A failed system call: the operation and its errno. Expected failures (EAGAIN, EINTR, ENOBUFS) and
 * "this kernel has no such thing" failures are stackless: they are control flow, not bugs, and filling
 * in a stack trace costs microseconds.
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
        super(operation + ": " + Errno.describe(errno) + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.operation = operation;
        this.errno = Math.abs(errno);
        if (!Errno.isExpected(errno) && !isAbsence(errno)) {
            super.fillInStackTrace();
        }
    }

    /** Stackless by default; the constructor fills the trace in only for unexpected errors. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    private static boolean isAbsence(int errno) {
        int e = Math.abs(errno);
        return e == Errno.ENOENT || e == Errno.EPERM || e == Errno.EACCES || e == Errno.EOPNOTSUPP
                || e == Errno.EPROTONOSUPPORT || e == Errno.ENODEV;
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
