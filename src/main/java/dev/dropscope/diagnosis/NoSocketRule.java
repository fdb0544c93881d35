package dev.dropscope.diagnosis;

import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Severity;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code no_socket_drops}: packets to ports nobody listens on: scans, or a service that is not running. */
final class NoSocketRule implements Rule {
    static final String ID = "no_socket_drops";

    @Override
    public String id() {
        return ID;
    }
    static final List<String> COUNTERS = List.of("Udp.NoPorts", "Udp6.NoPorts", "UdpLite.NoPorts",
            "UdpLite6.NoPorts");
    static final Set<String> REASONS = Set.of("NO_SOCKET");
    /**
     * Rate from which it is a warning: a scan or stray traffic stays well below; 100 packets a second to a
     * closed port is a client that keeps trying, i.e. a service that should be running.
     */
    static final double WARN_PER_SECOND = 100;

    /**
     * The watch that shows the ports: of the sites' namespace when the source named it (the eBPF source
     * filters by namespace), else NET_DM's packets, which are machine-wide.
     */
    static String watchCommand(Observation o) {
        String ns = o.sitesNetns();
        if (ns != null) {
            return "dropscope watch --source ebpf --mode packet --reason NO_SOCKET --netns " + ns;
        }
        return "dropscope watch --source netdm --mode packet --reason NO_SOCKET"
                + (o.netns() == null ? "" : " (drops of every namespace)");
    }

    @Override
    public List<Scored> apply(Observation o) {
        List<Evidence> ev = new ArrayList<>();
        long counted = o.snmpRisen(COUNTERS, ev);
        List<ResolvedDropSite> sites = o.sitesWithReason(REASONS);
        long n = Math.max(counted, Observation.dropsAt(sites));
        if (n == 0) {
            return List.of();
        }
        sites.forEach(s -> ev.add(Text.site(s, o.seconds())));
        double rate = o.perSecond(n);
        List<Fix> fixes = List.of(
                Fixes.command(Fixes.inNetns(o, "ss -lunpt") + "  # is the service that should own the port running?",
                        "Read-only."),
                Fixes.command("see which ports are hit: " + watchCommand(o),
                        "Packet mode copies the dropped packets' headers to dropscope; nothing else changes."));
        Severity sev = rate >= WARN_PER_SECOND ? Severity.WARNING : Severity.INFO;
        String title = "Packets to closed ports (" + o.pace(rate) + ")";
        String explanation = "Packets arrived for a port no socket listens on (NoPorts, NO_SOCKET); the kernel "
                + "answers with an ICMP port unreachable or a TCP reset. A few are normal (scans, late replies); "
                + "many mean a client keeps talking to a service that is stopped or listens elsewhere.";
        return List.of(new Scored(new Finding(ID, sev, title, ev, explanation, fixes), rate));
    }
}
