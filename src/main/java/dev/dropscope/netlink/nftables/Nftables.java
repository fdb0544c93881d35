package dev.dropscope.netlink.nftables;

import static dev.dropscope.netlink.NetlinkConstants.*;
import static dev.dropscope.netlink.nfct.NfctConstants.NFGENMSG_NFGEN_FAMILY_OFFSET;
import static dev.dropscope.netlink.nfct.NfctConstants.NFGENMSG_SIZE;
import static dev.dropscope.netlink.nfct.NfctConstants.NFGENMSG_VERSION_OFFSET;
import static dev.dropscope.netlink.nfct.NfctConstants.NFNETLINK_V0;
import static dev.dropscope.netlink.nftables.NftConstants.*;

import dev.dropscope.netlink.AttributeCursor;
import dev.dropscope.netlink.MalformedMessageException;
import dev.dropscope.netlink.MessageBuilder;
import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.netlink.NlMsg;
import dev.dropscope.netlink.nfct.NfctConstants;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The nf_tables ruleset over nfnetlink (NETLINK_NETFILTER): NFT_MSG_GETTABLE, GETCHAIN and GETRULE dumps
 * of every family (nfgenmsg family NFPROTO_UNSPEC), answered with NEWTABLE/NEWCHAIN/NEWRULE messages.
 * Read-only: nothing here sends a request that changes the ruleset. The kernel answers only a caller with
 * CAP_NET_ADMIN in the namespace (nfnetlink refuses anyone else with EPERM).
 */
public final class Nftables {

    /**
     * The ruleset as dumped; {@code truncated} when rules beyond the cap were left out. {@code generation}
     * is the ruleset generation the rule dump carried (nfgenmsg.res_id: the low 16 bits of the kernel's
     * base_seq, bumped by every ruleset change), or -1.
     */
    public record Ruleset(List<NftTable> tables, List<NftChain> chains, List<NftRule> rules, boolean truncated,
                          int generation) {
        public Ruleset {
            tables = List.copyOf(tables);
            chains = List.copyOf(chains);
            rules = List.copyOf(rules);
        }
    }

    /**
     * One element of a set as NFT_MSG_NEWSETELEM carries it: its key, a concatenation range's end
     * (NFTA_SET_ELEM_KEY_END, or null) and NFTA_SET_ELEM_FLAGS.
     */
    public record SetElement(byte[] key, byte[] keyEnd, int flags) {
        public boolean intervalEnd() {
            return (flags & NFT_SET_ELEM_INTERVAL_END) != 0;
        }

        public boolean catchall() {
            return (flags & NFT_SET_ELEM_CATCHALL) != 0;
        }
    }

    private Nftables() {
    }

    /** NFT_MSG_GETSETELEM dump of one set: the kernel needs its family, table and name. */
    public static MessageBuilder setElementsRequest(int family, String table, String set) {
        return dumpRequest(NFT_MSG_GETSETELEM, family).string(NFTA_SET_ELEM_LIST_TABLE, table)
                .string(NFTA_SET_ELEM_LIST_SET, set);
    }

    /** Adds the elements of one NFT_MSG_NEWSETELEM to {@code into}. */
    public static void parseSetElements(ByteBuffer b, int at, int len, List<SetElement> into)
            throws MalformedMessageException {
        family(b, at, len);
        AttributeCursor c = attrs(b, at, len);
        while (c.next()) {
            if (c.type() != NFTA_SET_ELEM_LIST_ELEMENTS) {
                continue;
            }
            AttributeCursor list = c.nested();
            while (list.next()) {
                if (list.type() != NFTA_LIST_ELEM) {
                    continue;
                }
                byte[] key = null;
                byte[] keyEnd = null;
                int flags = 0;
                AttributeCursor e = list.nested();
                while (e.next()) {
                    switch (e.type()) {
                        case NFTA_SET_ELEM_KEY -> key = dataValue(e);
                        case NFTA_SET_ELEM_KEY_END -> keyEnd = dataValue(e);
                        case NFTA_SET_ELEM_FLAGS -> flags = be32(e);
                        default -> {
                        }
                    }
                }
                if (key == null && (flags & NFT_SET_ELEM_CATCHALL) == 0) {
                    throw new MalformedMessageException("set element without NFTA_SET_ELEM_KEY");
                }
                into.add(new SetElement(key == null ? new byte[0] : key, keyEnd, flags));
            }
        }
    }

