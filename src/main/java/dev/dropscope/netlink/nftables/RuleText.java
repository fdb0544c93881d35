package dev.dropscope.netlink.nftables;

import static dev.dropscope.netlink.nftables.NftConstants.*;

import dev.dropscope.netlink.AttributeCursor;
import dev.dropscope.netlink.MalformedMessageException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Turns a rule's NFTA_RULE_EXPRESSIONS into text close to what {@code nft list} prints, the way nft's
 * netlink_delinearize does it in small: it follows what each register holds (a payload field, a meta or
 * ct key, a masked value), so {@code payload load 2b @ transport header + 2 => reg 1; cmp eq reg 1 0x3930}
 * reads "udp dport 12345", and drops the protocol match an upper-layer field depends on ({@code meta
 * l4proto udp} before {@code udp dport}). Expressions it does not know are shown by their name, never
 * guessed at; iptables-nft's xtables extensions show as {@code xt match "NAME"} / {@code xt target "NAME"}.
 * One instance per rule; not thread-safe.
 */
final class RuleText {
    static final String COUNTER = "counter";

    private enum Type { NUMBER, IPV4, IPV6, PROTO, NFPROTO, ETHERTYPE, IFNAME, IFINDEX, STRING, HOST32, HOST32HEX, CTSTATE,
        TCPFLAGS, MAC, HEX }

    /** What a register holds: a field with how to print values compared against it. */
    private record Src(String desc, Type type, int fullLen, byte[] mask, int depKind) {
        Src(String desc, Type type) {
            this(desc, type, 0, null, 0);
        }

        Src masked(byte[] m) {
            return new Src(desc, type, fullLen, m, 0);
        }
    }

    private static final int DEP_L3 = 1;
    private static final int DEP_L4 = 2;

    private final int familyNumber;
    private final Map<Integer, Src> regs = new HashMap<>();
    private final Map<Integer, byte[]> imm = new HashMap<>();
    private final List<String> out = new ArrayList<>();
    private String l3;
    private String l4;
    private int depAt = -1;
    private int depKind;
    private int lastCmpReg = -1;
    private int lastCmpOp = -1;
    private int lastCmpAt = -1;
    private String lastCmpValue;
    private int unknownAt = -1;
    long packets = -1;
    long bytes = -1;
    String verdict;

    /** The elements of this rule's table's anonymous sets, by name (null: none known). */
    private final Function<String, List<Nftables.SetElement>> sets;
    /** Anonymous sets this rule looks up whose elements were not known: fetch them and decode again. */
    final List<String> unresolvedSets = new ArrayList<>();

    /** An interface's name by its index in the namespace looked at, or null (then the index is printed). */
    private final IntFunction<String> ifnames;

    RuleText(int family) {
        this(family, null, null);
    }

    RuleText(int family, Function<String, List<Nftables.SetElement>> sets,
             IntFunction<String> ifnames) {
        this.familyNumber = family;
        this.sets = sets;
        this.ifnames = ifnames;
        this.l3 = family == NFPROTO_IPV4 ? "ip" : family == NFPROTO_IPV6 ? "ip6" : null;
    }

    List<String> statements() {
        return out;
    }

    /** Decodes the expressions in {@code [start, end)} (the payload of NFTA_RULE_EXPRESSIONS). */
    void expressions(ByteBuffer b, int start, int end) throws MalformedMessageException {
        AttributeCursor list = new AttributeCursor(b, start, end);
        AttributeCursor e = new AttributeCursor();
        Attrs data = new Attrs(b);
        while (list.next()) {
            if (list.type() != NFTA_LIST_ELEM) {
                continue;
            }
            list.nested(e);
            String name = null;
            data.reset(0, 0);
            while (e.next()) {
                if (e.type() == NFTA_EXPR_NAME) {
                    name = e.string();
                } else if (e.type() == NFTA_EXPR_DATA) {
                    data.reset(e.payloadOffset(), e.payloadOffset() + e.payloadLength());
                }
            }
            if (name == null) {
                throw new MalformedMessageException("nf_tables expression without NFTA_EXPR_NAME");
            }
            expression(name, data);
        }
    }

    private static final byte[] COUNTER_NAME = "counter\0".getBytes(StandardCharsets.US_ASCII);

    /**
     * The first counter expression's {packets, bytes} in {@code [start, end)} (an NFTA_RULE_EXPRESSIONS
     * payload), found without decoding anything else; null when there is none.
     */
    static long[] firstCounter(ByteBuffer b, int start, int end) throws MalformedMessageException {
        AttributeCursor list = new AttributeCursor(b, start, end);
        AttributeCursor e = new AttributeCursor();
        while (list.next()) {
            if (list.type() != NFTA_LIST_ELEM) {
                continue;
            }
            list.nested(e);
            boolean counter = false;
            while (e.next()) {
                if (e.type() == NFTA_EXPR_NAME) {
                    counter = isCounter(b, e.payloadOffset(), e.payloadLength());
                } else if (e.type() == NFTA_EXPR_DATA && counter) {
                    Attrs a = new Attrs(b);
                    a.reset(e.payloadOffset(), e.payloadOffset() + e.payloadLength());
                    return new long[] {a.has(NFTA_COUNTER_PACKETS) ? a.be64(NFTA_COUNTER_PACKETS) : 0,
                        a.has(NFTA_COUNTER_BYTES) ? a.be64(NFTA_COUNTER_BYTES) : 0};
                }
            }
        }
        return null;
    }

