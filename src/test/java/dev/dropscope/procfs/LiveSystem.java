package dev.dropscope.procfs;

import dev.dropscope.collect.Tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Runs the kernel's own tools for the live tests, which compare our parsers against them. */
final class LiveSystem {
    private LiveSystem() {
    }

    /** Effective uid 0, from /proc/self/status ("Uid: real effective saved fs"). */
    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static boolean hasTool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }
    /** The result of one command. */
    /** Runs a command (stdout and stderr kept apart, stdin empty): one implementation, shared with collect's. */
    static Tools.Result run(List<String> command) {
        return Tools.run(command);
    }

    static Tools.Result run(List<String> command, Map<String, String> env) {
        return Tools.run(command, env);
    }

    static String runOrFail(String... command) {
        return Tools.runOrFail(command);
    }
}
