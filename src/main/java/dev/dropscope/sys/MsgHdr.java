package dev.dropscope.sys;

/**
 * Layout of {@code struct msghdr} and {@code struct iovec} on 64-bit Linux, for callers that build them
 * inside a {@link NativeBuffer}. Checked against the C headers by the native layout probe.
 */
public final class MsgHdr {
    public static final int SIZE = 56;
    public static final int NAME = 0;
    public static final int NAMELEN = 8;
    public static final int IOV = 16;
    public static final int IOVLEN = 24;
    public static final int CONTROL = 32;
    public static final int CONTROLLEN = 40;
    public static final int FLAGS = 48;
    public static final int IOVEC_SIZE = 16;

    private MsgHdr() {
    }

    /**
     * Writes a msghdr at {@code at} with one iovec right after it, pointing at {@code data[offset, +length)}
     * and an optional address. Returns the offset just past the iovec.
     */
    public static int writeSingle(NativeBuffer msg, int at, NativeBuffer data, int offset, int length,
                                  NativeBuffer name, int nameOffset, int nameLength) {
        var b = msg.buffer();
        int iov = at + SIZE;
        b.putLong(at + NAME, name == null ? 0 : name.address(nameOffset, nameLength));
        b.putLong(at + NAMELEN, name == null ? 0 : nameLength); // also zeroes the padding
        b.putLong(at + IOV, msg.address(iov, IOVEC_SIZE));
        b.putLong(at + IOVLEN, 1);
        b.putLong(at + CONTROL, 0);
        b.putLong(at + CONTROLLEN, 0);
        b.putLong(at + FLAGS, 0);
        b.putLong(iov, data.address(offset, length));
        b.putLong(iov + 8, length);
        return iov + IOVEC_SIZE;
    }
}
