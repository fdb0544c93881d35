package dev.dropscope.procfs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Recorded machine roots under src/test/resources/procfs/<kernel release>/: files copied from this
 * development machine (6.18.44-fc-v595) and from the lab VM's Debian kernel (6.12.117+deb12-amd64).
 * See the README.md next to them for where each file came from.
 */
public final class ProcfsFixtures {
    /** This development machine's kernel, at the time the fixtures were recorded. */
    public static final String DEV_RELEASE = "6.18.44-fc-v595";
    /** The lab VM's kernel (recorded in the lab VM, today test/vm/netdm-vm). */
    public static final String LAB_RELEASE = "6.12.117+deb12-amd64";

    private ProcfsFixtures() {
    }

    /** A fixture directory on the class path, e.g. "procfs/6.18.44-fc-v595". */
    public static Path resource(String name) {
        URL url = ProcfsFixtures.class.getClassLoader().getResource(name);
        if (url == null) {
            throw new IllegalStateException("test resource " + name + " is missing");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Copies fixture root {@code name} into {@code target}, decompressing every "*.gz" except
     * proc/config.gz (which the kernel itself serves compressed): large files are stored gzipped in git.
     */
    public static Path materialize(String name, Path target) throws IOException {
        Path source = resource(name);
        try (Stream<Path> files = Files.walk(source)) {
            files.forEach(p -> {
                try {
                    String rel = source.relativize(p).toString();
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target.resolve(rel));
                    } else if (rel.endsWith(".gz") && !rel.equals("proc/config.gz")) {
                        try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
                            Files.write(target.resolve(rel.substring(0, rel.length() - 3)), in.readAllBytes());
                        }
                    } else {
                        Files.copy(p, target.resolve(rel));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return target;
    }

    /** For @EnabledIf: the kernel only answers some questions for root. */
    public static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }
}