    /** The NFTA_DATA_VALUE inside a nested nft_data attribute. */
    private static byte[] dataValue(AttributeCursor c) throws MalformedMessageException {
        AttributeCursor d = c.nested();
        while (d.next()) {
            if (d.type() == NFTA_DATA_VALUE) {
                return d.bytes();
            }
        }
        throw new MalformedMessageException("nft_data without NFTA_DATA_VALUE");
    }

    /** A dump request of {@code msg} (NFT_MSG_GETTABLE, GETCHAIN, GETRULE) for {@code family} (0: all). */
    public static MessageBuilder dumpRequest(int msg, int family) {
        MessageBuilder m = new MessageBuilder(64).begin(NFNL_SUBSYS_NFTABLES << 8 | msg, NLM_F_REQUEST | NLM_F_DUMP);
        int h = m.reserve(NFGENMSG_SIZE);
        m.buffer().put(h + NFGENMSG_NFGEN_FAMILY_OFFSET, (byte) family);
        m.buffer().put(h + NFGENMSG_VERSION_OFFSET, (byte) NFNETLINK_V0);
        return m;
    }

    public static MessageBuilder tableDumpRequest() {
        return dumpRequest(NFT_MSG_GETTABLE, NFPROTO_UNSPEC);
    }

    public static MessageBuilder chainDumpRequest() {
        return dumpRequest(NFT_MSG_GETCHAIN, NFPROTO_UNSPEC);
    }

    public static MessageBuilder ruleDumpRequest() {
        return dumpRequest(NFT_MSG_GETRULE, NFPROTO_UNSPEC);
    }

    /**
     * Dumps tables, chains and rules; at most {@code maxRules} rules are decoded (the rest of the dump is
     * read and skipped, and {@code truncated} says so).
     */
    public static Ruleset query(NetlinkSocket nfnl, int maxRules) throws IOException {
        return query(nfnl, maxRules, null);
    }

    /**
     * As {@link #query(NetlinkSocket, int)}, reusing {@code previous}'s decoded rules while the ruleset
     * generation has not changed: a rule's expressions cannot change without a new generation, so only
     * its counter is read again. Decoding every rule's text each sample would cost a big ruleset
     * milliseconds and megabytes per sample for nothing.
     */
    public static Ruleset query(NetlinkSocket nfnl, int maxRules, Ruleset previous) throws IOException {
        return query(nfnl, maxRules, previous, null);
    }