    private static boolean isCounter(ByteBuffer b, int at, int len) {
        if (len < COUNTER_NAME.length) {
            return false;
        }
        for (int i = 0; i < COUNTER_NAME.length; i++) {
            if (b.get(at + i) != COUNTER_NAME[i]) {
                return false;
            }
        }
        return true;
    }

    /** NFTA_RULE_USERDATA: nft's TLVs (u8 type, u8 length); type 0 is the rule's comment. */
    void userdata(byte[] u) {
        int i = 0;
        while (i + 2 <= u.length) {
            int type = Byte.toUnsignedInt(u[i]);
            int len = Byte.toUnsignedInt(u[i + 1]);
            if (i + 2 + len > u.length) {
                return;
            }
            if (type == 0) {
                int n = 0;
                while (n < len && u[i + 2 + n] != 0) {
                    n++;
                }
                out.add("comment \"" + new String(u, i + 2, n, StandardCharsets.UTF_8) + "\"");
            }
            i += 2 + len;
        }
    }

    private void add(String statement) {
        out.add(statement);
    }

    private void expression(String name, Attrs a) throws MalformedMessageException {
        switch (name) {
            case "payload" -> payload(a);
            case "meta" -> meta(a);
            case "ct" -> ct(a);
            case "cmp" -> cmp(a);
            case "bitwise" -> bitwise(a);
            case "range" -> range(a);
            case "lookup" -> lookup(a);
            case "immediate" -> immediate(a);
            case "counter" -> {
                if (packets < 0) {
                    packets = a.has(NFTA_COUNTER_PACKETS) ? a.be64(NFTA_COUNTER_PACKETS) : 0;
                    bytes = a.has(NFTA_COUNTER_BYTES) ? a.be64(NFTA_COUNTER_BYTES) : 0;
                }
                add(COUNTER);
            }
            case "limit" -> limit(a);
            case "log" -> log(a);
            case "reject" -> reject(a);
            case "queue" -> queue(a);
            case "match" -> add("xt match \"" + (a.has(NFTA_MATCH_NAME) ? a.string(NFTA_MATCH_NAME) : "?") + "\"");
            case "target" -> {
                String t = a.has(NFTA_TARGET_NAME) ? a.string(NFTA_TARGET_NAME) : "?";
                add("xt target \"" + t + "\"");
                if (t.equals("REJECT") || t.equals("DROP") || t.equals("ACCEPT")) {
                    verdict = t.toLowerCase(Locale.ROOT);
                }
            }
            case "masq" -> add("masquerade");
            case "redir" -> add("redirect");
            case "notrack" -> add("notrack");
            case "nat" -> add(a.has(NFTA_NAT_TYPE) && a.be32(NFTA_NAT_TYPE) == NFT_NAT_DNAT ? "dnat" : "snat");
            default -> {
                add(name);
                unknownAt = out.size() - 1;
            }
        }
    }

    // ------------------------------------------------------------------ loads

    private void payload(Attrs a) throws MalformedMessageException {
        int base = a.be32(NFTA_PAYLOAD_BASE);
        int off = a.be32(NFTA_PAYLOAD_OFFSET);
        int len = a.be32(NFTA_PAYLOAD_LEN);
        Src s = payloadField(base, off, len);
        if (a.has(NFTA_PAYLOAD_DREG)) {
            // the protocol match right before an upper-layer field is implied by it: nft does not print it
            if (depAt >= 0 && depAt == out.size() - 1
                    && ((base == NFT_PAYLOAD_TRANSPORT_HEADER && depKind == DEP_L4)
                    || (base == NFT_PAYLOAD_NETWORK_HEADER && depKind == DEP_L3))) {
                out.remove(depAt);
                depAt = -1;
            }
            regs.put(a.be32(NFTA_PAYLOAD_DREG), s);
        } else if (a.has(NFTA_PAYLOAD_SREG)) {
            add(s.desc + " set " + valueOf(a.be32(NFTA_PAYLOAD_SREG), s));
        }
    }

