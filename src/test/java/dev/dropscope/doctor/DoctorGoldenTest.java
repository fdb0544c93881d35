package dev.dropscope.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dropscope.export.DoctorJson;
import dev.dropscope.export.DoctorText;
import dev.dropscope.model.Check;
import dev.dropscope.model.DoctorReport;
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
import dev.dropscope.testutil.HexFixture;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Doctor's JSON and text, byte for byte, for reports judged from recorded facts (the dev machine's procfs,
 * the lab's skb:kfree_skb format and its CTRL_CMD_NEWFAMILY reply for NET_DM), as root and as nobody.
 * {@code -Ddropscope.golden.update=true} rewrites the files: read the diff before committing it.
 */
class DoctorGoldenTest {
    private static final Path DIR = Path.of(System.getProperty("dropscope.repo", ""), "src/test/resources/golden");

    private static void golden(String name, String actual) throws Exception {
        Path p = DIR.resolve(name);
        if (Boolean.getBoolean("dropscope.golden.update")) {
            Files.writeString(p, actual, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(p, StandardCharsets.UTF_8), actual, "golden " + p);
    }

    private static GenlFamilyInfo recordedNetDm() throws Exception {
        ByteBuffer b = ByteBuffer.wrap(HexFixture.load("fixtures/netdm/ctrl-getfamily.hex").entries().get(1).bytes())
                .order(ByteOrder.LITTLE_ENDIAN);
        GenlFamily f = GenlController.parseFamily(b, 0, NlMsg.length(b, 0));
        return new GenlFamilyInfo(f.name(), f.id(), f.version(), f.multicastGroups());
    }

    /** The checks in doctor's order, from recorded facts; {@code status} decides root or nobody. */
    private static DoctorReport report(ProcessStatus s, boolean netDm) throws Exception {
        KernelFacts k = KernelFacts.gather(ProcfsFixtures.resource("procfs/" + ProcfsFixtures.DEV_RELEASE));
        Path tracefsDir = ProcfsFixtures.resource("tracefs/" + ProcfsFixtures.LAB_RELEASE);
        TracepointFormat format;
        try (Tracefs t = Tracefs.at(tracefsDir)) {
            format = t.readFormat("skb", "kfree_skb");
        }
        boolean root = s.isRoot();
        List<Check> checks = new ArrayList<>();
        checks.add(DoctorChecks.kernel(k));
        checks.add(DoctorChecks.uid(s));
        checks.add(DoctorChecks.capNetAdmin(s));
        checks.add(DoctorChecks.capPerfmon(s, k.capLastCap()));
        checks.add(DoctorChecks.perfEventParanoid(k.perfEventParanoid(), s));
        checks.add(DoctorChecks.kptrRestrict(k.kptrRestrict(), k.perfEventParanoid(), s));
        Map<String, GenlFamilyInfo> families = new LinkedHashMap<>();
        Check netDmCheck;
        if (netDm) {
            GenlFamilyInfo f = recordedNetDm();
            families.put(f.name(), f);
            netDmCheck = DoctorChecks.netDmPresent(f, 0, s);
        } else {
            netDmCheck = DoctorChecks.netDmAbsent(k, root);
        }
        checks.add(netDmCheck);
        checks.add(DoctorChecks.tracefsFound(Tracefs.Origin.MOUNTED, Path.of("/sys/kernel/tracing")));
        checks.add(DoctorChecks.kfreeSkb(Optional.of(format)));
        Check open = DoctorChecks.tracepointOpen(root ? 0 : -Errno.EACCES, s, k.perfEventParanoid());
        checks.add(open);
        if (open.isOk()) {
            checks.add(DoctorChecks.tracepointPrograms(new int[] {41}, 0));
        }
        Check ebpf = DoctorChecks.ebpf(root ? 0 : -Errno.EPERM, null, s, java.util.OptionalInt.of(2));
        checks.add(ebpf);
        checks.add(DoctorChecks.ethtoolAbsent(k));
        checks.add(DoctorChecks.rtnetlink(4));
        checks.add(root ? DoctorChecks.ctnetlinkAnswered(12) : DoctorChecks.ctnetlinkFailed(Errno.EPERM, k));
        checks.add(DoctorChecks.kallsyms(root ? KallsymsAccess.Visibility.ADDRESSES : KallsymsAccess.Visibility.ZEROED));
        DoctorChecks.Choice c = DoctorChecks.chooseSource(netDmCheck, ebpf, open);
        return new DoctorReport(k.release(), checks, families, DoctorChecks.dropReasonNames(format), c.source(),
                c.reason());
    }

    @Test
    void rootWithNetDm() throws Exception {
        ProcessStatus root = KernelFacts.gather(ProcfsFixtures.resource("procfs/" + ProcfsFixtures.DEV_RELEASE)).status();
        DoctorReport r = report(root, true);
        golden("doctor-root.json", DoctorJson.render(r));
        golden("doctor-root.txt", DoctorText.render(r, false));
        golden("doctor-root-verbose.txt", DoctorText.render(r, true));
    }

    @Test
    void nobodyWithoutNetDm() throws Exception {
        ProcessStatus nobody = ProcessStatus.query(ProcfsFixtures.resource("procfs/" + ProcfsFixtures.DEV_RELEASE
                + "/nonroot"));
        DoctorReport r = report(nobody, false);
        golden("doctor-nobody.json", DoctorJson.render(r));
        golden("doctor-nobody-verbose.txt", DoctorText.render(r, true));
    }
}
