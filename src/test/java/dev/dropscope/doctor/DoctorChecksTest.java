package dev.dropscope.doctor;

import static dev.dropscope.model.CheckStatus.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.model.Check;
import dev.dropscope.model.DropSource;
import dev.dropscope.model.GenlFamilyInfo;
import dev.dropscope.netlink.NlMsg;
import dev.dropscope.netlink.genl.GenlController;
import dev.dropscope.netlink.genl.GenlFamily;
import dev.dropscope.perf.Tracefs;
import dev.dropscope.perf.TracepointFormat;
import dev.dropscope.procfs.KallsymsAccess;
import dev.dropscope.procfs.ProcessStatus;
import dev.dropscope.procfs.ProcfsFixtures;
import dev.dropscope.sys.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Verdicts judged from facts recorded on the dev machine and in the lab VM. */
class DoctorChecksTest {
    private static final String DEV = ProcfsFixtures.DEV_RELEASE;
    private static final String LAB = ProcfsFixtures.LAB_RELEASE;

    private static KernelFacts dev() {
        return KernelFacts.gather(ProcfsFixtures.resource("procfs/" + DEV));
    }

    private static KernelFacts lab(Path dir) throws IOException {
        return KernelFacts.gather(ProcfsFixtures.materialize("procfs/" + LAB, dir));
    }

    private static ProcessStatus nobody() throws IOException {
        return ProcessStatus.query(ProcfsFixtures.resource("procfs/" + DEV + "/nonroot"));
    }

    private static TracepointFormat format(String release, String event) throws IOException {
        try (Tracefs t = Tracefs.at(ProcfsFixtures.resource("tracefs/" + release))) {
            return t.readFormat("skb", event);
        }
    }

    @Test
    void devFactsAreRead() {
        KernelFacts k = dev();
        assertEquals(DEV, k.release());
        assertEquals("/proc/config.gz", k.config().orElseThrow().source());
        assertNull(k.configProblem());
        assertTrue(k.status().isRoot());
        assertEquals(OptionalInt.of(2), k.perfEventParanoid());
        assertFalse(k.supportsModules(), "# CONFIG_MODULES is not set");
    }

    @Test
    void netDmNotBuiltOnTheDevMachine() {
        Check c = DoctorChecks.netDmAbsent(dev(), true);
        assertEquals(MISSING, c.status());
        assertEquals("not built into this kernel", c.summary());
        assertTrue(c.detail().startsWith("# CONFIG_NET_DROP_MONITOR is not set in /proc/config.gz"), c.detail());
        assertEquals("rebuild the kernel with CONFIG_NET_DROP_MONITOR=y (it has no module support: CONFIG_MODULES "
                + "is not set); " + DoctorChecks.TRACEPOINT_INSTEAD, c.fix());
        assertFalse(DoctorChecks.netDmAbsent(dev(), false).fix().contains("tracepoint"),
                "no promise of the tracepoint when it does not work either");
    }

    @Test
    void netDmNotBuiltOnAModularKernel(@TempDir Path dir) throws IOException {
        Path root = ProcfsFixtures.materialize("procfs/" + LAB, dir);
        Path config = root.resolve("boot/config-" + LAB);
        Files.writeString(config, Files.readString(config).replace("CONFIG_NET_DROP_MONITOR=m",
                "# CONFIG_NET_DROP_MONITOR is not set"));
        Files.writeString(root.resolve("proc/modules"), "");
        Check c = DoctorChecks.netDmAbsent(KernelFacts.gather(root), true);
        assertEquals("not built into this kernel", c.summary());
        assertTrue(c.fix().startsWith("rebuild the kernel with CONFIG_NET_DROP_MONITOR=m, then: modprobe drop_monitor"),
                c.fix());
    }

