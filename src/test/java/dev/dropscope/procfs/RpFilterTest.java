package dev.dropscope.procfs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

import static dev.dropscope.procfs.ProcFixtures.HOST_6_18;
import static dev.dropscope.procfs.ProcFixtures.VM_6_12;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RpFilterTest {

    @Test
    void hostFixtureAllOff() {
        RpFilter r = RpFilter.query(ProcFixtures.proc(HOST_6_18));
        assertEquals(List.of(), r.problems());
        assertEquals(OptionalInt.of(0), r.all());
        assertEquals(OptionalInt.of(0), r.defaultValue());
        assertEquals(Map.of("eth0", 0, "ifb0", 0, "ifb1", 0, "lo", 0), r.interfaces());
        assertEquals(Map.of("eth0", 0, "ifb0", 0, "ifb1", 0, "lo", 0), r.effectiveByInterface());
    }

    /** The VM had all=1, lo=2, default left at 0: the kernel applies max(all, lo) = 2 on lo. */
    @Test
    void vmFixtureEffectiveIsTheMaximum() {
        RpFilter r = RpFilter.query(ProcFixtures.proc(VM_6_12));
        assertEquals(List.of(), r.problems());
        assertEquals(OptionalInt.of(1), r.all());
        assertEquals(OptionalInt.of(0), r.defaultValue());
        assertEquals(Map.of("lo", 2), r.interfaces());
        assertEquals(OptionalInt.of(2), r.effective("lo"));
        assertEquals(OptionalInt.empty(), r.effective("eth9"));
    }

    @Test
    void allRaisesAnInterfaceBelowIt() {
        RpFilter r = RpFilter.parse(Map.of("all", "2\n", "default", "1\n", "veth0", "0\n", "veth1", "1\n"));
        assertEquals(Map.of("veth0", 2, "veth1", 2), r.effectiveByInterface());
    }

    @Test
    void badValuesAndMissingAll(@TempDir Path empty) {
        Map<String, String> raw = new TreeMap<>(Map.of("default", "0\n", "eth0", "strict\n", "lo", "1\n"));
        RpFilter r = RpFilter.parse(raw);
        assertEquals(Map.of("lo", 1), r.interfaces());
        assertEquals(OptionalInt.of(1), r.effective("lo"), "without all, an interface's own value");
        assertEquals(List.of("eth0.rp_filter: not a number: 'strict'",
                "no readable conf/all/rp_filter: effective values are the interfaces' own"), r.problems());
        RpFilter none = RpFilter.query(empty);
        assertTrue(none.interfaces().isEmpty());
        assertEquals(1, none.problems().size(), none.problems().toString());
        assertEquals(List.of(), RpFilter.parse(Map.of()).problems());
    }
}
