package dev.dropscope.doctor;

import dev.dropscope.collect.DropReasons;
import dev.dropscope.collect.TracepointMonitor;
import dev.dropscope.collect.NetDmSession;
import dev.dropscope.bpf.DropPrograms;
import dev.dropscope.collect.EbpfMonitor;
import dev.dropscope.collect.NetDmMonitor;
import dev.dropscope.collect.DropMonitor;
import dev.dropscope.model.DropSource;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Opens the drop source the user asked for, or the one {@link SourcePolicy} picks for {@code auto}. */
public final class DropMonitors {
    private DropMonitors() {
    }

    /** What the user asked for with {@code --source}. */
    public enum Requested { AUTO, NETDM, TRACEPOINT, EBPF }

    /**
     * No drop source can be opened; the message says why for each one. The cause, when there is one, is
     * a failure that made a source unusable, a refusal (EPERM, EACCES) before any other: whether more
     * privileges would help is decided from it ({@link NativeIoException#denied}).
     */
    public static final class NoDropSourceException extends IOException {
        private static final long serialVersionUID = 1L;

        public NoDropSourceException(String message) {
            super(message);
        }

        public NoDropSourceException(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    private static final String NETDM_MISSING = "the NET_DM family is not in this kernel";
    private static final String NETDM_FIX = " (not built, or the drop_monitor module is not loaded: try "
            + "'modprobe drop_monitor'; 'dropscope doctor' tells which)";

    /**
     * Opens and starts a monitor. NET_DM options apply when NET_DM is used; hardware drops need NET_DM,
     * packet mode NET_DM or eBPF.
     */
    public static DropMonitor open(Syscalls sys, Requested requested, NetDmMonitor.Options netdm) throws IOException {
        return open(sys, requested, netdm, DropPrograms.Filter.NONE);
    }

    /**
     * As {@link #open(Syscalls, Requested, NetDmMonitor.Options)}; the eBPF source's program keeps only the
     * drops {@code kernelFilter} keeps (where it knows identity: callers filter in user space as well).
     */
    public static DropMonitor open(Syscalls sys, Requested requested, NetDmMonitor.Options netdm,
                                   DropPrograms.Filter kernelFilter) throws IOException {
        switch (requested) {
            case NETDM: {
                NetDmSession s = NetDmSession.open(sys).orElseThrow(() -> new NoDropSourceException(
                        "--source netdm: " + NETDM_MISSING + NETDM_FIX + "; --source auto uses eBPF or the tracepoint"));
                return NetDmMonitor.start(s, netdm, new DropReasons(), "asked for with --source netdm");
            }
            case TRACEPOINT:
                if (netdm.hardware()) {
                    throw new NoDropSourceException(hardwareNeedsNetDm("the tracepoint source"));
                }
                if (netdm.packetMode()) {
                    throw new NoDropSourceException("the tracepoint source has no packet mode: use --source ebpf "
                            + "(location, reason, protocol) or --source netdm (payloads, input port)");
                }
                return openTracepoint(sys, "asked for with --source tracepoint");
            case EBPF:
                if (netdm.hardware()) {
                    throw new NoDropSourceException(hardwareNeedsNetDm("the eBPF source"));
                }
                return openEbpf(sys, netdm.packetMode(), netdm.truncLen(), "asked for with --source ebpf", kernelFilter);
            default:
                return openAuto(sys, netdm, kernelFilter);
        }
    }

    private static String hardwareNeedsNetDm(String what) {
        return "NET_DM is needed for hardware drops (devlink traps); " + what + " sees software drops only";
    }

    private static TracepointMonitor openTracepoint(Syscalls sys, String why) throws IOException {
        try {
            return TracepointMonitor.open(sys, why);
        } catch (IOException e) {
            throw new NoDropSourceException("the skb:kfree_skb tracepoint cannot be used: " + e.getMessage()
                    + " (needs CAP_PERFMON or CAP_SYS_ADMIN and tracefs; 'dropscope doctor' checks each)", e);
        }
    }

    private static DropMonitor openEbpf(Syscalls sys, boolean packetMode, Integer trunc, String why,
                                        DropPrograms.Filter filter) throws IOException {
        try {
            return openEbpfMonitor(sys, why, packetMode, trunc, filter);
        } catch (IOException e) {
            throw new NoDropSourceException("the eBPF source cannot be used: " + e.getMessage()
                    + " (needs CAP_BPF and CAP_PERFMON, or root; 'dropscope doctor' checks each)", e);
        }
    }

    /**
     * The eBPF source on {@link SourcePolicy#ebpfAttach()}'s attach, with identity. For benchmarks and
     * comparisons, {@code DROPSCOPE_EBPF_ATTACH=perf|raw} picks the attach and {@code DROPSCOPE_EBPF_IDENTITY=0}
     * runs the program without identity.
     */
    static EbpfMonitor openEbpfMonitor(Syscalls sys, String why, boolean packetMode) throws IOException {
        return openEbpfMonitor(sys, why, packetMode, null);
    }

    /** @param trunc packet mode's capture in bytes ({@code --trunc}), null for the default */
    static EbpfMonitor openEbpfMonitor(Syscalls sys, String why, boolean packetMode, Integer trunc)
            throws IOException {
        return openEbpfMonitor(sys, why, packetMode, trunc, DropPrograms.Filter.NONE);
    }

    static EbpfMonitor openEbpfMonitor(Syscalls sys, String why, boolean packetMode, Integer trunc,
                                       DropPrograms.Filter filter) throws IOException {
        String a = System.getenv("DROPSCOPE_EBPF_ATTACH");
        EbpfMonitor.Attach attach = "perf".equals(a) ? EbpfMonitor.Attach.PERF_EVENT
                : "raw".equals(a) ? EbpfMonitor.Attach.RAW_TRACEPOINT : SourcePolicy.ebpfAttach();
        return EbpfMonitor.open(sys, why, packetMode, attach, !"0".equals(System.getenv("DROPSCOPE_EBPF_IDENTITY")),
                trunc, filter);
    }

    /** The first line of a failure's message: a verifier log stays out of the one-line reason. */
    private static String firstLine(IOException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /**
     * {@link SourcePolicy}'s order, trying each source for real: eBPF, then the tracepoint, then NET_DM for
     * a summary; NET_DM, then the eBPF ring for packet mode; NET_DM alone for hardware drops. The NET_DM
     * session opened to learn whether it is there is closed when another source is used.
     */
    private static DropMonitor openAuto(Syscalls sys, NetDmMonitor.Options netdm, DropPrograms.Filter filter)
            throws IOException {
        SourcePolicy.Need need = netdm.hardware() ? SourcePolicy.Need.HARDWARE
                : netdm.packetMode() ? SourcePolicy.Need.PACKET : SourcePolicy.Need.SUMMARY;
        Optional<NetDmSession> session;
        String netDmWhyNot = NETDM_MISSING;
        List<IOException> failures = new ArrayList<>();
        try {
            session = NetDmSession.open(sys);
        } catch (IOException e) {
            session = Optional.empty();
            netDmWhyNot = "NET_DM lookup failed: " + e.getMessage();
            failures.add(e);
        }
        boolean netDmMissing = session.isEmpty() && failures.isEmpty(); // looked up, and not there
        SourcePolicy.Usability netDmUse = session.isPresent() ? SourcePolicy.Usability.YES
                : SourcePolicy.Usability.no(netDmWhyNot);
        if (session.isPresent() && need != SourcePolicy.Need.SUMMARY) {
            SourcePolicy.Choice c = SourcePolicy.choose(netDmUse, SourcePolicy.Usability.YES,
                    SourcePolicy.Usability.YES, need);
            return NetDmMonitor.start(session.get(), netdm, new DropReasons(), c.why());
        }
        if (need == SourcePolicy.Need.HARDWARE) {
            throw new NoDropSourceException(hardwareNeedsNetDm("without it, each other source")
                    + ": " + netDmWhyNot + (netDmMissing ? NETDM_FIX : ""), cause(failures));
        }
        SourcePolicy.Usability ebpfUse;
        try {
            SourcePolicy.Choice c = SourcePolicy.choose(netDmUse, SourcePolicy.Usability.YES,
                    SourcePolicy.Usability.YES, need);
            EbpfMonitor m = openEbpfMonitor(sys, c.why(), need == SourcePolicy.Need.PACKET, netdm.truncLen(), filter);
            closeUnused(session);
            return m;
        } catch (IOException e) {
            ebpfUse = SourcePolicy.Usability.no(firstLine(e));
            failures.add(e);
        }
        SourcePolicy.Usability tracepointUse = SourcePolicy.Usability.YES;
        if (need == SourcePolicy.Need.SUMMARY) {
            try {
                SourcePolicy.Choice c = SourcePolicy.choose(netDmUse, ebpfUse, SourcePolicy.Usability.YES, need);
                TracepointMonitor t = TracepointMonitor.open(sys, c.why());
                closeUnused(session);
                return t;
            } catch (IOException e) {
                tracepointUse = SourcePolicy.Usability.no(firstLine(e));
                failures.add(e);
            }
        }
        SourcePolicy.Choice c = SourcePolicy.choose(netDmUse, ebpfUse, tracepointUse, need);
        if (c.source() == DropSource.NET_DM) {
            return NetDmMonitor.start(session.get(), netdm, new DropReasons(), c.why());
        }
        closeUnused(session);
        throw new NoDropSourceException((need == SourcePolicy.Need.PACKET ? "" : "no drop source works: ") + c.why()
                + (netDmMissing && need == SourcePolicy.Need.PACKET ? NETDM_FIX : ""),
                cause(failures));
    }

    /** The failure to name as the cause: the first refusal, else the first failure; null for none. */
    private static IOException cause(List<IOException> failures) {
        return failures.stream().filter(NativeIoException::denied).findFirst()
                .orElse(failures.isEmpty() ? null : failures.get(0));
    }

    private static void closeUnused(Optional<NetDmSession> session) {
        if (session.isPresent()) {
            try {
                session.get().close(); // nothing was started on it
            } catch (IOException e) {
                // an idle netlink socket that will not close holds nothing of the kernel's: the source chosen runs on
            }
        }
    }
}
