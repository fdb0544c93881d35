package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Doctor inside the lab VM (../shared/lab/netdm-vm), whose Debian kernel has NET_DM. The guest sees the
 * host's file system read-only, so it runs this build's classes straight from target/ with the test
 * JVM's own class path; no jar needs to be built first.
 */
@Tag("lab")
@EnabledIf("labAvailable")
class DoctorLabTest {

    static Path repo() {
        return Path.of(System.getProperty("dropscope.repo", ".")).toAbsolutePath().normalize();
    }

    static Path labScript() {
        return repo().resolve("../shared/lab/netdm-vm").normalize();
    }

    static boolean labAvailable() {
        return Files.isExecutable(labScript()) && DoctorCommandTest.isRoot();
    }

    private static List<String> tracefsMounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .filter(l -> l.split(" ").length > 2 && l.split(" ")[2].equals("tracefs")).toList();
    }

    @Test
    void netDmIsPresentInTheLabKernel(@TempDir Path scratch) throws IOException, InterruptedException {
        List<String> mountsBefore = tracefsMounts();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path stderr = scratch.resolve("stderr");
        Process p = new ProcessBuilder(labScript().toString(), "--timeout", "240", "--",
                java, "-cp", classPath, "dev.dropscope.cli.Main", "doctor", "--format", "json")
                .directory(repo().toFile())
                .redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // the script enforces --timeout 240 itself; this only guards against a hung script
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("netdm-vm did not return");
        }
        String err = Files.readString(stderr);
        assertNotEquals(125, p.exitValue(), "the lab itself failed:\n" + err);
        assertNotEquals(124, p.exitValue(), "the lab ran out of time:\n" + err);
        assertEquals(ExitCodes.OK, p.exitValue(), "doctor in the guest:\n" + out + err);

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

        assertEquals(mountsBefore, tracefsMounts(), "nothing of the guest's leaks onto the host");
    }
}
