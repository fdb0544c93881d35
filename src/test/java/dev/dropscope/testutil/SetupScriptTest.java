package dev.dropscope.testutil;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * scripts/setup's decisions (what to install, when to stop with one line), checked by
 * test/setup/setup-selftest.sh against a fake PATH whose apt-get only logs: nothing is installed or removed.
 */
class SetupScriptTest {
    @Test
    void setupInstallsOnDebianAsRootAndOtherwiseStopsWithOneLine() throws Exception {
        Path repo = Path.of(System.getProperty("dropscope.repo", ".")).toAbsolutePath();
        Process p = new ProcessBuilder("bash", repo.resolve("test/setup/setup-selftest.sh").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals("setup-selftest: ok\n", out);
    }
}