    /**
     * As above, printing {@code iif}/{@code oif} by interface name as nft does where {@code ifnames} knows
     * the index (asked only while a rule with one is decoded).
     */
    public static Ruleset query(NetlinkSocket nfnl, int maxRules, Ruleset previous,
                                IntFunction<String> ifnames) throws IOException {
        List<NftTable> tables = new ArrayList<>();
        List<NftChain> chains = new ArrayList<>();
        List<NftRule> rules = new ArrayList<>();
        boolean[] cut = new boolean[1];
        int[] generation = {-1};
        List<Pending> pending = new ArrayList<>();
        Map<String, NftRule> known = new HashMap<>();
        if (previous != null && previous.generation() >= 0) {
            previous.rules().forEach(r -> known.put(ruleKey(r.family(), r.table(), r.chain(), r.handle()), r));
        }
        typed(nfnl, "NFT_MSG_GETTABLE dump", tableDumpRequest(), NFT_MSG_NEWTABLE,
                (b, at, len) -> tables.add(parseTable(b, at, len)));
        typed(nfnl, "NFT_MSG_GETCHAIN dump", chainDumpRequest(), NFT_MSG_NEWCHAIN,
                (b, at, len) -> chains.add(parseChain(b, at, len)));
        typed(nfnl, "NFT_MSG_GETRULE dump", ruleDumpRequest(), NFT_MSG_NEWRULE, (b, at, len) -> {
            if (rules.size() >= maxRules) {
                cut[0] = true;
                return;
            }
            int gen = generation(b, at, len);
            if (generation[0] < 0) {
                generation[0] = gen;
            } else if (generation[0] != gen) {
                generation[0] = -2; // changed during the dump: reuse nothing next time
            }
            NftRule again = previous != null && gen == previous.generation() ? reuse(b, at, len, known) : null;
            if (again != null) {
                rules.add(again);
                return;
            }
            List<String> unresolved = new ArrayList<>();
            rules.add(parseRule(b, at, len, null, ifnames, unresolved));
            if (!unresolved.isEmpty()) {
                byte[] copy = new byte[len];
                b.get(at, copy);
                pending.add(new Pending(rules.size() - 1, copy));
            }
        });
        // a rule's { a, b } is an anonymous set of its table: its elements are another dump, asked for
        // only when such a rule was decoded (not while reused), and never inside the rule dump
        Map<String, List<SetElement>> elements = new HashMap<>();
        for (Pending p : pending) {
            ByteBuffer b = ByteBuffer.wrap(p.message).order(ByteOrder.nativeOrder());
            RuleAttrs r = RuleAttrs.read(b, 0, p.message.length);
            Function<String, List<SetElement>> sets = set -> elements.computeIfAbsent(
                    r.family + " " + r.table + " " + set, k -> setElements(nfnl, r.family, r.table, set));
            rules.set(p.index, parseRule(b, 0, p.message.length, sets, ifnames, new ArrayList<>()));
        }
        return new Ruleset(tables, chains, rules, cut[0], generation[0] < 0 ? -1 : generation[0]);
    }

    /** A decoded rule that looks up an anonymous set, kept to be decoded again with its elements. */
    private record Pending(int index, byte[] message) {
    }

    /** The elements of one set, or null when the kernel does not give them (the set went away meanwhile). */
    private static List<SetElement> setElements(NetlinkSocket nfnl, int family, String table, String set) {
        List<SetElement> out = new ArrayList<>();
        try {
            typed(nfnl, "NFT_MSG_GETSETELEM dump", setElementsRequest(family, table, set), NFT_MSG_NEWSETELEM,
                    (b, at, len) -> parseSetElements(b, at, len, out));
        } catch (IOException e) {
            return null;
        }
        return out;
    }

    private static String ruleKey(String family, String table, String chain, long handle) {
        return family + ' ' + table + ' ' + chain + ' ' + handle;
    }

    /** nfgenmsg.res_id of a message: the ruleset generation nf_tables put there (big-endian u16). */
    static int generation(ByteBuffer b, int at, int len) throws MalformedMessageException {
        family(b, at, len);
        int p = at + NLMSG_HDRLEN + NfctConstants.NFGENMSG_RES_ID_OFFSET;
        return (Byte.toUnsignedInt(b.get(p)) << 8) | Byte.toUnsignedInt(b.get(p + 1));
    }

    /** The previously decoded rule with this message's counter, or null when it is not known. */
    private static NftRule reuse(ByteBuffer b, int at, int len, Map<String, NftRule> known)
            throws MalformedMessageException {
        RuleAttrs r = RuleAttrs.read(b, at, len);
        NftRule old = known.get(ruleKey(familyName(r.family), r.table, r.chain, r.handle));
        if (old == null || !old.hasCounter() || r.exprAt < 0) {
            return old;
        }
        long[] counter = RuleText.firstCounter(b, r.exprAt, r.exprEnd);
        if (counter == null) {
            return null; // it had a counter before: not the same rule after all, decode it
        }
        return new NftRule(old.family(), old.table(), old.chain(), old.handle(), old.position(), old.statements(),
                counter[0], counter[1], old.verdict());
    }

    private static void typed(NetlinkSocket s, String op, MessageBuilder m, int msg, NetlinkSocket.Handler h)
            throws IOException {
        int type = NFNL_SUBSYS_NFTABLES << 8 | msg;
        s.request(op, m, (b, at, len) -> {
            if (NlMsg.type(b, at) == type) {
                h.onMessage(b, at, len);
            }
        });
    }

