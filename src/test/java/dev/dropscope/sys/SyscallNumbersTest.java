package dev.dropscope.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The architecture decision for the raw system calls: known numbers, or one line refusing. */
class SyscallNumbersTest {
    @Test
    void x86AndArmHaveTheirOwnNumbers() {
        // arch/x86/entry/syscalls/syscall_64.tbl and include/uapi/asm-generic/unistd.h
        assertEquals(new SyscallNumbers(298, 321), SyscallNumbers.forArch("amd64"));
        assertEquals(new SyscallNumbers(298, 321), SyscallNumbers.forArch("x86_64"));
        assertEquals(new SyscallNumbers(241, 280), SyscallNumbers.forArch("aarch64"));
        assertEquals(SyscallNumbers.forArch(System.getProperty("os.arch")), SyscallNumbers.current());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ppc64le", "s390x", "riscv64", "x86", "arm", ""})
    void anyOtherArchitectureIsRefusedInOneLine(String arch) {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> SyscallNumbers.forArch(arch));
        assertEquals("perf_event_open and bpf system calls are not supported on " + arch
                + ": dropscope knows their numbers on x86-64 and aarch64 only", e.getMessage());
    }
}
