package dev.dropscope.doctor;

import static dev.dropscope.model.CheckStatus.*;

import dev.dropscope.model.Check;
import dev.dropscope.model.CheckStatus;
import dev.dropscope.model.DropSource;
import dev.dropscope.model.GenlFamilyInfo;
import dev.dropscope.perf.Tracefs;
import dev.dropscope.perf.TracepointFormat;
import dev.dropscope.procfs.Capability;
import dev.dropscope.procfs.KallsymsAccess;
import dev.dropscope.procfs.KernelConfig;
import dev.dropscope.procfs.KernelModules.Availability;
import dev.dropscope.procfs.ProcessStatus;
import dev.dropscope.sys.Errno;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * The verdicts: facts in, one {@link Check} out, with the reason and the fix. No I/O happens here, so
 * every situation (denied, not built, module not loaded...) can be judged from recorded facts.
 */
final class DoctorChecks {
    static final String RUN_AS_ROOT = "run dropscope as root (sudo)";
    static final String TRACEPOINT_INSTEAD = "until then dropscope uses its eBPF program or the skb:kfree_skb tracepoint instead";

    private DoctorChecks() {
    }

    // ------------------------------------------------------------------ kernel and privileges

    static Check kernel(KernelFacts k) {
        Check c = Check.of("kernel", OK, "kernel", "Linux " + k.release());
        return c.withDetail(k.config().map(cfg -> "build config read from " + cfg.source())
                .orElse(k.configProblem() + "; reasons for missing features will be guesses"));
    }

    static Check uid(ProcessStatus s) {
        if (s.isRoot()) {
            return Check.of("privileges.uid", OK, "uid", "0 (root)");
        }
        return Check.of("privileges.uid", INFO, "uid", s.effectiveUid() + " (not root): the capability checks "
                + "below say what is allowed");
    }

    static Check capNetAdmin(ProcessStatus s) {
        String id = "privileges.cap_net_admin";
        if (s.has(Capability.CAP_NET_ADMIN)) {
            return Check.of(id, OK, "CAP_NET_ADMIN", "effective (NET_DM and ctnetlink need it)");
        }
        return Check.of(id, DENIED, "CAP_NET_ADMIN", "not effective: NET_DM cannot be started, "
                + "ctnetlink refuses us").withFix(RUN_AS_ROOT + permittedHint(s, Capability.CAP_NET_ADMIN));
    }

    static Check capPerfmon(ProcessStatus s, OptionalInt capLastCap) {
        String id = "privileges.cap_perfmon";
        boolean kernelKnowsPerfmon = capLastCap.isEmpty() || capLastCap.getAsInt() >= Capability.CAP_PERFMON.bit();
        if (kernelKnowsPerfmon && s.has(Capability.CAP_PERFMON)) {
            return Check.of(id, OK, "CAP_PERFMON", "effective (tracepoint events need it)");
        }
        if (s.has(Capability.CAP_SYS_ADMIN)) {
            return Check.of(id, OK, "CAP_PERFMON", kernelKnowsPerfmon ? "not effective, but CAP_SYS_ADMIN is, "
                    + "which also allows tracepoint events" : "this kernel predates it; CAP_SYS_ADMIN is "
                    + "effective, which allows tracepoint events");
        }
        return Check.of(id, DENIED, "CAP_PERFMON", "neither CAP_PERFMON nor CAP_SYS_ADMIN is effective: "
                + "tracepoint events need one, unless perf_event_paranoid is -1")
                .withFix(RUN_AS_ROOT + permittedHint(s, Capability.CAP_PERFMON));
    }

    private static String permittedHint(ProcessStatus s, Capability c) {
        return s.permittedOnly(c) ? " (" + c.name() + " is permitted but not effective: raise it, e.g. with "
                + "setpriv --inh-caps +" + c.name().substring(4).toLowerCase() + ")" : "";
    }

    private static boolean perfPrivileged(ProcessStatus s) {
        return s.has(Capability.CAP_PERFMON) || s.has(Capability.CAP_SYS_ADMIN);
    }

    static Check perfEventParanoid(OptionalInt paranoid, ProcessStatus s) {
        return perfEventParanoid(paranoid, null, s);
    }