    private Src payloadField(int base, int off, int len) {
        if (base == NFT_PAYLOAD_LL_HEADER) {
            if (off == 0 && len == 6) {
                return new Src("ether daddr", Type.MAC);
            }
            if (off == 6 && len == 6) {
                return new Src("ether saddr", Type.MAC);
            }
            if (off == 12 && len == 2) {
                return new Src("ether type", Type.ETHERTYPE);
            }
        } else if (base == NFT_PAYLOAD_NETWORK_HEADER && "ip".equals(l3)) {
            if ((off == 12 || off == 16) && len >= 1 && len <= 4) {
                return new Src(off == 12 ? "ip saddr" : "ip daddr", Type.IPV4, 4, null, 0);
            }
            switch (off << 8 | len) {
                case 2 << 8 | 2: return new Src("ip length", Type.NUMBER);
                case 4 << 8 | 2: return new Src("ip id", Type.NUMBER);
                case 8 << 8 | 1: return new Src("ip ttl", Type.NUMBER);
                case 9 << 8 | 1: return new Src("ip protocol", Type.PROTO, 0, null, DEP_L4);
                case 10 << 8 | 2: return new Src("ip checksum", Type.NUMBER);
                default: break;
            }
        } else if (base == NFT_PAYLOAD_NETWORK_HEADER && "ip6".equals(l3)) {
            if ((off == 8 || off == 24) && len >= 1 && len <= 16) {
                return new Src(off == 8 ? "ip6 saddr" : "ip6 daddr", Type.IPV6, 16, null, 0);
            }
            switch (off << 8 | len) {
                case 4 << 8 | 2: return new Src("ip6 length", Type.NUMBER);
                case 6 << 8 | 1: return new Src("ip6 nexthdr", Type.PROTO, 0, null, DEP_L4);
                case 7 << 8 | 1: return new Src("ip6 hoplimit", Type.NUMBER);
                default: break;
            }
        } else if (base == NFT_PAYLOAD_TRANSPORT_HEADER) {
            String p = l4 == null ? "th" : l4;
            boolean ports = p.equals("th") || p.equals("tcp") || p.equals("udp") || p.equals("udplite")
                    || p.equals("sctp") || p.equals("dccp");
            if (ports && off == 0 && len == 2) {
                return new Src(p + " sport", Type.NUMBER);
            }
            if (ports && off == 2 && len == 2) {
                return new Src(p + " dport", Type.NUMBER);
            }
            if (p.equals("tcp")) {
                switch (off << 8 | len) {
                    case 4 << 8 | 4: return new Src("tcp sequence", Type.NUMBER);
                    case 8 << 8 | 4: return new Src("tcp ackseq", Type.NUMBER);
                    case 13 << 8 | 1: return new Src("tcp flags", Type.TCPFLAGS);
                    case 14 << 8 | 2: return new Src("tcp window", Type.NUMBER);
                    default: break;
                }
            } else if (p.equals("udp") || p.equals("udplite")) {
                if (off == 4 && len == 2) {
                    return new Src(p + " length", Type.NUMBER);
                }
            } else if (p.equals("icmp") || p.equals("icmpv6")) {
                if (off == 0 && len == 1) {
                    return new Src(p + " type", Type.NUMBER);
                }
                if (off == 1 && len == 1) {
                    return new Src(p + " code", Type.NUMBER);
                }
            }
        }
        String b = base == NFT_PAYLOAD_LL_HEADER ? "ll" : base == NFT_PAYLOAD_NETWORK_HEADER ? "nh"
                : base == NFT_PAYLOAD_TRANSPORT_HEADER ? "th" : "base" + base;
        return new Src("@" + b + "," + (off * 8L) + "," + (len * 8L), Type.HEX);
    }

    private void meta(Attrs a) throws MalformedMessageException {
        int key = a.be32(NFTA_META_KEY);
        Src s = switch (key) {
            case 0 -> new Src("meta length", Type.HOST32);
            case NFT_META_PROTOCOL -> new Src("meta protocol", Type.ETHERTYPE, 0, null, DEP_L3);
            case 2 -> new Src("meta priority", Type.HOST32HEX);
            case NFT_META_MARK -> new Src("meta mark", Type.HOST32HEX);
            case NFT_META_IIF -> new Src("iif", Type.IFINDEX);
            case NFT_META_OIF -> new Src("oif", Type.IFINDEX);
            case NFT_META_IIFNAME -> new Src("iifname", Type.IFNAME);
            case NFT_META_OIFNAME -> new Src("oifname", Type.IFNAME);
            case 8 -> new Src("iiftype", Type.NUMBER);
            case 9 -> new Src("oiftype", Type.NUMBER);
            case 10 -> new Src("meta skuid", Type.HOST32);
            case 11 -> new Src("meta skgid", Type.HOST32);
            case 12 -> new Src("meta nftrace", Type.NUMBER);
            case NFT_META_NFPROTO -> new Src("meta nfproto", Type.NFPROTO, 0, null, DEP_L3);
            case NFT_META_L4PROTO -> new Src("meta l4proto", Type.PROTO, 0, null, DEP_L4);
            case 17 -> new Src("meta ibrname", Type.IFNAME);
            case 18 -> new Src("meta obrname", Type.IFNAME);
            case 19 -> new Src("meta pkttype", Type.NUMBER);
            case 20 -> new Src("meta cpu", Type.HOST32);
            case 21 -> new Src("iifgroup", Type.HOST32);
            case 22 -> new Src("oifgroup", Type.HOST32);
            case 23 -> new Src("meta cgroup", Type.HOST32);
            case 26 -> new Src("iifkind", Type.STRING);
            case 27 -> new Src("oifkind", Type.STRING);
            default -> new Src("meta key " + key, Type.HEX);
        };
        if (a.has(NFTA_META_DREG)) {
            regs.put(a.be32(NFTA_META_DREG), s);
        } else if (a.has(NFTA_META_SREG)) {
            add(s.desc + " set " + valueOf(a.be32(NFTA_META_SREG), s));
        }
    }

    private static final String[] CT_KEYS = {"state", "direction", "status", "mark", "secmark", "expiration",
        "helper", "l3proto", "saddr", "daddr", "protocol", "proto-src", "proto-dst", "label", "packets", "bytes",
        "avgpkt", "zone", "event", "ip saddr", "ip daddr", "ip6 saddr", "ip6 daddr", "id"};

