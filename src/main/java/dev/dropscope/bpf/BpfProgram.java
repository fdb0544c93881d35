package dev.dropscope.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small assembler for eBPF ({@code struct bpf_insn}: u8 code, u8 dst_reg:4 / src_reg:4, s16 off,
 * s32 imm), with forward and backward jumps to named labels, 64-bit map-fd loads and helper calls.
 * Pure: it builds bytes, loading them is the caller's business. Registers are 0..10 (r10 is the
 * read-only frame pointer).
 */
public final class BpfProgram {
    /** r1..r5: arguments; r0: return value; r6..r9: callee-saved; r10: frame pointer. */
    public static final int R0 = 0;
    public static final int R1 = 1;
    public static final int R2 = 2;
    public static final int R3 = 3;
    public static final int R4 = 4;
    public static final int R5 = 5;
    public static final int R6 = 6;
    public static final int R7 = 7;
    public static final int R8 = 8;
    public static final int R9 = 9;
    public static final int R10 = 10;

    /** One instruction; {@code label} set on jumps until {@link #assemble()} resolves it. */
    private static final class Insn {
        final int code;
        final int dst;
        final int src;
        int off;
        final int imm;
        final String label;

        Insn(int code, int dst, int src, int off, int imm, String label) {
            this.code = code;
            this.dst = dst;
            this.src = src;
            this.off = off;
            this.imm = imm;
            this.label = label;
        }
    }

    private final List<Insn> insns = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();

    public BpfProgram() {
    }

