package dev.dropscope.collect;

import dev.dropscope.procfs.Kallsyms;
import dev.dropscope.procfs.KallsymsAccess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * The kernel symbol table, read in the background. Parsing /proc/kallsyms (120 k lines, 10 MB) costs a
 * few hundred milliseconds on a cold JVM, more on a busy machine, and nothing needs it until the first
 * drop location is printed; so commands start it here, print their start record and draw their first
 * frame, and only {@link #table()} waits.
 *
 * <p>What the start record says about symbols ({@link #note()}) comes, until the table is there, from a
 * look at the head of the file ({@link KallsymsAccess}), which reads a few dozen lines.
 */
public final class SymbolTable {
    /** Reads the table; may be slow. */
    @FunctionalInterface
    public interface Loader {
        Kallsyms load() throws IOException;
    }

    static final String UNREADABLE = "/proc/kallsyms unreadable: locations shown as addresses";
    static final String HIDDEN = "kallsyms addresses are hidden (kernel.kptr_restrict, or not root): locations shown as addresses";
    static final String EMPTY = "/proc/kallsyms is empty: locations shown as addresses";

    private final CompletableFuture<Kallsyms> table;
    private final String earlyNote;

    private SymbolTable(CompletableFuture<Kallsyms> table, String earlyNote) {
        this.table = table;
        this.earlyNote = earlyNote;
    }

    /** A table already read ({@code null}: unreadable). */
    public static SymbolTable of(Kallsyms kallsyms) {
        return new SymbolTable(CompletableFuture.completedFuture(kallsyms), noteOf(kallsyms));
    }

    /** This machine's /proc/kallsyms, read on a daemon thread; {@code onFailure} hears why it could not be. */
    public static SymbolTable loadInBackground(Consumer<IOException> onFailure) {
        return loadInBackground(onFailure, () -> { });
    }

    /** Waits until the table may be read. */
    @FunctionalInterface
    public interface Gate {
        void await() throws InterruptedException;
    }

    /**
     * As {@link #loadInBackground(Consumer)}, reading only once {@code gate} opens: {@code top} holds the
     * quarter second of parsing back until its first full frame is drawn, instead of competing with it
     * for the CPU. An interrupted wait reads at once.
     */
    public static SymbolTable loadInBackground(Consumer<IOException> onFailure, Gate gate) {
        String early;
        try {
            early = switch (KallsymsAccess.query(Path.of("/"))) {
                case ADDRESSES -> null;
                case ZEROED -> HIDDEN;
                case EMPTY -> EMPTY;
            };
        } catch (IOException | IllegalArgumentException e) {
            early = UNREADABLE;
        }
        return loadInBackground(() -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Kallsyms.query(Path.of("/proc"));
        }, early, onFailure);
    }

    /**
     * Runs {@code loader} on a daemon thread.
     *
     * @param earlyNote what {@link #note()} says until the loader is done
     */
    public static SymbolTable loadInBackground(Loader loader, String earlyNote, Consumer<IOException> onFailure) {
        CompletableFuture<Kallsyms> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(loader.load());
            } catch (IOException e) {
                onFailure.accept(e);
                f.complete(null);
            } catch (UncheckedIOException e) {
                onFailure.accept(e.getCause());
                f.complete(null);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "dropscope-kallsyms");
        t.setDaemon(true);
        t.start();
        return new SymbolTable(f, earlyNote);
    }

    /** The table, waiting for it if it is still being read; null when it could not be read. */
    public Kallsyms table() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return table.get();
                } catch (InterruptedException e) {
                    interrupted = true; // a stop request: finish this lookup, the caller sees the flag
                } catch (ExecutionException e) {
                    throw new IllegalStateException("reading /proc/kallsyms failed", e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether {@link #table()} would answer without waiting. */
    public boolean ready() {
        return table.isDone();
    }

    /** Why symbols may be missing, or null when they are fine; never waits. */
    public String note() {
        if (!table.isDone()) {
            return earlyNote;
        }
        return table.isCompletedExceptionally() ? UNREADABLE : noteOf(table.join());
    }

    static String noteOf(Kallsyms kallsyms) {
        if (kallsyms == null) {
            return UNREADABLE;
        }
        return switch (kallsyms.state()) {
            case ADDRESSES_HIDDEN -> HIDDEN;
            case EMPTY -> EMPTY;
            case OK -> null;
        };
    }
}
