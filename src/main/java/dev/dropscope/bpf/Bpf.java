package dev.dropscope.bpf;

import dev.dropscope.perf.PerfEventAttr;
import dev.dropscope.perf.TracepointReader;
import static dev.dropscope.bpf.BpfConstants.*;

import dev.dropscope.bpf.BpfConstants;
import dev.dropscope.sys.Errno;
import dev.dropscope.sys.Fd;
import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * bpf(2) for the eBPF drop source: create maps, load a program (with the verifier's log when it
 * refuses), and attach a program to a tracepoint through perf_event_open + PERF_EVENT_IOC_SET_BPF.
 * Every object is an {@link Fd}: closing the last fd frees it, and closing the perf event detaches.
 */
public final class Bpf {
    /** Enough for the union bpf_attr fields we set; the rest must be (and is) zero. */
    static final int ATTR_SIZE = 128;
    /** Verifier log buffer; kernels since 6.4 keep the tail of a longer log (the part that says why). */
    static final int LOG_SIZE = 256 * 1024;

    private Bpf() {
    }

    /**
     * The verifier (or the loader) refused a program; {@link #log()} holds what the verifier said. Only
     * EPERM is a refusal of this process: EACCES from BPF_PROG_LOAD is the verifier rejecting the program.
     */
    public static final class VerifierException extends NativeIoException {
        private static final long serialVersionUID = 1L;
        private final String log;

        VerifierException(String message, String operation, int errno, String log) {
            super(message, operation, errno);
            this.log = log;
        }

        @Override
        public boolean isDenied() {
            return errno() == Errno.EPERM;
        }

        public String log() {
            return log;
        }

        /** The last {@code n} non-empty lines of the log: where the verifier stopped and why. */
        public String logTail(int n) {
            String[] lines = log.strip().split("\n");
            int from = Math.max(0, lines.length - n);
            return String.join("\n", Arrays.copyOfRange(lines, from, lines.length));
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    private static void putName(ByteBuffer b, int offset, String name) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        if (n.length >= BPF_OBJ_NAME_LEN) {
            throw new IllegalArgumentException("bpf object name '" + name + "' is longer than 15 characters");
        }
        b.put(offset, n);
    }

    /** BPF_MAP_CREATE; {@code name} (up to 15 characters) is what bpftool shows. */
    public static Fd createMap(Syscalls sys, int type, int keySize, int valueSize, int maxEntries, String name)
            throws NativeIoException {
        NativeBuffer a = NativeBuffer.allocate(ATTR_SIZE);
        ByteBuffer b = a.buffer();
        b.putInt(ATTR_MAP_TYPE, type);
        b.putInt(ATTR_KEY_SIZE, keySize);
        b.putInt(ATTR_VALUE_SIZE, valueSize);
        b.putInt(ATTR_MAX_ENTRIES, maxEntries);
        putName(b, ATTR_MAP_NAME, name);
        return Fd.own(sys, "bpf(BPF_MAP_CREATE " + name + ")", sys.bpf(BPF_MAP_CREATE, a, 0, ATTR_SIZE));
    }