    private void ct(Attrs a) throws MalformedMessageException {
        int key = a.be32(NFTA_CT_KEY);
        String k = key >= 0 && key < CT_KEYS.length ? CT_KEYS[key] : "key " + key;
        String dir = "";
        if (a.has(NFTA_CT_DIRECTION)) {
            dir = a.u8(NFTA_CT_DIRECTION) == 0 ? "original " : "reply ";
        }
        Type t = switch (key) {
            case NFT_CT_STATE -> Type.CTSTATE;
            case 2, NFT_CT_MARK, 4 -> Type.HOST32HEX;
            case 5 -> Type.HOST32;
            case 6 -> Type.STRING;
            case 7 -> Type.NFPROTO;
            case 10 -> Type.PROTO;
            case 11, 12 -> Type.NUMBER;
            case 19, 20 -> Type.IPV4;
            case 21, 22 -> Type.IPV6;
            default -> Type.HEX;
        };
        Src s = new Src("ct " + dir + k, t);
        if (a.has(NFTA_CT_DREG)) {
            regs.put(a.be32(NFTA_CT_DREG), s);
        } else if (a.has(NFTA_CT_SREG)) {
            add(s.desc + " set " + valueOf(a.be32(NFTA_CT_SREG), s));
        }
    }

    private void bitwise(Attrs a) throws MalformedMessageException {
        int sreg = a.be32(NFTA_BITWISE_SREG);
        int dreg = a.be32(NFTA_BITWISE_DREG);
        int op = a.has(NFTA_BITWISE_OP) ? a.be32(NFTA_BITWISE_OP) : 0;
        Src s = source(sreg);
        if (op == 0 && a.has(NFTA_BITWISE_MASK)) {
            byte[] xor = a.has(NFTA_BITWISE_XOR) ? a.dataValue(NFTA_BITWISE_XOR) : new byte[0];
            Src m = s.masked(a.dataValue(NFTA_BITWISE_MASK));
            regs.put(dreg, allZero(xor) ? m : new Src(s.desc + " & " + hex(m.mask) + " ^ " + hex(xor), Type.HEX));
        } else if ((op == 1 || op == 2) && a.has(NFTA_BITWISE_DATA)) {
            byte[] d = a.dataValue(NFTA_BITWISE_DATA);
            long n = d.length == 4 ? ByteBuffer.wrap(d).order(ByteOrder.nativeOrder()).getInt() & 0xffffffffL : -1;
            regs.put(dreg, new Src(s.desc + (op == 1 ? " << " : " >> ") + n, Type.HEX));
        } else {
            regs.put(dreg, new Src(s.desc + " bitwise op " + op, Type.HEX));
        }
    }

    /** What {@code reg} holds; for a register no known expression loaded, the unknown expression before. */
    private Src source(int reg) {
        Src s = regs.get(reg);
        if (s != null) {
            return s;
        }
        if (unknownAt >= 0 && unknownAt == out.size() - 1) {
            String name = out.remove(unknownAt);
            unknownAt = -1;
            Src u = new Src(name, Type.HEX);
            regs.put(reg, u);
            return u;
        }
        return new Src("reg " + reg, Type.HEX);
    }

    // ------------------------------------------------------------------ comparisons

    private static final String[] OPS = {"", "!= ", "< ", "<= ", "> ", ">= "};

    private void cmp(Attrs a) throws MalformedMessageException {
        int sreg = a.be32(NFTA_CMP_SREG);
        int op = a.be32(NFTA_CMP_OP);
        byte[] v = a.dataValue(NFTA_CMP_DATA);
        Src s = source(sreg);
        String ops = op >= 0 && op < OPS.length ? OPS[op] : "op" + op + " ";
        String value;
        String text;
        if (s.mask != null) {
            text = masked(s, op, ops, v);
            value = null;
        } else {
            value = format(s, v);
            text = s.desc + " " + ops + value;
        }
        // nft writes a range as "cmp gte" then "cmp lte" on the same register
        if (op == NFT_CMP_LTE && lastCmpOp == NFT_CMP_GTE && lastCmpReg == sreg && lastCmpAt == out.size() - 1
                && value != null && lastCmpValue != null) {
            out.set(lastCmpAt, s.desc + " " + lastCmpValue + "-" + value);
            lastCmpOp = -1;
            return;
        }
        if (op == NFT_CMP_EQ && s.depKind != 0 && s.mask == null) {
            context(s, v);
            depAt = out.size();
            depKind = s.depKind;
        }
        add(text);
        lastCmpReg = sreg;
        lastCmpOp = op;
        lastCmpAt = out.size() - 1;
        lastCmpValue = value;
    }

    /** A protocol match sets what the following payload fields are: "ip" or "ip6", "tcp", "udp", ... */
    private void context(Src s, byte[] v) {
        if (s.depKind == DEP_L4 && v.length >= 1) {
            l4 = protoName(Byte.toUnsignedInt(v[0]));
        } else if (s.type == Type.NFPROTO && v.length >= 1) {
            int p = Byte.toUnsignedInt(v[0]);
            l3 = p == NFPROTO_IPV4 ? "ip" : p == NFPROTO_IPV6 ? "ip6" : null;
        } else if (s.type == Type.ETHERTYPE && v.length == 2) {
            int p = (Byte.toUnsignedInt(v[0]) << 8) | Byte.toUnsignedInt(v[1]);
            l3 = p == 0x0800 ? "ip" : p == 0x86dd ? "ip6" : null;
        }
    }

