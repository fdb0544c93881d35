package dev.dropscope.cli;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.testutil.Root;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/**
 * packaging/dropscope, the launcher every install uses: which Java it picks, what it says when there is none,
 * and that a CDS archive it cannot use costs nothing but time. Hiding /usr/lib/jvm needs a private mount
 * namespace (unshare -m, so root); the mount vanishes with the namespace.
 */
@Needs(root = true)
class LauncherIT {
    private static final Path REPO = Path.of(System.getProperty("dropscope.repo", "."));
    private static final String LAUNCHER = REPO.resolve("packaging/dropscope").toString();
    private static final Path JAR = REPO.resolve("target/dropscope.jar");

    /** A directory that looks like a Java 11 home to the launcher. */
    private static Path java11(Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("jdk11/bin"));
        Files.writeString(bin.resolve("java"), "#!/bin/sh\necho 'this Java 11 must not run' >&2\nexit 99\n");
        Files.setPosixFilePermissions(bin.resolve("java"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve("jdk11/release"), "JAVA_VERSION=\"11.0.2\"\n");
        return dir.resolve("jdk11");
    }

    @Test
    void withoutJava17SaysSoInOneLineAndExitsOne(@TempDir Path tmp) throws Exception {
        Path old = java11(tmp);
        PackageInstallIT.Result r = PackageInstallIT.run(List.of("unshare", "-m", "sh", "-c",
                "mount -t tmpfs none /usr/lib/jvm && exec " + LAUNCHER + " --version"),
                Map.of("JAVA_HOME", old.toString(), "PATH", "/nonexistent:/bin", "DROPSCOPE_JAR", JAR.toString()));
        assertEquals(1, r.exit(), r.all());
        assertEquals("", r.out());
        assertEquals(List.of("dropscope: needs Java 17 or newer; none found (found: " + old + "/bin/java (Java 11))."
                + " Install one (apt install default-jre-headless) or set JAVA_HOME."), r.err().lines().toList());
    }

    @Test
    void skipsAnOldJavaHomeForAJava17(@TempDir Path tmp) throws Exception {
        PackageInstallIT.Result r = PackageInstallIT.run(List.of(LAUNCHER),
                Map.of("JAVA_HOME", java11(tmp).toString(), "DROPSCOPE_PRINT_JAVA", "1", "DROPSCOPE_JAR", JAR.toString()));
        assertEquals(0, r.exit(), r.all());
        Path picked = Path.of(r.out().strip()).toRealPath();
        assertTrue(picked.startsWith("/usr/lib/jvm"), picked.toString());
    }

    @Test
    void anArchiveItCannotUseIsIgnoredSilently(@TempDir Path tmp) throws Exception {
        Path bogus = tmp.resolve("bogus.jsa");
        Files.write(bogus, new byte[4096]); // not an archive at all
        for (Path archive : List.of(bogus, tmp.resolve("absent.jsa"))) {
            PackageInstallIT.Result r = PackageInstallIT.run(List.of(LAUNCHER, "--version"),
                    Map.of("DROPSCOPE_JAR", JAR.toString(), "DROPSCOPE_CDS", archive.toString()));
            assertEquals(0, r.exit(), r.all());
            assertTrue(r.out().startsWith("dropscope "), r.out());
            assertEquals("", r.err(), "the launcher must not complain about " + archive);
        }
    }

    @Test
    void itsOwnArchiveIsMappedAndAStaleJarIgnoresIt(@TempDir Path tmp) throws Exception {
        Path jar = Files.copy(JAR, tmp.resolve("dropscope.jar"));
        Files.writeString(tmp.resolve("classes.lst"), "java/lang/Object\ndev/dropscope/cli/Main\npicocli/CommandLine\n");
        PackageInstallIT.Result made = PackageInstallIT.run(List.of(LAUNCHER), Map.of("DROPSCOPE_JAR", jar.toString(),
                "DROPSCOPE_MAKE_CDS", "1"));
        assertEquals(0, made.exit(), made.all());
        assertTrue(Files.isRegularFile(tmp.resolve("dropscope.jsa")), made.all());
        Map<String, String> env = Map.of("DROPSCOPE_JAR", jar.toString(), "DROPSCOPE_JAVA_OPTS", "-Xlog:class+load");
        PackageInstallIT.Result used = PackageInstallIT.run(List.of(LAUNCHER, "--version"), env);
        assertTrue(used.out().contains("dev.dropscope.cli.Main source: shared objects file"), "archive not used");
        // a rebuilt jar (new mtime) must not be served classes from the old archive, nor warn about it
        assertTrue(jar.toFile().setLastModified(jar.toFile().lastModified() + 10_000));
        PackageInstallIT.Result stale = PackageInstallIT.run(List.of(LAUNCHER, "--version"), env);
        assertEquals(0, stale.exit(), stale.all());
        assertTrue(stale.out().contains("dev.dropscope.cli.Main source: file:"), "stale archive used");
        assertEquals("", stale.err());
    }
}
