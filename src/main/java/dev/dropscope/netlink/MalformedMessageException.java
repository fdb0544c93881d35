package dev.dropscope.netlink;

import java.io.IOException;

/**
 * A message the codec refused: a length that lies, a truncated header, an attribute of the wrong size.
 * Stackless: hostile or corrupt input is expected and must cost little; the message says where.
 */
public final class MalformedMessageException extends IOException {
    private static final long serialVersionUID = 1L;

    public MalformedMessageException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