    private String masked(Src s, int op, String ops, byte[] v) {
        byte[] m = s.mask;
        if ((s.type == Type.IPV4 || s.type == Type.IPV6) && op <= NFT_CMP_NEQ) {
            int prefix = prefixLength(m);
            if (prefix >= 0) {
                return s.desc + " " + ops + address(s, v) + "/" + prefix;
            }
        }
        if (s.type == Type.CTSTATE || s.type == Type.TCPFLAGS) {
            if (op == NFT_CMP_NEQ && allZero(v)) {
                return s.desc + " " + flags(s.type, m); // "ct state established,related"
            }
            if (op == NFT_CMP_EQ && allZero(v)) {
                return s.desc + " ! " + flags(s.type, m);
            }
            return s.desc + " " + ops + flags(s.type, v) + " / " + flags(s.type, m);
        }
        return s.desc + " & " + hex(m) + " " + (op == NFT_CMP_EQ ? "== " : ops) + format(new Src(s.desc, s.type), v);
    }

    private void range(Attrs a) throws MalformedMessageException {
        Src s = source(a.be32(NFTA_RANGE_SREG));
        int op = a.be32(NFTA_RANGE_OP);
        add(s.desc + " " + (op == 1 ? "!= " : "") + format(s, a.dataValue(NFTA_RANGE_FROM_DATA)) + "-"
                + format(s, a.dataValue(NFTA_RANGE_TO_DATA)));
    }

    private void lookup(Attrs a) throws MalformedMessageException {
        String set = a.string(NFTA_LOOKUP_SET);
        Src s = source(a.be32(NFTA_LOOKUP_SREG));
        boolean inv = a.has(NFTA_LOOKUP_FLAGS) && (a.be32(NFTA_LOOKUP_FLAGS) & NFT_LOOKUP_F_INV) != 0;
        if (a.has(NFTA_LOOKUP_DREG)) {
            int dreg = a.be32(NFTA_LOOKUP_DREG);
            if (dreg == NFT_REG_VERDICT) {
                add(s.desc + " vmap @" + set);
                verdict = "vmap @" + set;
            } else {
                regs.put(dreg, new Src(s.desc + " map @" + set, Type.HEX));
            }
            return;
        }
        List<Nftables.SetElement> elements = null;
        if (anonymous(set)) {
            elements = sets == null ? null : sets.apply(set);
            if (elements == null) {
                unresolvedSets.add(set);
            }
        }
        add(s.desc + " " + (inv ? "!= " : "") + (elements == null ? "@" + set : elements(s, elements)));
    }

    /** nft's name for the set a rule's {@code { a, b }} makes: its elements are printed in the rule. */
    static boolean anonymous(String set) {
        return set != null && set.startsWith("__set");
    }

