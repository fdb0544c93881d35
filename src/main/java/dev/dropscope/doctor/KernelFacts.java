package dev.dropscope.doctor;

import dev.dropscope.procfs.KernelConfig;
import dev.dropscope.procfs.KernelModules;
import dev.dropscope.procfs.KernelSysctl;
import dev.dropscope.procfs.ProcessStatus;

import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Failures;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What the files under a root say about the kernel and this process, read once for all doctor checks.
 * A file that cannot be read leaves its part empty and a one-line problem, never an exception: the
 * checks that need it report the problem, the others go on. A file that is absent and one this process
 * may not read are told apart: the first is a fact about the kernel, the second about our privileges.
 *
 * @param release         {@code uname -r}
 * @param config          the kernel's build config, when one was found
 * @param configProblem   why no config is available (not found, unreadable), or null
 * @param modules         module lists (empty sets when absent)
 * @param status          this process's uid and capabilities, or null
 * @param statusProblem   why status is null, or null
 * @param perfEventParanoid kernel.perf_event_paranoid, empty without perf events (or when unreadable)
 * @param kptrRestrict    kernel.kptr_restrict
 * @param capLastCap      kernel.cap_last_cap: below 38 the kernel predates CAP_PERFMON
 * @param unreadable      the kernel.* sysctls above that exist but could not be read, by name
 *                        ("kernel.perf_event_paranoid")
 */
public record KernelFacts(String release, Optional<KernelConfig> config, String configProblem,
                          KernelModules modules, ProcessStatus status, String statusProblem,
                          OptionalInt perfEventParanoid, OptionalInt kptrRestrict, OptionalInt capLastCap,
                          Map<String, Unreadable> unreadable) {

    public KernelFacts {
        unreadable = Map.copyOf(unreadable);
    }

    /** Why a file that exists could not be read: {@code denied} when the kernel refused us (EACCES, EPERM). */
    public record Unreadable(boolean denied, String why) {
    }

    /** Reads everything under {@code root} ("/" in production). */
    public static KernelFacts gather(Path root) {
        String release;
        try {
            release = KernelSysctl.osRelease(root).orElse(System.getProperty("os.version"));
        } catch (IOException e) {
            release = System.getProperty("os.version"); // only names files below; the config check says the rest
        }
        Optional<KernelConfig> config = Optional.empty();
        String configProblem = null;
        try {
            config = KernelConfig.query(root, release);
            if (config.isEmpty()) {
                configProblem = "no kernel config: neither /proc/config.gz nor /boot/config-" + release + " exists";
            }
        } catch (IOException | IllegalArgumentException e) {
            configProblem = "kernel config unreadable: " + Failures.oneLine(e);
        }
        KernelModules modules;
        try {
            modules = KernelModules.query(root, release);
        } catch (IOException e) {
            modules = new KernelModules(false, false, Set.of(), Set.of(), Set.of());
        }
        ProcessStatus status = null;
        String statusProblem = null;
        try {
            status = ProcessStatus.query(root);
        } catch (IOException | IllegalArgumentException e) {
            statusProblem = "/proc/self/status: " + Failures.oneLine(e);
        }
        Map<String, Unreadable> unreadable = new LinkedHashMap<>();
        return new KernelFacts(release, config, configProblem, modules, status, statusProblem,
                sysctl("kernel.perf_event_paranoid", () -> KernelSysctl.perfEventParanoid(root), unreadable),
                sysctl("kernel.kptr_restrict", () -> KernelSysctl.kptrRestrict(root), unreadable),
                sysctl("kernel.cap_last_cap", () -> KernelSysctl.capLastCap(root), unreadable),
                unreadable);
    }

    private interface IntRead {
        OptionalInt read() throws IOException;
    }

    /** The value, empty when absent; a refusal or bad text goes to {@code unreadable} and leaves it empty too. */
    private static OptionalInt sysctl(String name, IntRead r, Map<String, Unreadable> unreadable) {
        try {
            return r.read();
        } catch (IOException e) {
            boolean denied = NativeIoException.denied(e);
            unreadable.put(name, new Unreadable(denied, denied ? "permission denied" : Failures.oneLine(e)));
        } catch (IllegalArgumentException e) {
            unreadable.put(name, new Unreadable(false, Failures.oneLine(e)));
        }
        return OptionalInt.empty();
    }

    /** The config's setting for {@code option}, empty without a config. */
    public Optional<KernelConfig.Setting> setting(String option) {
        return config.map(c -> c.setting(option));
    }

    /** "# CONFIG_X is not set in /proc/config.gz", for messages; empty without a config. */
    public Optional<String> describe(String option) {
        return config.map(c -> c.describe(option) + " in " + c.source());
    }

    /** Whether this kernel can load modules at all (CONFIG_MODULES); true when unknown. */
    public boolean supportsModules() {
        Optional<KernelConfig.Setting> s = setting("CONFIG_MODULES");
        return s.isEmpty() || s.get() == KernelConfig.Setting.BUILT_IN || modules.loadedListPresent();
    }

    /** How the module that {@code option} builds is present on this machine. */
    public KernelModules.Availability availability(String module, String option) {
        return modules.availability(module, setting(option));
    }
}
