package dev.dropscope.diagnosis;

import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.ResolvedDropSite;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code netfilter_drops}: firewall rules (nftables, iptables) drop packets. Only a drop source sees these:
 * the kernel keeps no counter of them except the rules' own.
 */
final class NetfilterRule implements Rule {
    static final String ID = "netfilter_drops";

    @Override
    public String id() {
        return ID;
    }
    static final Set<String> REASONS = Set.of("NETFILTER_DROP");
    /** Where netfilter frees a dropped packet, for sources that give no reason (NET_DM summaries). */
    static final Set<String> FUNCTIONS = Set.of("nf_hook_slow");

    @Override
    public List<Scored> apply(Observation o) {
        List<ResolvedDropSite> sites = new ArrayList<>(o.sitesWithReason(REASONS));
        sites.addAll(o.sitesInFunction(FUNCTIONS));
        long total = Observation.dropsAt(sites);
        if (total == 0) {
            return List.of();
        }
        // conntrack's own drops (table full, failed inserts) also leave through nf_hook_slow
        long conntrack = conntrackDrops(o);
        long rules = total - conntrack;
        if (rules <= 0) {
            return List.of();
        }
        List<Evidence> ev = new ArrayList<>();
        sites.forEach(s -> ev.add(Text.site(s, o.seconds())));
        if (conntrack > 0) {
            ev.add(new Evidence("of which conntrack (drop + insert_failed)", Long.toString(conntrack)));
        }
        double rate = o.perSecond(rules);
        List<Fix> fixes = List.of(
                Fixes.command(Fixes.inNetns(o, "nft -a list ruleset") + " | grep -E 'drop|reject'",
                        "Read-only: the rules that can drop; those with a 'counter' show how many packets each took."),
                Fixes.command("count per rule: add 'counter' before 'drop' in the suspect rules ("
                                + Fixes.inNetns(o, "nft replace rule FAMILY TABLE CHAIN handle H ... counter drop")
                                + "), or with iptables: " + Fixes.inNetns(o, "iptables -vnL"),
                        "Counters are cheap; replacing a rule briefly changes the ruleset, so copy the rule exactly."),
                Fixes.command("trace one flow through the rules: " + Fixes.inNetns(o,
                                "nft add rule inet TABLE prerouting meta nftrace set 1") + " then "
                                + Fixes.inNetns(o, "nft monitor trace"),
                        "Tracing every packet is slow: match only the flow in question, and delete the rule after."));
        String title = "Firewall rules drop packets (" + o.pace(rate) + ")";
        String explanation = "Packets were dropped by a netfilter rule (NETFILTER_DROP in nf_hook_slow), not by "
                + "connection tracking. That is what a firewall is for, so first check whether these drops are "
                + "intended; the kernel counts them only in rules that have a 'counter'.";
        return List.of(new Scored(new Finding(ID, Severities.loss(rate), title, ev, explanation, fixes), rate));
    }

    static long conntrackDrops(Observation o) {
        long n = 0;
        for (String k : List.of("drop", "insert_failed")) {
            Double r = o.delta.conntrack().get(k);
            n += r == null ? 0 : Math.round(r * o.seconds());
        }
        return n;
    }
}
