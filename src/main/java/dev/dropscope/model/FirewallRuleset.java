package dev.dropscope.model;

import java.util.List;

/**
 * The nf_tables ruleset of the namespace at one sample (iptables-nft rules included: they are nf_tables
 * rules too): base and regular chains, and rules with their text and counters. Read from the kernel over
 * nfnetlink; never changed by dropscope. Bounded: at most {@code cap} rules, {@code truncated} when more.
 *
 * @param chains    every chain, in dump order
 * @param rules     every rule up to the cap, in dump order (chain by chain, in rule order)
 * @param truncated rules beyond the cap were left out
 */
public record FirewallRuleset(List<Chain> chains, List<Rule> rules, boolean truncated) {

    public FirewallRuleset {
        chains = Maps.copy(chains);
        rules = Maps.copy(rules);
    }

    /**
     * One chain. A base chain is attached to a hook and has a type, a priority and a policy; a regular
     * chain is reached by jump/goto and has none (null hook, type and policy).
     *
     * @param family "ip", "ip6", "inet", "arp", "bridge", "netdev"
     * @param hook   "input", "forward", "prerouting", ..., or null for a regular chain
     * @param policy "accept" or "drop" (base chains), else null
     */
    public record Chain(String family, String table, String name, String hook, int priority, String policy,
                        String type) {

        public boolean isBase() {
            return hook != null;
        }

        /** "inet filter input", as nft names a chain on its command line. */
        public String path() {
            return family + " " + table + " " + name;
        }
    }

    /**
     * One rule.
     *
     * @param handle  what {@code nft -a} prints as "# handle N"
     * @param text    the rule as nft prints it, "counter" without its values: "udp dport 12345 counter drop"
     * @param packets the rule's (first) counter, null when it has none
     * @param bytes   the counter's bytes, null when it has none
     * @param verdict "drop", "reject", "accept", "jump NAME", ..., or null when the rule does not end in one
     */
    public record Rule(String family, String table, String chain, long handle, String text, Long packets, Long bytes,
                       String verdict) {

        /** "inet filter input", the chain's path. */
        public String chainPath() {
            return family + " " + table + " " + chain;
        }

        /** "inet filter input handle 7": names the rule uniquely for nft. */
        public String key() {
            return chainPath() + " handle " + handle;
        }

        /** The rule ends in a verdict that throws the packet away. */
        public boolean drops() {
            return "drop".equals(verdict) || "reject".equals(verdict);
        }
    }

    /** The chain at {@code path} ("inet filter input"), or null. */
    public Chain chain(String path) {
        for (Chain c : chains) {
            if (c.path().equals(path)) {
                return c;
            }
        }
        return null;
    }
}
