package dev.dropscope.bpf;

/**
 * Numbers from linux/bpf.h, linux/bpf_common.h and linux/perf_event.h that the eBPF drop source uses.
 * native/uapi_probe.c prints each from the installed headers and UapiLayoutTest compares both ways.
 */
public final class BpfConstants {
    private BpfConstants() {
    }

    // ---- instruction classes, sizes, modes, operations (bpf_common.h, bpf.h)
    public static final int BPF_LD = 0x00;
    public static final int BPF_LDX = 0x01;
    public static final int BPF_ST = 0x02;
    public static final int BPF_STX = 0x03;
    public static final int BPF_ALU = 0x04;
    public static final int BPF_JMP = 0x05;
    public static final int BPF_JMP32 = 0x06;
    public static final int BPF_ALU64 = 0x07;

    public static final int BPF_W = 0x00;
    public static final int BPF_H = 0x08;
    public static final int BPF_B = 0x10;
    public static final int BPF_DW = 0x18;

    public static final int BPF_IMM = 0x00;
    public static final int BPF_MEM = 0x60;
    public static final int BPF_ATOMIC = 0xc0;

    public static final int BPF_K = 0x00;
    public static final int BPF_X = 0x08;

    public static final int BPF_ADD = 0x00;
    public static final int BPF_SUB = 0x10;
    public static final int BPF_OR = 0x40;
    public static final int BPF_AND = 0x50;
    public static final int BPF_LSH = 0x60;
    public static final int BPF_RSH = 0x70;
    public static final int BPF_MOV = 0xb0;

    public static final int BPF_JA = 0x00;
    public static final int BPF_JEQ = 0x10;
    public static final int BPF_JGT = 0x20;
    public static final int BPF_JGE = 0x30;
    public static final int BPF_JNE = 0x50;
    public static final int BPF_JSGE = 0x70;
    public static final int BPF_CALL = 0x80;
    public static final int BPF_EXIT = 0x90;

    public static final int BPF_PSEUDO_MAP_FD = 1;
    public static final int BPF_PSEUDO_MAP_VALUE = 2;

    // ---- enum bpf_cmd
    public static final int BPF_MAP_CREATE = 0;
    public static final int BPF_MAP_LOOKUP_ELEM = 1;
    public static final int BPF_MAP_UPDATE_ELEM = 2;
    public static final int BPF_MAP_GET_NEXT_KEY = 4;
    public static final int BPF_PROG_LOAD = 5;
    public static final int BPF_RAW_TRACEPOINT_OPEN = 17;
    public static final int BPF_MAP_LOOKUP_BATCH = 24;

    // ---- enum bpf_map_type, enum bpf_prog_type
    public static final int BPF_MAP_TYPE_ARRAY = 2;
    public static final int BPF_MAP_TYPE_PERCPU_HASH = 5;
    public static final int BPF_MAP_TYPE_PERCPU_ARRAY = 6;
    public static final int BPF_MAP_TYPE_RINGBUF = 27;
    public static final int BPF_PROG_TYPE_TRACEPOINT = 5;
    public static final int BPF_PROG_TYPE_RAW_TRACEPOINT = 17;

    // ---- enum bpf_func_id
    public static final int BPF_FUNC_map_lookup_elem = 1;
    public static final int BPF_FUNC_map_update_elem = 2;
    public static final int BPF_FUNC_ktime_get_ns = 5;
    public static final int BPF_FUNC_get_smp_processor_id = 8;
    public static final int BPF_FUNC_probe_read_kernel = 113;
    public static final int BPF_FUNC_ringbuf_output = 130;
    public static final int BPF_FUNC_ringbuf_reserve = 131;
    public static final int BPF_FUNC_ringbuf_submit = 132;

    // ---- flags
    public static final int BPF_ANY = 0;
    public static final int BPF_RB_NO_WAKEUP = 1;
    public static final int BPF_RINGBUF_BUSY_BIT = 1 << 31;
    public static final int BPF_RINGBUF_DISCARD_BIT = 1 << 30;
    public static final int BPF_RINGBUF_HDR_SZ = 8;

    // ---- union bpf_attr: BPF_MAP_CREATE
    public static final int ATTR_MAP_TYPE = 0;
    public static final int ATTR_KEY_SIZE = 4;
    public static final int ATTR_VALUE_SIZE = 8;
    public static final int ATTR_MAX_ENTRIES = 12;
    public static final int ATTR_MAP_FLAGS = 16;
    public static final int ATTR_MAP_NAME = 28;
    // ---- BPF_MAP_*_ELEM, BPF_MAP_GET_NEXT_KEY
    public static final int ATTR_MAP_FD = 0;
    public static final int ATTR_KEY = 8;
    public static final int ATTR_VALUE = 16;
    public static final int ATTR_NEXT_KEY = 16;
    public static final int ATTR_ELEM_FLAGS = 24;
    // ---- BPF_MAP_LOOKUP_BATCH
    public static final int ATTR_BATCH_IN_BATCH = 0;
    public static final int ATTR_BATCH_OUT_BATCH = 8;
    public static final int ATTR_BATCH_KEYS = 16;
    public static final int ATTR_BATCH_VALUES = 24;
    public static final int ATTR_BATCH_COUNT = 32;
    public static final int ATTR_BATCH_MAP_FD = 36;
    public static final int ATTR_BATCH_ELEM_FLAGS = 40;
    public static final int ATTR_BATCH_FLAGS = 48;
    // ---- BPF_PROG_LOAD
    public static final int ATTR_PROG_TYPE = 0;
    public static final int ATTR_INSN_CNT = 4;
    public static final int ATTR_INSNS = 8;
    public static final int ATTR_LICENSE = 16;
    public static final int ATTR_LOG_LEVEL = 24;
    public static final int ATTR_LOG_SIZE = 28;
    public static final int ATTR_LOG_BUF = 32;
    public static final int ATTR_PROG_NAME = 48;
    // ---- BPF_RAW_TRACEPOINT_OPEN
    public static final int ATTR_RAW_TP_NAME = 0;
    public static final int ATTR_RAW_TP_PROG_FD = 8;

    /** sizeof(struct bpf_insn). */
    public static final int BPF_INSN_SIZE = 8;
    /** BPF_OBJ_NAME_LEN: map and program names, NUL included. */
    public static final int BPF_OBJ_NAME_LEN = 16;

    /** linux/perf_event.h: _IOW('$', 8, __u32). */
    public static final int PERF_EVENT_IOC_SET_BPF = 0x40042408;
    /** linux/perf_event.h: _IOWR('$', 10, struct perf_event_query_bpf *); the u32's bits in an int. */
    public static final int PERF_EVENT_IOC_QUERY_BPF = 0xc008240a;
}
