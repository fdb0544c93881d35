package dev.dropscope.btf;

import java.io.IOException;

/**
 * A BTF blob we cannot use: truncated, out-of-range offsets or type ids, reference loops, impossible
 * sizes, or a type or member a query needs is missing. The message is one line that says which; it is
 * the only exception the parser and the queries throw on bad input.
 */
public final class BtfException extends IOException {
    private static final long serialVersionUID = 1L;

    public BtfException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // a data error, not a program error: the message says everything
    }
}
