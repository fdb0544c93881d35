package dev.dropscope.netlink.nftables;

import java.util.List;

/**
 * One rule from NFT_MSG_GETRULE with its expressions decoded ({@link RuleText}).
 *
 * @param handle     NFTA_RULE_HANDLE: what {@code nft -a} prints as "# handle N"
 * @param position   NFTA_RULE_POSITION: the handle of the rule before it, or -1
 * @param statements the rule as text, one statement each ("udp dport 12345", "counter", "drop")
 * @param packets    the first counter's packets, or -1 without a counter
 * @param bytes      the first counter's bytes, or -1 without a counter
 * @param verdict    "drop", "accept", "reject", "jump NAME", ... from the last verdict, or null
 */
public record NftRule(String family, String table, String chain, long handle, long position,
                      List<String> statements, long packets, long bytes, String verdict) {

    public NftRule {
        statements = List.copyOf(statements);
    }

    public boolean hasCounter() {
        return packets >= 0;
    }

    /** The rule as {@code nft list} prints it but with a bare "counter" (values change every packet). */
    public String text() {
        return String.join(" ", statements);
    }

    /** As {@code nft list} prints it, with "counter packets N bytes M". */
    public String textWithCounter() {
        StringBuilder s = new StringBuilder();
        boolean first = true;
        for (String st : statements) {
            s.append(s.length() == 0 ? "" : " ").append(st);
            if (first && hasCounter() && st.equals(RuleText.COUNTER)) {
                s.append(" packets ").append(Long.toUnsignedString(packets)).append(" bytes ")
                        .append(Long.toUnsignedString(bytes));
                first = false;
            }
        }
        return s.toString();
    }
}
