package dev.dropscope.cli;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropscope.testutil.Root;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged jar run as {@code nobody} (setpriv: uid and gid 65534, no groups, no capabilities), as a user
 * without sudo runs it: what works must work, and what cannot must say which capability it lacks, with the
 * documented exit code and never a stack trace. Runs under failsafe, after `package` made the jar; root is
 * needed only to switch to nobody.
 */
@Needs(root = true, tools = "setpriv")
class UnprivilegedIT {
    private static final Path JAR = Path.of(System.getProperty("dropscope.repo", "."), "target", "dropscope.jar");
    private static Path dir;
    private static Path jar;

    @BeforeAll
    static void copyJarWhereNobodyCanReadIt() throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR + " missing: failsafe runs after package");
        dir = Files.createTempDirectory("ds-nobody-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        jar = dir.resolve("dropscope.jar");
        Files.copy(JAR, jar, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterAll
    static void removeCopy() throws IOException {
        Files.deleteIfExists(jar);
        Files.deleteIfExists(dir);
    }

    private static PackageInstallIT.Result asNobody(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        return PackageInstallIT.run(cmd, Map.of("HOME", "/nonexistent"));
    }

    private static void noStackTrace(PackageInstallIT.Result r) {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception in thread"), "a stack trace:\n" + r.err());
    }

    @Test
    void helpWorks() throws Exception {
        PackageInstallIT.Result r = asNobody("--help");
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.out().startsWith("Usage: dropscope"), r.out());
    }

    @Test
    void doctorSaysWhichCapabilitiesAreMissing() throws Exception {
        PackageInstallIT.Result r = asNobody("doctor");
        noStackTrace(r);
        // this kernel has no NET_DM, and perf_event_paranoid above -1 keeps the tracepoint from nobody
        int paranoid = Integer.parseInt(Files.readString(Path.of("/proc/sys/kernel/perf_event_paranoid")).strip());
        if (paranoid > -1) {
            assertEquals(ExitCodes.NO_DROP_SOURCE, r.exit(), r.all());
            assertTrue(r.out().contains("drop source: none works"), r.out());
        }
        assertTrue(r.out().matches("(?s).*\\ndenied +CAP_NET_ADMIN .*"), r.out());
        assertTrue(r.out().matches("(?s).*\\ndenied +CAP_PERFMON +neither CAP_PERFMON nor CAP_SYS_ADMIN.*"), r.out());
        assertTrue(r.out().contains("uid                  65534 (not root)"), r.out());
    }

    @Test
    void snapshotCollectsWhatNobodyMayReadAndSaysWhatItLeftOut() throws Exception {
        PackageInstallIT.Result r = asNobody("snapshot", "--duration", "200ms");
        assertEquals(ExitCodes.OK, r.exit(), r.all());
        noStackTrace(r);
        JsonNode snap = new ObjectMapper().readTree(r.out());
        assertEquals("dropscope.snapshot/1", snap.get("schema").asText());
        assertTrue(snap.get("interfaces").size() >= 1, "no interfaces read as nobody");
        assertTrue(snap.get("interfaces").get(0).get("stats64").get("rx_packets").isNumber(), r.out());
        assertTrue(snap.get("drops").get("source").isNull(), "a drop source opened as nobody?");
        assertTrue(snap.get("drops").get("why").asText().contains("CAP_PERFMON"), snap.get("drops").toString());
        String note = r.err().lines().filter(l -> l.startsWith("dropscope snapshot: left out")).findFirst().orElse("");
        assertTrue(note.contains("drop sites (the skb:kfree_skb tracepoint needs CAP_PERFMON or CAP_SYS_ADMIN"), r.err());
        assertTrue(note.contains("conntrack statistics (ctnetlink needs CAP_NET_ADMIN)"), r.err());
    }

    @Test
    void watchRefusesInOneLineWithExitFour() throws Exception {
        PackageInstallIT.Result r = asNobody("watch", "--duration", "1s");
        assertEquals(ExitCodes.PERMISSION, r.exit(), r.all());
        assertEquals("", r.out());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("dropscope watch: no drop source works"), r.err());
        assertTrue(lines.get(0).contains("CAP_PERFMON or CAP_SYS_ADMIN") && lines.get(0).contains("CAP_NET_ADMIN"), r.err());
    }
}
