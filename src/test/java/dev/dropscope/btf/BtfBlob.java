package dev.dropscope.btf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds small BTF blobs by hand (the layout of linux/btf.h), for the parser's good and bad cases. */
final class BtfBlob {
    private final ByteArrayOutputStream types = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private final Map<String, Integer> names = new LinkedHashMap<>();
    private int next = 1;
    private ByteOrder order = ByteOrder.LITTLE_ENDIAN;

    BtfBlob() {
        strings.write(0);
        names.put("", 0);
    }

    BtfBlob order(ByteOrder o) {
        order = o;
        return this;
    }

    int name(String s) {
        return names.computeIfAbsent(s, k -> {
            int off = strings.size();
            strings.writeBytes(k.getBytes(StandardCharsets.UTF_8));
            strings.write(0);
            return off;
        });
    }

    private void u32(long v) {
        ByteBuffer b = ByteBuffer.allocate(4).order(order);
        b.putInt((int) v);
        types.writeBytes(b.array());
    }

    /** A raw struct btf_type; returns its id. */
    int type(String name, Btf.Kind kind, boolean kindFlag, int vlen, long sizeOrType, long... trailing) {
        u32(name(name));
        u32((long) kind.ordinal() << 24 | (kindFlag ? 1L << 31 : 0) | vlen);
        u32(sizeOrType);
        for (long t : trailing) {
            u32(t);
        }
        return next++;
    }

    int integer(String name, int bytes, boolean signed) {
        return type(name, Btf.Kind.INT, false, 0, bytes, (signed ? 1L << 24 : 0) | bytes * 8L);
    }

    int ptr(int to) {
        return type("", Btf.Kind.PTR, false, 0, to);
    }

    /** members as name, type id, bit offset triples. */
    int struct(String name, Btf.Kind kind, int size, Object... members) {
        long[] t = new long[members.length];
        for (int i = 0; i < members.length; i += 3) {
            t[i] = name((String) members[i]);
            t[i + 1] = (Integer) members[i + 1];
            t[i + 2] = ((Number) members[i + 2]).longValue();
        }
        return type(name, kind, false, members.length / 3, size, t);
    }

    int nextId() {
        return next;
    }

    byte[] bytes() {
        return bytes(0, 0);
    }

    /** The blob with {@code cutTypes} bytes missing at the end of the type section (header unchanged) or a larger length. */
    byte[] bytes(int typeLenDelta, int strLenDelta) {
        byte[] t = types.toByteArray();
        byte[] s = strings.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(24 + t.length + s.length).order(order);
        b.putShort((short) Btf.MAGIC).put((byte) 1).put((byte) 0).putInt(24);
        b.putInt(0).putInt(t.length + typeLenDelta).putInt(t.length).putInt(s.length + strLenDelta);
        b.put(t).put(s);
        return b.array();
    }
}
