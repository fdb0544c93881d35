package dev.dropscope.cli;

import dev.dropscope.procfs.NetnsNames;
import dev.dropscope.export.AtomicFile;
import dev.dropscope.export.SnapshotFile;
import dev.dropscope.export.WatchPcap;
import dev.dropscope.model.ResolvedPacket;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.function.LongFunction;

/**
 * {@code watch --pcap}: the pcapng stream to a file (through {@link AtomicFile}: a temporary file renamed
 * into place at the end) or to standard output, written once per drain of the source ({@link #flush}: whole
 * blocks, so a reader following it never sees half a block). A write that fails is remembered and ends the watch; the
 * temporary file is then removed and the target left as it was.
 */
final class PcapOutput implements AutoCloseable {
    private final AtomicFile file;   // null: standard output
    private final WatchPcap pcap;
    private String failed;

    private PcapOutput(AtomicFile file, WatchPcap pcap) {
        this.file = file;
        this.pcap = pcap;
    }

    /** Null when {@code target} is null; {@code "-"} is standard output. */
    static PcapOutput open(String target, boolean force, int snapLen) throws IOException {
        // ip netns name, else the owning container, else netns:INODE (cached: one look per namespace)
        return open(target, force, snapLen, NetnsNames.system()::label);
    }

    static PcapOutput open(String target, boolean force, int snapLen, LongFunction<String> netnsName)
            throws IOException {
        if (target == null) {
            return null;
        }
        if (target.equals("-")) {
            return new PcapOutput(null, new WatchPcap(new FileOutputStream(FileDescriptor.out), snapLen, netnsName, true));
        }
        AtomicFile f = AtomicFile.create(Path.of(target), force);
        try {
            return new PcapOutput(f, new WatchPcap(f.stream(), snapLen, netnsName, true));
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    boolean toStdout() {
        return file == null;
    }

    /** The file being written until the end (readers may follow it). */
    Path writingTo() {
        return file == null ? null : file.writingTo();
    }

    void packet(ResolvedPacket p) {
        if (failed != null) {
            return;
        }
        try {
            pcap.packet(p);
        } catch (IOException e) {
            failed = SnapshotFile.reason(e);
        }
    }

    /** Writes the packets that wait (the watch loop calls this once per drain). */
    void flush() {
        if (failed != null) {
            return;
        }
        try {
            pcap.flush();
        } catch (IOException e) {
            failed = SnapshotFile.reason(e);
        }
    }

    /** Why writing failed, or null. */
    String failed() {
        return failed;
    }

    /** Renames the file into place; returns why it could not be written, or null. */
    String finish() {
        flush();
        if (failed == null && file != null) {
            try {
                file.commit();
            } catch (FileAlreadyExistsException e) {
                failed = "it was created meanwhile; not overwriting it (use --force to replace it)";
            } catch (IOException e) {
                failed = SnapshotFile.reason(e);
            }
        }
        return failed;
    }

    @Override
    public void close() throws IOException {
        if (file != null) {
            file.close();
        } // standard output stays open (each block was flushed): the JVM closes it
    }
}
