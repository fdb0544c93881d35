package dev.dropscope.doctor;

import dev.dropscope.testutil.Needs;
import static dev.dropscope.model.CheckStatus.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dropscope.model.Check;
import dev.dropscope.model.DoctorReport;
import dev.dropscope.model.DropSource;
import dev.dropscope.perf.Tracefs;
import dev.dropscope.sys.Syscalls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Doctor against the running kernel, as root; expectations come from the kernel's own files. */
@Needs(root = true)
class DoctorProbeTest {

    /** The running kernel's config text, read without our parser; empty when there is none. */
    private static String rawConfig() throws IOException {
        Path gz = Path.of("/proc/config.gz");
        if (!Files.exists(gz)) {
            return "";
        }
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> tracefsMounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .filter(l -> l.split(" ").length > 2 && l.split(" ")[2].equals("tracefs")).toList();
    }

    private static List<Path> leftoverMountDirs() throws IOException {
        try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("dropscope-tracefs-")).toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jna", "jnr"})
    void theRunningKernel(String backend) throws IOException {
        List<String> mountsBefore = tracefsMounts();
        List<Path> dirsBefore = leftoverMountDirs();

        DoctorReport r = new DoctorProbe(Syscalls.named(backend), Path.of("/")).run();

        assertEquals(System.getProperty("os.version"), r.kernelRelease());
        List<String> ids = r.checks().stream().map(Check::id).toList();
        assertEquals(ids.size(), new HashSet<>(ids).size(), "ids are unique: " + ids);
        assertEquals(List.of("kernel", "privileges.uid", "privileges.cap_net_admin", "privileges.cap_perfmon",
                "privileges.perf_event_paranoid", "privileges.kptr_restrict", "source.netdm", "tracefs",
                "tracepoint.kfree_skb", "source.tracepoint", "tracepoint.bpf_programs", "source.ebpf", "btf", "family.ethtool",
                "family.rtnetlink", "family.ctnetlink", "kallsyms"), ids);
        for (Check c : r.checks()) {
            assertNotEquals(ERROR, c.status(), c.toString());
        }
        // root: every privilege is ours
        assertEquals(OK, r.check("privileges.uid").orElseThrow().status());
        assertEquals(OK, r.check("privileges.cap_net_admin").orElseThrow().status());
        assertEquals(OK, r.check("source.tracepoint").orElseThrow().status());
        assertEquals(OK, r.check("source.ebpf").orElseThrow().status(), "the real verifier took the program");
        assertEquals(OK, r.check("kallsyms").orElseThrow().status());
        // this kernel has BTF: the eBPF source keys drops by interface and namespace on the raw tracepoint
        Check btf = r.check("btf").orElseThrow();
        assertEquals(OK, btf.status(), btf.toString());
        assertTrue(btf.summary().startsWith("/sys/kernel/btf/vmlinux ("), btf.summary());
        assertTrue(btf.summary().contains("each drop's interface and network namespace (sk_buff.dev at "), btf.summary());
        assertEquals("the eBPF source runs on the raw tracepoint and keys each drop by interface and namespace",
                btf.detail());

        // the drop reasons are this kernel's, first NOT_SPECIFIED (SKB_DROP_REASON_NOT_SPECIFIED = 2)
        try (Tracefs t = Tracefs.open(Syscalls.named(backend), Path.of("/"))) {
            assertEquals(DoctorChecks.dropReasonNames(t.readFormat("skb", "kfree_skb")), r.dropReasons());
        }
        assertEquals("NOT_SPECIFIED", r.dropReasons().get(0));

        // rtnetlink counts what /sys/class/net lists
        long links;
        try (var s = Files.list(Path.of("/sys/class/net"))) {
            links = s.count();
        }
        Check rtnl = r.check("family.rtnetlink").orElseThrow();
        assertEquals(OK, rtnl.status());
        assertEquals("answers: " + links + " interface" + (links == 1 ? "" : "s"), rtnl.summary());

        String config = rawConfig();
        if (config.contains("\nCONFIG_ETHTOOL_NETLINK=y\n")) {
            assertEquals(OK, r.check("family.ethtool").orElseThrow().status());
            assertTrue(r.genlFamilies().get("ethtool").id() > 0x10, "dynamic ids start after GENL_ID_CTRL");
        }
        if (config.contains("\nCONFIG_NF_CT_NETLINK=y\n")) {
            assertEquals(OK, r.check("family.ctnetlink").orElseThrow().status());
        }

        assertEquals(mountsBefore, tracefsMounts(), "doctor leaves no tracefs mounted");
        assertEquals(dirsBefore, leftoverMountDirs(), "doctor leaves no mount directory behind");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jna", "jnr"})
    void netDmNotBuiltHereSoEbpfIsChosen(String backend) throws IOException {
        assumeTrue(rawConfig().contains("\n# CONFIG_NET_DROP_MONITOR is not set\n"),
                "this kernel is built with NET_DM; the lab test covers that case");
        DoctorReport r = new DoctorProbe(Syscalls.named(backend), Path.of("/")).run();
        Check netDm = r.check("source.netdm").orElseThrow();
        assertEquals(MISSING, netDm.status());
        assertEquals("not built into this kernel", netDm.summary());
        assertTrue(netDm.fix().endsWith(DoctorChecks.TRACEPOINT_INSTEAD), netDm.fix());
        assertFalse(r.genlFamilies().containsKey("NET_DM"));
        assertEquals(OK, r.check("source.ebpf").orElseThrow().status());
        assertEquals(DropSource.EBPF, r.autoSource());
        assertTrue(r.hasWorkingDropSource());
    }

    @Test
    void aRootWithoutProcFilesStillGivesEveryLine(@TempDir Path empty) {
        // files unreadable (a root with nothing in it): the file-based checks say so, the kernel-facing
        // ones still answer, and nothing throws
        DoctorReport r = new DoctorProbe(Syscalls.get(), empty).run();
        assertEquals(System.getProperty("os.version"), r.kernelRelease());
        assertEquals(ERROR, r.check("privileges.uid").orElseThrow().status());
        assertEquals(ERROR, r.check("tracefs").orElseThrow().status(), "no proc/self/mounts to read");
        assertEquals(MISSING, r.check("kallsyms").orElseThrow().status());
        assertEquals(OK, r.check("family.rtnetlink").orElseThrow().status());
    }
}
