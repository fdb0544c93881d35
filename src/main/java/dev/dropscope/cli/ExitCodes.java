package dev.dropscope.cli;

import dev.dropscope.sys.NativeIoException;

import picocli.CommandLine.IExitCodeExceptionMapper;
import picocli.CommandLine.ParameterException;

/**
 * Process exit codes; documented in the README and the man page, part of the contract for scripts. A
 * failure's exit code is decided here alone ({@link #of}), for every command.
 */
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

    /** picocli's hook: Main's handlers ask it for the exit code of whatever a command threw. */
    static final IExitCodeExceptionMapper MAPPER = ExitCodes::of;

    private ExitCodes() {
    }

    /**
     * The exit code for a failure: bad command-line input {@link #USAGE}; a refusal by the kernel anywhere in
     * the cause chain (EPERM, EACCES: {@link NativeIoException#denied}) {@link #PERMISSION}; anything else
     * {@link #FAILURE}.
     */
    static int of(Throwable failure) {
        if (failure instanceof ParameterException) {
            return USAGE;
        }
        return NativeIoException.denied(failure) ? PERMISSION : FAILURE;
    }
}
