package dev.dropscope.diagnosis;

import dev.dropscope.model.Evidence;
import dev.dropscope.model.FirewallRuleset;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.ResolvedDropSite;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
        List<Fix> fixes = new ArrayList<>();
        boolean searchFixes = true;
        FirewallRuleset before = o.before.firewall();
        FirewallRuleset after = o.after.firewall();
        if (before != null && after != null) {
            // the ruleset was read at both samples: name the rules whose counter rose by the drops
            List<Rise> counted = rises(before, after);
            long explained = 0;
            Set<String> chains = new LinkedHashSet<>();
            for (int i = 0; i < counted.size(); i++) {
                Rise r = counted.get(i);
                explained += r.packets;
                if (i < MAX_LISTED) {
                    ev.add(new Evidence(r.rule.key() + ": " + r.rule.text(), Text.rise(r.packets, o.seconds())));
                    chains.add(r.rule.chainPath());
                }
            }
            if (counted.size() > MAX_LISTED) {
                ev.add(new Evidence("more rules whose counter rose", Integer.toString(counted.size() - MAX_LISTED)));
            }
            for (String c : chains) {
                fixes.add(Fixes.command(Fixes.inNetns(o, "nft -a list chain " + c),
                        "Read-only: the chain with the dropping rule, its handle and counter; change or delete the"
                                + " rule by its handle only if these drops are not intended."));
            }
            if (rules > explained) {
                // some drops came through rules without a counter (or a chain's policy): list what could drop
                candidates(after, ev);
            } else {
                searchFixes = false;
            }
        }
        if (searchFixes) {
            fixes.addAll(searchFixes(o));
        }
        String title = "Firewall rules drop packets (" + o.pace(rate) + ")";
        String explanation = "Packets were dropped by a netfilter rule (NETFILTER_DROP in nf_hook_slow), not by "
                + "connection tracking. That is what a firewall is for, so first check whether these drops are "
                + "intended; the kernel counts them only in rules that have a 'counter'.";
        return List.of(new Scored(new Finding(ID, Severities.loss(rate), title, ev, explanation, List.copyOf(fixes)),
                rate));
    }

    /** The fixes that help find the dropping rule when the ruleset does not name it. */
    private static List<Fix> searchFixes(Observation o) {
        return List.of(
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
    }

    /** Rules (and chain policies) listed at most, each kind. */
    static final int MAX_LISTED = 5;

    private record Rise(FirewallRuleset.Rule rule, long packets) {
    }

    /**
     * Rules ending in drop or reject whose counter rose between the samples, most first. A rule added in
     * the window counts from zero; one whose text changed under the same handle is skipped.
     */
    static List<Rise> rises(FirewallRuleset before, FirewallRuleset after) {
        Map<String, FirewallRuleset.Rule> was = new HashMap<>();
        before.rules().forEach(r -> was.put(r.key(), r));
        List<Rise> out = new ArrayList<>();
        for (FirewallRuleset.Rule r : after.rules()) {
            if (!r.drops() || r.packets() == null) {
                continue;
            }
            FirewallRuleset.Rule old = was.get(r.key());
            long from;
            if (old == null) {
                from = 0;
            } else if (old.packets() == null || !old.text().equals(r.text())) {
                continue;
            } else {
                from = old.packets();
            }
            long inc = r.packets() - from;
            if (inc > 0) {
                out.add(new Rise(r, inc));
            }
        }
        out.sort((a, b) -> Long.compare(b.packets, a.packets));
        return out;
    }

    /**
     * Where uncounted drops can come from: rules of base chains that end in drop or reject and have no
     * counter, and base chains whose policy is drop. nf_hook_slow does not say which hook dropped, so
     * every hook's base chains are candidates.
     */
    private static void candidates(FirewallRuleset fw, List<Evidence> ev) {
        int listed = 0;
        int more = 0;
        for (FirewallRuleset.Rule r : fw.rules()) {
            FirewallRuleset.Chain c = fw.chain(r.chainPath());
            if (c == null || !c.isBase() || !r.drops() || r.packets() != null) {
                continue;
            }
            if (listed++ < MAX_LISTED) {
                ev.add(new Evidence(r.key() + ": " + r.text(), "candidate (no counter, hook " + c.hook() + ")"));
            } else {
                more++;
            }
        }
        for (FirewallRuleset.Chain c : fw.chains()) {
            if (c.isBase() && "drop".equals(c.policy())) {
                if (listed++ < MAX_LISTED * 2) {
                    ev.add(new Evidence(c.path() + ": policy drop", "candidate (hook " + c.hook() + ")"));
                } else {
                    more++;
                }
            }
        }
        if (more > 0) {
            ev.add(new Evidence("more candidates", Integer.toString(more)));
        }
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
