package dev.dropscope.sys;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A direct buffer in native byte order together with its address, computed once. Native calls take
 * the address plus an explicit offset, so the per-call cost is one addition, not a JNI lookup.
 */
public final class NativeBuffer {
    private final ByteBuffer buffer;
    private final long address;

    private NativeBuffer(ByteBuffer buffer, long address) {
        this.buffer = buffer.order(ByteOrder.nativeOrder());
        this.address = address;
    }

    /** A fresh zeroed direct buffer of {@code capacity} bytes. */
    public static NativeBuffer allocate(int capacity) {
        ByteBuffer b = ByteBuffer.allocateDirect(capacity);
        return new NativeBuffer(b, Pointer.nativeValue(Native.getDirectBufferPointer(b)));
    }

    /** Views native memory the process owns (an mmap'ed ring); the caller keeps it mapped while in use. */
    public static NativeBuffer wrap(long address, int length) {
        return new NativeBuffer(new Pointer(address).getByteBuffer(0, length), address);
    }

    /** The buffer itself; its position and limit are the caller's to use, native calls ignore them. */
    public ByteBuffer buffer() {
        return buffer;
    }

    public int capacity() {
        return buffer.capacity();
    }

    /** Address of byte {@code offset}, bounds-checked so a native call never runs outside the buffer. */
    long address(int offset, int length) {
        if (offset < 0 || length < 0 || offset > buffer.capacity() - length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", +" + length + ") outside a buffer of "
                    + buffer.capacity() + " bytes");
        }
        return address + offset;
    }

    /** Base address, for structures (msghdr, iovec) that must point into this buffer. */
    public long address() {
        return address;
    }
}
