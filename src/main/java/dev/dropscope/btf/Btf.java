package dev.dropscope.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A parsed BTF blob (linux/btf.h): the header, the type section and the string section, checked once
 * at {@link #parse} so that every later query reads in range. Pure: bytes in, answers out; reading
 * {@code /sys/kernel/btf/vmlinux} is {@link KernelBtf}'s business.
 *
 * <p>Type id 0 is {@code void}; ids 1..{@link #maxId()} are the records in section order. Every walk
 * along type references (typedef and modifier chains, arrays of arrays, anonymous members) is bounded,
 * so a blob with a reference loop ends in a {@link BtfException}, never in a stack overflow or a hang.
 * Only split-less BTF is read (vmlinux); a module's split BTF refers to vmlinux's ids and is refused
 * as out of range.
 */
public final class Btf {
    public static final int MAGIC = 0xeB9F;
    /** struct btf_header without extensions. */
    static final int HEADER_SIZE = 24;
    /** struct btf_type: name_off, info, size/type. */
    static final int TYPE_SIZE = 12;
    /** Longest typedef/modifier chain or array nesting we follow (the kernel stops at 32 too). */
    static final int MAX_CHAIN = 32;
    /** Most members a single member-path lookup may visit through anonymous structs and unions. */
    static final int MAX_VISITS = 1 << 16;
    /** Pointers on the 64-bit hosts we run on (BTF itself does not say). */
    public static final int POINTER_SIZE = 8;

    /** BTF_KIND_* in value order. */
    public enum Kind {
        UNKN, INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO,
        VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64;

        private static final Kind[] ALL = values();
    }

    /** A struct or union member: bit offset from the start of its container; bitfield size 0 for a whole field. */
    public record Member(String name, int type, long bitOffset, int bitfieldSize) {
    }

    /** A function prototype's parameter; type 0 with an empty name is the {@code ...} of a variadic function. */
    public record Param(String name, int type) {
    }

    /** An enumerator ({@code ENUM} values sign-extended when the enum is signed, {@code ENUM64} whole). */
    public record Enumerator(String name, long value) {
    }

    /** A member found along a path: byte offset from the outer struct, its type, and its size in bytes. */
    public record Field(String path, long bitOffset, int type, int bitfieldSize, long size) {
        /** Byte offset; only meaningful for a whole (non-bitfield) member on a byte boundary. */
        public long offset() {
            return bitOffset / 8;
        }
    }

    private final ByteBuffer types;   // the type section, in the blob's byte order
    private final byte[] strings;     // the string section
    private final int[] start;        // id -> offset of its struct btf_type in types (index 0 unused)
    private final int count;          // ids 0..count-1
    private final int size;           // the blob's length

    private Btf(ByteBuffer types, byte[] strings, int[] start, int count, int size) {
        this.types = types;
        this.strings = strings;
        this.start = start;
        this.count = count;
        this.size = size;
    }

    /** Parses and checks {@code blob}; the blob is copied, so the caller may reuse it. */
    public static Btf parse(byte[] blob) throws BtfException {
        if (blob.length < HEADER_SIZE) {
            throw new BtfException("BTF truncated: " + blob.length + " bytes, the header alone is " + HEADER_SIZE);
        }
        ByteOrder order;
        if ((blob[0] & 0xff) == 0x9f && (blob[1] & 0xff) == 0xeb) {
            order = ByteOrder.LITTLE_ENDIAN;
        } else if ((blob[0] & 0xff) == 0xeb && (blob[1] & 0xff) == 0x9f) {
            order = ByteOrder.BIG_ENDIAN;
        } else {
            throw new BtfException(String.format("not BTF: magic %02x%02x, expected eb9f", blob[0] & 0xff, blob[1] & 0xff));
        }
        ByteBuffer h = ByteBuffer.wrap(blob).order(order);
        int version = blob[2] & 0xff;
        if (version != 1) {
            throw new BtfException("BTF version " + version + " (only version 1 is known)");
        }
        long hdrLen = Integer.toUnsignedLong(h.getInt(4));
        long typeOff = Integer.toUnsignedLong(h.getInt(8));
        long typeLen = Integer.toUnsignedLong(h.getInt(12));
        long strOff = Integer.toUnsignedLong(h.getInt(16));
        long strLen = Integer.toUnsignedLong(h.getInt(20));
        if (hdrLen < HEADER_SIZE || hdrLen > blob.length) {
            throw new BtfException("BTF header length " + hdrLen + " outside 24.." + blob.length);
        }
        if (hdrLen + typeOff + typeLen > blob.length) {
            throw new BtfException("BTF truncated: type section " + typeOff + "+" + typeLen + " after a " + hdrLen
                    + "-byte header ends past the blob's " + blob.length + " bytes");
        }
        if (hdrLen + strOff + strLen > blob.length) {
            throw new BtfException("BTF truncated: string section " + strOff + "+" + strLen + " after a " + hdrLen
                    + "-byte header ends past the blob's " + blob.length + " bytes");
        }
        if (typeOff % 4 != 0 || typeLen % 4 != 0) {
            throw new BtfException("BTF type section at " + typeOff + "+" + typeLen + " is not 4-byte aligned");
        }
        if (typeOff < strOff + strLen && strOff < typeOff + typeLen) {
            throw new BtfException("BTF type section " + typeOff + "+" + typeLen + " overlaps the string section "
                    + strOff + "+" + strLen);
        }
        if (strLen == 0 || blob[(int) (hdrLen + strOff)] != 0 || blob[(int) (hdrLen + strOff + strLen - 1)] != 0) {
            throw new BtfException("BTF string section " + strOff + "+" + strLen
                    + " must start and end with a NUL (the empty name and a terminated last string)");
        }
        byte[] strings = new byte[(int) strLen];
        System.arraycopy(blob, (int) (hdrLen + strOff), strings, 0, strings.length);
        byte[] typeBytes = new byte[(int) typeLen];
        System.arraycopy(blob, (int) (hdrLen + typeOff), typeBytes, 0, typeBytes.length);
        ByteBuffer t = ByteBuffer.wrap(typeBytes).order(order);
        // the parse's two passes read words from an int[]: a ByteBuffer read per word costs several calls, and
        // these loops run interpreted for most of a kernel's ~150k types before they are compiled
        int[] w = new int[typeBytes.length / 4];
        t.asIntBuffer().get(w);

        // first pass: where each record starts, so that ids are known before references are checked
        int[] start = new int[Math.max(16, typeBytes.length / 16 + 2)];
        int n = 1;
        int pos = 0;
        while (pos < typeBytes.length) {
            if (typeBytes.length - pos < TYPE_SIZE) {
                throw new BtfException("BTF truncated: type id " + n + " at " + pos + " has "
                        + (typeBytes.length - pos) + " of its 12 bytes");
            }
            int info = w[(pos + 4) >> 2];
            int kind = (info >>> 24) & 0x1f;
            if (kind == 0 || kind >= Kind.ALL.length) {
                throw new BtfException("BTF type id " + n + " has unknown kind " + kind);
            }
            long extra = trailing(Kind.ALL[kind], info & 0xffff);
            if (pos + TYPE_SIZE + extra > typeBytes.length) {
                throw new BtfException("BTF truncated: type id " + n + " (" + Kind.ALL[kind] + ") needs "
                        + (TYPE_SIZE + extra) + " bytes at " + pos + ", the section has " + (typeBytes.length - pos));
            }
            if (n == start.length) {
                start = Arrays.copyOf(start, start.length * 2);
            }
            start[n++] = pos;
            pos += TYPE_SIZE + (int) extra;
        }
        Btf btf = new Btf(t, strings, start, n, blob.length);
        btf.check(w);
        return btf;
    }

    /** Bytes after struct btf_type for {@code kind} with {@code vlen} entries. */
    private static long trailing(Kind kind, int vlen) {
        switch (kind) {
            case INT: case VAR: case DECL_TAG: return 4;
            case ARRAY: return 12;
            case STRUCT: case UNION: case DATASEC: case ENUM64: return 12L * vlen;
            case ENUM: case FUNC_PROTO: return 8L * vlen;
            default: return 0;
        }
    }

    /** Second pass: names within the string section, type references within the ids, sane INT encodings. */
    private void check(int[] w) throws BtfException {
        for (int id = 1; id < count; id++) {
            int p = start[id];
            Kind k = Kind.ALL[(w[(p + 4) >> 2] >>> 24) & 0x1f];
            checkName(id, w[p >> 2], "name");
            int vlen = w[(p + 4) >> 2] & 0xffff;
            int ref = w[(p + 8) >> 2];
            int d = p + TYPE_SIZE;
            switch (k) {
                case INT: {
                    int enc = w[d >> 2];
                    int bits = enc & 0xff;
                    int off = (enc >>> 16) & 0xff;
                    long bytes = Integer.toUnsignedLong(ref);
                    if (bytes == 0 || bytes > 16 || bits > 128 || off + bits > bytes * 8) {
                        throw new BtfException("BTF type id " + id + ": INT of " + bytes + " bytes with " + bits
                                + " bits at bit " + off + " is impossible");
                    }
                    break;
                }
                case PTR: case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case FUNC: case VAR:
                case TYPE_TAG: case DECL_TAG:
                    checkRef(id, ref, "type");
                    if (k == Kind.FUNC && ref != 0
                            && Kind.ALL[(w[(start[ref] + 4) >> 2] >>> 24) & 0x1f] != Kind.FUNC_PROTO) {
                        throw new BtfException("BTF type id " + id + ": FUNC refers to " + kind(ref) + " " + ref
                                + ", not a FUNC_PROTO");
                    }
                    if (k == Kind.DECL_TAG && w[d >> 2] < -1) {
                        throw new BtfException("BTF type id " + id + ": DECL_TAG component " + w[d >> 2]);
                    }
                    break;
                case ARRAY:
                    checkRef(id, w[d >> 2], "array element");
                    checkRef(id, w[(d + 4) >> 2], "array index");
                    break;
                case STRUCT: case UNION:
                    for (int i = 0; i < vlen; i++) {
                        checkName(id, w[(d + 12 * i) >> 2], "member " + i + " name");
                        checkRef(id, w[(d + 12 * i + 4) >> 2], "member " + i);
                    }
                    break;
                case ENUM:
                    for (int i = 0; i < vlen; i++) {
                        checkName(id, w[(d + 8 * i) >> 2], "enumerator " + i + " name");
                    }
                    break;
                case ENUM64:
                    for (int i = 0; i < vlen; i++) {
                        checkName(id, w[(d + 12 * i) >> 2], "enumerator " + i + " name");
                    }
                    break;
                case FUNC_PROTO:
                    checkRef(id, ref, "return");
                    for (int i = 0; i < vlen; i++) {
                        checkName(id, w[(d + 8 * i) >> 2], "parameter " + i + " name");
                        checkRef(id, w[(d + 8 * i + 4) >> 2], "parameter " + i);
                    }
                    break;
                case DATASEC:
                    for (int i = 0; i < vlen; i++) {
                        checkRef(id, w[(d + 12 * i) >> 2], "section variable " + i);
                    }
                    break;
                default:
                    break;
            }
        }
    }

    private void checkName(int id, int off, String what) throws BtfException {
        if (off < 0 || off >= strings.length) {
            throw new BtfException("BTF type id " + id + ": " + what + " at string offset " + Integer.toUnsignedLong(off)
                    + " outside the " + strings.length + "-byte string section");
        }
    }

    private void checkRef(int id, int ref, String what) throws BtfException {
        if (ref < 0 || ref >= count) {
            throw new BtfException("BTF type id " + id + ": " + what + " refers to type id " + Integer.toUnsignedLong(ref)
                    + ", the blob has ids 0.." + (count - 1));
        }
    }

    // ---------------------------------------------------------------- raw access

    /** The highest type id. */
    public int maxId() {
        return count - 1;
    }

    /** The blob's length in bytes. */
    public int blobSize() {
        return size;
    }

    private void checkId(int id) throws BtfException {
        if (id < 0 || id >= count) {
            throw new BtfException("BTF type id " + id + " is not in 0.." + (count - 1));
        }
    }

    public Kind kind(int id) {
        return id == 0 ? Kind.UNKN : Kind.ALL[(types.getInt(start[id] + 4) >>> 24) & 0x1f];
    }

    public int vlen(int id) {
        return id == 0 ? 0 : types.getInt(start[id] + 4) & 0xffff;
    }

    public boolean kindFlag(int id) {
        return id != 0 && types.getInt(start[id] + 4) < 0;
    }

    /** The name ("" for anonymous types and void). */
    public String name(int id) throws BtfException {
        checkId(id);
        return id == 0 ? "" : string(types.getInt(start[id]));
    }

    /** The size or type field of struct btf_type: the referenced id for PTR, TYPEDEF, modifiers, FUNC, VAR. */
    public int ref(int id) throws BtfException {
        checkId(id);
        return id == 0 ? 0 : types.getInt(start[id] + 8);
    }

    private String string(int off) {
        int end = off;
        while (strings[end] != 0) { // the section ends in a NUL (checked)
            end++;
        }
        return new String(strings, off, end - off, StandardCharsets.UTF_8);
    }

    private boolean nameIs(int off, byte[] want) {
        if (off + want.length >= strings.length) {
            return false;
        }
        for (int i = 0; i < want.length; i++) {
            if (strings[off + i] != want[i]) {
                return false;
            }
        }
        return strings[off + want.length] == 0;
    }

    /** The first type of {@code kind} named {@code name}, or -1. */
    public int find(Kind kind, String name) {
        byte[] want = name.getBytes(StandardCharsets.UTF_8);
        for (int id = 1; id < count; id++) {
            if (kind(id) == kind && nameIs(types.getInt(start[id]), want)) {
                return id;
            }
        }
        return -1;
    }

    /** Members of a STRUCT or UNION, with bitfield offsets decoded either way (kind_flag or INT encoding). */
    public List<Member> members(int id) throws BtfException {
        checkId(id);
        Kind k = kind(id);
        if (k != Kind.STRUCT && k != Kind.UNION) {
            throw new BtfException("BTF type id " + id + " is a " + k + ", not a struct or union");
        }
        int d = start[id] + TYPE_SIZE;
        boolean flag = kindFlag(id);
        List<Member> out = new ArrayList<>(vlen(id));
        for (int i = 0; i < vlen(id); i++) {
            int m = d + 12 * i;
            int type = types.getInt(m + 4);
            long raw = Integer.toUnsignedLong(types.getInt(m + 8));
            long bitOffset = flag ? raw & 0xffffff : raw;
            int bits = flag ? (int) (raw >>> 24) : 0;
            out.add(new Member(string(types.getInt(m)), type, bitOffset, bits));
        }
        return out;
    }

    /** Parameters of a FUNC_PROTO. */
    public List<Param> params(int id) throws BtfException {
        checkId(id);
        if (kind(id) != Kind.FUNC_PROTO) {
            throw new BtfException("BTF type id " + id + " is a " + kind(id) + ", not a FUNC_PROTO");
        }
        int d = start[id] + TYPE_SIZE;
        List<Param> out = new ArrayList<>(vlen(id));
        for (int i = 0; i < vlen(id); i++) {
            out.add(new Param(string(types.getInt(d + 8 * i)), types.getInt(d + 8 * i + 4)));
        }
        return out;
    }

    /** Enumerators of an ENUM or ENUM64. */
    public List<Enumerator> enumerators(int id) throws BtfException {
        checkId(id);
        Kind k = kind(id);
        int d = start[id] + TYPE_SIZE;
        List<Enumerator> out = new ArrayList<>(vlen(id));
        if (k == Kind.ENUM) {
            boolean signed = kindFlag(id);
            for (int i = 0; i < vlen(id); i++) {
                int v = types.getInt(d + 8 * i + 4);
                out.add(new Enumerator(string(types.getInt(d + 8 * i)), signed ? v : Integer.toUnsignedLong(v)));
            }
        } else if (k == Kind.ENUM64) {
            for (int i = 0; i < vlen(id); i++) {
                long lo = Integer.toUnsignedLong(types.getInt(d + 12 * i + 4));
                long hi = Integer.toUnsignedLong(types.getInt(d + 12 * i + 8));
                out.add(new Enumerator(string(types.getInt(d + 12 * i)), hi << 32 | lo));
            }
        } else {
            throw new BtfException("BTF type id " + id + " is a " + k + ", not an enum");
        }
        return out;
    }

    /** An ARRAY's element type, index type and element count. */
    public record Array(int type, int indexType, long nelems) {
    }

    public Array array(int id) throws BtfException {
        checkId(id);
        if (kind(id) != Kind.ARRAY) {
            throw new BtfException("BTF type id " + id + " is a " + kind(id) + ", not an ARRAY");
        }
        int d = start[id] + TYPE_SIZE;
        return new Array(types.getInt(d), types.getInt(d + 4), Integer.toUnsignedLong(types.getInt(d + 8)));
    }

    // ---------------------------------------------------------------- resolved answers

    /** {@code id} with typedefs, const, volatile, restrict and type tags peeled off (bounded). */
    public int resolve(int id) throws BtfException {
        checkId(id);
        int cur = id;
        for (int i = 0; i <= MAX_CHAIN; i++) {
            switch (kind(cur)) {
                case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG:
                    cur = ref(cur);
                    break;
                default:
                    return cur;
            }
        }
        throw new BtfException("BTF type id " + id + ": typedef/modifier chain longer than " + MAX_CHAIN
                + " (a reference loop?)");
    }

    /** sizeof the type in bytes (0 for void and functions), bounded over arrays of arrays. */
    public long sizeOf(int id) throws BtfException {
        long mult = 1;
        int cur = id;
        for (int depth = 0; depth <= MAX_CHAIN; depth++) {
            cur = resolve(cur);
            switch (kind(cur)) {
                case INT: case STRUCT: case UNION: case ENUM: case ENUM64: case FLOAT: case DATASEC: {
                    long s = Integer.toUnsignedLong(ref(cur));
                    return checkedSize(id, mult, s);
                }
                case PTR:
                    return checkedSize(id, mult, POINTER_SIZE);
                case ARRAY: {
                    Array a = array(cur);
                    mult = checkedSize(id, mult, a.nelems());
                    cur = a.type();
                    break;
                }
                default: // void, FWD, FUNC, FUNC_PROTO, VAR, DECL_TAG: no size of their own
                    return 0;
            }
        }
        throw new BtfException("BTF type id " + id + ": arrays nested deeper than " + MAX_CHAIN);
    }

    private static long checkedSize(int id, long a, long b) throws BtfException {
        long r = a * b;
        if (a != 0 && (r / a != b || r > Integer.MAX_VALUE)) {
            throw new BtfException("BTF type id " + id + ": size " + a + " x " + b + " is impossible (over 2 GiB)");
        }
        return r;
    }

    /**
     * The member at {@code path} ("dev", "nd_net.net", "ns.inum") of struct or union {@code outer}: each step
     * looks through anonymous struct and union members too (C lets {@code skb->dev} name a member of an
     * anonymous union inside an anonymous struct). Offsets add up along the path; each step must lie
     * within its container.
     */
    public Field member(int outer, String path) throws BtfException {
        long offset = 0;
        int cur = outer;
        Member found = null;
        String done = name(outer);
        for (String step : path.split("\\.", -1)) {
            int container = resolve(cur);
            Kind k = kind(container);
            if (k != Kind.STRUCT && k != Kind.UNION) {
                throw new BtfException("BTF: " + done + " is a " + k + ", it has no member '" + step + "'");
            }
            int[] visits = {0};
            long[] at = new long[1];
            found = findMember(container, step, at, 0, visits);
            if (found == null) {
                throw new BtfException("BTF: " + describe(container) + " has no member '" + step + "'");
            }
            long memberSize = found.bitfieldSize() > 0 ? 0 : sizeOf(found.type());
            long containerBits = Integer.toUnsignedLong(ref(container)) * 8;
            long end = at[0] + (found.bitfieldSize() > 0 ? found.bitfieldSize() : memberSize * 8);
            if (end > containerBits) {
                throw new BtfException("BTF: " + describe(container) + "." + step + " at bit " + at[0]
                        + " ends past the " + containerBits / 8 + "-byte " + k.name().toLowerCase());
            }
            offset += at[0];
            cur = found.type();
            done = done + "." + step;
        }
        long size = found.bitfieldSize() > 0 ? 0 : sizeOf(found.type());
        return new Field(path, offset, found.type(), found.bitfieldSize(), size);
    }

    /** Looks for {@code name} in {@code container} and, depth-first, in its anonymous members; at[0] gets the bit offset. */
    private Member findMember(int container, String name, long[] at, int depth, int[] visits) throws BtfException {
        if (depth > MAX_CHAIN) {
            throw new BtfException("BTF type id " + container + ": anonymous members nested deeper than " + MAX_CHAIN);
        }
        for (Member m : members(container)) {
            if (++visits[0] > MAX_VISITS) {
                throw new BtfException("BTF: looking for member '" + name + "' visited over " + MAX_VISITS
                        + " anonymous members (a loop?)");
            }
            if (m.name().equals(name)) {
                at[0] = m.bitOffset();
                return m;
            }
            if (m.name().isEmpty()) {
                int inner = resolve(m.type());
                Kind k = kind(inner);
                if (k == Kind.STRUCT || k == Kind.UNION) {
                    Member hit = findMember(inner, name, at, depth + 1, visits);
                    if (hit != null) {
                        at[0] += m.bitOffset();
                        return hit;
                    }
                }
            }
        }
        return null;
    }

    /** A C-like spelling of the type for messages and checks: "struct sk_buff *", "enum skb_drop_reason", "void *". */
    public String describe(int id) throws BtfException {
        StringBuilder suffix = new StringBuilder();
        int cur = id;
        for (int i = 0; i <= MAX_CHAIN; i++) {
            checkId(cur);
            Kind k = kind(cur);
            switch (k) {
                case UNKN:
                    return ("void" + suffix).trim();
                case PTR:
                    suffix.insert(0, " *");
                    cur = ref(cur);
                    break;
                case CONST: case VOLATILE: case RESTRICT: case TYPE_TAG:
                    cur = ref(cur);
                    break;
                case STRUCT: case UNION: case ENUM: case ENUM64: case FWD: {
                    String kw = k == Kind.STRUCT ? "struct" : k == Kind.UNION ? "union"
                            : k == Kind.FWD ? (kindFlag(cur) ? "union" : "struct") : "enum";
                    String n = name(cur);
                    return kw + " " + (n.isEmpty() ? "(anon)" : n) + suffix;
                }
                case ARRAY:
                    suffix.append("[").append(array(cur).nelems()).append("]");
                    cur = array(cur).type();
                    break;
                case FUNC_PROTO:
                    return "fn" + suffix;
                default:
                    return name(cur) + suffix;
            }
        }
        throw new BtfException("BTF type id " + id + ": reference chain longer than " + MAX_CHAIN + " (a loop?)");
    }
}
