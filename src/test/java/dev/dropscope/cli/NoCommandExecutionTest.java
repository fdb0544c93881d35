package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * dropscope suggests fixes as text and never runs a command: no production source may start a process.
 * (Tests may: they drive ip, tc and the program itself.)
 */
class NoCommandExecutionTest {
    private static final Pattern EXEC = Pattern.compile("\\bProcessBuilder\\b|\\.exec\\s*\\(|ProcessHandle\\.of|\\bjava\\.lang\\.Process\\b");

    @Test
    void noMainSourceStartsAProcess() throws IOException {
        Path main = Path.of(System.getProperty("dropscope.repo", "."), "src", "main", "java");
        List<Path> sources;
        try (Stream<Path> s = Files.walk(main)) {
            sources = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertTrue(sources.size() > 50, "found only " + sources.size() + " sources under " + main);
        List<String> hits = sources.stream().filter(p -> {
            try {
                return EXEC.matcher(Files.readString(p)).find();
            } catch (IOException e) {
                throw new AssertionError(p + ": " + e, e);
            }
        }).map(Path::toString).toList();
        assertEquals(List.of(), hits);
    }

    @Test
    void thePatternWouldSeeOne() {
        assertTrue(EXEC.matcher("new ProcessBuilder(List.of(\"sysctl\", \"-w\", fix)).start();").find());
        assertTrue(EXEC.matcher("Runtime.getRuntime().exec(cmd)").find());
    }
}
