package dev.dropscope.diagnosis;

import dev.dropscope.procfs.ProcFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Changes machine-wide sysctls of the initial namespace for the length of one fault, and puts the old
 * values back on close, or from a shutdown hook if the JVM is stopped first. Only for settings a
 * namespace cannot have its own copy of.
 */
final class HostSysctl implements AutoCloseable {
    private final Map<String, String> saved = new LinkedHashMap<>();
    private final Thread hook = new Thread(this::restore, "ds-diag-restore-sysctl");
    private boolean restored;

    private HostSysctl() {
    }

    static Path path(String name) {
        return Path.of("/proc/sys", name.replace('.', '/'));
    }

    /** One large read, as ProcFiles does: a sysctl read in pieces returns only its first piece. */
    static String read(String name) throws IOException {
        ProcFiles.Content c = ProcFiles.read(path(name));
        if (!c.ok()) {
            throw new IOException(path(name) + ": " + c.reason());
        }
        return c.text().strip();
    }

    /** Sets each sysctl in order (the main test thread is in the initial namespace). */
    static HostSysctl set(Map<String, String> values) throws IOException {
        HostSysctl h = new HostSysctl();
        for (String name : values.keySet()) {
            h.saved.put(name, read(name));
        }
        Runtime.getRuntime().addShutdownHook(h.hook);
        try {
            for (Map.Entry<String, String> e : values.entrySet()) {
                Files.writeString(path(e.getKey()), e.getValue());
            }
        } catch (IOException | RuntimeException e) {
            h.close();
            throw e;
        }
        return h;
    }

    private synchronized void restore() {
        if (restored) {
            return;
        }
        restored = true;
        // in reverse, so settings that depend on each other come back in a valid order
        var names = new java.util.ArrayList<>(saved.keySet());
        java.util.Collections.reverse(names);
        for (String name : names) {
            try {
                Files.writeString(path(name), saved.get(name));
            } catch (IOException e) {
                System.err.println("COULD NOT RESTORE " + name + " = " + saved.get(name) + ": " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) restore(), which does nothing twice
        }
    }
}
