package dev.dropscope.cli;

/** Process exit codes; documented in the README and the man page, part of the contract for scripts. */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** A runtime failure: the kernel or a file refused, an I/O error; the message says which. */
    public static final int FAILURE = 1;
    /** Bad command line: unknown flag, bad value, missing argument. */
    public static final int USAGE = 2;
    /** doctor: no drop source (NET_DM or tracepoint) works on this machine. */
    public static final int NO_DROP_SOURCE = 3;
    /** The command needs privileges this process lacks (root, CAP_NET_ADMIN, CAP_PERFMON). */
    public static final int PERMISSION = 4;
    /** Interrupted by SIGINT (128 + 2), after cleaning up. */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