    /**
     * BPF_PROG_LOAD of {@code insns} (struct bpf_insn[]). Loaded first without a log (the common case,
     * and faster); when that fails, loaded again with log_level 1 so the exception can say why.
     */
    public static Fd loadProgram(Syscalls sys, int type, byte[] insns, String license, String name) throws IOException {
        if (insns.length == 0 || insns.length % BPF_INSN_SIZE != 0) {
            throw new IllegalArgumentException(insns.length + " bytes is not a whole number of instructions");
        }
        NativeBuffer code = NativeBuffer.allocate(insns.length);
        code.buffer().put(0, insns);
        NativeBuffer lic = NativeBuffer.allocate(license.length() + 1);
        lic.buffer().put(0, license.getBytes(StandardCharsets.US_ASCII));
        NativeBuffer a = NativeBuffer.allocate(ATTR_SIZE);
        ByteBuffer b = a.buffer();
        b.putInt(ATTR_PROG_TYPE, type);
        b.putInt(ATTR_INSN_CNT, insns.length / BPF_INSN_SIZE);
        b.putLong(ATTR_INSNS, code.address());
        b.putLong(ATTR_LICENSE, lic.address());
        putName(b, ATTR_PROG_NAME, name);
        int r = sys.bpf(BPF_PROG_LOAD, a, 0, ATTR_SIZE);
        if (r >= 0) {
            Reference.reachabilityFence(code);
            Reference.reachabilityFence(lic);
            return Fd.own(sys, "bpf(BPF_PROG_LOAD)", r);
        }
        NativeBuffer log = NativeBuffer.allocate(LOG_SIZE);
        b.putInt(ATTR_LOG_LEVEL, 1);
        b.putInt(ATTR_LOG_SIZE, LOG_SIZE);
        b.putLong(ATTR_LOG_BUF, log.address());
        int again = sys.bpf(BPF_PROG_LOAD, a, 0, ATTR_SIZE);
        Reference.reachabilityFence(code);
        Reference.reachabilityFence(lic);
        if (again >= 0) { // passed the second time (a transient ENOMEM, say): use it
            return Fd.own(sys, "bpf(BPF_PROG_LOAD)", again);
        }
        String text = cString(log.buffer());
        String why = r == -Errno.EPERM ? "not permitted (needs CAP_BPF and CAP_PERFMON, or root)"
                : r == -Errno.EACCES || r == -Errno.EINVAL ? "the verifier refused it"
                : Errno.describe(-r);
        String operation = "bpf(BPF_PROG_LOAD " + name + ")";
        throw new VerifierException(operation + ": " + why
                + (text.isBlank() ? "" : "; verifier log ends:\n" + tail(text, 8)), operation, -r, text);
    }

    private static String tail(String log, int n) {
        String[] lines = log.strip().split("\n");
        return String.join("\n", Arrays.copyOfRange(lines, Math.max(0, lines.length - n), lines.length));
    }

