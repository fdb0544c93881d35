package dev.dropscope.export;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * An output file that appears whole or not at all: written into a temporary file next to it
 * ({@code .NAME.RANDOM.tmp}), flushed to disk, then renamed into place by {@link #commit()}. A device or
 * FIFO (/dev/stdout, a named pipe) is written directly: renaming over it would replace the device. The
 * temporary file is removed on every path the JVM survives (and at exit otherwise).
 */
public final class AtomicFile implements Closeable {
    private final Path target;
    private final Path tmp;          // null: written directly
    private final boolean replace;
    private final FileChannel channel;
    private final OutputStream stream;
    private boolean committed;

    private AtomicFile(Path target, Path tmp, boolean replace, FileChannel channel) {
        this.target = target;
        this.tmp = tmp;
        this.replace = replace;
        this.channel = channel;
        this.stream = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
    }

    /**
     * Starts writing {@code target}.
     *
     * @param replace false: an existing {@code target} is kept and {@link FileAlreadyExistsException} is
     *                thrown, here or at {@link #commit()} (a file created meanwhile is never replaced)
     */
    public static AtomicFile create(Path target, boolean replace) throws IOException {
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            return new AtomicFile(target, null, replace, FileChannel.open(target, StandardOpenOption.WRITE));
        }
        if (!replace && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        Path dir = target.toAbsolutePath().getParent();
        // createFile, not createTempFile: the file gets the umask's mode (0644), not 0600, like any output file
        Path tmp = Files.createFile(dir.resolve("." + target.getFileName() + "."
                + Long.toHexString(new SecureRandom().nextLong() & 0xffffffffffL) + ".tmp"));
        tmp.toFile().deleteOnExit();
        try {
            return new AtomicFile(target, tmp, replace, FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** Where the bytes go until {@link #commit()}: the temporary file (or the device itself). */
    public Path writingTo() {
        return tmp == null ? target : tmp;
    }

    /** The stream to write; buffered, flush it to make the bytes visible to readers of {@link #writingTo()}. */
    public OutputStream stream() {
        return stream;
    }

    /** Flushes to disk and renames the temporary file into place. */
    public void commit() throws IOException {
        stream.flush();
        if (tmp == null) {
            committed = true;
            return;
        }
        channel.force(true);
        channel.close();
        if (replace) {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } else {
            try {
                // link(2) fails if the name exists: no-clobber without a check-then-rename race
                Files.createLink(target, tmp);
            } catch (UnsupportedOperationException | FileSystemException e) {
                if (e instanceof FileAlreadyExistsException) {
                    throw e;
                }
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new FileAlreadyExistsException(target.toString());
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE); // a file system without hard links
            }
            Files.deleteIfExists(tmp);
        }
        committed = true;
    }

    /** Closes; without {@link #commit()} the temporary file is removed and the target left as it was. */
    @Override
    public void close() throws IOException {
        try {
            if (channel.isOpen()) {
                if (tmp == null) {
                    stream.flush();
                }
                channel.close();
            }
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** True once {@link #commit()} succeeded. */
    public boolean committed() {
        return committed;
    }
}
