package dev.dropscope.procfs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** Interface index to name, from /sys/class/net (the reading thread's network namespace). */
public final class NetDevices {
    private NetDevices() {
    }

    /** Reads {@code <sys>/class/net/NAME/ifindex} for every interface; unreadable entries are skipped. */
    public static Map<Integer, String> queryNames(Path sys) {
        Map<Integer, String> names = new TreeMap<>();
        Path dir = sys.resolve("class/net");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                int index = parseIndex(ProcFiles.read(p.resolve("ifindex")));
                if (index > 0) {
                    names.put(index, p.getFileName().toString());
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return names;
    }

    /** The index of {@code name}, or -1. */
    public static int queryIndex(Path sys, String name) {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            return -1;
        }
        return parseIndex(ProcFiles.read(sys.resolve("class/net").resolve(name).resolve("ifindex")));
    }

    /** An interface that vanished or a file without a number gives -1. */
    private static int parseIndex(ProcFiles.Content c) {
        if (!c.ok()) {
            return -1;
        }
        try {
            return Integer.parseInt(c.text().trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