    static String cString(ByteBuffer b) {
        int end = 0;
        while (end < b.capacity() && b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end];
        b.get(0, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Runs {@code program} on every hit of the tracepoint {@code eventId}, on every CPU: one perf event
     * (pid -1, on {@code cpu}) carries the program, which the kernel attaches to the tracepoint itself and
     * runs from PERF_EVENT_IOC_SET_BPF on, whether the carrier is enabled or not. The carrier is never
     * enabled, so it is on no CPU's list of the tracepoint's perf events: a program's 1 (pass the event on)
     * then costs nothing unless another tool reads the tracepoint. Closing the returned fd detaches.
     */
    public static Fd attachTracepoint(Syscalls sys, int eventId, Fd program, int cpu) throws NativeIoException {
        NativeBuffer attr = PerfEventAttr.tracepointCounter(eventId).toBuffer();
        Fd event = Fd.own(sys, "perf_event_open(tracepoint " + eventId + ")",
                sys.perfEventOpen(attr, 0, -1, cpu, -1, TracepointReader.PERF_FLAG_FD_CLOEXEC));
        try {
            NativeIoException.check("ioctl(PERF_EVENT_IOC_SET_BPF)",
                    sys.ioctlValue(event.get(), BpfConstants.PERF_EVENT_IOC_SET_BPF, program.get()));
            return event;
        } catch (NativeIoException | RuntimeException e) {
            event.close();
            throw e;
        }
    }

    /**
     * BPF_RAW_TRACEPOINT_OPEN: runs a BPF_PROG_TYPE_RAW_TRACEPOINT {@code program} on tracepoint {@code name}
     * ("kfree_skb") with the tracepoint's own arguments (a {@code u64[]} of them), before and without the
     * building of the trace record a perf event needs. Closing the returned fd detaches.
     */
    public static Fd attachRawTracepoint(Syscalls sys, String name, Fd program) throws NativeIoException {
        NativeBuffer n = NativeBuffer.allocate(name.length() + 1);
        n.buffer().put(0, name.getBytes(StandardCharsets.US_ASCII));
        NativeBuffer a = NativeBuffer.allocate(ATTR_SIZE);
        ByteBuffer b = a.buffer();
        b.putLong(ATTR_RAW_TP_NAME, n.address());
        b.putInt(ATTR_RAW_TP_PROG_FD, program.get());
        int r = sys.bpf(BPF_RAW_TRACEPOINT_OPEN, a, 0, ATTR_SIZE);
        Reference.reachabilityFence(n);
        return Fd.own(sys, "bpf(BPF_RAW_TRACEPOINT_OPEN " + name + ")", r);
    }

    /** kernel/trace/bpf_trace.c BPF_TRACE_MAX_PROGS (not UAPI): the most ids the query returns. */
    private static final int BPF_TRACE_MAX_PROGS = 64;

    /**
     * The ids of the BPF programs attached to tracepoint {@code eventId} by anyone (PERF_EVENT_IOC_QUERY_BPF
     * on a counting event opened for the question on {@code cpu} and closed again). Needs CAP_PERFMON.
     */
    public static int[] attachedPrograms(Syscalls sys, int eventId, int cpu) throws NativeIoException {
        NativeBuffer attr = PerfEventAttr.tracepointCounter(eventId).toBuffer();
        try (Fd event = Fd.own(sys, "perf_event_open(tracepoint " + eventId + ")",
                sys.perfEventOpen(attr, 0, -1, cpu, -1, TracepointReader.PERF_FLAG_FD_CLOEXEC))) {
            // struct perf_event_query_bpf: u32 ids_len, u32 prog_cnt, u32 ids[]
            NativeBuffer query = NativeBuffer.allocate(8 + 4 * BPF_TRACE_MAX_PROGS);
            ByteBuffer q = query.buffer();
            q.putInt(0, BPF_TRACE_MAX_PROGS);
            NativeIoException.check("ioctl(PERF_EVENT_IOC_QUERY_BPF)", sys.ioctl(event.get(),
                    Integer.toUnsignedLong(BpfConstants.PERF_EVENT_IOC_QUERY_BPF), query, 0));
            int[] ids = new int[Math.min(q.getInt(4), BPF_TRACE_MAX_PROGS)];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = q.getInt(8 + 4 * i);
            }
            return ids;
        }
    }

    /** BPF_MAP_LOOKUP_ELEM into {@code value}; 0, or -errno (-ENOENT for a missing key). */
    public static int lookup(Syscalls sys, Fd map, NativeBuffer key, int keyOffset, NativeBuffer value, int valueOffset,
                             NativeBuffer attr) {
        ByteBuffer b = attr.buffer();
        clear(b);
        b.putInt(ATTR_MAP_FD, map.get());
        b.putLong(ATTR_KEY, key.address() + keyOffset);
        b.putLong(ATTR_VALUE, value.address() + valueOffset);
        int r = sys.bpf(BPF_MAP_LOOKUP_ELEM, attr, 0, ATTR_SIZE);
        Reference.reachabilityFence(key);
        Reference.reachabilityFence(value);
        return r;
    }

    /** BPF_MAP_UPDATE_ELEM of {@code key} to {@code value} with {@code flags} (BPF_ANY); 0, or -errno. */
    public static int update(Syscalls sys, Fd map, NativeBuffer key, NativeBuffer value, long flags, NativeBuffer attr) {
        ByteBuffer b = attr.buffer();
        clear(b);
        b.putInt(ATTR_MAP_FD, map.get());
        b.putLong(ATTR_KEY, key.address());
        b.putLong(ATTR_VALUE, value.address());
        b.putLong(ATTR_ELEM_FLAGS, flags);
        int r = sys.bpf(BPF_MAP_UPDATE_ELEM, attr, 0, ATTR_SIZE);
        Reference.reachabilityFence(key);
        Reference.reachabilityFence(value);
        return r;
    }

    /** BPF_MAP_GET_NEXT_KEY: the key after {@code key} (the first key when {@code key} is null). */
    public static int nextKey(Syscalls sys, Fd map, NativeBuffer key, int keyOffset, NativeBuffer next, int nextOffset,
                              NativeBuffer attr) {
        ByteBuffer b = attr.buffer();
        clear(b);
        b.putInt(ATTR_MAP_FD, map.get());
        b.putLong(ATTR_KEY, key == null ? 0 : key.address() + keyOffset);
        b.putLong(ATTR_NEXT_KEY, next.address() + nextOffset);
        int r = sys.bpf(BPF_MAP_GET_NEXT_KEY, attr, 0, ATTR_SIZE);
        Reference.reachabilityFence(key);
        Reference.reachabilityFence(next);
        return r;
    }

    static void clear(ByteBuffer b) {
        for (int i = 0; i < ATTR_SIZE; i += 8) {
            b.putLong(i, 0);
        }
    }

    /** A zeroed attr buffer for {@link #lookup}, {@link #nextKey} and {@link PercpuHashReader}. */
    public static NativeBuffer newAttr() {
        return NativeBuffer.allocate(ATTR_SIZE);
    }
}
