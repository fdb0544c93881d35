package dev.dropscope.bpf;

import static dev.dropscope.bpf.BpfConstants.BPF_RINGBUF_BUSY_BIT;
import static dev.dropscope.bpf.BpfConstants.BPF_RINGBUF_DISCARD_BIT;
import static dev.dropscope.bpf.BpfConstants.BPF_RINGBUF_HDR_SZ;

import dev.dropscope.bpf.BpfConstants;
import dev.dropscope.sys.Fd;
import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The consumer side of a BPF_MAP_TYPE_RINGBUF, read through mmap: the consumer position page (ours,
 * writable), then the producer position page and the data pages mapped twice in a row by the kernel,
 * so a record is always contiguous. Each record has an 8-byte header (u32 length with the BUSY and
 * DISCARD bits, u32 page offset) and is padded to 8 bytes. We only read; the program never waits.
 */
public final class BpfRingBuffer implements AutoCloseable {
    private static final VarHandle U64 = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle U32 = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    /** Receives one record: {@code length} bytes at {@code offset} of {@code data}. */
    public interface Record {
        void accept(ByteBuffer data, int offset, int length);
    }

    private final Syscalls sys;
    private final int page;
    private final int size;
    private final long consumerAddress;
    private final long producerAddress;
    private final ByteBuffer consumer;
    private final ByteBuffer producer; // producer page, then the data twice
    private boolean closed;

    private BpfRingBuffer(Syscalls sys, int page, int size, long consumerAddress, long producerAddress) {
        this.sys = sys;
        this.page = page;
        this.size = size;
        this.consumerAddress = consumerAddress;
        this.producerAddress = producerAddress;
        this.consumer = NativeBuffer.wrap(consumerAddress, page).buffer();
        this.producer = NativeBuffer.wrap(producerAddress, page + 2 * size).buffer();
    }

    /** Creates the map ({@code size} a power of two, a multiple of the page size) and maps it. */
    public static Fd create(Syscalls sys, int size, String name) throws NativeIoException {
        return Bpf.createMap(sys, BpfConstants.BPF_MAP_TYPE_RINGBUF, 0, 0, size, name);
    }

    /** Maps the ring of {@code map} ({@code size} bytes of data). */
    public static BpfRingBuffer map(Syscalls sys, Fd map, int size, int pageSize) throws NativeIoException {
        long c = NativeIoException.check("mmap(ringbuf consumer page)",
                sys.mmap(pageSize, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, map.get(), 0));
        long p = sys.mmap(pageSize + 2L * size, Syscalls.PROT_READ, Syscalls.MAP_SHARED, map.get(), pageSize);
        if (p < 0) {
            sys.munmap(c, pageSize);
            throw new NativeIoException("mmap(ringbuf data)", (int) -p);
        }
        return new BpfRingBuffer(sys, pageSize, size, c, p);
    }

    /** Bytes written and not yet consumed. */
    public long pending() {
        return (long) U64.getAcquire(producer, 0) - (long) U64.getAcquire(consumer, 0);
    }

    /** Hands every committed record to {@code out} (discarded ones are skipped) and frees their space. */
    public long drain(Record out) {
        return drain(out, Long.MAX_VALUE);
    }

    /** As {@link #drain(Record)}, stopping after {@code max} records: the rest stay in the ring for the next call. */
    public long drain(Record out, long max) {
        long cons = (long) U64.getAcquire(consumer, 0);
        long prod = (long) U64.getAcquire(producer, 0);
        long n = 0;
        int mask = size - 1;
        while (cons < prod && n < max) {
            int hdr = page + (int) (cons & mask);
            int len = (int) U32.getAcquire(producer, hdr);
            if ((len & BPF_RINGBUF_BUSY_BIT) != 0) {
                break; // reserved, not yet committed
            }
            int length = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
            if ((len & BPF_RINGBUF_DISCARD_BIT) == 0) {
                out.accept(producer, hdr + BPF_RINGBUF_HDR_SZ, length);
                n++;
            }
            cons += (length + BPF_RINGBUF_HDR_SZ + 7) & ~7L;
            U64.setRelease(consumer, 0, cons);
        }
        return n;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            sys.munmap(producerAddress, page + 2L * size);
            sys.munmap(consumerAddress, page);
        }
    }
}
