package dev.dropscope.sys;

/** Failures in words, for every layer above: one line, never a stack trace. */
public final class Failures {
    private Failures() {
    }

    /** A failure as one line: its message with newlines as spaces, or its class name when it has none. */
    public static String oneLine(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        }
        return m.replace('\n', ' ');
    }
}
