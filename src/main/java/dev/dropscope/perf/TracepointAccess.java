package dev.dropscope.perf;

import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.Syscalls;

/**
 * Proves a tracepoint can be read: opens a perf event on it the way the tracepoint drop source will
 * (system-wide on one CPU, raw samples, created disabled) and closes it at once. The kernel applies its
 * whole permission check (CAP_PERFMON, perf_event_paranoid, tracepoint raw-data rule) at open, so success
 * here means the source will open too; nothing is recorded meanwhile because the event is never enabled.
 */
public final class TracepointAccess {
    // include/uapi/linux/perf_event.h
    private static final int PERF_TYPE_TRACEPOINT = 2;
    /** PERF_ATTR_SIZE_VER5: every kernel since 4.1 accepts it, and it has all the fields we set. */
    private static final int PERF_ATTR_SIZE_VER5 = 112;
    private static final long PERF_SAMPLE_RAW = 1L << 10;
    private static final long PERF_FLAG_FD_CLOEXEC = 1L << 3;
    private static final long ATTR_FLAG_DISABLED = 1L;

    private static final int ATTR_TYPE = 0;
    private static final int ATTR_SIZE = 4;
    private static final int ATTR_CONFIG = 8;
    private static final int ATTR_SAMPLE_PERIOD = 16;
    private static final int ATTR_SAMPLE_TYPE = 24;
    private static final int ATTR_FLAGS = 40;

    private TracepointAccess() {
    }

    /**
     * Opens and closes a perf event on tracepoint {@code id} for all tasks on {@code cpu}.
     *
     * @return 0 when the open succeeded, else -errno: EACCES/EPERM not allowed; EINVAL no tracepoint has
     *         this id (or the attributes were refused); ENOSYS the kernel has no perf events; ENODEV no such CPU
     */
    public static int tryOpen(Syscalls sys, long id, int cpu) {
        NativeBuffer attr = NativeBuffer.allocate(PERF_ATTR_SIZE_VER5);
        var b = attr.buffer();
        b.putInt(ATTR_TYPE, PERF_TYPE_TRACEPOINT);
        b.putInt(ATTR_SIZE, PERF_ATTR_SIZE_VER5);
        b.putLong(ATTR_CONFIG, id);
        b.putLong(ATTR_SAMPLE_PERIOD, 1);
        b.putLong(ATTR_SAMPLE_TYPE, PERF_SAMPLE_RAW);
        b.putLong(ATTR_FLAGS, ATTR_FLAG_DISABLED);
        int fd = sys.perfEventOpen(attr, 0, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
        if (fd < 0) {
            return fd;
        }
        sys.close(fd);
        return 0;
    }
}