    @Test
    void labModuleInstalledButNotLoadedIsNotAskedFor(@TempDir Path dir) throws IOException {
        Path root = ProcfsFixtures.materialize("procfs/" + LAB, dir);
        // the guest as it boots, before netdm-vm loads drop_monitor
        Files.writeString(root.resolve("proc/modules"), Files.readString(root.resolve("proc/modules"))
                .replaceAll("(?m)^drop_monitor .*\n", ""));
        KernelFacts k = KernelFacts.gather(root);
        Check c = DoctorChecks.netDmAbsent(k, true);
        assertEquals(MISSING, c.status());
        assertEquals("module drop_monitor is not loaded", c.summary());
        assertEquals("modprobe drop_monitor; " + DoctorChecks.TRACEPOINT_INSTEAD, c.fix());
        assertEquals("CONFIG_NET_DROP_MONITOR=m in /boot/config-" + LAB + "; not asked for, since asking would load it",
                c.detail());
    }

    @Test
    void labModuleBuiltButNotInstalled(@TempDir Path dir) throws IOException {
        Path root = ProcfsFixtures.materialize("procfs/" + LAB, dir);
        Files.delete(root.resolve("proc/modules"));
        Files.delete(root.resolve("lib/modules/" + LAB + "/modules.dep"));
        Check c = DoctorChecks.netDmAbsent(KernelFacts.gather(root), false);
        assertEquals("built as a module, but drop_monitor.ko is not installed", c.summary());
        assertEquals("install this kernel's full modules package (Ubuntu: linux-modules-extra-" + LAB
                + "), then: modprobe drop_monitor", c.fix());
    }

    @Test
    void loadedButAbsentMeansAnotherNetworkNamespace(@TempDir Path dir) throws IOException {
        // the guest's real module list says drop_monitor is loaded; a lookup that finds no family can only
        // come from a network namespace other than the initial one
        Check c = DoctorChecks.netDmAbsent(lab(dir), true);
        assertEquals("in the kernel, but not visible from this network namespace", c.summary());
        assertTrue(c.detail().startsWith("module drop_monitor is loaded; NET_DM answers only in the initial"), c.detail());
    }

    @Test
    void unknownWithoutConfigOrModuleLists(@TempDir Path root) throws IOException {
        // the lab guest as doctor really sees it: no /boot config and no /lib/modules (netdm-vm loads its
        // modules from elsewhere); with drop_monitor not loaded nothing says why NET_DM is absent
        Path src = ProcfsFixtures.resource("procfs/" + LAB);
        Files.createDirectories(root.resolve("proc/self"));
        Files.createDirectories(root.resolve("proc/sys/kernel"));
        Files.copy(src.resolve("proc/self/status"), root.resolve("proc/self/status"));
        Files.copy(src.resolve("proc/sys/kernel/osrelease"), root.resolve("proc/sys/kernel/osrelease"));
        Files.writeString(root.resolve("proc/modules"), "");
        KernelFacts k = KernelFacts.gather(root);
        assertEquals("no kernel config: neither /proc/config.gz nor /boot/config-" + LAB + " exists",
                k.configProblem());
        Check c = DoctorChecks.netDmAbsent(k, true);
        assertEquals("absent (no kernel config says why)", c.summary());
        assertTrue(c.fix().startsWith("modprobe drop_monitor; if no such module exists"), c.fix());
        assertTrue(DoctorChecks.kernel(k).detail().contains("will be guesses"));
    }

    private static Path labNetDm(String file) {
        return Path.of(System.getProperty("dropscope.repo", ".")).resolve("src/test/resources/fixtures/netdm").resolve(file);
    }

