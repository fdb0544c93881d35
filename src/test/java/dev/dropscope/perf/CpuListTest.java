package dev.dropscope.perf;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CpuListTest {
    @Test
    void parsesTheKernelsRangeSyntax() {
        assertArrayEquals(new int[] {0, 1}, CpuList.parse("0-1\n"));
        assertArrayEquals(new int[] {0, 1, 3}, CpuList.parse("0-1,3"));
        assertArrayEquals(new int[] {0, 2, 3, 4, 8}, CpuList.parse("8,0,2-4"));
        assertArrayEquals(new int[] {5}, CpuList.parse("5"));
        assertArrayEquals(new int[0], CpuList.parse("\n"));
    }

    @Test
    void rejectsWhatTheKernelNeverWrites() {
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse("1-0"));
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse("0-1,1"));
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse("a"));
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse("0,,1"));
    }

    @Test
    void onlineCpusOfThisMachineAgreeWithTheJvm() throws IOException {
        int[] online = CpuList.queryOnline(Path.of("/sys"));
        // the JVM counts the CPUs it may run on: never more than are online
        assertEquals(true, online.length >= Runtime.getRuntime().availableProcessors());
        for (int c : online) {
            assertEquals(true, Files.isDirectory(Path.of("/sys/devices/system/cpu/cpu" + c)), "cpu" + c);
        }
    }
}
