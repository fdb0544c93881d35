package dev.dropscope.procfs;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

import static dev.dropscope.procfs.ProcFixtures.HOST_6_18;
import static dev.dropscope.procfs.ProcFixtures.VM_6_12;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConntrackTest {

    @Test
    void loadedOnTheHostFixture() {
        Conntrack c = Conntrack.query(ProcFixtures.proc(HOST_6_18));
        assertEquals(List.of(), c.problems());
        assertTrue(c.loaded());
        assertEquals(OptionalLong.of(0), c.count());
        assertEquals(OptionalLong.of(262144), c.max());
        assertEquals(OptionalLong.of(262144), c.buckets());
        assertEquals(OptionalLong.of(262144), c.globalMax());
        assertEquals(List.of("clashres", "found", "new", "invalid", "ignore", "delete", "chainlength", "insert",
                "insert_failed", "drop", "early_drop", "icmp_error", "expect_new", "expect_create",
                "expect_delete", "search_restart"), List.copyOf(c.stats().keySet()));
        assertEquals(0L, c.stats().get("drop"));
    }

    /** The VM's Debian kernel has nf_conntrack as a module, not loaded: a state, with no problem. */
    @Test
    void notLoadedOnTheVmFixture() {
        Conntrack c = Conntrack.query(ProcFixtures.proc(VM_6_12));
        assertFalse(c.loaded());
        assertEquals(List.of(), c.problems());
        assertFalse(c.count().isPresent());
        assertFalse(c.max().isPresent());
        assertTrue(c.stats().isEmpty());
    }

    @Test
    void perCpuStatLinesAreSummedByName() {
        String real = ProcFixtures.text(HOST_6_18, "net/stat/nf_conntrack");
        String[] lines = real.split("\n");
        // put 10 drops on CPU 0 and 20 on CPU 1 in the drop column (11th), and 5 entries (the table count)
        String text = lines[0] + "\n" + setColumn(setColumn(lines[1], 10, "0000000a"), 0, "00000005") + "\n"
                + setColumn(setColumn(lines[2], 10, "00000014"), 0, "00000005") + "\n";
        Conntrack c = Conntrack.parse(sysctls(Map.of(Conntrack.COUNT, "5")), text);
        assertEquals(List.of(), c.problems());
        assertEquals(30L, c.stats().get("drop"));
        assertFalse(c.stats().containsKey("entries"), "a table-wide count, not summed per CPU");
    }

    @Test
    void badStatLinesAndValues() {
        String real = ProcFixtures.text(HOST_6_18, "net/stat/nf_conntrack");
        String[] lines = real.split("\n");
        String text = lines[0] + "\n" + lines[1].substring(0, 30) + "\n" + setColumn(lines[2], 10, "zz") + "\n";
        Conntrack c = Conntrack.parse(sysctls(Map.of(Conntrack.COUNT, "abc")), text);
        assertTrue(c.loaded());
        assertFalse(c.count().isPresent());
        assertEquals(3, c.problems().size(), c.problems().toString());
        assertEquals(List.of("stat/nf_conntrack: empty file"),
                Conntrack.parse(sysctls(Map.of()), "").problems());
    }

    @Test
    void unreadableCountStillMeansLoaded() {
        Sysctls s = new Sysctls(Map.of(), Set.of(), Map.of(Conntrack.COUNT, "permission denied"));
        Conntrack c = Conntrack.parse(s, null);
        assertTrue(c.loaded());
        assertEquals(List.of(Conntrack.COUNT + ": permission denied"), c.problems());
    }

    private static Sysctls sysctls(Map<String, String> values) {
        return new Sysctls(values, Set.of(), Map.of());
    }

    private static String setColumn(String line, int column, String value) {
        String[] t = line.trim().split("\\s+");
        t[column] = value;
        return String.join(" ", t);
    }
}