    /** {@code unreadable}: why the sysctl exists but could not be read, or null. */
    static Check perfEventParanoid(OptionalInt paranoid, KernelFacts.Unreadable unreadable, ProcessStatus s) {
        String id = "privileges.perf_event_paranoid";
        String title = "perf_event_paranoid";
        if (unreadable != null) {
            // a refusal is about us, not the kernel: it has perf events, we may not even read the setting
            return Check.of(id, unreadable.denied() ? DENIED : ERROR, title, "/proc/sys/kernel/perf_event_paranoid "
                    + "cannot be read: " + unreadable.why()).withFix(unreadable.denied() ? RUN_AS_ROOT : null);
        }
        if (paranoid.isEmpty()) {
            return Check.of(id, MISSING, title, "/proc/sys/kernel/perf_event_paranoid is absent: this kernel "
                    + "has no perf events").withFix("rebuild the kernel with CONFIG_PERF_EVENTS=y");
        }
        int p = paranoid.getAsInt();
        if (perfPrivileged(s)) {
            return Check.of(id, OK, title, p + ", overridden by our " + (s.has(Capability.CAP_PERFMON)
                    ? "CAP_PERFMON" : "CAP_SYS_ADMIN"));
        }
        if (p <= -1) {
            return Check.of(id, OK, title, p + ": raw tracepoint samples are open to every user");
        }
        return Check.of(id, DENIED, title, p + ": raw tracepoint samples need CAP_PERFMON"
                + (p > 2 ? " (above 2: perf is off for unprivileged users)" : ""))
                .withFix(RUN_AS_ROOT + ", or: sysctl kernel.perf_event_paranoid=-1 (opens perf to all users)");
    }

    /** Mirrors the kernel's kallsyms_show_value(): 0 shows if paranoid <= 1 or CAP_SYSLOG, 1 needs CAP_SYSLOG. */
    static Check kptrRestrict(OptionalInt kptr, OptionalInt paranoid, ProcessStatus s) {
        String id = "privileges.kptr_restrict";
        String title = "kptr_restrict";
        if (kptr.isEmpty()) {
            return Check.of(id, INFO, title, "/proc/sys/kernel/kptr_restrict is absent");
        }
        int k = kptr.getAsInt();
        boolean syslog = s.has(Capability.CAP_SYSLOG);
        boolean perfOpen = paranoid.isPresent() && paranoid.getAsInt() <= 1;
        if (k == 0 && (syslog || perfOpen)) {
            return Check.of(id, OK, title, "0: kernel addresses are visible to us");
        }
        if (k == 1 && syslog) {
            return Check.of(id, OK, title, "1: kernel addresses are visible to us (CAP_SYSLOG)");
        }
        if (k >= 2) {
            return Check.of(id, DENIED, title, k + ": kernel addresses are hidden from everyone; drop "
                    + "locations cannot be named").withFix("sysctl kernel.kptr_restrict=1, and " + RUN_AS_ROOT);
        }
        String why = k == 0 ? "no CAP_SYSLOG, and perf_event_paranoid is "
                + (paranoid.isPresent() ? paranoid.getAsInt() : "absent") + ", above 1" : "no CAP_SYSLOG";
        return Check.of(id, DENIED, title, k + ", but kernel addresses are hidden from us (" + why + ")")
                .withFix(RUN_AS_ROOT);
    }

    // ------------------------------------------------------------------ NET_DM

    static Check netDmPresent(GenlFamilyInfo family, int configGetErrno, ProcessStatus s) {
        String id = "source.netdm";
        String detail = "generic netlink family " + family.name() + ": id " + family.id() + ", version "
                + family.version() + ", multicast groups " + groups(family.multicastGroups());
        if (configGetErrno == 0) {
            detail += "; NET_DM_CMD_CONFIG_GET answered";
        } else {
            detail += "; NET_DM_CMD_CONFIG_GET: " + Errno.describe(configGetErrno) + " (an old NET_DM: "
                    + "summary alerts only)";
        }
        if (s != null && !s.has(Capability.CAP_NET_ADMIN)) {
            return new Check(id, DENIED, "NET_DM", "present, but starting it needs CAP_NET_ADMIN", detail,
                    RUN_AS_ROOT);
        }
        return new Check(id, OK, "NET_DM", "present: family id " + family.id()
                + (configGetErrno == 0 ? ", answers" : ""), detail, null);
    }

