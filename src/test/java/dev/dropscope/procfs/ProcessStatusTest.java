package dev.dropscope.procfs;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

class ProcessStatusTest {

    private static ProcessStatus fixture(String root) throws IOException {
        return ProcessStatus.query(ProcfsFixtures.resource(root));
    }

    @Test
    void devMachineRootLacksOnlyCapSysResource() throws IOException {
        // recorded CapEff 000001fffeffffff: every capability up to 40 except bit 24 (CAP_SYS_RESOURCE)
        ProcessStatus s = fixture("procfs/" + ProcfsFixtures.DEV_RELEASE);
        assertEquals(0, s.realUid());
        assertTrue(s.isRoot());
        assertEquals(0x1fffeffffffL, s.capEff());
        for (Capability c : Capability.values()) {
            assertTrue(s.has(c), c.name());
        }
        assertEquals(0, s.capEff() & (1L << 24));
    }

    @Test
    void nobodyWithNoCapabilities() throws IOException {
        ProcessStatus s = fixture("procfs/" + ProcfsFixtures.DEV_RELEASE + "/nonroot");
        assertEquals(65534, s.realUid());
        assertEquals(65534, s.effectiveUid());
        assertFalse(s.isRoot());
        for (Capability c : Capability.values()) {
            assertFalse(s.has(c), c.name());
            assertFalse(s.permittedOnly(c), c.name());
        }
    }

    @Test
    void labGuestRootHasAllFortyOneCapabilities() throws IOException {
        ProcessStatus s = fixture("procfs/" + ProcfsFixtures.LAB_RELEASE);
        assertEquals(0x1ffffffffffL, s.capEff());
        assertEquals(s.capEff(), s.capPrm());
        assertTrue(s.has(Capability.CAP_PERFMON));
    }

    @Test
    void permittedButNotEffective() throws IOException {
        String text = Files.readString(ProcfsFixtures.resource("procfs/" + ProcfsFixtures.DEV_RELEASE
                + "/proc/self/status")).replace("CapEff:\t000001fffeffffff", "CapEff:\t0000000000000000");
        ProcessStatus s = ProcessStatus.parse(text);
        assertFalse(s.has(Capability.CAP_NET_ADMIN));
        assertTrue(s.permittedOnly(Capability.CAP_NET_ADMIN));
    }

    @Test
    void theRealProcessMatchesTheJdksUid() throws IOException {
        ProcessStatus s = ProcessStatus.query(Path.of("/"));
        assertEquals(new com.sun.security.auth.module.UnixSystem().getUid(), s.effectiveUid());
    }

    @Test
    void missingOrBrokenLinesAreNamed() throws IOException {
        String text = Files.readString(ProcfsFixtures.resource("procfs/" + ProcfsFixtures.DEV_RELEASE
                + "/proc/self/status"));
        String noCapEff = text.replaceAll("(?m)^CapEff:.*\n", "");
        assertEquals("status file lacks a CapEff line",
                assertThrows(IllegalArgumentException.class, () -> ProcessStatus.parse(noCapEff)).getMessage());
        String badMask = text.replace("CapEff:\t000001fffeffffff", "CapEff:\tzz");
        assertEquals("status CapEff 'zz' is not a 64-bit hex mask",
                assertThrows(IllegalArgumentException.class, () -> ProcessStatus.parse(badMask)).getMessage());
    }
}
