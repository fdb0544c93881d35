package dev.dropscope.netlink.nftables;

/**
 * One nf_tables table from NFT_MSG_GETTABLE.
 *
 * @param family "ip", "ip6", "inet", "arp", "bridge", "netdev" (or the NFPROTO number)
 * @param flags  NFTA_TABLE_FLAGS (NFT_TABLE_F_DORMANT: its chains are not hooked)
 * @param use    NFTA_TABLE_USE: how many chains (and other objects) it holds
 */
public record NftTable(String family, String name, long handle, int flags, long use) {

    public boolean dormant() {
        return (flags & NftConstants.NFT_TABLE_F_DORMANT) != 0;
    }
}