    private BpfProgram emit(int code, int dst, int src, int off, int imm, String label) {
        if (dst < 0 || dst > 10 || src < 0 || src > 15) {
            throw new IllegalArgumentException("register out of range: dst r" + dst + ", src " + src);
        }
        if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + off + " does not fit 16 bits");
        }
        insns.add(new Insn(code, dst, src, off, imm, label));
        return this;
    }

    private static int sizeBits(int bytes) {
        switch (bytes) {
            case 1: return BpfConstants.BPF_B;
            case 2: return BpfConstants.BPF_H;
            case 4: return BpfConstants.BPF_W;
            case 8: return BpfConstants.BPF_DW;
            default: throw new IllegalArgumentException("access size " + bytes + " is not 1, 2, 4 or 8");
        }
    }

    /** Marks the next instruction as {@code name}. */
    public BpfProgram label(String name) {
        if (labels.putIfAbsent(name, insns.size()) != null) {
            throw new IllegalArgumentException("label '" + name + "' defined twice");
        }
        return this;
    }

    /** Number of 8-byte instruction slots so far (a map-fd load takes two). */
    public int size() {
        return insns.size();
    }

    // ---- ALU64

    public BpfProgram mov64(int dst, int src) {
        return emit(BpfConstants.BPF_ALU64 | BpfConstants.BPF_MOV | BpfConstants.BPF_X, dst, src, 0, 0, null);
    }

    public BpfProgram mov64Imm(int dst, int imm) {
        return emit(BpfConstants.BPF_ALU64 | BpfConstants.BPF_MOV | BpfConstants.BPF_K, dst, 0, 0, imm, null);
    }

    public BpfProgram add64Imm(int dst, int imm) {
        return emit(BpfConstants.BPF_ALU64 | BpfConstants.BPF_ADD | BpfConstants.BPF_K, dst, 0, 0, imm, null);
    }

    public BpfProgram add64(int dst, int src) {
        return emit(BpfConstants.BPF_ALU64 | BpfConstants.BPF_ADD | BpfConstants.BPF_X, dst, src, 0, 0, null);
    }

    public BpfProgram sub64(int dst, int src) {
        return emit(BpfConstants.BPF_ALU64 | BpfConstants.BPF_SUB | BpfConstants.BPF_X, dst, src, 0, 0, null);
    }

    public BpfProgram and64Imm(int dst, int imm) {
        return emit(BpfConstants.BPF_ALU64 | BpfConstants.BPF_AND | BpfConstants.BPF_K, dst, 0, 0, imm, null);
    }

    public BpfProgram lsh64Imm(int dst, int imm) {
        return emit(BpfConstants.BPF_ALU64 | BpfConstants.BPF_LSH | BpfConstants.BPF_K, dst, 0, 0, imm, null);
    }

    public BpfProgram or64(int dst, int src) {
        return emit(BpfConstants.BPF_ALU64 | BpfConstants.BPF_OR | BpfConstants.BPF_X, dst, src, 0, 0, null);
    }

    // ---- memory

    /** {@code dst = *(size *)(src + off)}, zero-extended. */
    public BpfProgram ldx(int bytes, int dst, int src, int off) {
        return emit(BpfConstants.BPF_LDX | BpfConstants.BPF_MEM | sizeBits(bytes), dst, src, off, 0, null);
    }

    /** {@code *(size *)(dst + off) = src}. */
    public BpfProgram stx(int bytes, int dst, int off, int src) {
        return emit(BpfConstants.BPF_STX | BpfConstants.BPF_MEM | sizeBits(bytes), dst, src, off, 0, null);
    }

    /** {@code *(size *)(dst + off) = imm} (sign-extended for 8 bytes). */
    public BpfProgram st(int bytes, int dst, int off, int imm) {
        return emit(BpfConstants.BPF_ST | BpfConstants.BPF_MEM | sizeBits(bytes), dst, 0, off, imm, null);
    }

    /** {@code lock *(u64 *)(dst + off) += src} (BPF_ATOMIC with BPF_ADD, the old XADD). */
    public BpfProgram atomicAdd64(int dst, int off, int src) {
        return emit(BpfConstants.BPF_STX | BpfConstants.BPF_ATOMIC | BpfConstants.BPF_DW, dst, src, off,
                BpfConstants.BPF_ADD, null);
    }

    /** {@code dst = map(fd)}: BPF_LD | BPF_DW | BPF_IMM with src_reg BPF_PSEUDO_MAP_FD, two slots. */
    public BpfProgram ldMapFd(int dst, int mapFd) {
        emit(BpfConstants.BPF_LD | BpfConstants.BPF_DW | BpfConstants.BPF_IMM, dst, BpfConstants.BPF_PSEUDO_MAP_FD,
                0, mapFd, null);
        return emit(0, 0, 0, 0, 0, null);
    }

    /**
     * {@code dst = &value + off} of the one-element array {@code mapFd} (BPF_PSEUDO_MAP_VALUE: the loader
     * puts the value's address in; the program reads it without a lookup).
     */
    public BpfProgram ldMapValue(int dst, int mapFd, int off) {
        emit(BpfConstants.BPF_LD | BpfConstants.BPF_DW | BpfConstants.BPF_IMM, dst, BpfConstants.BPF_PSEUDO_MAP_VALUE,
                0, mapFd, null);
        return emit(0, 0, 0, 0, off, null);
    }

    /** {@code dst = imm64}: BPF_LD | BPF_DW | BPF_IMM, low half in the first slot, high half in the second. */
    public BpfProgram ld64Imm(int dst, long imm) {
        emit(BpfConstants.BPF_LD | BpfConstants.BPF_DW | BpfConstants.BPF_IMM, dst, 0, 0, (int) imm, null);
        return emit(0, 0, 0, 0, (int) (imm >>> 32), null);
    }

    // ---- jumps

    public BpfProgram ja(String label) {
        return emit(BpfConstants.BPF_JMP | BpfConstants.BPF_JA, 0, 0, 0, 0, label);
    }

    /** {@code if dst == imm goto label} (64-bit compare). */
    public BpfProgram jeqImm(int dst, int imm, String label) {
        return emit(BpfConstants.BPF_JMP | BpfConstants.BPF_JEQ | BpfConstants.BPF_K, dst, 0, 0, imm, label);
    }

    /** {@code if (u32) dst == (u32) imm goto label} (BPF_JMP32: only the low halves, so a u32 above 2^31 matches). */
    public BpfProgram jeq32Imm(int dst, int imm, String label) {
        return emit(BpfConstants.BPF_JMP32 | BpfConstants.BPF_JEQ | BpfConstants.BPF_K, dst, 0, 0, imm, label);
    }

    public BpfProgram jneImm(int dst, int imm, String label) {
        return emit(BpfConstants.BPF_JMP | BpfConstants.BPF_JNE | BpfConstants.BPF_K, dst, 0, 0, imm, label);
    }

    /** {@code if (s64) dst >= imm goto label}. */
    public BpfProgram jsgeImm(int dst, int imm, String label) {
        return emit(BpfConstants.BPF_JMP | BpfConstants.BPF_JSGE | BpfConstants.BPF_K, dst, 0, 0, imm, label);
    }

    /** {@code if dst != src goto label} (64-bit compare). */
    public BpfProgram jne(int dst, int src, String label) {
        return emit(BpfConstants.BPF_JMP | BpfConstants.BPF_JNE | BpfConstants.BPF_X, dst, src, 0, 0, label);
    }

    /** {@code if dst > src goto label} (unsigned). */
    public BpfProgram jgt(int dst, int src, String label) {
        return emit(BpfConstants.BPF_JMP | BpfConstants.BPF_JGT | BpfConstants.BPF_X, dst, src, 0, 0, label);
    }

    /** {@code if dst >= src goto label} (unsigned). */
    public BpfProgram jge(int dst, int src, String label) {
        return emit(BpfConstants.BPF_JMP | BpfConstants.BPF_JGE | BpfConstants.BPF_X, dst, src, 0, 0, label);
    }

    /** Calls helper {@code id} (an {@code enum bpf_func_id} value); arguments in r1..r5, result in r0. */
    public BpfProgram call(int helperId) {
        return emit(BpfConstants.BPF_JMP | BpfConstants.BPF_CALL, 0, 0, 0, helperId, null);
    }

    public BpfProgram exit() {
        return emit(BpfConstants.BPF_JMP | BpfConstants.BPF_EXIT, 0, 0, 0, 0, null);
    }

    /**
     * The instructions as {@code struct bpf_insn[]} in little-endian order (the only order the eBPF
     * hosts we run on use), jumps resolved: {@code off} is the target minus the jump's index minus one.
     */
    public byte[] assemble() {
        ByteBuffer b = ByteBuffer.allocate(insns.size() * BpfConstants.BPF_INSN_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            int off = in.off;
            if (in.label != null) {
                Integer target = labels.get(in.label);
                if (target == null) {
                    throw new IllegalStateException("jump to undefined label '" + in.label + "' at instruction " + i);
                }
                off = target - i - 1;
                if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) {
                    throw new IllegalStateException("jump to '" + in.label + "' is too far: " + off);
                }
            }
            b.put((byte) in.code);
            b.put((byte) ((in.src << 4) | in.dst));
            b.putShort((short) off);
            b.putInt(in.imm);
        }
        return b.array();
    }
}