    static String groups(Map<String, Integer> groups) {
        return groups.isEmpty() ? "none" : groups.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    }

    /**
     * NET_DM drop_monitor module present on disk but not loaded. Doctor does not ask the kernel for the
     * family in this state: the lookup itself would make the kernel load the module (genetlink
     * autoloads "net-pf-16-proto-16-family-NET_DM"), and doctor changes nothing.
     */
    static Check netDmModuleNotLoaded(KernelFacts k, boolean tracepointWorks) {
        return new Check("source.netdm", MISSING, "NET_DM", "module drop_monitor is not loaded",
                k.describe("CONFIG_NET_DROP_MONITOR").orElse("drop_monitor.ko is installed under /lib/modules/"
                        + k.release()) + "; not asked for, since asking would load it",
                "modprobe drop_monitor" + (tracepointWorks ? "; " + TRACEPOINT_INSTEAD : ""));
    }

    /** NET_DM did not resolve (ENOENT): say why from the config and module lists. */
    static Check netDmAbsent(KernelFacts k, boolean tracepointWorks) {
        String option = "CONFIG_NET_DROP_MONITOR";
        Availability a = k.availability("drop_monitor", option);
        String instead = tracepointWorks ? "; " + TRACEPOINT_INSTEAD : "";
        String lookup = "CTRL_CMD_GETFAMILY NET_DM: " + Errno.describe(Errno.ENOENT);
        String summary;
        String detail;
        String fix;
        switch (a) {
            case NOT_BUILT:
                summary = "not built into this kernel";
                detail = k.describe(option).orElseThrow() + "; " + lookup;
                fix = k.supportsModules()
                        ? "rebuild the kernel with " + option + "=m, then: modprobe drop_monitor"
                        : "rebuild the kernel with " + option + "=y (it has no module support: "
                        + "CONFIG_MODULES is not set)";
                break;
            case NOT_INSTALLED:
                summary = "built as a module, but drop_monitor.ko is not installed";
                detail = k.describe(option).orElseThrow() + "; nothing under /lib/modules/" + k.release();
                fix = "install this kernel's full modules package (Ubuntu: linux-modules-extra-" + k.release()
                        + "), then: modprobe drop_monitor";
                break;
            case NOT_LOADED:
                return netDmModuleNotLoaded(k, tracepointWorks);
            case BUILT_IN:
            case LOADED:
                summary = "in the kernel, but not visible from this network namespace";
                detail = (a == Availability.LOADED ? "module drop_monitor is loaded" : k.describe(option)
                        .orElse("drop_monitor is in modules.builtin")) + "; NET_DM answers only in the initial "
                        + "network namespace; " + lookup;
                fix = "run dropscope in the host's network namespace (e.g. nsenter -t 1 -n dropscope ...)";
                break;
            default:
                summary = "absent (no kernel config says why)";
                detail = k.configProblem() + "; " + lookup;
                fix = "modprobe drop_monitor; if no such module exists, the kernel was built without " + option;
                break;
        }
        return new Check("source.netdm", MISSING, "NET_DM", summary, detail, fix + instead);
    }

    // ------------------------------------------------------------------ tracepoint

    static Check tracefsFound(Tracefs.Origin origin, Path directory) {
        String id = "tracefs";
        switch (origin) {
            case PRIVATE_MOUNT:
                return Check.of(id, OK, "tracefs", "not mounted; mountable (read via a private "
                        + "mount, now removed)").withDetail("mounted at " + directory + " for this check only");
            case DEBUGFS:
                return Check.of(id, OK, "tracefs", "found under debugfs at " + directory);
            default:
                return Check.of(id, OK, "tracefs", "mounted at " + directory);
        }
    }

