package dev.dropscope.btf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The running kernel's BTF, {@code /sys/kernel/btf/vmlinux} (CONFIG_DEBUG_INFO_BTF): the one place that
 * reads it, so {@link Btf} stays pure. About 5 MiB on a distribution kernel, read in one go.
 */
public final class KernelBtf {
    /** Where the kernel exposes its own BTF. */
    public static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    /** More than any kernel's BTF (distribution kernels: 4-8 MiB); a bigger file is refused, not read. */
    static final long MAX_BYTES = 256L << 20;
    /** A read's length: a page or two, as sysfs gives (a longer one only costs the JDK a bigger native buffer). */
    static final int CHUNK = 8192;

    private KernelBtf() {
    }

    /**
     * The whole file, in reads of {@link #CHUNK} bytes. sysfs hands out at most a page per read whatever is
     * asked; Files.readAllBytes asks for the rest of the file each time, and its ~1300 reads of vmlinux took
     * ~0.1 s, these ~0.03 s (dd takes 0.005 s).
     */
    static byte[] read(Path file, int size) throws IOException {
        byte[] b = new byte[Math.max(size, CHUNK)];
        int n = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (true) {
                if (n == b.length) {
                    int c = in.read();
                    if (c < 0) {
                        break;
                    }
                    if (b.length >= MAX_BYTES) {
                        throw new BtfException(file + " is more than the " + MAX_BYTES + " bytes we read");
                    }
                    b = Arrays.copyOf(b, (int) Math.min(MAX_BYTES, 2L * b.length)); // it grew since its size was taken
                    b[n++] = (byte) c;
                }
                int r = in.read(b, n, Math.min(CHUNK, b.length - n));
                if (r < 0) {
                    break;
                }
                n += r;
            }
        }
        return Arrays.copyOf(b, n);
    }

    /** Reads and parses {@code file}; a missing file says how to get one. */
    public static Btf load(Path file) throws IOException {
        byte[] blob;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new BtfException(file + " is " + size + " bytes, more than the " + MAX_BYTES + " we read");
            }
            blob = read(file, (int) size);
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
