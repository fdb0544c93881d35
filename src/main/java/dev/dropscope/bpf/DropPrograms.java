package dev.dropscope.bpf;

import static dev.dropscope.bpf.BpfProgram.R0;
import static dev.dropscope.bpf.BpfProgram.R1;
import static dev.dropscope.bpf.BpfProgram.R10;
import static dev.dropscope.bpf.BpfProgram.R2;
import static dev.dropscope.bpf.BpfProgram.R3;
import static dev.dropscope.bpf.BpfProgram.R4;
import static dev.dropscope.bpf.BpfProgram.R6;

/**
 * The two skb:kfree_skb programs of the eBPF drop source. A tracepoint program gets a pointer to the
 * event's record, laid out as the format file says on the running kernel, so the field offsets are
 * parameters: no BTF, no CO-RE, no clang. Both return 1: the kernel ANDs the results of every program on
 * the tracepoint and, on 0, hands the event to none of its perf events, so a 0 would blind every other
 * reader of skb:kfree_skb on the machine (perf stat/record, dropscope's tracepoint source: measured, they
 * saw 0 of 1000 drops). The carrier event is never enabled, so the 1 costs nothing when nobody else reads.
 */
public final class DropPrograms {
    private DropPrograms() {
    }

    /** The programs' return value: let the event go on to the tracepoint's other perf events. */
    public static final int PASS_ON = 1;

    /** Key of the summary map: u64 location, u32 reason, u32 zero padding. */
    public static final int KEY_SIZE = 16;
    /** Value of the summary map: one u64 counter per CPU. */
    public static final int VALUE_SIZE = 8;
    /** A packet-mode ring record: u64 location, u64 time (CLOCK_MONOTONIC ns), u32 reason, u16 protocol,
     * u16 zero, u32 cpu, u32 zero. */
    public static final int RECORD_SIZE = 32;
    public static final int RECORD_LOCATION = 0;
    public static final int RECORD_TIME = 8;
    public static final int RECORD_REASON = 16;
    public static final int RECORD_PROTOCOL = 20;
    public static final int RECORD_CPU = 24;

    /** Where the fields are in the tracepoint record; {@code reasonOffset} -1 on kernels without reasons. */
    public record Layout(int locationOffset, int reasonOffset, int reasonSize, int protocolOffset) {
        public Layout {
            if (locationOffset < 0 || protocolOffset < 0) {
                throw new IllegalArgumentException("location and protocol offsets are required");
            }
            if (reasonOffset >= 0 && reasonSize != 4 && reasonSize != 2 && reasonSize != 1) {
                throw new IllegalArgumentException("reason field of " + reasonSize + " bytes");
            }
        }
    }

    /**
     * Summary: {@code counts[(location, reason)]++} in a per-CPU hash (this CPU's slot, so no other CPU
     * contends). A key not yet in the map is inserted with BPF_ANY, which for a per-CPU map writes only this
     * CPU's slot and so loses nothing if another CPU inserted the same key meanwhile. When the map is full
     * the insert fails and {@code overflow[0]++} (a per-CPU array) counts the drop as lost instead.
     */
    public static BpfProgram summary(Layout l, int countsFd, int overflowFd) {
        BpfProgram p = new BpfProgram()
                .mov64(R6, R1)
                .ldx(8, R1, R6, l.locationOffset())
                .stx(8, R10, -16, R1);
        loadReason(p, l, -8);
        p.st(4, R10, -4, 0)
                .ldMapFd(R1, countsFd)
                .mov64(R2, R10).add64Imm(R2, -16)
                .call(BpfConstants.BPF_FUNC_map_lookup_elem)
                .jeqImm(R0, 0, "insert")
                .mov64Imm(R1, 1)
                .atomicAdd64(R0, 0, R1)
                .ja("out")
                .label("insert")
                .st(8, R10, -24, 1)
                .ldMapFd(R1, countsFd)
                .mov64(R2, R10).add64Imm(R2, -16)
                .mov64(R3, R10).add64Imm(R3, -24)
                .mov64Imm(R4, BpfConstants.BPF_ANY)
                .call(BpfConstants.BPF_FUNC_map_update_elem)
                .jeqImm(R0, 0, "out");
        countLost(p, overflowFd, -28);
        return p.label("out").mov64Imm(R0, PASS_ON).exit();
    }

    /**
     * Packet mode: one {@link #RECORD_SIZE}-byte record per drop into a BPF ring buffer with
     * BPF_RB_NO_WAKEUP (user space drains on a timer; a wakeup per drop costs more than the drop). A
     * record the ring has no room for is counted in {@code lost[0]} (a per-CPU array).
     */
    public static BpfProgram packet(Layout l, int ringFd, int lostFd) {
        BpfProgram p = new BpfProgram()
                .mov64(R6, R1)
                .ldx(8, R1, R6, l.locationOffset())
                .stx(8, R10, -32 + RECORD_LOCATION, R1)
                .call(BpfConstants.BPF_FUNC_ktime_get_ns)
                .stx(8, R10, -32 + RECORD_TIME, R0);
        loadReason(p, l, -32 + RECORD_REASON);
        p.ldx(2, R1, R6, l.protocolOffset())
                .stx(2, R10, -32 + RECORD_PROTOCOL, R1)
                .st(2, R10, -32 + RECORD_PROTOCOL + 2, 0)
                .call(BpfConstants.BPF_FUNC_get_smp_processor_id)
                .stx(4, R10, -32 + RECORD_CPU, R0)
                .st(4, R10, -32 + RECORD_CPU + 4, 0)
                .ldMapFd(R1, ringFd)
                .mov64(R2, R10).add64Imm(R2, -32)
                .mov64Imm(R3, RECORD_SIZE)
                .mov64Imm(R4, BpfConstants.BPF_RB_NO_WAKEUP)
                .call(BpfConstants.BPF_FUNC_ringbuf_output)
                .jeqImm(R0, 0, "out");
        countLost(p, lostFd, -36);
        return p.label("out").mov64Imm(R0, PASS_ON).exit();
    }

    private static void loadReason(BpfProgram p, Layout l, int stackOff) {
        if (l.reasonOffset() >= 0) {
            p.ldx(l.reasonSize(), R1, R6, l.reasonOffset()).stx(4, R10, stackOff, R1);
        } else {
            p.st(4, R10, stackOff, 0);
        }
    }

    /** {@code array[0] += 1} on this CPU's slot of a one-entry per-CPU array; falls through to the caller's next label. */
    private static void countLost(BpfProgram p, int arrayFd, int keyStackOff) {
        p.st(4, R10, keyStackOff, 0)
                .ldMapFd(R1, arrayFd)
                .mov64(R2, R10).add64Imm(R2, keyStackOff)
                .call(BpfConstants.BPF_FUNC_map_lookup_elem)
                .jeqImm(R0, 0, "out")
                .mov64Imm(R1, 1)
                .atomicAdd64(R0, 0, R1);
    }

    /** A program the verifier must refuse (it reads r2 before anything wrote it), for tests and doctor's self-check. */
    public static BpfProgram invalid() {
        return new BpfProgram().mov64(R0, R2).exit();
    }
}