    static Check tracefsUnavailable(int errno) {
        String id = "tracefs";
        String detail = "mount(tracefs): " + Errno.describe(errno);
        if (errno == Errno.EPERM || errno == Errno.EACCES) {
            return new Check(id, DENIED, "tracefs", "not mounted, and mounting it needs CAP_SYS_ADMIN", detail,
                    RUN_AS_ROOT + ", or: mount -t tracefs nodev /sys/kernel/tracing");
        }
        if (errno == Errno.ENODEV) {
            return new Check(id, MISSING, "tracefs", "this kernel has no tracefs", detail,
                    "rebuild the kernel with CONFIG_FTRACE=y and CONFIG_EVENT_TRACING=y");
        }
        return new Check(id, ERROR, "tracefs", "not mounted, and mounting it failed", detail,
                "mount -t tracefs nodev /sys/kernel/tracing");
    }

    static Check tracefsNotRemoved(Path directory, String problem) {
        return new Check("tracefs", ERROR, "tracefs", "our private mount could not be removed", problem,
                "umount " + directory + " && rmdir " + directory);
    }

    /** The skb:kfree_skb event, given its format if this kernel has one. */
    static Check kfreeSkb(Optional<TracepointFormat> format) {
        String id = "tracepoint.kfree_skb";
        String title = "skb:kfree_skb";
        if (format.isEmpty()) {
            return Check.of(id, MISSING, title, "this kernel has no skb:kfree_skb event")
                    .withFix("rebuild the kernel with CONFIG_TRACEPOINTS=y");
        }
        TracepointFormat f = format.get();
        Optional<TracepointFormat.Field> reason = f.field("reason");
        if (reason.isEmpty()) {
            return Check.of(id, WARN, title, "present (id " + f.id() + ") but without a reason field: drops "
                    + "will have no reasons (kernels before 5.17)");
        }
        TracepointFormat.Field r = reason.get();
        return Check.of(id, OK, title, "present (id " + f.id() + "), " + dropReasonNames(f).size()
                + " drop reasons").withDetail("reason: " + r.type() + " at offset " + r.offset() + ", "
                + r.size() + " bytes; location at offset " + f.field("location").map(l -> "" + l.offset())
                .orElse("?"));
    }

    /**
     * The drop-reason names in order of their numbers, without the SKB_DROP_REASON_MAX end marker the
     * kernel lists last (it is never a reason a packet is dropped for).
     */
    static List<String> dropReasonNames(TracepointFormat f) {
        Map<Long, String> table = f.symbols("reason");
        return table.values().stream().filter(n -> !n.equals("MAX")).toList();
    }

    /** The result of opening a perf event on skb:kfree_skb: 0 or -errno. */
    static Check tracepointOpen(int result, ProcessStatus s, OptionalInt paranoid) {
        String id = "source.tracepoint";
        String title = "tracepoint source";
        if (result == 0) {
            return Check.of(id, OK, title, "perf_event_open on skb:kfree_skb works").withDetail(
                    "a disabled event with raw samples was opened on CPU 0 and closed at once");
        }
        int errno = -result;
        String detail = "perf_event_open(skb:kfree_skb, CPU 0): " + Errno.describe(errno);
        if (errno == Errno.EACCES || errno == Errno.EPERM) {
            String p = paranoid.isPresent() ? " (perf_event_paranoid is " + paranoid.getAsInt() + ")" : "";
            return new Check(id, DENIED, title, "refused: needs CAP_PERFMON or CAP_SYS_ADMIN" + p, detail,
                    RUN_AS_ROOT + ", or: sysctl kernel.perf_event_paranoid=-1");
        }
        if (errno == Errno.ENOSYS) {
            return new Check(id, MISSING, title, "this kernel has no perf events", detail,
                    "rebuild the kernel with CONFIG_PERF_EVENTS=y");
        }
        return new Check(id, ERROR, title, "perf_event_open failed", detail, null);
    }

