package dev.dropscope.btf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The running kernel's BTF, {@code /sys/kernel/btf/vmlinux} (CONFIG_DEBUG_INFO_BTF): the one place that
 * reads it, so {@link Btf} stays pure. About 5 MiB on a distribution kernel, read in one go.
 */
public final class KernelBtf {
    /** Where the kernel exposes its own BTF. */
    public static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    /** More than any kernel's BTF (distribution kernels: 4-8 MiB); a bigger file is refused, not read. */
    static final long MAX_BYTES = 256L << 20;

    private KernelBtf() {
    }

    /** Reads and parses {@code file}; a missing file says how to get one. */
    public static Btf load(Path file) throws IOException {
        byte[] blob;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new BtfException(file + " is " + size + " bytes, more than the " + MAX_BYTES + " we read");
            }
            blob = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null,
                    "no BTF: the kernel was built without CONFIG_DEBUG_INFO_BTF");
        }
        try {
            return Btf.parse(blob);
        } catch (BtfException e) {
            throw new BtfException(file + ": " + e.getMessage());
        }
    }
}
