package dev.dropscope.cli;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.testutil.Root;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The .deb as a user gets it: built by packaging/build-package.sh from the jar `package` just made, installed
 * on this machine with apt, used (doctor, the man page, bash completion, the CDS archive), removed and purged;
 * nothing may be left. Runs under failsafe, after `package`. Needs root, apt-get and dpkg-deb; it refuses to
 * run when a dropscope package is already installed (it would be replaced), and purges its own on any failure.
 */
@Needs(root = true, tools = {"apt-get", "dpkg-deb"})
class PackageInstallIT {
    private static final Path REPO = Path.of(System.getProperty("dropscope.repo", "."));
    private static final Path TARGET = REPO.resolve("target");
    private static final Path CDS = Path.of("/var/cache/dropscope/dropscope.jsa");

    @Test
    void installsRunsAndRemovesWithoutLeftovers() throws Exception {
        assertNotEquals(0, run(List.of("dpkg-query", "-W", "dropscope")).exit,
                "a dropscope package is already installed on this machine; this test would replace it");
        assertFalse(Files.exists(Path.of("/usr/share/dropscope")), "/usr/share/dropscope exists before install");

        Result built = run(List.of(REPO.resolve("packaging/build-package.sh").toString(), TARGET.toString()));
        assertEquals(0, built.exit, "build-package.sh: " + built.all());
        Path deb;
        try (Stream<Path> s = Files.list(TARGET)) {
            deb = s.filter(p -> p.getFileName().toString().matches("dropscope_.*_all\\.deb")).findFirst().orElseThrow();
        }
        Path tgz;
        try (Stream<Path> s = Files.list(TARGET)) {
            tgz = s.filter(p -> p.getFileName().toString().matches("dropscope-.*\\.tar\\.gz")).findFirst().orElseThrow();
        }
        String tarList = run(List.of("tar", "-tzf", tgz.toString())).out;
        for (String f : List.of("/bin/dropscope", "/share/dropscope/dropscope.jar", "/share/man/man1/dropscope.1",
                "/share/bash-completion/completions/dropscope", "/share/zsh/site-functions/_dropscope", "/README.md")) {
            assertTrue(tarList.contains(f), "tarball lacks " + f + ":\n" + tarList);
        }
        String control = run(List.of("dpkg-deb", "-f", deb.toString())).out;
        assertTrue(control.contains("Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless"), control);
        if (Files.exists(REPO.resolve("packaging/dropscope-serve.service"))) {
            assertTrue(run(List.of("dpkg-deb", "-c", deb.toString())).out
                    .contains("./lib/systemd/system/dropscope-serve.service"), "the serve unit is not in the .deb");
        }

        try {
            Result install = run(List.of("apt-get", "install", "-y", "--no-install-recommends", deb.toAbsolutePath().toString()),
                    Map.of("DEBIAN_FRONTEND", "noninteractive"));
            assertEquals(0, install.exit, "apt-get install: " + install.all());
            List<String> installed = List.of(run(List.of("dpkg", "-L", "dropscope")).out.split("\n"));
            assertTrue(installed.contains("/usr/bin/dropscope"), installed.toString());

            // the launcher on PATH runs doctor; this machine has the tracepoint, so a drop source works
            Result doctor = run(List.of("dropscope", "doctor"));
            assertEquals(0, doctor.exit, doctor.all());
            assertTrue(doctor.out.contains("drop source:"), doctor.out);

            // postinst made the CDS archive for the installed Java, and the launcher maps it
            assertTrue(Files.isRegularFile(CDS), CDS + " not made by postinst");
            Result loads = run(List.of("dropscope", "--version"), Map.of("DROPSCOPE_JAVA_OPTS", "-Xlog:class+load"));
            assertTrue(loads.out.contains("source: shared objects file"), "the CDS archive is not used");

            Result man = run(List.of("man", "dropscope"), Map.of("MANPAGER", "cat", "MANWIDTH", "100"));
            assertEquals(0, man.exit, man.all());
            for (String s : List.of("DROPSCOPE(1)", "EXIT STATUS", "FILES", "EXAMPLES", "PRIVILEGES")) {
                assertTrue(man.out.contains(s), "man dropscope lacks " + s);
            }
            for (String command : Main.commandLine().getSubcommands().keySet()) {
                assertTrue(man.out.contains("dropscope " + command), "man dropscope lacks the command " + command);
            }

            // bash completion loads and completes the command names
            Result bash = run(List.of("bash", "-c", "source /usr/share/bash-completion/completions/dropscope"
                    + " && COMP_WORDS=(dropscope d) COMP_CWORD=1 COMP_LINE='dropscope d' COMP_POINT=11"
                    + " && _complete_dropscope && echo \"${COMPREPLY[@]}\""));
            assertEquals(0, bash.exit, bash.all());
            assertTrue(bash.out.contains("doctor") && bash.out.contains("dropwatch"), bash.out);

            // zsh (when here) finds _dropscope on its default fpath, and loading it registers the completion
            if (Files.isExecutable(Path.of("/usr/bin/zsh"))) {
                Result zsh = run(List.of("zsh", "-f", "-c", "autoload -U compinit && compinit -u -D"
                        + " && echo \"found=$_comps[dropscope]\"; source /usr/share/zsh/vendor-completions/_dropscope"
                        + " 2>/dev/null; echo \"loaded=$_comps[dropscope]\""));
                assertTrue(zsh.out.contains("found=_dropscope\n"), zsh.all());
                assertTrue(zsh.out.contains("loaded=_bash_complete -F _complete_dropscope"), zsh.all());
            }

            Result remove = run(List.of("dpkg", "-r", "dropscope"));
            assertEquals(0, remove.exit, remove.all());
            for (String f : installed) {
                Path p = Path.of(f.isEmpty() ? "/" : f);
                if (!Files.isDirectory(p)) {
                    assertFalse(Files.exists(p), f + " left after dpkg -r");
                }
            }
            assertFalse(Files.exists(Path.of("/usr/share/dropscope")), "/usr/share/dropscope left after dpkg -r");
            assertFalse(Files.exists(CDS.getParent()), CDS.getParent() + " left after dpkg -r");
            Result purge = run(List.of("dpkg", "-P", "dropscope"));
            assertEquals(0, purge.exit, purge.all());
            assertNotEquals(0, run(List.of("dpkg", "-L", "dropscope")).exit, "dpkg still knows files of dropscope");
            assertNotEquals(0, run(List.of("dpkg-query", "-W", "dropscope")).exit, "dropscope still known to dpkg");
        } finally {
            // a failure above must not leave the package on the machine
            if (run(List.of("dpkg-query", "-W", "dropscope")).exit == 0) {
                run(List.of("dpkg", "-P", "--force-all", "dropscope"));
            }
            for (Path p : List.of(CDS, Path.of("/usr/share/dropscope/dropscope.jsa"))) {
                Files.deleteIfExists(p);
                if (Files.isDirectory(p.getParent()) && isEmpty(p.getParent())) {
                    Files.delete(p.getParent());
                }
            }
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    record Result(int exit, String out, String err) {
        String all() {
            return "exit " + exit + "\n" + out + "\n" + err;
        }
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, Map.of());
    }

    static Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command));
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Path err = Files.createTempFile("ds-pkg-", ".err");
        try {
            pb.redirectError(err.toFile());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            return new Result(p.exitValue(), out, Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