    /**
     * Whether the eBPF source works here: 0 when the summary program loaded and attached, else -errno
     * and, when the verifier refused it, the end of its log.
     */
    static Check ebpf(int result, String verifierLogTail, ProcessStatus s, OptionalInt unprivilegedBpfDisabled) {
        String id = "source.ebpf";
        String title = "eBPF source";
        String sysctl = unprivilegedBpfDisabled.isEmpty() ? ""
                : "kernel.unprivileged_bpf_disabled=" + unprivilegedBpfDisabled.getAsInt();
        if (result == 0) {
            return Check.of(id, OK, title, "the skb:kfree_skb program passes the verifier and attaches (--source ebpf)")
                    .withDetail("maps made, program loaded and attached, then all closed at once"
                            + (sysctl.isEmpty() ? "" : "; " + sysctl));
        }
        int errno = -result;
        String detail = "bpf()/perf_event_open: " + Errno.describe(errno) + (sysctl.isEmpty() ? "" : "; " + sysctl);
        if (errno == Errno.ENOSYS) {
            return new Check(id, MISSING, title, "this kernel has no bpf() system call", detail,
                    "rebuild the kernel with CONFIG_BPF_SYSCALL=y");
        }
        boolean privileged = s != null && (s.has(Capability.CAP_SYS_ADMIN)
                || s.has(Capability.CAP_BPF) && s.has(Capability.CAP_PERFMON));
        if ((errno == Errno.EPERM || errno == Errno.EACCES) && (verifierLogTail == null || !privileged)) {
            String why = privileged ? "refused" : "refused: needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)";
            if (!privileged && unprivilegedBpfDisabled.isPresent() && unprivilegedBpfDisabled.getAsInt() != 0) {
                why += "; unprivileged BPF is disabled (" + sysctl + ")";
            }
            return new Check(id, DENIED, title, why, detail, RUN_AS_ROOT + ", or grant CAP_BPF and CAP_PERFMON");
        }
        if (verifierLogTail != null) {
            return new Check(id, ERROR, title, "the verifier refused the program: "
                    + verifierLogTail.replace('\n', ' '), detail, "use --source tracepoint; report this kernel");
        }
        return new Check(id, ERROR, title, "loading failed", detail, null);
    }

    /** How to get BTF: the kernel option, and the distributions that ship it. */
    static final String BTF_FIX = "a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian 11+, Ubuntu 20.10+ and "
            + "RHEL 8.2+ kernels have it)";

    /**
     * The kernel's BTF ({@code /sys/kernel/btf/vmlinux}): what it gives the eBPF source (each drop's interface
     * and network namespace, the raw tracepoint's argument order), or why not.
     *
     * @param size    the file's size, or -1 when there is none
     * @param problem why the blob or a needed type is unusable (a one-line BtfException message), or null
     * @param gives   what was read from it, when usable
     * @param ebpf    what the eBPF source made of it (attach, identity), or null when it did not open
     */
    static Check btf(Path file, long size, String problem, String gives, String ebpf) {
        String id = "btf";
        String title = "BTF";
        if (size < 0) {
            return new Check(id, MISSING, title, "no " + file + ": drop sites carry no interface or network "
                    + "namespace, and the eBPF program uses the perf-event attach", null, BTF_FIX);
        }
        String mib = String.format(Locale.ROOT, "%.1f MiB", size / 1048576.0);
        if (problem != null) {
            return new Check(id, WARN, title, file + " (" + mib + ") is not usable: " + problem
                    + "; drop sites carry no interface or network namespace", ebpf, "report this kernel");
        }
        return new Check(id, OK, title, file + " (" + mib + "): " + gives, ebpf, null);
    }

    /**
     * The BPF programs on skb:kfree_skb (asked before doctor's own eBPF check, so none is this process's).
     * The kernel ANDs their results: one that returns 0 hides the event from every perf reader, so the
     * tracepoint source would miss those drops; the eBPF source runs beside them and is not affected.
     *
     * @param ids   the attached programs' ids, or null when the query failed with {@code errno}
     */
    static Check tracepointPrograms(int[] ids, int errno) {
        String id = "tracepoint.bpf_programs";
        String title = "kfree_skb programs";
        if (ids == null) {
            if (errno == Errno.EPERM || errno == Errno.EACCES) {
                return new Check(id, DENIED, title, "cannot list the BPF programs on skb:kfree_skb",
                        "ioctl(PERF_EVENT_IOC_QUERY_BPF): " + Errno.describe(errno), "grant CAP_PERFMON");
            }
            return new Check(id, ERROR, title, "listing the BPF programs on skb:kfree_skb failed",
                    "ioctl(PERF_EVENT_IOC_QUERY_BPF): " + Errno.describe(errno), null);
        }
        if (ids.length == 0) {
            return Check.of(id, OK, title, "no BPF program is attached to skb:kfree_skb");
        }
        String list = Arrays.stream(ids).mapToObj(Integer::toString)
                .collect(Collectors.joining(", "));
        // a fact, not a fault: another dropscope's programs (they return 1) are harmless, and which is
        // which needs CAP_SYS_ADMIN and bpftool to tell
        return new Check(id, INFO, title, ids.length + " BPF program" + (ids.length == 1 ? "" : "s")
                + " on skb:kfree_skb (id " + list + "): one that returns 0 hides drops from the tracepoint "
                + "source; the eBPF source sees them all",
                "the kernel ANDs the programs' results and gives the event to no perf reader on 0; "
                + "dropscope's own programs return 1",
                "bpftool prog show id " + ids[0] + " (whose it is)");
    }

