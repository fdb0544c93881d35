package dev.dropscope.perf;

import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One perf_event mmap ring: a control page ({@code struct perf_event_mmap_page}) followed by 2^n data
 * pages the kernel writes records into. The kernel publishes {@code data_head}; we consume up to it and
 * publish {@code data_tail} so it may reuse the space. Not thread-safe: one drainer.
 */
final class PerfRing implements AutoCloseable {
    static final int PERF_RECORD_LOST = 2;
    static final int PERF_RECORD_SAMPLE = 9;


    // struct perf_event_mmap_page
    static final int OFFSET_DATA_HEAD = 1024;
    static final int OFFSET_DATA_TAIL = 1032;
    static final int OFFSET_DATA_OFFSET = 1040;
    static final int OFFSET_DATA_SIZE = 1048;

    static final int HEADER_SIZE = 8;
    private static final int MAX_RECORD = 0xffff; // header.size is a u16

    /**
     * data_head must be read with acquire semantics (the kernel writes the records, then the head with
     * a release), data_tail written with release (we finished reading before we hand the space back).
     */
    private static final VarHandle U64 = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    /** Receives the records of one drain, without a per-record allocation. */
    interface RecordSink {
        /** A PERF_RECORD_SAMPLE occupying {@code buf[offset, offset + size)}, header included. */
        void sample(ByteBuffer buf, int offset, int size);

        /** A PERF_RECORD_LOST: the kernel found the ring full {@code lost} times. */
        void lost(long lost);
    }

    private final Syscalls sys;
    private final long address;
    private final long length;
    private final ByteBuffer map;
    private final int dataOffset;
    private final int dataSize;
    private final long mask;
    private final byte[] scratchBytes = new byte[MAX_RECORD + 1];
    private final ByteBuffer scratch = ByteBuffer.wrap(scratchBytes).order(ByteOrder.nativeOrder());
    private final AtomicBoolean unmapped = new AtomicBoolean();
    private long corruptions;
    private long consumed; // tail to publish: advanced before each record is handed out

    private PerfRing(Syscalls sys, long address, long length, ByteBuffer map, int pageSize, int dataPages) {
        this.sys = sys;
        this.address = address;
        this.length = length;
        this.map = map;
        long off = map.getLong(OFFSET_DATA_OFFSET);
        long size = map.getLong(OFFSET_DATA_SIZE);
        // kernels before 4.1 leave these zero; the layout was then always "one page, then the data"
        this.dataOffset = off != 0 ? (int) off : pageSize;
        this.dataSize = size != 0 ? (int) size : dataPages * pageSize;
        this.mask = dataSize - 1L;
    }

    /** Maps 1 + {@code dataPages} pages of perf event {@code fd}; {@code dataPages} a power of two. */
    static PerfRing map(Syscalls sys, int fd, int dataPages, int pageSize) throws NativeIoException {
        if (dataPages <= 0 || Integer.bitCount(dataPages) != 1) {
            throw new IllegalArgumentException("data pages must be a power of two: " + dataPages);
        }
        long length = (long) (1 + dataPages) * pageSize;
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ring too large: " + length + " bytes");
        }
        // PROT_WRITE: writing data_tail is what makes the ring non-overwriting (the kernel stops and
        // counts PERF_RECORD_LOST instead of overwriting unread records)
        long addr = NativeIoException.check("mmap(perf ring, " + length + " bytes)",
                sys.mmap(length, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, fd, 0));
        return new PerfRing(sys, addr, length, NativeBuffer.wrap(addr, (int) length).buffer(), pageSize, dataPages);
    }

    /**
     * A ring over memory that is not a perf mapping (a recorded ring image): same reading, and close()
     * unmaps nothing.
     */
    static PerfRing over(NativeBuffer image, int pageSize, int dataPages) {
        if ((long) (1 + dataPages) * pageSize != image.capacity()) {
            throw new IllegalArgumentException("image is not 1 + " + dataPages + " pages of " + pageSize);
        }
        return new PerfRing(null, 0, 0, image.buffer(), pageSize, dataPages);
    }

    int dataSize() {
        return dataSize;
    }

    /** Records found malformed (size 0, too large, misaligned): the ring was skipped to the head each time. */
    long corruptions() {
        return corruptions;
    }

    /** Bytes the kernel has written that we have not consumed. */
    long pending() {
        return (long) U64.getAcquire(map, OFFSET_DATA_HEAD) - map.getLong(OFFSET_DATA_TAIL);
    }

    /** The whole mapping (control page + data), for recording ring images in tests. */
    ByteBuffer mapping() {
        return map.duplicate().order(ByteOrder.nativeOrder());
    }

    /**
     * Hands every complete record present now to {@code sink} and frees the space. Records written
     * while this runs wait for the next call, so one call does bounded work however fast drops come.
     * Returns the number of records seen.
     */
    int drain(RecordSink sink) {
        if (unmapped.get()) {
            throw new IllegalStateException("perf ring is unmapped");
        }
        long head = (long) U64.getAcquire(map, OFFSET_DATA_HEAD);
        long tail = map.getLong(OFFSET_DATA_TAIL); // only we write it
        if (head - tail < 0 || head - tail > dataSize) {
            return corrupt(head);
        }
        int records = 0;
        try {
            records = walk(sink, tail, head);
        } finally {
            // also when the sink throws: records it saw are consumed, not delivered again forever
            U64.setRelease(map, OFFSET_DATA_TAIL, consumed);
        }
        return records;
    }

    private int walk(RecordSink sink, long tail, long head) {
        consumed = tail;
        int records = 0;
        while (tail != head) {
            int pos = (int) (tail & mask);
            // records are u64-aligned and the data area a power of two >= 8: a header never wraps
            int type = map.getInt(dataOffset + pos);
            int size = map.getShort(dataOffset + pos + 6) & 0xffff;
            if (size < HEADER_SIZE || (size & 7) != 0 || size > head - tail) {
                corruptions++;
                consumed = head; // we cannot find the next record boundary: give it all back
                return records;
            }
            ByteBuffer buf = map;
            int at = dataOffset + pos;
            if (pos + size > dataSize) {
                // the record wraps around the end of the ring: make it contiguous
                int first = dataSize - pos;
                map.get(dataOffset + pos, scratchBytes, 0, first);
                map.get(dataOffset, scratchBytes, first, size - first);
                buf = scratch;
                at = 0;
            }
            tail += size;
            consumed = tail;
            records++;
            if (type == PERF_RECORD_SAMPLE) {
                sink.sample(buf, at, size);
            } else if (type == PERF_RECORD_LOST && size >= HEADER_SIZE + 16) {
                sink.lost(buf.getLong(at + HEADER_SIZE + 8)); // { u64 id; u64 lost; }
            }
        }
        return records;
    }

    /** Gives the whole unread part back to the kernel: we cannot find the next record boundary. */
    private int corrupt(long head) {
        corruptions++;
        U64.setRelease(map, OFFSET_DATA_TAIL, head);
        return 0;
    }

    @Override
    public void close() {
        if (unmapped.compareAndSet(false, true) && sys != null) {
            sys.munmap(address, length);
        }
    }
}