    /** The CTRL_CMD_NEWFAMILY reply recorded in the lab (src/test/resources/fixtures/netdm/ctrl-getfamily.hex). */
    private static GenlFamilyInfo recordedNetDmFamily() throws IOException {
        List<String> lines = Files.readAllLines(labNetDm("ctrl-getfamily.hex")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        byte[] reply = HexFormat.of().parseHex(lines.get(1).strip());
        ByteBuffer b = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
        GenlFamily f = GenlController.parseFamily(b, 0, NlMsg.length(b, 0));
        return new GenlFamilyInfo(f.name(), f.id(), f.version(), f.multicastGroups());
    }

    @Test
    void netDmPresentIsDeniedWithoutCapNetAdmin() throws IOException {
        GenlFamilyInfo netDm = recordedNetDmFamily();
        assertEquals("NET_DM", netDm.name());
        Check root = DoctorChecks.netDmPresent(netDm, 0, dev().status());
        assertEquals(OK, root.status());
        assertEquals("present: family id " + netDm.id() + ", answers", root.summary());
        assertTrue(root.detail().contains("multicast groups events=1"), root.detail());
        Check denied = DoctorChecks.netDmPresent(netDm, 0, nobody());
        assertEquals(DENIED, denied.status());
        assertEquals(DoctorChecks.RUN_AS_ROOT, denied.fix());
        Check old = DoctorChecks.netDmPresent(netDm, Errno.EOPNOTSUPP, dev().status());
        assertEquals(OK, old.status());
        assertTrue(old.detail().contains("an old NET_DM"), old.detail());
    }

    @Test
    void privilegesOfNobody() throws IOException {
        ProcessStatus s = nobody();
        assertEquals(INFO, DoctorChecks.uid(s).status());
        assertEquals(DENIED, DoctorChecks.capNetAdmin(s).status());
        assertEquals(DENIED, DoctorChecks.capPerfmon(s, OptionalInt.of(40)).status());
        Check paranoid = DoctorChecks.perfEventParanoid(dev().perfEventParanoid(), s);
        assertEquals(DENIED, paranoid.status());
        assertEquals("2: raw tracepoint samples need CAP_PERFMON", paranoid.summary());
        Check debian = DoctorChecks.perfEventParanoid(OptionalInt.of(3), s);
        assertTrue(debian.summary().contains("above 2"), debian.summary());
        assertEquals(OK, DoctorChecks.perfEventParanoid(OptionalInt.of(-1), s).status());
    }

    /**
     * A perf_event_paranoid the kernel will not let us read is a refusal, not a kernel without perf
     * events. The file is made a link to net.ipv4.route.flush, a real sysctl that is write-only even
     * for root: reading it is the kernel's own EACCES.
     */
    @Test
    void unreadablePerfEventParanoidIsDeniedNotAbsent(@TempDir Path dir) throws IOException {
        Path writeOnly = Path.of("/proc/sys/net/ipv4/route/flush");
        assertTrue(Files.exists(writeOnly), "needs IPv4's route/flush sysctl");
        Path root = ProcfsFixtures.materialize("procfs/" + LAB, dir);
        Path paranoid = root.resolve("proc/sys/kernel/perf_event_paranoid");
        Files.delete(paranoid);
        Files.createSymbolicLink(paranoid, writeOnly);

        KernelFacts k = KernelFacts.gather(root);
        assertEquals(OptionalInt.empty(), k.perfEventParanoid());
        Check c = DoctorProbe.privileges(k).stream()
                .filter(x -> x.id().equals("privileges.perf_event_paranoid")).findFirst().orElseThrow();
        assertEquals(DENIED, c.status(), c.toString());
        assertEquals("/proc/sys/kernel/perf_event_paranoid cannot be read: permission denied", c.summary());
        assertEquals(DoctorChecks.RUN_AS_ROOT, c.fix());
        // the other sysctls still read
        assertTrue(k.kptrRestrict().isPresent());
    }

    /** Absent stays absent: a kernel without perf events. */
    @Test
    void absentPerfEventParanoidIsMissing(@TempDir Path dir) throws IOException {
        Path root = ProcfsFixtures.materialize("procfs/" + LAB, dir);
        Files.delete(root.resolve("proc/sys/kernel/perf_event_paranoid"));
        KernelFacts k = KernelFacts.gather(root);
        assertEquals(java.util.Map.of(), k.unreadable());
        Check c = DoctorProbe.privileges(k).stream()
                .filter(x -> x.id().equals("privileges.perf_event_paranoid")).findFirst().orElseThrow();
        assertEquals(MISSING, c.status(), c.toString());
    }

    @Test
    void kptrRestrictVerdictAgreesWithWhatNobodyRecordedInKallsyms() throws IOException {
        // the same rule two ways: the kernel's answer recorded as nobody, and our reading of the sysctls
        KernelFacts k = dev();
        KallsymsAccess.Visibility seen = KallsymsAccess.query(ProcfsFixtures.resource("procfs/" + DEV + "/nonroot"));
        assertEquals(KallsymsAccess.Visibility.ZEROED, seen);
        Check kptr = DoctorChecks.kptrRestrict(k.kptrRestrict(), k.perfEventParanoid(), nobody());
        assertEquals(DENIED, kptr.status());
        assertEquals("0, but kernel addresses are hidden from us (no CAP_SYSLOG, and perf_event_paranoid is 2, "
                + "above 1)", kptr.summary());
        assertEquals(DENIED, DoctorChecks.kallsyms(seen).status());
        assertEquals(OK, DoctorChecks.kptrRestrict(k.kptrRestrict(), k.perfEventParanoid(), k.status()).status());
        assertEquals(OK, DoctorChecks.kallsyms(KallsymsAccess.query(ProcfsFixtures.resource("procfs/" + DEV)))
                .status());
    }

    @Test
    void capPerfmonOnKernelsBeforeIt() {
        ProcessStatus s = dev().status();
        Check c = DoctorChecks.capPerfmon(s, OptionalInt.of(37));
        assertEquals(OK, c.status());
        assertTrue(c.summary().startsWith("this kernel predates it"), c.summary());
    }

    @Test
    void kfreeSkbFromRecordedFormats() throws IOException {
        Check dev = DoctorChecks.kfreeSkb(Optional.of(format(DEV, "kfree_skb")));
        assertEquals(OK, dev.status());
        assertEquals("present (id 2310), 126 drop reasons", dev.summary());
        assertEquals("reason: enum skb_drop_reason at offset 36, 4 bytes; location at offset 16", dev.detail());
        assertEquals("present (id 1461), 102 drop reasons",
                DoctorChecks.kfreeSkb(Optional.of(format(LAB, "kfree_skb"))).summary());
        // consume_skb has the same shape minus the reason: what kfree_skb looked like before 5.17
        assertEquals(WARN, DoctorChecks.kfreeSkb(Optional.of(format(DEV, "consume_skb"))).status());
        assertEquals(MISSING, DoctorChecks.kfreeSkb(Optional.empty()).status());
    }

    @Test
    void dropReasonNamesLeaveOutTheEndMarker() throws IOException {
        TracepointFormat f = format(DEV, "kfree_skb");
        List<String> names = DoctorChecks.dropReasonNames(f);
        assertEquals(f.symbols("reason").size() - 1, names.size());
        assertEquals("NOT_SPECIFIED", names.get(0));
        assertEquals("RECURSION_LIMIT", names.get(names.size() - 1));
        assertFalse(names.contains("MAX"));
    }

    @Test
    void tracepointOpenResults() {
        ProcessStatus root = dev().status();
        assertEquals(OK, DoctorChecks.tracepointOpen(0, root, OptionalInt.of(2)).status());
        Check denied = DoctorChecks.tracepointOpen(-Errno.EACCES, root, OptionalInt.of(3));
        assertEquals(DENIED, denied.status());
        assertTrue(denied.summary().endsWith("(perf_event_paranoid is 3)"), denied.summary());
        assertEquals(MISSING, DoctorChecks.tracepointOpen(-Errno.ENOSYS, root, OptionalInt.empty()).status());
        Check odd = DoctorChecks.tracepointOpen(-Errno.EINVAL, root, OptionalInt.empty());
        assertEquals(ERROR, odd.status());
        assertTrue(odd.detail().endsWith("Invalid argument (EINVAL)"), odd.detail());
    }

    @Test
    void ebpfVerdicts() throws IOException {
        ProcessStatus root = dev().status();
        Check ok = DoctorChecks.ebpf(0, null, root, OptionalInt.of(2));
        assertEquals(OK, ok.status());
        assertTrue(ok.detail().endsWith("kernel.unprivileged_bpf_disabled=2"), ok.detail());
        // a user without CAP_BPF: denied, and the sysctl that also stands in the way is named
        Check denied = DoctorChecks.ebpf(-Errno.EPERM, null, nobody(), OptionalInt.of(2));
        assertEquals(DENIED, denied.status());
        assertTrue(denied.summary().contains("needs CAP_BPF and CAP_PERFMON"), denied.summary());
        assertTrue(denied.summary().endsWith("(kernel.unprivileged_bpf_disabled=2)"), denied.summary());
        assertEquals(MISSING, DoctorChecks.ebpf(-Errno.ENOSYS, null, root, OptionalInt.empty()).status());
        // root, and the verifier said no: its last words are the summary, on one line
        Check refused = DoctorChecks.ebpf(-Errno.EACCES, "0: (bf) r0 = r2\nR2 !read_ok", root, OptionalInt.of(0));
        assertEquals(ERROR, refused.status());
        assertEquals("the verifier refused the program: 0: (bf) r0 = r2 R2 !read_ok", refused.summary());
    }

    @Test
    void tracefsVerdicts() {
        assertEquals(DENIED, DoctorChecks.tracefsUnavailable(Errno.EPERM).status());
        assertEquals(MISSING, DoctorChecks.tracefsUnavailable(Errno.ENODEV).status());
        Check denied = DoctorChecks.tracefsUnavailable(Errno.EPERM);
        Check notTried = DoctorChecks.tracepointNotTried(denied);
        assertEquals(DENIED, notTried.status());
        assertEquals("source.tracepoint", notTried.id());
        Check notRead = DoctorChecks.kfreeSkbNotRead(denied);
        assertEquals(DENIED, notRead.status());
        assertEquals("tracepoint.kfree_skb", notRead.id());
        assertEquals(denied.fix(), notRead.fix());
        assertEquals(OK, DoctorChecks.tracefsFound(Tracefs.Origin.PRIVATE_MOUNT, Path.of("/tmp/x")).status());
    }

    @Test
    void ctnetlinkModuleNotLoadedIsNotAskedFor(@TempDir Path dir) throws IOException {
        Check c = DoctorChecks.ctnetlinkBeforeAsking(lab(dir)).orElseThrow();
        assertEquals(MISSING, c.status());
        assertTrue(c.summary().startsWith("module nf_conntrack_netlink is not loaded"), c.summary());
        assertEquals(Optional.empty(), DoctorChecks.ctnetlinkBeforeAsking(dev()), "built in on the dev kernel");
    }

    @Test
    void ctnetlinkErrors(@TempDir Path dir) throws IOException {
        KernelFacts lab = lab(dir);
        assertEquals(DENIED, DoctorChecks.ctnetlinkFailed(Errno.EPERM, lab).status());
        assertEquals(MISSING, DoctorChecks.ctnetlinkFailed(Errno.EOPNOTSUPP, lab).status());
        Check noNfnetlink = DoctorChecks.ctnetlinkFailed(Errno.EPROTONOSUPPORT, lab);
        assertEquals("nfnetlink is not loaded: no conntrack table statistics", noNfnetlink.summary());
        assertTrue(noNfnetlink.detail().endsWith("CONFIG_NETFILTER_NETLINK=m in /boot/config-" + LAB),
                noNfnetlink.detail());
    }

    @Test
    void ethtoolAbsentSaysWhatIsLost() {
        Check c = DoctorChecks.ethtoolAbsent(dev());
        assertEquals(MISSING, c.status());
        assertEquals("CONFIG_ETHTOOL_NETLINK=y in /proc/config.gz", c.detail());
    }

    @Test
    void bpfProgramsOnTheTracepointAreAFactWithTheirIds() {
        Check none = DoctorChecks.tracepointPrograms(new int[0], 0);
        assertEquals(OK, none.status());
        assertEquals("no BPF program is attached to skb:kfree_skb", none.summary());
        Check two = DoctorChecks.tracepointPrograms(new int[] {41, 97}, 0);
        assertEquals(INFO, two.status());
        assertEquals("2 BPF programs on skb:kfree_skb (id 41, 97): one that returns 0 hides drops from the "
                + "tracepoint source; the eBPF source sees them all", two.summary());
        assertEquals("bpftool prog show id 41 (whose it is)", two.fix());
        assertEquals(DENIED, DoctorChecks.tracepointPrograms(null, Errno.EPERM).status());
        Check failed = DoctorChecks.tracepointPrograms(null, Errno.EINVAL);
        assertEquals(ERROR, failed.status());
        assertTrue(failed.detail().startsWith("ioctl(PERF_EVENT_IOC_QUERY_BPF): "), failed.detail());
    }

    @Test
    void sourceChoice() throws IOException {
        Check netDmMissing = DoctorChecks.netDmAbsent(dev(), true);
        Check tracepointOk = DoctorChecks.tracepointOpen(0, dev().status(), OptionalInt.of(2));
        Check tracepointDenied = DoctorChecks.tracepointOpen(-Errno.EACCES, nobody(), OptionalInt.of(2));
        Check ebpfOk = DoctorChecks.ebpf(0, null, dev().status(), OptionalInt.of(2));
        Check ebpfDenied = DoctorChecks.ebpf(-Errno.EPERM, null, nobody(), OptionalInt.of(2));
        Check ebpfRefused = DoctorChecks.ebpf(-Errno.EACCES, "R1 invalid mem access 'scalar'", dev().status(),
                OptionalInt.of(2));

        // eBPF first: reasons, and the lowest cost at the full drop rate (README "Which source auto uses")
        DoctorChecks.Choice e = DoctorChecks.chooseSource(netDmMissing, ebpfOk, tracepointOk);
        assertEquals(DropSource.EBPF, e.source());
        assertEquals("it counts in the kernel, with reasons, at the lowest cost; NET_DM is not usable: missing: "
                + "not built into this kernel", e.reason());
        // the verifier refuses the program (an older kernel): the tracepoint, saying why not eBPF
        DoctorChecks.Choice t = DoctorChecks.chooseSource(netDmMissing, ebpfRefused, tracepointOk);
        assertEquals(DropSource.TRACEPOINT, t.source());
        assertEquals("eBPF is not usable (error: the verifier refused the program: R1 invalid mem access 'scalar'); "
                + "NET_DM is not usable: missing: not built into this kernel", t.reason());
        assertNull(DoctorChecks.chooseSource(netDmMissing, ebpfDenied, tracepointDenied).source());
        Check netDmOk = new Check("source.netdm", OK, "NET_DM", "present", null, null);
        DoctorChecks.Choice n = DoctorChecks.chooseSource(netDmOk, ebpfDenied, tracepointDenied);
        assertEquals(DropSource.NET_DM, n.source());
        assertTrue(n.reason().startsWith("neither eBPF (denied: refused: needs CAP_BPF"), n.reason());
        // all work: eBPF, because NET_DM summary alerts carry no reasons and the perf ring costs more
        DoctorChecks.Choice all = DoctorChecks.chooseSource(netDmOk, ebpfOk, tracepointOk);
        assertEquals(DropSource.EBPF, all.source());
        assertTrue(all.reason().contains("NET_DM is present too"), all.reason());
    }

    @Test
    void btfPresentAbsentAndUnusable() {
        Path f = Path.of("/sys/kernel/btf/vmlinux");
        Check ok = DoctorChecks.btf(f, 5_481_434, null, "each drop's interface", "the eBPF source runs on the raw tracepoint");
        assertEquals(new Check("btf", OK, "BTF", "/sys/kernel/btf/vmlinux (5.2 MiB): each drop's interface",
                "the eBPF source runs on the raw tracepoint", null), ok);
        Check missing = DoctorChecks.btf(f, -1, null, null, null);
        assertEquals(MISSING, missing.status());
        assertEquals("no /sys/kernel/btf/vmlinux: drop sites carry no interface or network namespace, and the eBPF "
                + "program uses the perf-event attach", missing.summary());
        assertTrue(missing.fix().startsWith("a kernel built with CONFIG_DEBUG_INFO_BTF=y"), missing.fix());
        Check bad = DoctorChecks.btf(f, 2048, "BTF truncated: 0 bytes, the header alone is 24", null, null);
        assertEquals(WARN, bad.status());
        assertEquals("/sys/kernel/btf/vmlinux (0.0 MiB) is not usable: BTF truncated: 0 bytes, the header alone is 24; "
                + "drop sites carry no interface or network namespace", bad.summary());
    }
}
