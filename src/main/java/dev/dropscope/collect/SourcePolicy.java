package dev.dropscope.collect;

import dev.dropscope.model.DropSource;

/**
 * Which drop source {@code auto} uses, one rule for doctor, watch and top. The tracepoint first: every
 * event carries its drop reason and CPU and is counted one by one, while NET_DM summary alerts carry
 * neither reasons nor CPUs. NET_DM when the user asks for what only it gives (hardware drops from
 * devlink traps, packet payloads with the input port) or when the tracepoint cannot be used.
 */
public final class SourcePolicy {
    private SourcePolicy() {
    }

    /** The choice and the sentence that explains it; {@code source} null when nothing works. */
    public record Choice(DropSource source, String why) {
    }

    /**
     * @param netDmUsable      the NET_DM family answers
     * @param netDmWhyNot      why NET_DM is not usable (when it is not)
     * @param tracepointUsable perf_event_open on skb:kfree_skb works
     * @param tracepointWhyNot why the tracepoint is not usable (when it is not)
     * @param needsNetDm       the user asked for hardware drops or packet mode, which only NET_DM gives
     */
    public static Choice choose(boolean netDmUsable, String netDmWhyNot, boolean tracepointUsable,
                                String tracepointWhyNot, boolean needsNetDm) {
        if (needsNetDm && netDmUsable) {
            return new Choice(DropSource.NET_DM, "hardware drops and packet mode need NET_DM, which is present");
        }
        if (tracepointUsable) {
            return new Choice(DropSource.TRACEPOINT, netDmUsable
                    ? "it gives drop reasons and exact per-CPU counts (NET_DM is present too: --source netdm, or --hw/--mode packet)"
                    : "NET_DM is not usable: " + netDmWhyNot);
        }
        if (netDmUsable) {
            return new Choice(DropSource.NET_DM, "the skb:kfree_skb tracepoint is not usable (" + tracepointWhyNot + ")");
        }
        return new Choice(null, "NET_DM is not usable (" + netDmWhyNot + ") and the skb:kfree_skb tracepoint is not usable ("
                + tracepointWhyNot + ")");
    }
}
