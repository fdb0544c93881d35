package dev.dropscope.collect;

import dev.dropscope.model.DropSource;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.util.Optional;

/** Opens the drop source the user asked for, or the one {@link SourcePolicy} picks for {@code auto}. */
public final class DropMonitors {
    private DropMonitors() {
    }

    /** What the user asked for with {@code --source}. */
    public enum Requested { AUTO, NETDM, TRACEPOINT, EBPF }

    /** No drop source can be opened; the message says why for each one. */
    public static final class NoDropSourceException extends IOException {
        private static final long serialVersionUID = 1L;

        public NoDropSourceException(String message) {
            super(message);
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
     * Opens and starts a monitor. NET_DM options apply when NET_DM is used; hardware drops and packet
     * mode need NET_DM.
     */
    public static DropMonitor open(Syscalls sys, Requested requested, NetDmMonitor.Options netdm) throws IOException {
        boolean needsNetDm = netdm.hardware() || netdm.packetMode();
        switch (requested) {
            case NETDM: {
                NetDmSession s = NetDmSession.open(sys).orElseThrow(() -> new NoDropSourceException(
                        "--source netdm: " + NETDM_MISSING + NETDM_FIX + "; use --source tracepoint"));
                return NetDmMonitor.start(s, netdm, new DropReasons(), "asked for with --source netdm");
            }
            case TRACEPOINT:
                if (needsNetDm) {
                    throw new NoDropSourceException(needsNetDmMessage(netdm, "the tracepoint source"));
                }
                return openTracepoint(sys, "asked for with --source tracepoint");
            case EBPF:
                if (netdm.hardware()) {
                    throw new NoDropSourceException("NET_DM is needed for hardware drops (devlink traps); the eBPF source"
                            + " sees software drops only");
                }
                return openEbpf(sys, netdm.packetMode(), "asked for with --source ebpf");
            default:
                return openAuto(sys, netdm, needsNetDm);
        }
    }

    private static String needsNetDmMessage(NetDmMonitor.Options o, String what) {
        String feature = o.packetMode() ? "packet mode (payloads, input port)" : "hardware drops (devlink traps)";
        return "NET_DM is needed for " + feature + "; " + what + " gives software drops with reasons in summary mode only";
    }

    private static TracepointMonitor openTracepoint(Syscalls sys, String why) throws IOException {
        try {
            return TracepointMonitor.open(sys, why);
        } catch (IOException e) {
            throw new NoDropSourceException("the skb:kfree_skb tracepoint cannot be used: " + e.getMessage()
                    + " (needs CAP_PERFMON or CAP_SYS_ADMIN and tracefs; 'dropscope doctor' checks each)");
        }
    }

    private static DropMonitor openEbpf(Syscalls sys, boolean packetMode, String why) throws IOException {
        try {
            return EbpfMonitor.open(sys, why, packetMode);
        } catch (IOException e) {
            throw new NoDropSourceException("the eBPF source cannot be used: " + e.getMessage()
                    + " (needs CAP_BPF and CAP_PERFMON, or root; 'dropscope doctor' checks each)");
        }
    }

    private static DropMonitor openAuto(Syscalls sys, NetDmMonitor.Options netdm, boolean needsNetDm) throws IOException {
        Optional<NetDmSession> session;
        String netDmWhyNot = NETDM_MISSING;
        try {
            session = NetDmSession.open(sys);
        } catch (IOException e) {
            session = Optional.empty();
            netDmWhyNot = "NET_DM lookup failed: " + e.getMessage();
        }
        if (needsNetDm && session.isPresent()) {
            SourcePolicy.Choice c = SourcePolicy.choose(true, null, false, null, true);
            return NetDmMonitor.start(session.get(), netdm, new DropReasons(), c.why());
        }
        if (needsNetDm) {
            throw new NoDropSourceException(needsNetDmMessage(netdm, "without it, the tracepoint source") + ": "
                    + netDmWhyNot + (netDmWhyNot.equals(NETDM_MISSING) ? NETDM_FIX : ""));
        }
        String tracepointWhyNot;
        try {
            SourcePolicy.Choice c = SourcePolicy.choose(session.isPresent(), netDmWhyNot, true, null, false);
            TracepointMonitor t = TracepointMonitor.open(sys, c.why());
            if (session.isPresent()) {
                session.get().close(); // nothing was started on it
            }
            return t;
        } catch (IOException e) {
            tracepointWhyNot = e.getMessage();
        }
        SourcePolicy.Choice c = SourcePolicy.choose(session.isPresent(), netDmWhyNot, false, tracepointWhyNot, false);
        if (c.source() == DropSource.NET_DM) {
            return NetDmMonitor.start(session.get(), netdm, new DropReasons(), c.why());
        }
        throw new NoDropSourceException("no drop source works: " + c.why());
    }
}
