package dev.dropscope.diagnosis;

import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Severity;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code interface_rx_dropped}: an interface's rx_dropped rises. Not an error counter by itself: it also
 * counts frames nobody handles. Backlog drops are left to {@code softnet_backlog_drops}.
 */
final class RxDroppedRule implements Rule {
    static final String ID = "interface_rx_dropped";

    @Override
    public String id() {
        return ID;
    }
    /** Kernel drops that add to rx_dropped and say why: a protocol nobody handles, IPv6 turned off, VLANs. */
    static final Set<String> EXPLAINING_REASONS = Set.of("UNHANDLED_PROTO", "IPV6DISABLED", "OTHERHOST",
            "UNICAST_IN_L2_MULTICAST", "MAC_INVALID_SOURCE", "LOCAL_MAC", "BRIDGE_INGRESS_STP_STATE");
    /** Where those are freed, for sources without reasons. */
    static final Set<String> EXPLAINING_FUNCTIONS = Set.of("__netif_receive_skb_core");
    /**
     * Rate of unexplained rx_dropped from which it is a warning: below it, stray frames (LLDP, STP, other
     * ethertypes) are the usual reason; above it the driver is losing traffic.
     */
    static final double WARN_PER_SECOND = 100;

    @Override
    public List<Scored> apply(Observation o) {
        List<ResolvedDropSite> explaining = new ArrayList<>(o.sitesWithReason(EXPLAINING_REASONS));
        explaining.addAll(o.sitesInFunction(EXPLAINING_FUNCTIONS));
        // backlog drops count in rx_dropped too; softnet_backlog_drops reports them with their fix
        long backlog = 0;
        for (var cpu : o.delta.softnet().values()) {
            backlog += Math.round(cpu.getOrDefault("dropped", 0.0) * o.seconds());
        }
        backlog = Math.max(backlog, Observation.dropsAt(o.sitesWithReason(SoftnetBacklogRule.REASONS)));
        List<Scored> out = new ArrayList<>();
        for (InterfaceStats i : o.after.interfaces()) {
            long n = o.ifIncrease(i, "rx_dropped");
            if (n == 0 || n <= backlog) {
                continue;
            }
            List<Evidence> ev = new ArrayList<>();
            ev.add(Text.risen(i.name() + " rx_dropped", n, o.seconds()));
            long nohandler = o.ifIncrease(i, "rx_nohandler");
            if (nohandler > 0) {
                ev.add(Text.risen(i.name() + " rx_nohandler", nohandler, o.seconds()));
            }
            if (backlog > 0) {
                ev.add(new Evidence("of which CPU backlog drops (see softnet_backlog_drops)", "up to " + backlog));
            }
            explaining.forEach(s -> ev.add(Text.site(s, o.seconds())));
            double rate = o.perSecond(n);
            boolean explained = !explaining.isEmpty();
            Severity sev = explained || !o.hasDropSource() || rate < WARN_PER_SECOND ? Severity.INFO : Severity.WARNING;
            List<Fix> fixes = List.of(
                    Fixes.command(Fixes.inNetns(o, "ip -s -s link show dev " + i.name()),
                            "Read-only: rx_dropped next to rx_missed, rx_nohandler and the error counters."),
                    Fixes.command(Fixes.inNetns(o, "tcpdump -eni " + i.name()
                                    + " -c 50 'not ip and not ip6 and not arp'"),
                            "Read-only: shows the frames of other protocols (LLDP, STP, unknown ethertypes, VLAN tags)"
                                    + " that nobody on this host handles."));
            String title = "Interface " + i.name() + " rx_dropped rising (" + o.pace(rate) + ")"
                    + (explained ? ": frames nobody handles" : "");
            String explanation = "rx_dropped is not only loss: besides packets the driver or the CPU backlog could "
                    + "not take, it counts frames of protocols nobody on this host handles (unknown ethertypes, "
                    + "LLDP), VLAN tags without a VLAN interface, and IPv6 when IPv6 is disabled. "
                    + (explained ? "The drop sites show such frames, so this is usually harmless."
                    : o.hasDropSource() ? "No kernel drop site explains it here, so the driver itself is dropping."
                    : "Run with a drop source to tell them apart.");
            out.add(new Scored(new Finding(ID, sev, title, ev, explanation, fixes), rate));
        }
        return out;
    }
}
