package dev.dropscope.collect;

import dev.dropscope.model.Snapshot;

/**
 * One source of stack-health values. {@link Sampler} calls {@link #collect} on a thread of its own (the
 * same one every time, already in the target network namespace), so a collector may keep sockets
 * between calls without locking. A collector fills the sections it owns and records problems with
 * {@link Snapshot.Builder#error}; it throws only when it has nothing at all to give.
 */
public interface Collector extends AutoCloseable {

    /** Short name used in error lines: "link", "conntrack", ... */
    String name();

    void collect(Snapshot.Builder into) throws Exception;

    /**
     * True for a collector that must read from the caller's own namespace even when the others look into
     * another one (machine-wide sysctls are visible only from the initial namespace).
     */
    default boolean inCallerNamespace() {
        return false;
    }

    /** Releases sockets; may be called from any thread. */
    @Override
    default void close() {
    }
}
