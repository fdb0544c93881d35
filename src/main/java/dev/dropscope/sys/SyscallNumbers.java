package dev.dropscope.sys;

/**
 * The numbers of the two system calls libc has no wrapper for, which differ per architecture
 * (arch/x86/entry/syscalls/syscall_64.tbl; include/uapi/asm-generic/unistd.h for aarch64). Any other
 * architecture would make a different system call under the same number, so it is refused in one line.
 */
record SyscallNumbers(long perfEventOpen, long bpf) {
    private static final SyscallNumbers X86_64 = new SyscallNumbers(298, 321);
    private static final SyscallNumbers AARCH64 = new SyscallNumbers(241, 280);

    private static final String ARCH = System.getProperty("os.arch");

    /** This machine's; on another architecture every call throws the one-line refusal (never a class-init error). */
    static SyscallNumbers current() {
        return forArch(ARCH);
    }

    /**
     * The numbers for a JVM {@code os.arch} ("amd64" or "x86_64", "aarch64").
     *
     * @throws UnsupportedOperationException for any other architecture, with a one-line message
     */
    static SyscallNumbers forArch(String osArch) {
        return switch (String.valueOf(osArch)) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64" -> AARCH64;
            default -> throw new UnsupportedOperationException("perf_event_open and bpf system calls are not "
                    + "supported on " + osArch + ": dropscope knows their numbers on x86-64 and aarch64 only");
        };
    }
}
