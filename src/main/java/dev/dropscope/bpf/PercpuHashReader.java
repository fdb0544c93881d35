package dev.dropscope.bpf;

import static dev.dropscope.bpf.BpfConstants.*;

import dev.dropscope.sys.Errno;
import dev.dropscope.sys.Fd;
import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.nio.ByteBuffer;

/**
 * Reads every entry of a per-CPU map with u64 values: BPF_MAP_LOOKUP_BATCH (Linux 5.6) a chunk at a
 * time, or, where the kernel lacks it (EINVAL/ENOTSUPP), BPF_MAP_GET_NEXT_KEY + LOOKUP_ELEM per key.
 * The buffers are allocated once; a read allocates nothing.
 */
public final class PercpuHashReader {
    /** Receives one entry: the key at {@code keyOffset}, then one u64 per possible CPU from {@code valueOffset}. */
    public interface Entry {
        void accept(ByteBuffer keys, int keyOffset, ByteBuffer values, int valueOffset);
    }

    /** ENOTSUPP (524), the kernel-internal errno some kernels return for a command a map type lacks. */
    static final int ENOTSUPP = 524;

    private final Syscalls sys;
    private final Fd map;
    private final int keySize;
    private final int cpus;
    private final int chunk;
    private final NativeBuffer attr = Bpf.newAttr();
    private final NativeBuffer keys;
    private final NativeBuffer values;
    private final NativeBuffer tokens; // in_batch at 0, out_batch at 16 (htab's token is a u32 bucket)
    private boolean batch;

    /**
     * @param cpus  number of possible CPUs (the kernel copies one value per possible CPU)
     * @param chunk entries per batch call
     * @param tryBatch false to use get-next-key even where batches work (tests exercise both paths)
     */
    public PercpuHashReader(Syscalls sys, Fd map, int keySize, int cpus, int chunk, boolean tryBatch) {
        this.sys = sys;
        this.map = map;
        this.keySize = keySize;
        this.cpus = cpus;
        this.chunk = chunk;
        this.keys = NativeBuffer.allocate(Math.max(2, chunk) * keySize);
        this.values = NativeBuffer.allocate(Math.max(2, chunk) * 8 * cpus);
        this.tokens = NativeBuffer.allocate(32);
        this.batch = tryBatch;
    }

    /** True while batch lookups are in use. */
    public boolean batched() {
        return batch;
    }

    /** Calls {@code out} once per entry; returns the number of entries. */
    public int read(Entry out) throws NativeIoException {
        if (batch) {
            int n = readBatched(out);
            if (n >= 0) {
                return n;
            }
            batch = false; // this kernel or map type has no batch lookup: fall back for good
        }
        return readByKey(out);
    }

    /** -1 when the kernel does not do batch lookups on this map. */
    private int readBatched(Entry out) throws NativeIoException {
        ByteBuffer a = attr.buffer();
        int total = 0;
        boolean first = true;
        while (true) {
            Bpf.clear(a);
            a.putLong(ATTR_BATCH_IN_BATCH, first ? 0 : tokens.address());
            a.putLong(ATTR_BATCH_OUT_BATCH, tokens.address() + 16);
            a.putLong(ATTR_BATCH_KEYS, keys.address());
            a.putLong(ATTR_BATCH_VALUES, values.address());
            a.putInt(ATTR_BATCH_COUNT, chunk);
            a.putInt(ATTR_BATCH_MAP_FD, map.get());
            int r = sys.bpf(BPF_MAP_LOOKUP_BATCH, attr, 0, Bpf.ATTR_SIZE);
            if (r < 0 && r != -Errno.ENOENT) {
                if (first && (r == -Errno.EINVAL || r == -ENOTSUPP || r == -Errno.EOPNOTSUPP)) {
                    return -1;
                }
                throw new NativeIoException("bpf(BPF_MAP_LOOKUP_BATCH)", -r);
            }
            int n = a.getInt(ATTR_BATCH_COUNT);
            for (int i = 0; i < n; i++) {
                out.accept(keys.buffer(), i * keySize, values.buffer(), i * 8 * cpus);
            }
            total += n;
            if (r == -Errno.ENOENT) {
                return total;
            }
            tokens.buffer().putLong(0, tokens.buffer().getLong(16));
            tokens.buffer().putLong(8, tokens.buffer().getLong(24));
            first = false;
        }
    }

    private int readByKey(Entry out) throws NativeIoException {
        // keys: the current key at 0, the next at keySize
        int total = 0;
        boolean first = true;
        while (true) {
            int r = Bpf.nextKey(sys, map, first ? null : keys, 0, keys, keySize, attr);
            if (r == -Errno.ENOENT) {
                return total;
            }
            NativeIoException.check("bpf(BPF_MAP_GET_NEXT_KEY)", r);
            keys.buffer().put(0, keys.buffer(), keySize, keySize);
            first = false;
            int l = Bpf.lookup(sys, map, keys, 0, values, 0, attr);
            if (l == -Errno.ENOENT) {
                continue; // deleted between the two calls
            }
            NativeIoException.check("bpf(BPF_MAP_LOOKUP_ELEM)", l);
            out.accept(keys.buffer(), 0, values.buffer(), 0);
            total++;
        }
    }
}
