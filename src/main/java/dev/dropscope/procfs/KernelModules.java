package dev.dropscope.procfs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which kernel modules this machine has: built in ({@code /lib/modules/<release>/modules.builtin}),
 * installed as files ({@code modules.dep}, or the .ko files themselves), and loaded ({@code /proc/modules}).
 * With the kernel config this tells "modprobe it" from "install it" from "rebuild the kernel".
 * Names are normalized the kernel's way: no directory, no .ko suffix, '-' read as '_'.
 */
public record KernelModules(boolean modulesDirectoryPresent, boolean loadedListPresent, Set<String> builtin,
                            Set<String> installed, Set<String> loaded) {

    /** How a feature that may be a module is present on this machine. */
    public enum Availability {
        /** Built into the kernel: nothing to load. */
        BUILT_IN,
        /** A module that is loaded now. */
        LOADED,
        /** A module installed on disk but not loaded: {@code modprobe} it. */
        NOT_LOADED,
        /** Built as a module, but its file is not installed for this kernel. */
        NOT_INSTALLED,
        /** The kernel was built without it. */
        NOT_BUILT,
        /** Neither a kernel config nor module lists say. */
        UNKNOWN
    }

    public KernelModules {
        builtin = Set.copyOf(builtin);
        installed = Set.copyOf(installed);
        loaded = Set.copyOf(loaded);
    }

    /** "kernel/net/core/drop_monitor.ko.xz" or "drop-monitor" to "drop_monitor". */
    public static String normalize(String pathOrName) {
        String n = pathOrName.substring(pathOrName.lastIndexOf('/') + 1);
        int ko = n.indexOf(".ko");
        if (ko >= 0) {
            n = n.substring(0, ko);
        }
        return n.replace('-', '_');
    }

    /** Module names from modules.builtin (one path per line). */
    public static Set<String> parseBuiltin(String text) {
        Set<String> names = new HashSet<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                names.add(normalize(line.strip()));
            }
        }
        return names;
    }

    /** Module names from modules.dep ("path: dependency paths"). */
    public static Set<String> parseModulesDep(String text) {
        Set<String> names = new HashSet<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                names.add(normalize(line.substring(0, colon).strip()));
            }
        }
        return names;
    }

    /** Module names from /proc/modules (name first on each line). */
    public static Set<String> parseProcModules(String text) {
        Set<String> names = new HashSet<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (!l.isEmpty()) {
                names.add(normalize(l.split("\\s+", 2)[0]));
            }
        }
        return names;
    }

    /**
     * Reads the module lists of kernel {@code release} under {@code root}. A missing file gives an empty
     * set and a false "present" flag (containers and our lab guest have no /lib/modules).
     */
    public static KernelModules query(Path root, String release) throws IOException {
        Path dir = root.resolve("lib/modules").resolve(release);
        boolean dirPresent = Files.isDirectory(dir);
        Set<String> builtin = read(dir.resolve("modules.builtin")).map(KernelModules::parseBuiltin).orElse(Set.of());
        Set<String> installed;
        Optional<String> dep = read(dir.resolve("modules.dep"));
        if (dep.isPresent()) {
            installed = parseModulesDep(dep.get());
        } else if (dirPresent) {
            installed = walkForModules(dir);
        } else {
            installed = Set.of();
        }
        Optional<String> procModules = read(root.resolve("proc/modules"));
        return new KernelModules(dirPresent, procModules.isPresent(), builtin, installed,
                procModules.map(KernelModules::parseProcModules).orElse(Set.of()));
    }

    /** Without modules.dep (depmod never ran) the .ko files themselves are the list. */
    private static Set<String> walkForModules(Path dir) throws IOException {
        Set<String> names = new HashSet<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".ko"))
                    .forEach(n -> names.add(normalize(n)));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return names;
    }

    private static Optional<String> read(Path p) throws IOException {
        try {
            return Optional.of(ProcFiles.readString(p));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * How {@code module} (the name of the module that {@code configSetting}'s option builds) is present.
     * {@code configSetting} is empty when no kernel config could be read. A loaded module wins over
     * everything; the config wins over the module lists, which may belong to a different build.
     */
    public Availability availability(String module, Optional<KernelConfig.Setting> configSetting) {
        String name = normalize(module);
        if (loaded.contains(name)) {
            return Availability.LOADED;
        }
        if (configSetting.isPresent()) {
            switch (configSetting.get()) {
                case BUILT_IN:
                    return Availability.BUILT_IN;
                case MODULE:
                    return installed.contains(name) ? Availability.NOT_LOADED : Availability.NOT_INSTALLED;
                case NOT_SET:
                case ABSENT:
                    return Availability.NOT_BUILT;
                default:
                    break;
            }
        }
        if (builtin.contains(name)) {
            return Availability.BUILT_IN;
        }
        if (installed.contains(name)) {
            return Availability.NOT_LOADED;
        }
        return Availability.UNKNOWN;
    }
}
