package dev.dropscope.cli;

import dev.dropscope.testutil.Needs;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;

/**
 * Doctor inside test/vm/netdm-vm, whose Debian kernel has NET_DM, in the same boot as {@link NetDmLabTest}
 * ({@link NetDmLab}). The guest sees the host's file system read-only, so it runs this build's classes
 * straight from target/ with the test JVM's own class path; no jar needs to be built first.
 */
@Tag("lab")
@Needs(root = true, tools = "qemu-system-x86_64")
class DoctorLabTest {

    @Test
    void netDmIsPresentInTheLabKernel() throws IOException, InterruptedException {
        NetDmLab.Result r = NetDmLab.scenario();
        String out = r.doctorJson();
        assertEquals(Integer.toString(ExitCodes.OK), r.checks().getOrDefault("doctor_exit", "missing"),
                "doctor in the guest:\n" + r.transcript());

        JsonNode j = new ObjectMapper().readTree(out);
        assertEquals("dropscope.doctor/1", j.get("schema").asText());
        assertNotEquals(System.getProperty("os.version"), j.get("kernel_release").asText(), "ran in the guest");
        JsonNode netDm = j.get("genl_families").get("NET_DM");
        assertNotNull(netDm, out);
        assertTrue(netDm.get("id").asInt() > 0x10, "a dynamic genl id: " + netDm);
        assertTrue(netDm.get("multicast_groups").has("events"), netDm.toString());
        // every source works in the guest: auto takes eBPF (reasons, lowest cost), NET_DM stays available
        assertEquals("ebpf", j.get("drop_source").get("auto").asText(), out);
        assertTrue(j.get("drop_source").get("reason").asText().contains("NET_DM is present too"), out);
        for (JsonNode c : j.get("checks")) {
            if (c.get("id").asText().equals("source.netdm")) {
                assertEquals("ok", c.get("status").asText(), c.toString());
            }
            if (c.get("id").asText().equals("source.ebpf")) {
                assertEquals("ok", c.get("status").asText(), "the guest's verifier takes the program: " + c);
            }
            if (c.get("id").asText().equals("source.tracepoint")) {
                assertEquals("ok", c.get("status").asText(), "the guest's tracepoint works too: " + c);
            }
        }
        assertTrue(j.get("drop_reasons").size() > 50, out);

        assertEquals(r.tracefsBefore(), r.tracefsAfter(), "nothing of the guest's leaks onto the host");
    }
}
