package dev.dropscope.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Shows that the hazard {@link JnrSyscalls} works around is real with the jnr-ffi on our classpath: a
 * function bound with six primitive arguments receives garbage as the sixth (jnr-ffi#181), while the same
 * function with a {@link Pointer} among its arguments (the shape JnrSyscalls uses for perf_event_open)
 * receives it intact. Test code may use jnr directly; the architecture rule is about src/main.
 *
 * <p>Observed with jnr-ffi 2.3.4 (jffi 1.3.x) on x86-64, JDK 17: whatever is passed (0, 4096, -1, ...), the
 * callee sees the same unrelated value, e.g. 0x7f..455da, an address-like constant of the call stub;
 * the first five arguments are right.
 *
 * <p>If a jnr-ffi upgrade fixes the bug, these tests fail on purpose: the workarounds (sendto through
 * sendmsg, mmap delegated to JNA) can then be reconsidered.
 */
class JnrSixPrimitiveArgumentsTest {

    /** libc functions as a naive binding would declare them. */
    public interface Probe {
        /** snprintf(buf, size, "%lx %lx %lx", a, b, c): c is the sixth argument; all six primitive. */
        int snprintf(long buf, long size, long format, long a, long b, long c);

        /** The same call with the buffer as a jnr Pointer: not the all-primitive shape. */
        int snprintf(Pointer buf, long size, long format, long a, long b, long c);

        /** mmap as its C prototype reads: six primitives, the file offset last. */
        long mmap(long addr, long length, int prot, int flags, int fd, long offset);

        int munmap(long addr, long length);
    }

    private static Probe libc;
    private static Runtime runtime;

    @BeforeAll
    static void load() {
        libc = LibraryLoader.create(Probe.class).load("c");
        runtime = Runtime.getRuntime(libc);
    }

    private static final long[] SIXTH = {0L, 4096L, 0x1122334455667788L, -1L};

    /** What snprintf printed for "%lx %lx %lx" with a=1, b=2 and c=sixth. */
    private static String[] printed(boolean viaPointer, long sixth) {
        NativeBuffer b = NativeBuffer.allocate(256);
        ProcSelf.putCString(b, 128, "%lx %lx %lx");
        int n = viaPointer
                ? libc.snprintf(Pointer.wrap(runtime, b.address()), 100, b.address() + 128, 1, 2, sixth)
                : libc.snprintf(b.address(), 100, b.address() + 128, 1, 2, sixth);
        byte[] out = new byte[n];
        b.buffer().get(0, out);
        String[] fields = new String(out, StandardCharsets.US_ASCII).split(" ");
        assertEquals(3, fields.length, "snprintf output");
        return fields;
    }

    @Test
    void theSixthOfSixPrimitiveArgumentsArrivesCorrupted() {
        for (long sixth : SIXTH) {
            String[] f = printed(false, sixth);
            assertEquals("1", f[0], "the fourth argument arrives intact");
            assertEquals("2", f[1], "the fifth argument arrives intact");
            assertNotEquals(Long.toHexString(sixth), f[2],
                    "jnr-ffi passed the sixth primitive argument intact: jnr-ffi#181 looks fixed in this version, "
                            + "so JnrSyscalls' workarounds (sendto via sendmsg, mmap via JNA) may be revisited");
        }
    }

    @Test
    void withAPointerArgumentTheSixthArrivesIntact() {
        for (long sixth : SIXTH) {
            String[] f = printed(true, sixth);
            assertEquals("1", f[0]);
            assertEquals("2", f[1]);
            assertEquals(Long.toHexString(sixth), f[2], "the Pointer shape JnrSyscalls relies on is broken too");
        }
    }

    /**
     * The consequence for mmap: a file mapping at offset 4096 does not map offset 4096. Observed with
     * jnr-ffi 2.3.4 on x86-64: -1 with EINVAL (the corrupt offset is not page aligned). Nothing is
     * dereferenced: if a mapping comes back, /proc/self/maps says which file offset it covers.
     */
    @Test
    void sixPrimitiveMmapDoesNotMapTheRequestedFileOffset(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("three-pages.bin");
        Files.write(file, new byte[3 * 4096]);
        Syscalls jnr = Syscalls.named("jnr");
        NativeBuffer path = NativeBuffer.allocate(4096);
        ProcSelf.putCString(path, 0, file.toString());
        try (Fd fd = Fd.own(jnr, "open", jnr.open(path, 0, 0x80000))) {
            long addr = libc.mmap(0, 4096, 1 /* PROT_READ */, 2 /* MAP_PRIVATE */, fd.get(), 4096);
            if (addr == -1) {
                int errno = runtime.getLastError();
                assertEquals(Errno.EINVAL, errno, "mmap failed, but not as observed before: " + Errno.describe(errno));
            } else {
                try {
                    String line = ProcSelf.mapping(addr);
                    assertTrue(line == null || ProcSelf.fileOffset(line, addr) != 4096,
                            "six-primitive mmap mapped offset 4096 correctly: jnr-ffi#181 looks fixed (" + line + ")");
                } finally {
                    libc.munmap(addr, 4096);
                }
            }
            // and the backend, which delegates mmap to JNA, maps it
            long good = jnr.mmap(4096, 1, 2, fd.get(), 4096);
            assertTrue(good > 0, () -> Errno.describe((int) good));
            try {
                assertEquals(4096, ProcSelf.fileOffset(ProcSelf.mapping(good), good));
            } finally {
                assertEquals(0, jnr.munmap(good, 4096));
            }
        }
    }
}
