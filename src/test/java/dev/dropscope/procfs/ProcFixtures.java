package dev.dropscope.procfs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The /proc copies under src/test/resources/proc/ (see the README there for where each came from). */
final class ProcFixtures {
    /** This development machine (2 CPUs, nf_conntrack built in, nothing changed). */
    static final String HOST_6_18 = "6.18.44-fc-v595";
    /** The lab VM (Debian 6.12): CPU 1 offline, rp_filter set, a few packets sent; see vm-traffic.sh. */
    static final String VM_6_12 = "6.12.117+deb12-amd64";

    private ProcFixtures() {
    }

    /** A captured tree laid out like /proc: pass it to any {@code query(Path proc)}. */
    static Path proc(String release) {
        Path p = Path.of(System.getProperty("dropscope.repo", "."), "src/test/resources/proc", release);
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("fixture tree missing: " + p);
        }
        return p;
    }

    static String text(String release, String relative) {
        try {
            return Files.readString(proc(release).resolve(relative), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
