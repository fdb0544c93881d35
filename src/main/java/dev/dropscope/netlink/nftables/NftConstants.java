package dev.dropscope.netlink.nftables;

/**
 * nf_tables over nfnetlink, from include/uapi/linux/netfilter/nfnetlink.h, nf_tables.h,
 * nf_tables_compat.h and netfilter.h, checked against the system headers by native/uapi_probe.c. A
 * message type is {@code NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_*}. Every integer attribute nf_tables sends
 * is big-endian (nla_put_be32/be64) without NLA_F_NET_BYTEORDER; register contents (cmp, bitwise,
 * immediate data) are raw bytes as the expressions load them.
 */
public final class NftConstants {
    private NftConstants() {
    }

    public static final int NFNL_SUBSYS_NFTABLES = 10;

    /** enum nf_tables_msg_types: the dumps dropscope asks for (read-only; nothing here changes a rule). */
    public static final int NFT_MSG_NEWTABLE = 0;
    public static final int NFT_MSG_GETTABLE = 1;
    public static final int NFT_MSG_NEWCHAIN = 3;
    public static final int NFT_MSG_GETCHAIN = 4;
    public static final int NFT_MSG_NEWRULE = 6;
    public static final int NFT_MSG_GETRULE = 7;
    public static final int NFT_MSG_NEWSETELEM = 12;
    public static final int NFT_MSG_GETSETELEM = 13;

    /** enum nft_set_elem_list_attributes, nft_set_elem_attributes, nft_set_elem_flags. */
    public static final int NFTA_SET_ELEM_LIST_TABLE = 1;
    public static final int NFTA_SET_ELEM_LIST_SET = 2;
    public static final int NFTA_SET_ELEM_LIST_ELEMENTS = 3;
    public static final int NFTA_SET_ELEM_KEY = 1;
    public static final int NFTA_SET_ELEM_FLAGS = 3;
    public static final int NFTA_SET_ELEM_KEY_END = 10;
    public static final int NFT_SET_ELEM_INTERVAL_END = 1;
    public static final int NFT_SET_ELEM_CATCHALL = 2;

    /** enum nft_list_attributes, nft_hook_attributes. */
    public static final int NFTA_LIST_ELEM = 1;
    public static final int NFTA_HOOK_HOOKNUM = 1;
    public static final int NFTA_HOOK_PRIORITY = 2;
    public static final int NFTA_HOOK_DEV = 3;

    /** enum nft_table_attributes. */
    public static final int NFTA_TABLE_NAME = 1;
    public static final int NFTA_TABLE_FLAGS = 2;
    public static final int NFTA_TABLE_USE = 3;
    public static final int NFTA_TABLE_HANDLE = 4;
    public static final int NFT_TABLE_F_DORMANT = 0x1;

    /** enum nft_chain_attributes. */
    public static final int NFTA_CHAIN_TABLE = 1;
    public static final int NFTA_CHAIN_HANDLE = 2;
    public static final int NFTA_CHAIN_NAME = 3;
    public static final int NFTA_CHAIN_HOOK = 4;
    public static final int NFTA_CHAIN_POLICY = 5;
    public static final int NFTA_CHAIN_USE = 6;
    public static final int NFTA_CHAIN_TYPE = 7;
    public static final int NFTA_CHAIN_COUNTERS = 8;

    /** enum nft_rule_attributes. */
    public static final int NFTA_RULE_TABLE = 1;
    public static final int NFTA_RULE_CHAIN = 2;
    public static final int NFTA_RULE_HANDLE = 3;
    public static final int NFTA_RULE_EXPRESSIONS = 4;
    public static final int NFTA_RULE_POSITION = 6;
    public static final int NFTA_RULE_USERDATA = 7;

    /** enum nft_expr_attributes. */
    public static final int NFTA_EXPR_NAME = 1;
    public static final int NFTA_EXPR_DATA = 2;

    /** enum nft_data_attributes, nft_verdict_attributes. */
    public static final int NFTA_DATA_VALUE = 1;
    public static final int NFTA_DATA_VERDICT = 2;
    public static final int NFTA_VERDICT_CODE = 1;
    public static final int NFTA_VERDICT_CHAIN = 2;

    /** enum nft_registers: register 0 holds the verdict. */
    public static final int NFT_REG_VERDICT = 0;

    /** enum nft_verdicts (shares the number space with NF_DROP, NF_ACCEPT, ...). */
    public static final int NFT_CONTINUE = -1;
    public static final int NFT_BREAK = -2;
    public static final int NFT_JUMP = -3;
    public static final int NFT_GOTO = -4;
    public static final int NFT_RETURN = -5;

    /** include/uapi/linux/netfilter.h verdicts. */
    public static final int NF_DROP = 0;
    public static final int NF_ACCEPT = 1;
    public static final int NF_STOLEN = 2;
    public static final int NF_QUEUE = 3;

    /** enum nft_immediate_attributes, nft_cmp_attributes, nft_cmp_ops. */
    public static final int NFTA_IMMEDIATE_DREG = 1;
    public static final int NFTA_IMMEDIATE_DATA = 2;
    public static final int NFTA_CMP_SREG = 1;
    public static final int NFTA_CMP_OP = 2;
    public static final int NFTA_CMP_DATA = 3;
    public static final int NFT_CMP_EQ = 0;
    public static final int NFT_CMP_NEQ = 1;
    public static final int NFT_CMP_LT = 2;
    public static final int NFT_CMP_LTE = 3;
    public static final int NFT_CMP_GT = 4;
    public static final int NFT_CMP_GTE = 5;

