package dev.dropscope.procfs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

import static dev.dropscope.procfs.ProcFixtures.HOST_6_18;
import static dev.dropscope.procfs.ProcFixtures.VM_6_12;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SoftnetStatTest {

    @Test
    void hostFixture() {
        SoftnetStat s = SoftnetStat.query(ProcFixtures.proc(HOST_6_18));
        assertEquals(List.of(), s.problems());
        assertEquals(2, s.cpus().size());
        SoftnetStat.Cpu c0 = s.cpus().get(0);
        SoftnetStat.Cpu c1 = s.cpus().get(1);
        assertEquals(0, c0.cpu());
        assertEquals(1, c1.cpu());
        assertEquals(0x9, c0.processed());
        assertEquals(0xdc4, c1.processed());
        assertEquals(15, c1.columns());
        assertTrue(c1.indexed());
        assertEquals(OptionalLong.of(0), c1.flowLimitCount());
        assertEquals(OptionalLong.of(0), c1.inputQlen());
        assertEquals(OptionalLong.of(0), c1.processQlen());
        assertEquals(0x9 + 0xdc4, s.totalProcessed());
        assertEquals(0, s.totalDropped());
    }

    /** CPU 1 was offline in the VM: the second line is CPU 2, which only the index column tells. */
    @Test
    void vmFixtureWithAnOfflineCpu() {
        SoftnetStat s = SoftnetStat.query(ProcFixtures.proc(VM_6_12));
        assertEquals(List.of(), s.problems());
        assertEquals(2, s.cpus().size());
        assertEquals(0, s.cpus().get(0).cpu());
        assertEquals(2, s.cpus().get(1).cpu());
        assertEquals(8, s.cpus().get(0).processed());
        assertEquals(4, s.cpus().get(1).processed());
        assertEquals(2, s.cpus().get(0).timeSqueeze());
        assertEquals(1, s.cpus().get(1).timeSqueeze());
        assertEquals(3, s.totalTimeSqueeze());
    }

    /** Older kernels print the same columns minus trailing ones: 10 (2.6.35+), 11 (3.11+), 13 (5.10+). */
    @ParameterizedTest
    @ValueSource(ints = {10, 11, 12, 13, 14, 15})
    void olderLayoutsByColumnCount(int columns) {
        SoftnetStat s = SoftnetStat.parse(keepColumns(ProcFixtures.text(VM_6_12, "net/softnet_stat"), columns));
        assertEquals(List.of(), s.problems());
        assertEquals(2, s.cpus().size());
        SoftnetStat.Cpu second = s.cpus().get(1);
        assertEquals(columns, second.columns());
        assertEquals(4, second.processed());
        assertEquals(1, second.timeSqueeze());
        assertEquals(0, second.receivedRps());
        assertEquals(columns >= 11, second.flowLimitCount().isPresent());
        assertEquals(columns >= 12, second.backlogLen().isPresent());
        assertEquals(columns >= 14, second.inputQlen().isPresent());
        assertEquals(columns >= 15, second.processQlen().isPresent());
        // without the index column the line number is all there is, and it is wrong past an offline CPU
        assertEquals(columns >= 13, second.indexed());
        assertEquals(columns >= 13 ? 2 : 1, second.cpu());
    }

    @Test
    void columnsOfANewerKernelAreKept() {
        String line = ProcFixtures.text(HOST_6_18, "net/softnet_stat").split("\n")[1] + " 0000002a 00000007\n";
        SoftnetStat s = SoftnetStat.parse(line);
        assertEquals(List.of(), s.problems());
        assertEquals(17, s.cpus().get(0).columns());
        assertEquals(List.of(42L, 7L), s.cpus().get(0).unknownColumns());
        assertEquals(1, s.cpus().get(0).cpu());
    }

    @Test
    void truncatedLastLineIsDroppedOthersKept() {
        String real = ProcFixtures.text(HOST_6_18, "net/softnet_stat");
        String cut = real.substring(0, real.indexOf('\n') + 1 + 40); // second line cut after 4 columns
        SoftnetStat s = SoftnetStat.parse(cut);
        assertEquals(1, s.cpus().size());
        assertEquals(0x9, s.cpus().get(0).processed());
        assertEquals(List.of("line 2: 5 columns, fewer than the 10 every kernel since 2.6.35 prints"), s.problems());
    }

    @Test
    void nonHexAndOversizeColumns() {
        String first = ProcFixtures.text(HOST_6_18, "net/softnet_stat").split("\n")[0];
        String text = first.replaceFirst("00000009", "0000zz09") + "\n"
                + first.replaceFirst("00000009", "100000009") + "\n"
                + first.replaceFirst("00000009", "-0000009") + "\n"
                + first + "\n";
        SoftnetStat s = SoftnetStat.parse(text);
        assertEquals(1, s.cpus().size());
        assertEquals(3, s.problems().size(), s.problems().toString());
        assertTrue(s.problems().get(0).contains("'0000zz09'"), s.problems().get(0));
    }

    @Test
    void emptyAndMissing(@TempDir Path empty) {
        assertEquals(List.of("empty file"), SoftnetStat.parse("").problems());
        SoftnetStat missing = SoftnetStat.query(empty);
        assertTrue(missing.cpus().isEmpty());
        assertEquals(1, missing.problems().size());
        assertFalse(SoftnetStat.parse("\u0000\u00ff garbage\n").problems().isEmpty());
    }

    static String keepColumns(String text, int n) {
        StringBuilder sb = new StringBuilder();
        for (String line : text.split("\n")) {
            String[] t = line.split(" ");
            sb.append(String.join(" ", java.util.Arrays.copyOf(t, n))).append('\n');
        }
        return sb.toString();
    }
}
