package dev.dropscope.cli;

import dev.dropscope.doctor.DoctorProbe;
import dev.dropscope.export.DoctorJson;
import dev.dropscope.export.DoctorText;
import dev.dropscope.model.DoctorReport;
import dev.dropscope.sys.Syscalls;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code dropscope doctor}: what this machine can tell us about drops, and the fix for what is missing. */
@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Check what this machine can tell us about packet drops, and how to fix what is missing.",
            "",
            "Doctor only reads and asks: it loads no module and leaves no mount behind. Each line says ok, "
                + "missing (not in this kernel or system), denied (present, but this process may not use it), "
                + "warn, info or error; anything not ok gets its fix below it.",
            ""},
        footerHeading = "%nChecks:%n",
        footer = {
            "  uid, CAP_NET_ADMIN   who we are; NET_DM and ctnetlink need CAP_NET_ADMIN",
            "  CAP_PERFMON          tracepoint events need CAP_PERFMON (or CAP_SYS_ADMIN)",
            "  perf_event_paranoid  without CAP_PERFMON only -1 allows raw tracepoint data",
            "  kptr_restrict        whether kernel addresses (drop locations) are shown to us",
            "  NET_DM               the drop_monitor generic netlink family; when missing,",
            "                       the kernel config tells not built from not loaded",
            "  tracefs              where tracepoint layouts are read; mounted privately",
            "                       (and unmounted) when the system has not mounted it",
            "  skb:kfree_skb        the drop tracepoint, its reason field, this kernel's",
            "                       drop-reason names",
            "  tracepoint source    perf_event_open on skb:kfree_skb, opened and closed",
            "  eBPF source          the --source ebpf program: maps made, verified, attached,",
            "                       all closed again; needs CAP_BPF + CAP_PERFMON (or root)",
            "  ethtool netlink      NIC ring and queue drop counters",
            "  rtnetlink            interface counters",
            "  ctnetlink            conntrack table statistics",
            "  kallsyms             whether drop locations can be named",
            "",
            "The drop source line says which source 'auto' would use: the eBPF program",
            "when it loads, else the skb:kfree_skb tracepoint, else NET_DM (hardware",
            "drops and packet payloads need NET_DM).",
            "",
            "Exit codes:",
            "  0  at least one drop source (eBPF, the tracepoint or NET_DM) works",
            "  1  doctor itself failed",
            "  2  bad command line",
            "  3  no drop source works on this machine: see the fixes"})
public final class DoctorCommand implements Callable<Integer> {

    /** Output formats. */
    enum Format { text, json }

    @Spec
    CommandSpec spec;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "Output format (default: ${DEFAULT-VALUE}). json: schema " + DoctorJson.SCHEMA + ".")
    Format format;

    @Option(names = {"-v", "--verbose"}, description = "Text format: also print each check's detail.")
    boolean verbose;

    @Override
    public Integer call() {
        DoctorReport report = new DoctorProbe(Syscalls.get(), Path.of("/")).run();
        var out = spec.commandLine().getOut();
        out.print(format == Format.json ? DoctorJson.render(report) : DoctorText.render(report, verbose));
        out.flush();
        return report.hasWorkingDropSource() ? ExitCodes.OK : ExitCodes.NO_DROP_SOURCE;
    }
}