    /** The kfree_skb format could not be read because tracefs is not available. */
    static Check kfreeSkbNotRead(Check tracefs) {
        CheckStatus status = tracefs.status() == OK || tracefs.status() == WARN ? ERROR : tracefs.status();
        return new Check("tracepoint.kfree_skb", status, "skb:kfree_skb", "its format cannot be read: see tracefs",
                null, tracefs.fix());
    }

    /** Why the tracepoint source could not be tried at all (tracefs or the event missing). */
    static Check tracepointNotTried(Check blocking) {
        CheckStatus status = blocking.status() == OK || blocking.status() == WARN ? ERROR : blocking.status();
        return new Check("source.tracepoint", status, "tracepoint source", "not usable: see " + blocking.title(),
                null, blocking.fix());
    }

    // ------------------------------------------------------------------ other families

    static Check ethtoolPresent(GenlFamilyInfo family) {
        return Check.of("family.ethtool", OK, "ethtool netlink", "present (family id " + family.id() + ")");
    }

    static Check ethtoolAbsent(KernelFacts k) {
        String why = k.describe("CONFIG_ETHTOOL_NETLINK").orElse("no kernel config says why");
        return new Check("family.ethtool", MISSING, "ethtool netlink", "absent: NIC ring and queue drop "
                + "counters are unavailable (interface counters still come from rtnetlink)", why,
                "rebuild the kernel with CONFIG_ETHTOOL_NETLINK=y (Linux 5.6+)");
    }

    static Check rtnetlink(int links) {
        return Check.of("family.rtnetlink", OK, "rtnetlink", "answers: " + links + " interface"
                + (links == 1 ? "" : "s")).withDetail("RTM_GETLINK dump");
    }

    static Check rtnetlinkFailed(int errno) {
        return new Check("family.rtnetlink", ERROR, "rtnetlink", "RTM_GETLINK dump failed",
                "RTM_GETLINK: " + Errno.describe(errno), null);
    }

    /** ctnetlink's module state, when it decides the verdict before any request (not built, not loaded). */
    static Optional<Check> ctnetlinkBeforeAsking(KernelFacts k) {
        Availability a = k.availability("nf_conntrack_netlink", "CONFIG_NF_CT_NETLINK");
        String title = "ctnetlink";
        if (a == Availability.NOT_LOADED) {
            // asking would make nfnetlink load it (request_module "nfnetlink-subsys-1"): doctor changes nothing
            return Optional.of(new Check("family.ctnetlink", MISSING, title, "module nf_conntrack_netlink is not "
                    + "loaded: no conntrack table statistics", k.describe("CONFIG_NF_CT_NETLINK").orElse(
                    "nf_conntrack_netlink.ko is installed") + "; not asked for, since asking would load it",
                    "modprobe nf_conntrack_netlink (only if you want conntrack statistics)"));
        }
        if (a == Availability.NOT_BUILT) {
            return Optional.of(new Check("family.ctnetlink", MISSING, title, "not built: no conntrack table "
                    + "statistics", k.describe("CONFIG_NF_CT_NETLINK").orElseThrow(),
                    "rebuild the kernel with CONFIG_NF_CT_NETLINK (only if you want conntrack statistics)"));
        }
        return Optional.empty();
    }

