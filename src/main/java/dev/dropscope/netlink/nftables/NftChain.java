package dev.dropscope.netlink.nftables;

/**
 * One chain from NFT_MSG_GETCHAIN. A base chain has a hook (and so a priority, a type and a policy); a
 * regular chain is reached only by jump or goto and has none of them.
 *
 * @param hook     the hook's name for the family ("input", "prerouting", "ingress", ...), or null
 * @param priority the hook priority (signed), meaningful only with a hook
 * @param policy   "accept" or "drop" for a base chain, null for a regular one
 * @param type     "filter", "nat", "route" for a base chain, null for a regular one
 * @param device   the device of a netdev (or inet ingress) base chain, or null
 */
public record NftChain(String family, String table, String name, long handle, String hook, int priority,
                       String policy, String type, String device) {

    public boolean isBase() {
        return hook != null;
    }
}