    /**
     * An anonymous set's elements as nft prints them, ascending: {@code { 53, 123 }}, {@code { 1000-2000 }}.
     * An interval set holds a range as its start and an element flagged INTERVAL_END one past its end
     * (and a leading end element at 0 when the first range does not start there); a concatenation's range
     * carries its end in KEY_END.
     */
    private String elements(Src s, List<Nftables.SetElement> elements) {
        List<Nftables.SetElement> sorted = new ArrayList<>(elements);
        sorted.sort((a, b) -> {
            int c = Arrays.compareUnsigned(a.key(), b.key());
            // one range's end and the next one's start at the same key: the end first
            return c != 0 ? c : Boolean.compare(!a.intervalEnd(), !b.intervalEnd());
        });
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            Nftables.SetElement e = sorted.get(i);
            if (e.catchall()) {
                parts.add("*");
            } else if (e.intervalEnd()) {
                continue;
            } else if (e.keyEnd() != null) {
                parts.add(format(s, e.key()) + "-" + format(s, e.keyEnd()));
            } else if (i + 1 < sorted.size() && sorted.get(i + 1).intervalEnd()) {
                byte[] last = minusOne(sorted.get(i + 1).key());
                parts.add(Arrays.equals(last, e.key()) ? format(s, e.key())
                        : format(s, e.key()) + "-" + format(s, last));
                i++;
            } else {
                parts.add(format(s, e.key()));
            }
        }
        return "{ " + String.join(", ", parts) + " }";
    }

    /** A big-endian key minus one (an interval end is one past the range). */
    private static byte[] minusOne(byte[] v) {
        byte[] r = v.clone();
        for (int i = r.length - 1; i >= 0; i--) {
            if (r[i]-- != 0) {
                break;
            }
        }
        return r;
    }

    // ------------------------------------------------------------------ statements

    private void immediate(Attrs a) throws MalformedMessageException {
        int dreg = a.be32(NFTA_IMMEDIATE_DREG);
        if (dreg != NFT_REG_VERDICT) {
            byte[] v = a.dataValue(NFTA_IMMEDIATE_DATA);
            imm.put(dreg, v);
            regs.put(dreg, new Src(hex(v), Type.HEX));
            return;
        }
        int[] code = new int[1];
        String[] chain = new String[1];
        a.verdict(NFTA_IMMEDIATE_DATA, code, chain);
        String v = verdictText(code[0], chain[0]);
        add(v);
        verdict = v;
    }

    static String verdictText(int code, String chain) {
        switch (code) {
            case NFT_CONTINUE: return "continue";
            case NFT_BREAK: return "break";
            case NFT_JUMP: return "jump " + chain;
            case NFT_GOTO: return "goto " + chain;
            case NFT_RETURN: return "return";
            default: break;
        }
        switch (code & 0xff) {
            case NF_DROP: return "drop";
            case NF_ACCEPT: return "accept";
            case NF_STOLEN: return "stolen";
            case NF_QUEUE: return "queue to " + (code >>> 16);
            default: return "verdict " + code;
        }
    }

    private void limit(Attrs a) throws MalformedMessageException {
        long rate = a.be64(NFTA_LIMIT_RATE);
        long unit = a.be64(NFTA_LIMIT_UNIT);
        long burst = a.has(NFTA_LIMIT_BURST) ? Integer.toUnsignedLong(a.be32(NFTA_LIMIT_BURST)) : 0;
        boolean bytesType = a.has(NFTA_LIMIT_TYPE) && a.be32(NFTA_LIMIT_TYPE) == NFT_LIMIT_PKT_BYTES;
        boolean over = a.has(NFTA_LIMIT_FLAGS) && (a.be32(NFTA_LIMIT_FLAGS) & NFT_LIMIT_F_INV) != 0;
        String u = unit == 1 ? "second" : unit == 60 ? "minute" : unit == 3600 ? "hour" : unit == 86400 ? "day"
                : unit == 604800 ? "week" : Long.toUnsignedString(unit) + " seconds";
        StringBuilder s = new StringBuilder("limit rate ").append(over ? "over " : "")
                .append(Long.toUnsignedString(rate)).append(bytesType ? " bytes/" : "/").append(u);
        if (bytesType ? burst != 0 : burst != 0 && burst != 5) {
            s.append(" burst ").append(burst).append(bytesType ? " bytes" : " packets");
        }
        add(s.toString());
    }

    private static final String[] LOG_LEVELS = {"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
        "audit"};

    private void log(Attrs a) throws MalformedMessageException {
        StringBuilder s = new StringBuilder("log");
        if (a.has(NFTA_LOG_PREFIX)) {
            s.append(" prefix \"").append(a.string(NFTA_LOG_PREFIX)).append('"');
        }
        if (a.has(NFTA_LOG_GROUP)) {
            s.append(" group ").append(a.be16(NFTA_LOG_GROUP));
        }
        if (a.has(NFTA_LOG_LEVEL)) {
            int l = a.be32(NFTA_LOG_LEVEL);
            if (l != 4) {
                s.append(" level ").append(l >= 0 && l < LOG_LEVELS.length ? LOG_LEVELS[l] : Integer.toString(l));
            }
        }
        add(s.toString());
    }

    private static final String[] ICMP_CODES = {"net-unreachable", "host-unreachable", "prot-unreachable",
        "port-unreachable", "frag-needed", null, "net-unknown", "host-unknown", null, "net-prohibited",
        "host-prohibited", null, null, "admin-prohibited"};
    private static final String[] ICMPV6_CODES = {"no-route", "admin-prohibited", null, "addr-unreachable",
        "port-unreachable", "policy-fail", "reject-route"};
    private static final String[] ICMPX_CODES = {"no-route", "port-unreachable", "host-unreachable",
        "admin-prohibited"};

    private void reject(Attrs a) throws MalformedMessageException {
        int type = a.has(NFTA_REJECT_TYPE) ? a.be32(NFTA_REJECT_TYPE) : NFT_REJECT_ICMP_UNREACH;
        int code = a.has(NFTA_REJECT_ICMP_CODE) ? a.u8(NFTA_REJECT_ICMP_CODE) : 0;
        String s;
        if (type == NFT_REJECT_TCP_RST) {
            s = "reject with tcp reset";
        } else if (type == NFT_REJECT_ICMPX_UNREACH) {
            s = code == NFT_REJECT_ICMPX_PORT_UNREACH ? "reject" : "reject with icmpx " + name(ICMPX_CODES, code);
        } else if ("ip6".equals(l3) && familyNumber != NFPROTO_IPV4) {
            s = code == 4 ? "reject" : "reject with icmpv6 " + name(ICMPV6_CODES, code);
        } else {
            s = code == 3 ? "reject" : "reject with icmp " + name(ICMP_CODES, code);
        }
        add(s);
        verdict = "reject";
    }

    private void queue(Attrs a) throws MalformedMessageException {
        int num = a.has(NFTA_QUEUE_NUM) ? a.be16(NFTA_QUEUE_NUM) : 0;
        int total = a.has(NFTA_QUEUE_TOTAL) ? a.be16(NFTA_QUEUE_TOTAL) : 1;
        int flags = a.has(NFTA_QUEUE_FLAGS) ? a.be16(NFTA_QUEUE_FLAGS) : 0;
        StringBuilder s = new StringBuilder("queue");
        if (flags != 0) {
            List<String> f = new ArrayList<>();
            if ((flags & NFT_QUEUE_FLAG_BYPASS) != 0) {
                f.add("bypass");
            }
            if ((flags & NFT_QUEUE_FLAG_CPU_FANOUT) != 0) {
                f.add("fanout");
            }
            s.append(" flags ").append(String.join(",", f));
        }
        s.append(" to ").append(num);
        if (total > 1) {
            s.append('-').append(num + total - 1);
        }
        add(s.toString());
        verdict = "queue";
    }

    // ------------------------------------------------------------------ values

    private String valueOf(int reg, Src target) {
        byte[] v = imm.get(reg);
        if (v != null) {
            return format(target, v);
        }
        Src s = regs.get(reg);
        return s == null ? "reg " + reg : s.desc;
    }

    private String format(Src s, byte[] v) {
        switch (s.type) {
            case NUMBER:
                return v.length >= 1 && v.length <= 8 ? Long.toUnsignedString(bigEndian(v)) : hex(v);
            case IPV4:
            case IPV6:
                if (s.fullLen > 0 && v.length < s.fullLen) {
                    return address(s, v) + "/" + (v.length * 8);
                }
                return address(s, v);
            case PROTO:
                return v.length == 1 ? protoName(Byte.toUnsignedInt(v[0])) : hex(v);
            case NFPROTO:
                return v.length == 1 ? nfprotoName(Byte.toUnsignedInt(v[0])) : hex(v);
            case ETHERTYPE:
                if (v.length == 2) {
                    int p = (Byte.toUnsignedInt(v[0]) << 8) | Byte.toUnsignedInt(v[1]);
                    return p == 0x0800 ? "ip" : p == 0x86dd ? "ip6" : p == 0x0806 ? "arp" : p == 0x8100 ? "vlan"
                            : String.format("0x%04x", p);
                }
                return hex(v);
            case IFNAME:
            case STRING: {
                int n = 0;
                while (n < v.length && v[n] != 0) {
                    n++;
                }
                String name = new String(v, 0, n, StandardCharsets.UTF_8);
                // a compare shorter than IFNAMSIZ without the NUL is a prefix match: nft's "eth*"
                boolean wildcard = s.type == Type.IFNAME && n == v.length && v.length < 16;
                return "\"" + name + (wildcard ? "*" : "") + "\"";
            }
            case IFINDEX: {
                // nft prints the name the index has now in its namespace, else the number
                if (v.length != 4) {
                    return hex(v);
                }
                String name = ifnames == null ? null : ifnames.apply(host32(v));
                return name == null ? Integer.toUnsignedString(host32(v)) : "\"" + name + "\"";
            }
            case HOST32:
                return v.length == 4 ? Integer.toUnsignedString(host32(v)) : hex(v);
            case HOST32HEX:
                return v.length == 4 ? String.format("0x%08x", host32(v)) : hex(v);
            case CTSTATE:
            case TCPFLAGS:
                return flags(s.type, v);
            case MAC: {
                StringBuilder m = new StringBuilder();
                for (byte x : v) {
                    m.append(m.length() == 0 ? "" : ":").append(String.format("%02x", x));
                }
                return m.toString();
            }
            default:
                return hex(v);
        }
    }

    private static String address(Src s, byte[] v) {
        byte[] full = new byte[Math.max(s.fullLen, v.length)];
        System.arraycopy(v, 0, full, 0, v.length);
        if (full.length == 4) {
            return Byte.toUnsignedInt(full[0]) + "." + Byte.toUnsignedInt(full[1]) + "." + Byte.toUnsignedInt(full[2])
                    + "." + Byte.toUnsignedInt(full[3]);
        }
        if (full.length == 16) {
            return ipv6(full);
        }
        return hex(v);
    }

    /** RFC 5952 text: the longest run of two or more zero groups becomes "::". */
    static String ipv6(byte[] a) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = (Byte.toUnsignedInt(a[2 * i]) << 8) | Byte.toUnsignedInt(a[2 * i + 1]);
        }
        int bestAt = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestAt = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestAt) {
                s.append("::");
                i += bestLen - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(g[i]));
        }
        return s.toString();
    }

    private static final String[] CT_STATES = {"invalid", "established", "related", "new", null, null, "untracked"};
    private static final String[] TCP_FLAGS = {"fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr"};

    private static String flags(Type t, byte[] v) {
        long bits = t == Type.CTSTATE && v.length == 4 ? Integer.toUnsignedLong(host32(v))
                : v.length >= 1 && v.length <= 8 ? bigEndian(v) : -1;
        if (bits < 0) {
            return hex(v);
        }
        String[] names = t == Type.CTSTATE ? CT_STATES : TCP_FLAGS;
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            if ((bits & (1L << i)) != 0) {
                out.add(i < names.length && names[i] != null ? names[i] : "0x" + Long.toHexString(1L << i));
            }
        }
        return out.isEmpty() ? "0x0" : String.join(",", out);
    }

    static String protoName(int p) {
        return switch (p) {
            case 1 -> "icmp";
            case 2 -> "igmp";
            case 6 -> "tcp";
            case 17 -> "udp";
            case 33 -> "dccp";
            case 47 -> "gre";
            case 50 -> "esp";
            case 51 -> "ah";
            case 58 -> "icmpv6";
            case 132 -> "sctp";
            case 136 -> "udplite";
            default -> Integer.toString(p);
        };
    }

    static String nfprotoName(int p) {
        return switch (p) {
            case NFPROTO_INET -> "inet";
            case NFPROTO_IPV4 -> "ipv4";
            case NFPROTO_ARP -> "arp";
            case NFPROTO_NETDEV -> "netdev";
            case NFPROTO_BRIDGE -> "bridge";
            case NFPROTO_IPV6 -> "ipv6";
            default -> Integer.toString(p);
        };
    }

    private static String name(String[] names, int code) {
        return code >= 0 && code < names.length && names[code] != null ? names[code] : Integer.toString(code);
    }

    /** The number of leading one bits when the mask is ones then zeros, else -1. */
    private static int prefixLength(byte[] m) {
        int n = 0;
        boolean zeros = false;
        for (byte x : m) {
            for (int bit = 7; bit >= 0; bit--) {
                boolean one = (x >> bit & 1) != 0;
                if (one && zeros) {
                    return -1;
                }
                if (one) {
                    n++;
                } else {
                    zeros = true;
                }
            }
        }
        return n;
    }

    private static long bigEndian(byte[] v) {
        long n = 0;
        for (byte x : v) {
            n = n << 8 | Byte.toUnsignedLong(x);
        }
        return n;
    }

    private static int host32(byte[] v) {
        return ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getInt(0);
    }

    private static boolean allZero(byte[] v) {
        for (byte x : v) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    static String hex(byte[] v) {
        StringBuilder s = new StringBuilder("0x");
        for (byte x : v) {
            s.append(Character.forDigit(x >> 4 & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return s.toString();
    }

    /**
     * One expression's NFTA_EXPR_DATA attributes by type (the last of each type wins), read on demand:
     * integers big-endian as nf_tables sends them, every length checked.
     */
    static final class Attrs {
        private static final int MAX = 16;
        private final ByteBuffer b;
        private final int[] at = new int[MAX];
        private final int[] len = new int[MAX];
        private final AttributeCursor c = new AttributeCursor();

        Attrs(ByteBuffer b) {
            this.b = b;
        }

        /** Points at the attributes in {@code [start, end)}; an empty region has none. */
        void reset(int start, int end) throws MalformedMessageException {
            Arrays.fill(at, -1);
            if (end <= start) {
                return;
            }
            c.reset(b, start, end);
            while (c.next()) {
                if (c.type() < MAX) {
                    at[c.type()] = c.payloadOffset();
                    len[c.type()] = c.payloadLength();
                }
            }
        }

        boolean has(int t) {
            return at[t] >= 0;
        }

        private int need(int t, int n) throws MalformedMessageException {
            if (at[t] < 0) {
                throw new MalformedMessageException("nf_tables expression lacks attribute " + t);
            }
            if (len[t] < n) {
                throw new MalformedMessageException("nf_tables attribute " + t + " has " + len[t] + " bytes, needs " + n);
            }
            return at[t];
        }

        int u8(int t) throws MalformedMessageException {
            return Byte.toUnsignedInt(b.get(need(t, 1)));
        }

        int be16(int t) throws MalformedMessageException {
            int p = need(t, 2);
            return (Byte.toUnsignedInt(b.get(p)) << 8) | Byte.toUnsignedInt(b.get(p + 1));
        }

        int be32(int t) throws MalformedMessageException {
            int p = need(t, 4);
            return (Byte.toUnsignedInt(b.get(p)) << 24) | (Byte.toUnsignedInt(b.get(p + 1)) << 16)
                    | (Byte.toUnsignedInt(b.get(p + 2)) << 8) | Byte.toUnsignedInt(b.get(p + 3));
        }

        long be64(int t) throws MalformedMessageException {
            int p = need(t, 8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = v << 8 | Byte.toUnsignedLong(b.get(p + i));
            }
            return v;
        }

        String string(int t) throws MalformedMessageException {
            int p = need(t, 0);
            int n = 0;
            while (n < len[t] && b.get(p + n) != 0) {
                n++;
            }
            byte[] s = new byte[n];
            b.get(p, s, 0, n);
            return new String(s, StandardCharsets.UTF_8);
        }

        /** The NFTA_DATA_VALUE bytes inside the nested nft_data attribute {@code t}. */
        byte[] dataValue(int t) throws MalformedMessageException {
            int p = need(t, 0);
            AttributeCursor c = new AttributeCursor(b, p, p + len[t]);
            while (c.next()) {
                if (c.type() == NFTA_DATA_VALUE) {
                    return c.bytes();
                }
            }
            throw new MalformedMessageException("nf_tables data attribute " + t + " has no NFTA_DATA_VALUE");
        }

        /** The verdict code and chain inside the nested nft_data attribute {@code t} (NFTA_DATA_VERDICT). */
        void verdict(int t, int[] code, String[] chain) throws MalformedMessageException {
            int p = need(t, 0);
            AttributeCursor c = new AttributeCursor(b, p, p + len[t]);
            while (c.next()) {
                if (c.type() == NFTA_DATA_VERDICT) {
                    AttributeCursor v = c.nested();
                    boolean seen = false;
                    while (v.next()) {
                        if (v.type() == NFTA_VERDICT_CODE) {
                            if (v.payloadLength() < 4) {
                                throw new MalformedMessageException("NFTA_VERDICT_CODE of " + v.payloadLength() + " bytes");
                            }
                            int q = v.payloadOffset();
                            code[0] = (Byte.toUnsignedInt(b.get(q)) << 24) | (Byte.toUnsignedInt(b.get(q + 1)) << 16)
                                    | (Byte.toUnsignedInt(b.get(q + 2)) << 8) | Byte.toUnsignedInt(b.get(q + 3));
                            seen = true;
                        } else if (v.type() == NFTA_VERDICT_CHAIN) {
                            chain[0] = v.string();
                        }
                    }
                    if (!seen) {
                        throw new MalformedMessageException("nf_tables verdict without NFTA_VERDICT_CODE");
                    }
                    return;
                }
            }
            throw new MalformedMessageException("nf_tables immediate to the verdict register without a verdict");
        }
    }
}
