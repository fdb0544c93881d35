package dev.dropscope.diagnosis;

import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.RpFilterState;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code rp_filter_drops}: the reverse-path filter drops packets whose way back leaves by another interface. */
final class RpFilterRule implements Rule {
    static final String ID = "rp_filter_drops";

    @Override
    public String id() {
        return ID;
    }
    static final String COUNTER = "TcpExt.IPReversePathFilter";
    static final Set<String> REASONS = Set.of("IP_RPFILTER");
    private static final int STRICT = 1;
    private static final int LOOSE = 2;

    @Override
    public List<Scored> apply(Observation o) {
        long counted = o.snmpIncrease(COUNTER);
        List<ResolvedDropSite> sites = o.sitesWithReason(REASONS);
        long n = Math.max(counted, Observation.dropsAt(sites));
        if (n == 0) {
            return List.of();
        }
        double rate = o.perSecond(n);
        List<Evidence> ev = new ArrayList<>();
        if (o.after.snmp().containsKey(COUNTER)) {
            ev.add(Text.risen(COUNTER, counted, o.seconds()));
        }
        sites.forEach(s -> ev.add(Text.site(s, o.seconds())));

        RpFilterState rp = o.after.rpFilter();
        Integer all = rp == null ? null : rp.all();
        if (all != null) {
            ev.add(new Evidence("net.ipv4.conf.all.rp_filter", all + " (" + mode(all) + ")"));
        }
        Set<String> strict = strictSuspects(o, rp, sites);
        Set<String> loose = new LinkedHashSet<>();
        if (rp != null) {
            for (String ifname : strict) {
                ev.add(new Evidence("net.ipv4.conf." + ifname + ".rp_filter", rp.interfaces().get(ifname)
                        + " (effective " + rp.effective().get(ifname) + ": strict)"));
            }
            if (strict.isEmpty()) {
                rp.effective().forEach((ifname, eff) -> {
                    if (eff != null && eff == LOOSE && !ifname.equals("lo")) {
                        loose.add(ifname);
                    }
                });
            }
        }

        List<Fix> fixes = new ArrayList<>();
        String risk = "Loose mode no longer checks that replies would leave by the same interface, so spoofed "
                + "sources that are routable at all get through: keep strict mode where routing is symmetric.";
        for (String ifname : strict) {
            fixes.add(Fixes.sysctl(o, "net.ipv4.conf." + ifname + ".rp_filter", LOOSE, risk));
        }
        if (!strict.isEmpty() && (all == null || all != LOOSE)) {
            fixes.add(Fixes.sysctl(o, "net.ipv4.conf.all.rp_filter", LOOSE, risk));
        }
        String where = strict.isEmpty() ? null : strict.iterator().next();
        // the sources are not in the counters: the packet-mode watch (or the kernel log) names them, and
        // 'ip route get' then shows the route the reply would take, which strict mode requires to be 'where'
        fixes.add(Fixes.command("or make routing symmetric: see the dropped sources with dropscope watch --source netdm"
                        + " --mode packet --reason IP_RPFILTER" + (where == null ? "" : " --interface " + where)
                        + " (or log_martians), then " + Fixes.inNetns(o, "ip route get <source>") + " shows the route"
                        + " back; if its dev is not " + (where == null ? "the interface the packets arrive on" : where)
                        + ", add a route for the source's network via " + (where == null ? "that interface" : where)
                        + " (ip route add) or a policy rule (ip rule add from <local address> table ...)",
                "A wrong route moves traffic, not just accepts it: only change routing when the reply really "
                        + "should leave by that interface."));
        if (where != null) {
            fixes.add(new Fix(Fixes.inNetns(o, "sysctl -w net.ipv4.conf." + where + ".log_martians=1"), null,
                    "Diagnostic only: logs each dropped source ('martian source') to the kernel log, rate-limited."));
        } else {
            fixes.add(new Fix(Fixes.inNetns(o, "sysctl -w net.ipv4.conf.all.log_martians=1"), null,
                    "Diagnostic only: logs each dropped source ('martian source', with the interface) to the "
                            + "kernel log, rate-limited."));
        }

        String title;
        String explanation;
        if (!strict.isEmpty()) {
            title = "Reverse-path filter drops packets on " + String.join(", ", strict) + " (" + o.pace(rate) + ")";
            explanation = "Strict reverse-path filtering (rp_filter 1) drops a packet when the route back to its "
                    + "source leaves by a different interface than it arrived on, which is normal with asymmetric "
                    + "routing, several uplinks, policy routing or VPNs. Loose mode (2) only asks that the source be "
                    + "routable at all. The kernel applies the larger of conf.all and the interface's value, so set "
                    + "loose mode on both, or fix the routes.";
        } else {
            title = "Reverse-path filter drops packets" + (loose.isEmpty() ? "" : " even in loose mode") + " ("
                    + o.pace(rate) + ")";
            explanation = "The reverse-path filter drops packets whose source address this host cannot route back. "
                    + (loose.isEmpty() ? "No interface here is in strict mode now, so the drops come from another "
                    + "namespace or the setting changed; " : "In loose mode this means there is no route to the "
                    + "source at all; ") + "add the missing route, or check where these sources come from.";
        }
        Finding f = new Finding(ID, Severities.loss(rate), title, ev, explanation, fixes);
        return List.of(new Scored(f, rate));
    }

    /**
     * Interfaces in strict mode that may be dropping: the ones a drop site names, else the strict ones that
     * received packets in the window, else every strict one.
     */
    private static Set<String> strictSuspects(Observation o, RpFilterState rp, List<ResolvedDropSite> sites) {
        Set<String> out = new LinkedHashSet<>();
        if (rp == null) {
            return out;
        }
        for (ResolvedDropSite s : sites) {
            Integer eff = s.interfaceName() == null ? null : rp.effective().get(s.interfaceName());
            if (eff != null && eff == STRICT) {
                out.add(s.interfaceName());
            }
        }
        if (!out.isEmpty()) {
            return out;
        }
        Set<String> strictAll = new LinkedHashSet<>();
        for (Map.Entry<String, Integer> e : rp.effective().entrySet()) {
            if (e.getValue() != null && e.getValue() == STRICT && !e.getKey().equals("lo")) {
                strictAll.add(e.getKey());
            }
        }
        for (String ifname : strictAll) {
            InterfaceStats i = o.after.iface(ifname);
            if (i != null && o.ifIncrease(i, "rx_packets") > 0) {
                out.add(ifname);
            }
        }
        return out.isEmpty() ? strictAll : out;
    }

    private static String mode(int v) {
        return v == 0 ? "off" : v == STRICT ? "strict" : v == LOOSE ? "loose" : "?";
    }
}
