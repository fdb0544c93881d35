package dev.dropscope.cli;

/**
 * A failure a command has put in words itself ("dropscope watch: ..."): Main's handler prints the line as it
 * is, instead of "dropscope: error: " and the message, and {@link ExitCodes#of} takes the exit code from the
 * cause (a refusal: 4). Thrown out of {@code call()}, so whatever the command opened is closed first.
 */
final class CommandFailure extends Exception {
    private static final long serialVersionUID = 1L;

    CommandFailure(String line, Throwable cause) {
        super(line, cause);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // the cause has the trace that matters (DROPSCOPE_DEBUG=1 prints it)
    }
}
