package dev.dropscope.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.procfs.Capability;
import dev.dropscope.procfs.ProcessStatus;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

/** What an unprivileged snapshot says it left out, for each set of capabilities that changes the answer. */
class PrivilegesTest {
    private static ProcessStatus with(Capability... caps) {
        long mask = 0;
        for (Capability c : caps) {
            mask |= 1L << c.bit();
        }
        return new ProcessStatus(65534, 65534, mask, mask);
    }

    private static List<String> parts(ProcessStatus st) {
        return Privileges.missing(st).stream().map(Privileges.Missing::part).toList();
    }

    @Test
    void rootLacksNothing() {
        assertEquals(List.of(), Privileges.missing(new ProcessStatus(0, 0, 0x1ff_ffff_ffffL, 0x1ff_ffff_ffffL)));
        assertEquals("", Privileges.leftOut(List.of()));
    }

    @Test
    void nobodyLacksDropSitesAndConntrackAndIsToldWhichCapabilities() {
        ProcessStatus nobody = with();
        assertEquals(List.of("drop sites", "conntrack statistics", "firewall rules"), parts(nobody));
        String note = Privileges.leftOut(Privileges.missing(nobody));
        for (String cap : List.of("CAP_PERFMON", "CAP_SYS_ADMIN", "CAP_NET_ADMIN")) {
            assertTrue(note.contains(cap), note);
        }
        assertTrue(note.endsWith("Run as root (sudo) for all of it"), note);
    }

    @Test
    void perfmonAloneGivesDropSitesButNotConntrackNorNames() {
        assertEquals(List.of("conntrack statistics", "firewall rules",
                "drop site names when kernel.kptr_restrict hides addresses"), parts(with(Capability.CAP_PERFMON)));
        assertEquals(List.of("drop site names when kernel.kptr_restrict hides addresses"),
                parts(with(Capability.CAP_PERFMON, Capability.CAP_NET_ADMIN)));
        assertEquals(List.of(), parts(with(Capability.CAP_PERFMON, Capability.CAP_NET_ADMIN, Capability.CAP_SYSLOG)));
    }

    @Test
    void netAdminAloneGivesNetDmAndConntrack() {
        assertEquals(List.of("drop site names when kernel.kptr_restrict hides addresses"),
                parts(with(Capability.CAP_NET_ADMIN)));
    }

}
