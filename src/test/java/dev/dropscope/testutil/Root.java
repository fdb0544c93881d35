package dev.dropscope.testutil;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** For {@code @Needs(root = true)}: tests that need the real kernel as root. */
public final class Root {
    private Root() {
    }

    /** True when the effective uid is 0 (the second field of "Uid:" in /proc/self/status). */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }
}