    private static int family(ByteBuffer b, int at, int len) throws MalformedMessageException {
        if (len < NLMSG_HDRLEN + NFGENMSG_SIZE) {
            throw new MalformedMessageException("nf_tables message of " + len + " bytes has no nfgenmsg");
        }
        return Byte.toUnsignedInt(b.get(at + NLMSG_HDRLEN + NFGENMSG_NFGEN_FAMILY_OFFSET));
    }

    private static AttributeCursor attrs(ByteBuffer b, int at, int len) {
        return new AttributeCursor(b, at + NLMSG_HDRLEN + NFGENMSG_SIZE, at + len);
    }

    /** Decodes one NFT_MSG_NEWTABLE. */
    public static NftTable parseTable(ByteBuffer b, int at, int len) throws MalformedMessageException {
        int family = family(b, at, len);
        String name = null;
        long handle = -1;
        int flags = 0;
        long use = 0;
        AttributeCursor c = attrs(b, at, len);
        while (c.next()) {
            switch (c.type()) {
                case NFTA_TABLE_NAME -> name = c.string();
                case NFTA_TABLE_FLAGS -> flags = be32(c);
                case NFTA_TABLE_USE -> use = Integer.toUnsignedLong(be32(c));
                case NFTA_TABLE_HANDLE -> handle = be64(c);
                default -> {
                }
            }
        }
        if (name == null) {
            throw new MalformedMessageException("NFT_MSG_NEWTABLE without NFTA_TABLE_NAME");
        }
        return new NftTable(familyName(family), name, handle, flags, use);
    }

    /** Decodes one NFT_MSG_NEWCHAIN. */
    public static NftChain parseChain(ByteBuffer b, int at, int len) throws MalformedMessageException {
        int family = family(b, at, len);
        String table = null;
        String name = null;
        long handle = -1;
        String hook = null;
        int priority = 0;
        String policy = null;
        String type = null;
        String device = null;
        AttributeCursor c = attrs(b, at, len);
        while (c.next()) {
            switch (c.type()) {
                case NFTA_CHAIN_TABLE -> table = c.string();
                case NFTA_CHAIN_NAME -> name = c.string();
                case NFTA_CHAIN_HANDLE -> handle = be64(c);
                case NFTA_CHAIN_POLICY -> policy = be32(c) == NF_DROP ? "drop" : "accept";
                case NFTA_CHAIN_TYPE -> type = c.string();
                case NFTA_CHAIN_HOOK -> {
                    AttributeCursor h = c.nested();
                    while (h.next()) {
                        switch (h.type()) {
                            case NFTA_HOOK_HOOKNUM -> hook = hookName(family, be32(h));
                            case NFTA_HOOK_PRIORITY -> priority = be32(h);
                            case NFTA_HOOK_DEV -> device = h.string();
                            default -> {
                            }
                        }
                    }
                }
                default -> {
                }
            }
        }
        if (table == null || name == null) {
            throw new MalformedMessageException("NFT_MSG_NEWCHAIN without its table or name");
        }
        if (hook == null) {
            policy = null; // a regular chain has no policy of its own
            type = null;
        } else if (policy == null) {
            policy = "accept";
        }
        return new NftChain(familyName(family), table, name, handle, hook, priority, policy, type, device);
    }

    /** Decodes one NFT_MSG_NEWRULE, expressions included; anonymous sets print as {@code @__set0}. */
    public static NftRule parseRule(ByteBuffer b, int at, int len) throws MalformedMessageException {
        return parseRule(b, at, len, null, new ArrayList<>());
    }

    /**
     * Decodes one NFT_MSG_NEWRULE, printing an anonymous set's elements as nft does ({@code { 53, 123 }})
     * when {@code sets} knows them (by set name, in the rule's table); the names it did not know are added
     * to {@code unresolved}.
     */
    public static NftRule parseRule(ByteBuffer b, int at, int len,
                                    Function<String, List<SetElement>> sets,
                                    List<String> unresolved) throws MalformedMessageException {
        return parseRule(b, at, len, sets, null, unresolved);
    }

