package dev.dropscope.doctor;

import dev.dropscope.btf.SkbBtf;
import dev.dropscope.btf.KernelBtf;
import dev.dropscope.btf.BtfException;
import dev.dropscope.btf.Btf;
import dev.dropscope.collect.EbpfMonitor;
import static dev.dropscope.model.CheckStatus.ERROR;

import dev.dropscope.model.Check;
import dev.dropscope.model.DoctorReport;
import dev.dropscope.model.GenlFamilyInfo;
import dev.dropscope.netlink.AttributeCursor;
import dev.dropscope.netlink.MessageBuilder;
import dev.dropscope.netlink.NetlinkConstants;
import dev.dropscope.netlink.NetlinkException;
import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.netlink.NlMsg;
import dev.dropscope.netlink.genl.GenlController;
import dev.dropscope.netlink.genl.GenlFamily;
import dev.dropscope.bpf.Bpf;
import dev.dropscope.perf.Tracefs;
import dev.dropscope.perf.TracepointAccess;
import dev.dropscope.perf.TracepointFormat;
import dev.dropscope.procfs.KallsymsAccess;
import dev.dropscope.procfs.KernelModules;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.sys.Failures;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Runs every doctor check against the live kernel and the files under a root. Each check is isolated:
 * one that fails unexpectedly becomes an "error" line and the others still run. Doctor reads and asks,
 * and changes nothing: no module gets loaded by its questions, and a tracefs it mounts is gone again
 * before {@link #run()} returns.
 */
public final class DoctorProbe {
    // Names and numbers from the UAPI headers, private until the shared constants classes land
    // (netlink/genl/netdm/NetDmConstants, netlink/route/RtnlConstants, netlink/nfct/NfctConstants).
    /** NET_DM_GENL_NAME, include/uapi/linux/net_dropmon.h. */
    private static final String NET_DM_GENL_NAME = "NET_DM";
    /** NET_DM_GENL_VERSION. */
    private static final int NET_DM_GENL_VERSION = 2;
    private static final int NET_DM_CMD_CONFIG_GET = 6;
    /** ETHTOOL_GENL_NAME, include/uapi/linux/ethtool_netlink.h. */
    private static final String ETHTOOL_GENL_NAME = "ethtool";
    private static final int RTM_NEWLINK = 16;
    private static final int RTM_GETLINK = 18;
    /** sizeof(struct ifinfomsg). */
    private static final int IFINFOMSG_SIZE = 16;
    /** NFNL_SUBSYS_CTNETLINK, include/uapi/linux/netfilter/nfnetlink.h. */
    private static final int NFNL_SUBSYS_CTNETLINK = 1;
    /** IPCTNL_MSG_CT_GET_STATS, include/uapi/linux/netfilter/nfnetlink_conntrack.h. */
    private static final int IPCTNL_MSG_CT_GET_STATS = 5;
    /** sizeof(struct nfgenmsg): family, version (NFNETLINK_V0), res_id; all zero here. */
    private static final int NFGENMSG_SIZE = 4;
    private static final int CTA_STATS_GLOBAL_ENTRIES = 1;

    private static final int NETLINK_TIMEOUT_MILLIS = 3000;

    private final Syscalls sys;
    private final Path root;

    /** {@code root} is where /proc, /boot and /lib/modules are read from: "/" except in tests. */
    public DoctorProbe(Syscalls sys, Path root) {
        this.sys = sys;
        this.root = root;
    }

    /** A check body that may fail; its failure becomes the check's "error" line. */
    @FunctionalInterface
    private interface Body {
        Check run() throws Exception;
    }

    private static Check isolated(String id, String title, Body body) {
        try {
            return body.run();
        } catch (Exception e) {
            return new Check(id, ERROR, title, "the check failed: " + Failures.oneLine(e), e.getClass().getSimpleName(), null);
        }
    }

    /**
     * Loads and attaches the real summary program for a moment (the verifier is the only judge of whether
     * this kernel takes it), then closes everything: nothing stays attached.
     */
    private Check ebpf(KernelFacts k) {
        OptionalInt unprivileged = OptionalInt.empty();
        try {
            unprivileged = OptionalInt.of(Integer.parseInt(Files.readString(
                    root.resolve("proc/sys/kernel/unprivileged_bpf_disabled")).strip()));
        } catch (IOException | NumberFormatException | InvalidPathException e) {
            // absent on kernels without CONFIG_BPF_SYSCALL; the load attempt says the rest
        }
        try (EbpfMonitor m = DropMonitors.openEbpfMonitor(sys, "doctor", false)) {
            ebpfNote = m.identityUnknownWhy() != null ? "the eBPF source runs on the "
                    + (m.attach() == EbpfMonitor.Attach.RAW_TRACEPOINT ? "raw tracepoint" : "perf-event attach")
                    + "; " + m.identityUnknownWhy()
                    : "the eBPF source runs on the " + (m.attach() == EbpfMonitor.Attach.RAW_TRACEPOINT
                    ? "raw tracepoint" : "perf-event attach") + " and keys each drop by interface and namespace";
            return DoctorChecks.ebpf(0, null, k.status(), unprivileged);
        } catch (Bpf.VerifierException e) {
            return DoctorChecks.ebpf(-e.errno(), e.logTail(3), k.status(), unprivileged);
        } catch (NativeIoException e) {
            return DoctorChecks.ebpf(-e.errno(), null, k.status(), unprivileged);
        } catch (IOException e) {
            return new Check("source.ebpf", ERROR, "eBPF source", "not usable: " + Failures.oneLine(e), null, null);
        }
    }

    /** What the eBPF check's program made of BTF, for the BTF line; null when it did not open. */
    private String ebpfNote;

    /** Reads the kernel's BTF (under {@code root}) and the answers the eBPF source needs from it. */
    private Check btf() {
        Path file = root.resolve("sys/kernel/btf/vmlinux");
        Path shown = Path.of("/").resolve(root.relativize(file));
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            return DoctorChecks.btf(shown, -1, null, null, ebpfNote);
        }
        try {
            Btf btf = KernelBtf.load(file);
            SkbBtf.Identity id = SkbBtf.identity(btf);
            String gives = "each drop's interface and network namespace (sk_buff.dev at " + id.skbDev()
                    + ", net_device.ifindex at " + id.devIfindex() + ", nd_net.net at " + id.devNet()
                    + ", net.ns.inum at " + id.netInum() + ")";
            try {
                gives += " and kfree_skb's arguments for the raw tracepoint "
                        + SkbBtf.kfreeSkbArgs(btf).prototype();
            } catch (BtfException e) {
                gives += "; no raw tracepoint: " + e.getMessage();
            }
            return DoctorChecks.btf(shown, size, null, gives, ebpfNote);
        } catch (IOException e) {
            return DoctorChecks.btf(shown, size, Failures.oneLine(e), null, ebpfNote);
        }
    }

    public DoctorReport run() {
        KernelFacts k = KernelFacts.gather(root);
        List<Check> checks = new ArrayList<>();
        checks.add(isolated("kernel", "kernel", () -> DoctorChecks.kernel(k)));
        checks.addAll(privileges(k));

        TracepointFindings tp = tracepoint(k);
        Map<String, GenlFamilyInfo> families = new LinkedHashMap<>();
        Check netDm;
        Check ethtool;
        try (NetlinkSocket genl = NetlinkSocket.open(sys, NetlinkConstants.NETLINK_GENERIC)) {
            genl.setTimeoutMillis(NETLINK_TIMEOUT_MILLIS);
            netDm = isolated("source.netdm", "NET_DM", () -> netDm(genl, k, tp.works(), families));
            ethtool = isolated("family.ethtool", "ethtool netlink", () -> ethtool(genl, k, families));
        } catch (NativeIoException e) {
            netDm = new Check("source.netdm", ERROR, "NET_DM", "no generic netlink socket: " + Failures.oneLine(e), null, null);
            ethtool = new Check("family.ethtool", ERROR, "ethtool netlink", "no generic netlink socket: "
                    + Failures.oneLine(e), null, null);
        }
        checks.add(netDm);
        checks.addAll(tp.checks());
        if (tp.works()) {
            checks.add(isolated("tracepoint.bpf_programs", "kfree_skb programs", () -> {
                try {
                    return DoctorChecks.tracepointPrograms(Bpf.attachedPrograms(sys, (int) tp.eventId(), 0), 0);
                } catch (NativeIoException e) {
                    return DoctorChecks.tracepointPrograms(null, e.errno());
                }
            }));
        }
        Check ebpf = isolated("source.ebpf", "eBPF source", () -> ebpf(k));
        checks.add(ebpf);
        checks.add(isolated("btf", "BTF", this::btf));
        checks.add(ethtool);
        checks.add(isolated("family.rtnetlink", "rtnetlink", this::rtnetlink));
        checks.add(isolated("family.ctnetlink", "ctnetlink", () -> ctnetlink(k)));
        checks.add(isolated("kallsyms", "kallsyms", () -> {
            try {
                return DoctorChecks.kallsyms(KallsymsAccess.query(root));
            } catch (IOException | IllegalArgumentException e) {
                return DoctorChecks.kallsymsUnreadable(Failures.oneLine(e));
            }
        }));

        Check tracepointSource = tp.checks().get(tp.checks().size() - 1);
        DoctorChecks.Choice choice = DoctorChecks.chooseSource(netDm, ebpf, tracepointSource);
        return new DoctorReport(k.release(), checks, families, tp.dropReasons(), choice.source(), choice.reason());
    }

    static List<Check> privileges(KernelFacts k) {
        if (k.status() == null) {
            return List.of(new Check("privileges.uid", ERROR, "uid", "cannot tell who we are",
                    k.statusProblem(), null));
        }
        return List.of(
                isolated("privileges.uid", "uid", () -> DoctorChecks.uid(k.status())),
                isolated("privileges.cap_net_admin", "CAP_NET_ADMIN", () -> DoctorChecks.capNetAdmin(k.status())),
                isolated("privileges.cap_perfmon", "CAP_PERFMON",
                        () -> DoctorChecks.capPerfmon(k.status(), k.capLastCap())),
                isolated("privileges.perf_event_paranoid", "perf_event_paranoid",
                        () -> DoctorChecks.perfEventParanoid(k.perfEventParanoid(),
                                k.unreadable().get("kernel.perf_event_paranoid"), k.status())),
                isolated("privileges.kptr_restrict", "kptr_restrict",
                        () -> DoctorChecks.kptrRestrict(k.kptrRestrict(), k.perfEventParanoid(), k.status())));
    }

    // ------------------------------------------------------------------ NET_DM and ethtool

    private Check netDm(NetlinkSocket genl, KernelFacts k, boolean tracepointWorks,
                        Map<String, GenlFamilyInfo> families) throws IOException {
        if (k.availability("drop_monitor", "CONFIG_NET_DROP_MONITOR")
                == KernelModules.Availability.NOT_LOADED) {
            return DoctorChecks.netDmModuleNotLoaded(k, tracepointWorks);
        }
        Optional<GenlFamily> found = GenlController.resolve(genl, NET_DM_GENL_NAME);
        if (found.isEmpty()) {
            return DoctorChecks.netDmAbsent(k, tracepointWorks);
        }
        GenlFamilyInfo info = info(found.get());
        families.put(info.name(), info);
        int configGetErrno = 0;
        try {
            // read-only and unprivileged: proves the family answers, without starting anything
            genl.request("NET_DM_CMD_CONFIG_GET", new MessageBuilder(64).begin(info.id(),
                    NetlinkConstants.NLM_F_REQUEST).genl(NET_DM_CMD_CONFIG_GET, NET_DM_GENL_VERSION), (b, at, len) -> {
                    });
        } catch (NetlinkException e) {
            configGetErrno = e.errno();
        }
        return DoctorChecks.netDmPresent(info, configGetErrno, k.status());
    }

    private static GenlFamilyInfo info(GenlFamily f) {
        return new GenlFamilyInfo(f.name(), f.id(), f.version(), f.multicastGroups());
    }

    private Check ethtool(NetlinkSocket genl, KernelFacts k, Map<String, GenlFamilyInfo> families)
            throws IOException {
        Optional<GenlFamily> found = GenlController.resolve(genl, ETHTOOL_GENL_NAME);
        if (found.isEmpty()) {
            return DoctorChecks.ethtoolAbsent(k);
        }
        GenlFamilyInfo info = info(found.get());
        families.put(info.name(), info);
        return DoctorChecks.ethtoolPresent(info);
    }

    // ------------------------------------------------------------------ rtnetlink and ctnetlink

    private Check rtnetlink() throws IOException {
        try (NetlinkSocket route = NetlinkSocket.open(sys, NetlinkConstants.NETLINK_ROUTE)) {
            route.setTimeoutMillis(NETLINK_TIMEOUT_MILLIS);
            MessageBuilder m = new MessageBuilder(64).begin(RTM_GETLINK,
                    NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_DUMP);
            m.reserve(IFINFOMSG_SIZE); // ifi_family AF_UNSPEC: every link
            int[] links = new int[1];
            route.dump("RTM_GETLINK", m, () -> links[0] = 0, (b, at, len) -> {
                if (NlMsg.type(b, at) == RTM_NEWLINK) {
                    links[0]++;
                }
            });
            return DoctorChecks.rtnetlink(links[0]);
        } catch (NetlinkException e) {
            return DoctorChecks.rtnetlinkFailed(e.errno());
        }
    }

    private Check ctnetlink(KernelFacts k) throws IOException {
        Optional<Check> decided = DoctorChecks.ctnetlinkBeforeAsking(k);
        if (decided.isPresent()) {
            return decided.get();
        }
        NetlinkSocket nf;
        try {
            nf = NetlinkSocket.open(sys, NetlinkConstants.NETLINK_NETFILTER);
        } catch (NativeIoException e) {
            return DoctorChecks.ctnetlinkFailed(e.errno(), k);
        }
        try (nf) {
            nf.setTimeoutMillis(NETLINK_TIMEOUT_MILLIS);
            MessageBuilder m = new MessageBuilder(64).begin((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS,
                    NetlinkConstants.NLM_F_REQUEST);
            m.reserve(NFGENMSG_SIZE);
            long[] entries = {-1};
            nf.request("IPCTNL_MSG_CT_GET_STATS", m, (b, at, len) -> {
                AttributeCursor c = new AttributeCursor(b, at + NetlinkConstants.NLMSG_HDRLEN + NFGENMSG_SIZE, at + len);
                while (c.next()) {
                    if (c.type() == CTA_STATS_GLOBAL_ENTRIES) {
                        int raw = c.u32(); // ctnetlink sends its numbers big-endian
                        entries[0] = Integer.toUnsignedLong(
                                ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? raw : Integer.reverseBytes(raw));
                    }
                }
            });
            return DoctorChecks.ctnetlinkAnswered(entries[0]);
        } catch (NetlinkException e) {
            return DoctorChecks.ctnetlinkFailed(e.errno(), k);
        }
    }

    // ------------------------------------------------------------------ tracepoint

    /** The tracefs, kfree_skb and tracepoint-source checks, in that order, and the drop reasons. */
    /** @param eventId skb:kfree_skb's id, -1 when its format could not be read */
    private record TracepointFindings(List<Check> checks, List<String> dropReasons, boolean works, long eventId) {
    }

    private TracepointFindings tracepoint(KernelFacts k) {
        Check tracefsCheck;
        Optional<TracepointFormat> format = Optional.empty();
        Check formatCheck = null;
        Tracefs tracefs = null;
        try {
            tracefs = Tracefs.open(sys, root);
            tracefsCheck = DoctorChecks.tracefsFound(tracefs.origin(), tracefs.directory());
            try {
                format = tracefs.findFormat("skb", "kfree_skb");
                formatCheck = DoctorChecks.kfreeSkb(format);
            } catch (IOException | RuntimeException e) {
                formatCheck = new Check("tracepoint.kfree_skb", ERROR, "skb:kfree_skb",
                        "its format cannot be read: " + Failures.oneLine(e), null, null);
            }
        } catch (NativeIoException e) {
            tracefsCheck = DoctorChecks.tracefsUnavailable(e.errno());
        } catch (IOException | RuntimeException e) {
            tracefsCheck = new Check("tracefs", ERROR, "tracefs", "the check failed: " + Failures.oneLine(e), null, null);
        } finally {
            if (tracefs != null) {
                try {
                    tracefs.close();
                } catch (IOException e) {
                    tracefsCheck = DoctorChecks.tracefsNotRemoved(tracefs.directory(), Failures.oneLine(e));
                }
            }
        }
        List<Check> checks = new ArrayList<>();
        checks.add(tracefsCheck);
        if (formatCheck == null) {
            checks.add(DoctorChecks.kfreeSkbNotRead(tracefsCheck));
            checks.add(DoctorChecks.tracepointNotTried(tracefsCheck));
            return new TracepointFindings(checks, List.of(), false, -1);
        }
        checks.add(formatCheck);
        if (format.isEmpty() || formatCheck.status() == ERROR) {
            checks.add(DoctorChecks.tracepointNotTried(formatCheck));
            return new TracepointFindings(checks, List.of(), false, -1);
        }
        long id = format.get().id();
        Check open = isolated("source.tracepoint", "tracepoint source",
                () -> DoctorChecks.tracepointOpen(TracepointAccess.tryOpen(sys, id, 0), k.status(),
                        k.perfEventParanoid()));
        checks.add(open);
        return new TracepointFindings(checks, DoctorChecks.dropReasonNames(format.get()), open.isOk(), id);
    }
}
