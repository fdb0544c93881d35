package dev.dropscope.btf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the drop programs need from the kernel's BTF: where an skb's device, the device's ifindex and
 * network namespace, and the namespace's inode number are; where the packet's headers are; and how the
 * kfree_skb tracepoint passes its arguments to a raw tracepoint program. Each answer is checked for the
 * size the program reads, so a kernel that changed a type refuses here with a line saying which, instead
 * of a program reading the wrong bytes.
 */
public final class SkbBtf {
    private SkbBtf() {
    }

    /**
     * Byte offsets of the identity chain: {@code skb->dev} (a pointer), {@code dev->ifindex} (int),
     * {@code dev->nd_net.net} (a pointer; absent without CONFIG_NET_NS), {@code net->ns.inum} (u32); and, for a
     * drop without a device, {@code skb->sk} and {@code sk->__sk_common.skc_net.net} (the socket's namespace).
     */
    public record Identity(int skbDev, int devIfindex, int devNet, int netInum, int skbSk, int skNet) {
    }

    /** Byte offsets and sizes in {@code struct sk_buff} of the packet's head pointer, header offsets and length. */
    public record Headers(int head, int networkHeader, int transportHeader, int macHeader, int len,
                          int headerFieldSize) {
    }

    /**
     * The arguments of the kfree_skb tracepoint as a raw tracepoint program sees them: indexes into its
     * {@code u64 ctx[]} ({@code btf_trace_kfree_skb}'s parameters without the leading {@code void *__data}),
     * -1 for one this kernel does not pass ({@code reason} before 5.17, {@code rxSk} before 6.11).
     */
    public record KfreeSkbArgs(int skb, int location, int reason, int rxSk, String prototype) {
    }

    public static int struct(Btf btf, String name) throws BtfException {
        int id = btf.find(Btf.Kind.STRUCT, name);
        if (id < 0) {
            throw new BtfException("BTF has no struct " + name);
        }
        return id;
    }

    /** A whole member of {@code size} bytes at a byte boundary, as a byte offset. */
    static int offset(Btf btf, int struct, String path, long size, boolean pointer) throws BtfException {
        Btf.Field f = btf.member(struct, path);
        String where = "struct " + btf.name(struct) + "." + path;
        if (f.bitfieldSize() != 0 || f.bitOffset() % 8 != 0) {
            throw new BtfException("BTF: " + where + " is a bitfield, not a field we can read");
        }
        boolean isPointer = btf.kind(btf.resolve(f.type())) == Btf.Kind.PTR;
        if (pointer != isPointer || f.size() != size) {
            throw new BtfException("BTF: " + where + " is " + btf.describe(f.type()) + " (" + f.size()
                    + " bytes), expected " + (pointer ? "a pointer" : "a " + size + "-byte integer"));
        }
        if (f.offset() > Short.MAX_VALUE) {
            throw new BtfException("BTF: " + where + " at byte " + f.offset() + " is beyond what a load reaches");
        }
        return (int) f.offset();
    }

    public static Identity identity(Btf btf) throws BtfException {
        int skb = struct(btf, "sk_buff");
        int dev = struct(btf, "net_device");
        int net = struct(btf, "net");
        int sock = struct(btf, "sock");
        return new Identity(offset(btf, skb, "dev", Btf.POINTER_SIZE, true),
                offset(btf, dev, "ifindex", 4, false),
                offset(btf, dev, "nd_net.net", Btf.POINTER_SIZE, true),
                offset(btf, net, "ns.inum", 4, false),
                offset(btf, skb, "sk", Btf.POINTER_SIZE, true),
                offset(btf, sock, "__sk_common.skc_net.net", Btf.POINTER_SIZE, true));
    }

    /** Byte offset of {@code sk_buff.data}, the pointer to where the current layer's header starts. */
    public static int data(Btf btf) throws BtfException {
        return offset(btf, struct(btf, "sk_buff"), "data", Btf.POINTER_SIZE, true);
    }

    public static Headers headers(Btf btf) throws BtfException {
        int skb = struct(btf, "sk_buff");
        long hs = btf.member(skb, "network_header").size();
        if (hs != 2) {
            throw new BtfException("BTF: struct sk_buff.network_header is " + hs + " bytes, expected 2");
        }
        return new Headers(offset(btf, skb, "head", Btf.POINTER_SIZE, true),
                offset(btf, skb, "network_header", 2, false), offset(btf, skb, "transport_header", 2, false),
                offset(btf, skb, "mac_header", 2, false), offset(btf, skb, "len", 4, false), 2);
    }

    /** The parameters of {@code btf_trace_<event>}: a typedef of a pointer to a function prototype. */
    public static List<String> tracepointPrototype(Btf btf, String event) throws BtfException {
        int id = btf.find(Btf.Kind.TYPEDEF, "btf_trace_" + event);
        if (id < 0) {
            throw new BtfException("BTF has no btf_trace_" + event + " (no tracepoint " + event + " in this kernel's BTF)");
        }
        int ptr = btf.resolve(id);
        int proto = btf.kind(ptr) == Btf.Kind.PTR ? btf.resolve(btf.ref(ptr)) : -1;
        if (proto < 0 || btf.kind(proto) != Btf.Kind.FUNC_PROTO) {
            throw new BtfException("BTF: btf_trace_" + event + " is not a pointer to a function prototype");
        }
        List<String> out = new ArrayList<>();
        for (Btf.Param p : btf.params(proto)) {
            out.add(btf.describe(p.type()));
        }
        return out;
    }

    /**
     * kfree_skb's arguments, found by type: {@code (void *__data, struct sk_buff *skb, void *location,
     * enum skb_drop_reason reason[, struct sock *rx_sk])} since 6.11; the kernel's parameter names are not in
     * BTF, so the first {@code void *} after the skb is the location.
     */
    public static KfreeSkbArgs kfreeSkbArgs(Btf btf) throws BtfException {
        List<String> params = tracepointPrototype(btf, "kfree_skb");
        String proto = "(" + String.join(", ", params) + ")";
        if (params.isEmpty() || !params.get(0).equals("void *")) {
            throw new BtfException("BTF: btf_trace_kfree_skb" + proto + " does not start with void *__data");
        }
        int skb = -1;
        int location = -1;
        int reason = -1;
        int rxSk = -1;
        for (int i = 1; i < params.size(); i++) {
            String t = params.get(i);
            if (t.equals("struct sk_buff *") && skb < 0) {
                skb = i - 1;
            } else if (t.equals("void *") && location < 0 && skb >= 0) {
                location = i - 1;
            } else if (t.equals("enum skb_drop_reason") && reason < 0) {
                reason = i - 1;
            } else if (t.equals("struct sock *") && rxSk < 0) {
                rxSk = i - 1;
            }
        }
        if (skb < 0 || location < 0) {
            throw new BtfException("BTF: btf_trace_kfree_skb" + proto + " has no struct sk_buff * and void * location");
        }
        return new KfreeSkbArgs(skb, location, reason, rxSk, proto);
    }

    /** The enumerators of {@code enum name} (ENUM or ENUM64), in declaration order. */
    public static Map<String, Long> enumValues(Btf btf, String name) throws BtfException {
        int id = btf.find(Btf.Kind.ENUM, name);
        if (id < 0) {
            id = btf.find(Btf.Kind.ENUM64, name);
        }
        if (id < 0) {
            throw new BtfException("BTF has no enum " + name);
        }
        Map<String, Long> out = new LinkedHashMap<>();
        for (Btf.Enumerator e : btf.enumerators(id)) {
            out.putIfAbsent(e.name(), e.value());
        }
        return out;
    }
}
