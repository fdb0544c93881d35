package dev.dropscope.procfs;

/** The capabilities dropscope cares about, with their bit numbers from include/uapi/linux/capability.h. */
public enum Capability {
    /** Netlink requests that change state: NET_DM start/stop, nfnetlink (ctnetlink) messages. */
    CAP_NET_ADMIN(12),
    /** Before CAP_PERFMON existed (kernels before 5.8) it was what perf tracepoints needed. */
    CAP_SYS_ADMIN(21),
    /** /proc/kallsyms addresses when kernel.kptr_restrict is 1. */
    CAP_SYSLOG(34),
    /** perf_event_open system-wide and raw tracepoint samples, since 5.8. */
    CAP_PERFMON(38),
    CAP_BPF(39);

    private final int bit;

    Capability(int bit) {
        this.bit = bit;
    }

    /** The bit number in the kernel's capability sets. */
    public int bit() {
        return bit;
    }
}
