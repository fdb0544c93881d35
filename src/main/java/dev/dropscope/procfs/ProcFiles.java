package dev.dropscope.procfs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads kernel pseudo-files whole. Not with {@code Files.readAllBytes}: /proc reports size 0, so it reads
 * one byte first and then continues at offset 1, and integer sysctls answer any read past offset 0 with
 * end-of-file ({@code proc_dointvec}): "40\n" comes back as "4". One large first read gets it all.
 */
final class ProcFiles {
    private ProcFiles() {
    }

    static byte[] readBytes(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return in.readAllBytes(); // its first read asks for 8 KiB
        }
    }

    static String readString(Path p) throws IOException {
        return new String(readBytes(p), StandardCharsets.UTF_8);
    }
}
