package dev.dropscope.doctor;

import dev.dropscope.collect.EbpfMonitor;
import dev.dropscope.model.DropSource;

/**
 * Which drop source {@code auto} uses, one rule for doctor, watch, top, snapshot and serve. Chosen from
 * measurements (README "Which source auto uses"): at the machine's full drop rate the eBPF program slowed
 * the dropping workload by 9 % and cost 0.06 s of CPU per million drops, the tracepoint's perf ring 38 % and
 * 0.30 s, and both give every drop with its reason. NET_DM summary alerts carry neither reasons nor CPUs,
 * so NET_DM is used for what only it gives (hardware drops from devlink traps, packet payloads with the
 * input port) or when neither of the others works.
 */
public final class SourcePolicy {
    private SourcePolicy() {
    }

    /**
     * The eBPF summary's attach: the raw tracepoint, measured cheaper than the perf-event attach (README
     * "Which source auto uses": the perf-event path pays for the kernel building a trace record per drop that
     * the program then reads; the raw tracepoint hands the program the arguments). EbpfMonitor falls back to
     * the perf event where the raw tracepoint cannot be used (no BTF for the argument order).
     */
    public static EbpfMonitor.Attach ebpfAttach() {
        return EbpfMonitor.Attach.RAW_TRACEPOINT;
    }

    /** What the run needs from a drop source. */
    public enum Need {
        /** Drop sites with counts: any source. */
        SUMMARY,
        /** One record per dropped packet: NET_DM (with payload and input port), else the eBPF ring. */
        PACKET,
        /** Hardware drops (devlink traps): NET_DM only. */
        HARDWARE
    }

    /** Whether one source works here, and why not when it does not. */
    public record Usability(boolean usable, String whyNot) {
        public static final Usability YES = new Usability(true, null);

        public static Usability no(String whyNot) {
            return new Usability(false, whyNot);
        }
    }

    /** The choice and the sentence that explains it; {@code source} null when nothing works. */
    public record Choice(DropSource source, String why) {
    }

    public static Choice choose(Usability netDm, Usability ebpf, Usability tracepoint, Need need) {
        switch (need) {
            case HARDWARE:
                return netDm.usable()
                        ? new Choice(DropSource.NET_DM, "hardware drops need NET_DM, which is present")
                        : new Choice(null, "hardware drops need NET_DM, which is not usable (" + netDm.whyNot() + ")");
            case PACKET:
                if (netDm.usable()) {
                    return new Choice(DropSource.NET_DM, "packet mode with payloads and input port needs NET_DM, "
                            + "which is present");
                }
                if (ebpf.usable()) {
                    return new Choice(DropSource.EBPF, "NET_DM is not usable (" + netDm.whyNot() + "): the eBPF "
                            + "ring gives each packet's location, reason and protocol, without payload");
                }
                return new Choice(null, "packet mode needs NET_DM or the eBPF source: NET_DM is not usable ("
                        + netDm.whyNot() + ") and eBPF is not usable (" + ebpf.whyNot() + ")");
            default:
                break;
        }
        String netDmNote = netDm.usable()
                ? "NET_DM is present too: --source netdm, or --hw/--mode packet"
                : "NET_DM is not usable: " + netDm.whyNot();
        if (ebpf.usable()) {
            return new Choice(DropSource.EBPF, "it counts in the kernel, with reasons, at the lowest cost; " + netDmNote);
        }
        if (tracepoint.usable()) {
            return new Choice(DropSource.TRACEPOINT, "eBPF is not usable (" + ebpf.whyNot() + "); " + netDmNote);
        }
        if (netDm.usable()) {
            return new Choice(DropSource.NET_DM, "neither eBPF (" + ebpf.whyNot() + ") nor the skb:kfree_skb "
                    + "tracepoint (" + tracepoint.whyNot() + ") is usable");
        }
        return new Choice(null, "NET_DM is not usable (" + netDm.whyNot() + "), eBPF is not usable ("
                + ebpf.whyNot() + ") and the skb:kfree_skb tracepoint is not usable (" + tracepoint.whyNot() + ")");
    }
}