    /** IPCTNL_MSG_CT_GET_STATS answered with {@code entries} tracked connections (-1 if not reported). */
    static Check ctnetlinkAnswered(long entries) {
        return Check.of("family.ctnetlink", OK, "ctnetlink", "answers"
                + (entries >= 0 ? ": " + entries + " connection" + (entries == 1 ? "" : "s") + " tracked" : ""))
                .withDetail("IPCTNL_MSG_CT_GET_STATS answered");
    }

    static Check ctnetlinkFailed(int errno, KernelFacts k) {
        String id = "family.ctnetlink";
        String detail = "IPCTNL_MSG_CT_GET_STATS: " + Errno.describe(errno);
        if (errno == Errno.EPERM || errno == Errno.EACCES) {
            return new Check(id, DENIED, "ctnetlink", "refused: nfnetlink needs CAP_NET_ADMIN", detail, RUN_AS_ROOT);
        }
        if (errno == Errno.EOPNOTSUPP || errno == Errno.ENOENT) {
            // no ctnetlink subsystem registered: conntrack is not loaded, a state rather than a fault
            return new Check(id, MISSING, "ctnetlink", "conntrack is not loaded: no conntrack table statistics",
                    detail, "modprobe nf_conntrack_netlink (only if you want conntrack statistics)");
        }
        if (errno == Errno.EPROTONOSUPPORT) {
            // socket(NETLINK_NETFILTER) fails when nfnetlink is neither built in nor loaded
            Optional<KernelConfig.Setting> nfnetlink = k.setting("CONFIG_NETFILTER_NETLINK");
            boolean notBuilt = nfnetlink.isPresent() && (nfnetlink.get() == KernelConfig.Setting.NOT_SET
                    || nfnetlink.get() == KernelConfig.Setting.ABSENT);
            return new Check(id, MISSING, "ctnetlink", (notBuilt ? "nfnetlink is not built" : "nfnetlink is not "
                    + "loaded") + ": no conntrack table statistics", k.describe("CONFIG_NETFILTER_NETLINK")
                    .map(d -> detail + "; " + d).orElse(detail), notBuilt
                    ? "rebuild the kernel with CONFIG_NETFILTER_NETLINK and CONFIG_NF_CT_NETLINK (only if you "
                    + "want conntrack statistics)"
                    : "modprobe nf_conntrack_netlink (only if you want conntrack statistics)");
        }
        return new Check(id, ERROR, "ctnetlink", "IPCTNL_MSG_CT_GET_STATS failed", detail, null);
    }

    // ------------------------------------------------------------------ kallsyms

    static Check kallsyms(KallsymsAccess.Visibility v) {
        String id = "kallsyms";
        switch (v) {
            case ADDRESSES:
                return Check.of(id, OK, "kallsyms", "real addresses: drop locations get symbol names");
            case ZEROED:
                return Check.of(id, DENIED, "kallsyms", "addresses shown to us as zeros: drop locations "
                        + "stay unnamed").withFix(RUN_AS_ROOT + ", or: sysctl kernel.kptr_restrict=0 "
                        + "kernel.perf_event_paranoid=1 (shows kernel addresses to every user)");
            default:
                return Check.of(id, MISSING, "kallsyms", "/proc/kallsyms is empty: drop locations stay "
                        + "unnamed").withFix("rebuild the kernel with CONFIG_KALLSYMS=y");
        }
    }

    static Check kallsymsUnreadable(String problem) {
        return new Check("kallsyms", MISSING, "kallsyms", "/proc/kallsyms cannot be read", problem,
                "rebuild the kernel with CONFIG_KALLSYMS=y");
    }

    // ------------------------------------------------------------------ the choice

    /** The source {@code auto} would use, with the reason; null source when none works. */
    record Choice(DropSource source, String reason) {
    }

    /** {@link SourcePolicy}'s rule (watch and top use the same), for a run without --hw or packet mode. */
    static Choice chooseSource(Check netDm, Check ebpf, Check tracepoint) {
        SourcePolicy.Choice c = SourcePolicy.choose(usability(netDm), usability(ebpf), usability(tracepoint),
                SourcePolicy.Need.SUMMARY);
        return new Choice(c.source(), c.why());
    }

    private static SourcePolicy.Usability usability(Check c) {
        return c.isOk() ? SourcePolicy.Usability.YES
                : SourcePolicy.Usability.no(c.status().label() + ": " + c.summary());
    }
}