    /** enum nft_bitwise_attributes (OP: 0 mask-and-xor, 1 lshift, 2 rshift). */
    public static final int NFTA_BITWISE_SREG = 1;
    public static final int NFTA_BITWISE_DREG = 2;
    public static final int NFTA_BITWISE_LEN = 3;
    public static final int NFTA_BITWISE_MASK = 4;
    public static final int NFTA_BITWISE_XOR = 5;
    public static final int NFTA_BITWISE_OP = 6;
    public static final int NFTA_BITWISE_DATA = 7;

    /** enum nft_range_attributes. */
    public static final int NFTA_RANGE_SREG = 1;
    public static final int NFTA_RANGE_OP = 2;
    public static final int NFTA_RANGE_FROM_DATA = 3;
    public static final int NFTA_RANGE_TO_DATA = 4;

    /** enum nft_lookup_attributes. */
    public static final int NFTA_LOOKUP_SET = 1;
    public static final int NFTA_LOOKUP_SREG = 2;
    public static final int NFTA_LOOKUP_DREG = 3;
    public static final int NFTA_LOOKUP_FLAGS = 5;
    public static final int NFT_LOOKUP_F_INV = 1;

    /** enum nft_payload_attributes and bases. */
    public static final int NFTA_PAYLOAD_DREG = 1;
    public static final int NFTA_PAYLOAD_BASE = 2;
    public static final int NFTA_PAYLOAD_OFFSET = 3;
    public static final int NFTA_PAYLOAD_LEN = 4;
    public static final int NFTA_PAYLOAD_SREG = 5;
    public static final int NFT_PAYLOAD_LL_HEADER = 0;
    public static final int NFT_PAYLOAD_NETWORK_HEADER = 1;
    public static final int NFT_PAYLOAD_TRANSPORT_HEADER = 2;

    /** enum nft_meta_attributes and the keys decoded by name. */
    public static final int NFTA_META_DREG = 1;
    public static final int NFTA_META_KEY = 2;
    public static final int NFTA_META_SREG = 3;
    public static final int NFT_META_PROTOCOL = 1;
    public static final int NFT_META_MARK = 3;
    public static final int NFT_META_IIF = 4;
    public static final int NFT_META_OIF = 5;
    public static final int NFT_META_IIFNAME = 6;
    public static final int NFT_META_OIFNAME = 7;
    public static final int NFT_META_NFPROTO = 15;
    public static final int NFT_META_L4PROTO = 16;

    /** enum nft_ct_attributes and keys. */
    public static final int NFTA_CT_DREG = 1;
    public static final int NFTA_CT_KEY = 2;
    public static final int NFTA_CT_DIRECTION = 3;
    public static final int NFTA_CT_SREG = 4;
    public static final int NFT_CT_STATE = 0;
    public static final int NFT_CT_MARK = 3;

    /** enum nft_counter_attributes. */
    public static final int NFTA_COUNTER_BYTES = 1;
    public static final int NFTA_COUNTER_PACKETS = 2;

    /** enum nft_limit_attributes, types and flags. */
    public static final int NFTA_LIMIT_RATE = 1;
    public static final int NFTA_LIMIT_UNIT = 2;
    public static final int NFTA_LIMIT_BURST = 3;
    public static final int NFTA_LIMIT_TYPE = 4;
    public static final int NFTA_LIMIT_FLAGS = 5;
    public static final int NFT_LIMIT_PKT_BYTES = 1;
    public static final int NFT_LIMIT_F_INV = 1;

    /** enum nft_log_attributes. */
    public static final int NFTA_LOG_GROUP = 1;
    public static final int NFTA_LOG_PREFIX = 2;
    public static final int NFTA_LOG_LEVEL = 5;

    /** enum nft_queue_attributes. */
    public static final int NFTA_QUEUE_NUM = 1;
    public static final int NFTA_QUEUE_TOTAL = 2;
    public static final int NFTA_QUEUE_FLAGS = 3;
    public static final int NFT_QUEUE_FLAG_BYPASS = 0x01;
    public static final int NFT_QUEUE_FLAG_CPU_FANOUT = 0x02;

    /** enum nft_reject_attributes, nft_reject_types, nft_reject_inet_code. */
    public static final int NFTA_REJECT_TYPE = 1;
    public static final int NFTA_REJECT_ICMP_CODE = 2;
    public static final int NFT_REJECT_ICMP_UNREACH = 0;
    public static final int NFT_REJECT_TCP_RST = 1;
    public static final int NFT_REJECT_ICMPX_UNREACH = 2;
    public static final int NFT_REJECT_ICMPX_PORT_UNREACH = 1;

    /** nf_tables_compat.h: iptables-nft's xtables matches and targets. */
    public static final int NFTA_MATCH_NAME = 1;
    public static final int NFTA_MATCH_REV = 2;
    public static final int NFTA_TARGET_NAME = 1;
    public static final int NFTA_TARGET_REV = 2;

    /** enum nft_nat_attributes / types. */
    public static final int NFTA_NAT_TYPE = 1;
    public static final int NFTA_NAT_REG_ADDR_MIN = 3;
    public static final int NFT_NAT_SNAT = 0;
    public static final int NFT_NAT_DNAT = 1;

    /** NFPROTO_* (netfilter.h): the family in nfgenmsg; UNSPEC dumps every family. */
    public static final int NFPROTO_UNSPEC = 0;
    public static final int NFPROTO_INET = 1;
    public static final int NFPROTO_IPV4 = 2;
    public static final int NFPROTO_ARP = 3;
    public static final int NFPROTO_NETDEV = 5;
    public static final int NFPROTO_BRIDGE = 7;
    public static final int NFPROTO_IPV6 = 10;
}