    /** As above, with {@code meta iif/oif} printed by interface name where {@code ifnames} knows the index. */
    public static NftRule parseRule(ByteBuffer b, int at, int len,
                                    Function<String, List<SetElement>> sets,
                                    IntFunction<String> ifnames,
                                    List<String> unresolved) throws MalformedMessageException {
        RuleAttrs r = RuleAttrs.read(b, at, len);
        if (r.table == null || r.chain == null) {
            throw new MalformedMessageException("NFT_MSG_NEWRULE without its table or chain");
        }
        RuleText t = new RuleText(r.family, sets, ifnames);
        if (r.exprAt >= 0) {
            t.expressions(b, r.exprAt, r.exprEnd);
        }
        if (r.userdata != null) {
            t.userdata(r.userdata);
        }
        unresolved.addAll(t.unresolvedSets);
        return new NftRule(familyName(r.family), r.table, r.chain, r.handle, r.position, t.statements(), t.packets,
                t.bytes, t.verdict);
    }

    /** A rule message's own attributes; its expressions stay in the buffer, between exprAt and exprEnd. */
    private static final class RuleAttrs {
        int family;
        String table;
        String chain;
        long handle = -1;
        long position = -1;
        int exprAt = -1;
        int exprEnd = -1;
        byte[] userdata;

        static RuleAttrs read(ByteBuffer b, int at, int len) throws MalformedMessageException {
            RuleAttrs r = new RuleAttrs();
            r.family = family(b, at, len);
            AttributeCursor c = attrs(b, at, len);
            while (c.next()) {
                switch (c.type()) {
                    case NFTA_RULE_TABLE -> r.table = c.string();
                    case NFTA_RULE_CHAIN -> r.chain = c.string();
                    case NFTA_RULE_HANDLE -> r.handle = be64(c);
                    case NFTA_RULE_POSITION -> r.position = be64(c);
                    case NFTA_RULE_EXPRESSIONS -> {
                        r.exprAt = c.payloadOffset();
                        r.exprEnd = r.exprAt + c.payloadLength();
                    }
                    case NFTA_RULE_USERDATA -> r.userdata = c.bytes();
                    default -> {
                    }
                }
            }
            return r;
        }
    }

    public static String familyName(int family) {
        return switch (family) {
            case NFPROTO_INET -> "inet";
            case NFPROTO_IPV4 -> "ip";
            case NFPROTO_ARP -> "arp";
            case NFPROTO_NETDEV -> "netdev";
            case NFPROTO_BRIDGE -> "bridge";
            case NFPROTO_IPV6 -> "ip6";
            default -> "family" + family;
        };
    }

    private static final String[] INET_HOOKS = {"prerouting", "input", "forward", "output", "postrouting", "ingress"};

    /** The hook's name as nft prints it, for the family's hook numbering. */
    public static String hookName(int family, int hook) {
        String[] names = switch (family) {
            case NFPROTO_ARP -> new String[] {"input", "output", "forward"};
            case NFPROTO_NETDEV -> new String[] {"ingress", "egress"};
            default -> INET_HOOKS;
        };
        return hook >= 0 && hook < names.length ? names[hook] : "hook" + Integer.toUnsignedString(hook);
    }

    private static int be32(AttributeCursor c) throws MalformedMessageException {
        if (c.payloadLength() < 4) {
            throw new MalformedMessageException("nf_tables attribute " + c.type() + " has " + c.payloadLength()
                    + " bytes, needs 4");
        }
        ByteBuffer b = c.buffer();
        int p = c.payloadOffset();
        return (Byte.toUnsignedInt(b.get(p)) << 24) | (Byte.toUnsignedInt(b.get(p + 1)) << 16)
                | (Byte.toUnsignedInt(b.get(p + 2)) << 8) | Byte.toUnsignedInt(b.get(p + 3));
    }

    private static long be64(AttributeCursor c) throws MalformedMessageException {
        if (c.payloadLength() < 8) {
            throw new MalformedMessageException("nf_tables attribute " + c.type() + " has " + c.payloadLength()
                    + " bytes, needs 8");
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | Byte.toUnsignedLong(c.buffer().get(c.payloadOffset() + i));
        }
        return v;
    }
}
