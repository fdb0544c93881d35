package dev.dropscope.cli;

import dev.dropscope.bpf.DropPrograms;
import dev.dropscope.collect.EbpfMonitor;
import dev.dropscope.collect.NetnsCountersCollector;
import dev.dropscope.collect.NetnsInterfaces;
import dev.dropscope.export.SnapshotFile;
import java.io.Writer;
import java.nio.file.FileAlreadyExistsException;
import java.util.function.LongFunction;
import dev.dropscope.collect.DropMonitor;
import dev.dropscope.doctor.DropMonitors;
import dev.dropscope.collect.DropReportBuilder;
import dev.dropscope.collect.SymbolTable;
import dev.dropscope.collect.DropWatcher;
import dev.dropscope.collect.NetDmMonitor;
import dev.dropscope.collect.NetDmSession;
import dev.dropscope.doctor.Privileges;
import dev.dropscope.diagnosis.BenignDrops;
import dev.dropscope.export.WatchFormat;
import dev.dropscope.model.DropSource;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.procfs.NetnsNames;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.ResolvedPacket;
import dev.dropscope.procfs.NetDevices;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.sys.NativeIoException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** {@code dropscope watch}: a scriptable stream of drops, and a drop-in for dropwatch's output. */
@Command(name = "watch", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Stream where the kernel drops packets, live: text, JSON Lines, or dropwatch's own lines.",
            "",
            "Prints one line per drop site per interval (text), one JSON object per site per interval (json),",
            "or exactly what dropwatch prints (dropwatch), until --duration, --limit or Ctrl-C.",
            "",
            "Sources: 'auto' counts in the kernel with an eBPF program (drop reasons, CPUs, the lowest cost),",
            "else reads the skb:kfree_skb tracepoint (reasons, CPUs, more CPU per drop), else NET_DM. Packet",
            "mode (--mode packet) uses NET_DM (payloads, input port), else the eBPF ring (location, reason,",
            "protocol); hardware drops (--hw) need NET_DM. 'dropscope doctor' says which one works and why.",
            "Whatever dropscope turns on in the kernel it turns off again, also on Ctrl-C/SIGTERM.",
            "",
            "Examples:",
            "  dropscope watch                                 # text, every second, until Ctrl-C",
            "  dropscope watch --duration 10s --format json    # JSON Lines, then a summary object",
            "  dropscope watch --reason NO_SOCKET --symbol 'udp*'",
            "  dropscope watch --source netdm --mode packet --trunc 96   # packets with their 5-tuple",
            "  dropscope watch --format dropwatch --limit 100  # what 'dropwatch -l kas' prints"},
        footerHeading = "%nExit codes:%n",
        footer = {"  0 done, 1 the source failed (message says why), 2 bad option, 4 missing privileges,",
            "  130 stopped by Ctrl-C (after printing the summary and restoring the kernel)"})
public final class WatchCommand implements Callable<Integer> {

    enum Mode { summary, packet }

    enum Format { text, json, dropwatch }

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    LiveOptions.LiveSource sourceOption;

    @Option(names = "--mode", paramLabel = "summary|packet",
            description = "summary: counts per site; packet: one record per dropped packet (NET_DM, or --source ebpf without payloads). Default: ${DEFAULT-VALUE}.")
    Mode mode = Mode.summary;

    @Option(names = "--sw", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Software drops (default: on).")
    boolean software = true;

    @Option(names = "--hw", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "Hardware drops from devlink traps (NET_DM; default: off).")
    boolean hardware;

    @Option(names = "--trunc", paramLabel = "BYTES", description = "Packet mode: bytes of each packet to copy (0 = all; NET_DM TRUNC_LEN).")
    Integer trunc;

    @Option(names = "--queue", paramLabel = "N", description = "Packet mode: NET_DM per-CPU queue length (kernel default 1000).")
    Integer queue;

    @Option(names = "--interval", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "1s",
            description = "Report every DURATION (default: ${DEFAULT-VALUE}).")
    long intervalMillis;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stop after DURATION (default: until Ctrl-C).")
    Long durationMillis;

    @Option(names = "--limit", paramLabel = "N", description = "Stop after N records (dropwatch's alertlimit).")
    Long limit;

    @Option(names = "--interface", paramLabel = "IF", description = "Only drops on input interface IF (NET_DM packet mode, or the eBPF source with BTF; repeatable).")
    List<String> interfaces = new ArrayList<>();

    @Option(names = "--netns", paramLabel = "NAME",
            description = "Only drops in network namespace NAME: an ip netns name, a container (RUNTIME:ID12 or the id), "
                    + "netns:INODE, or host for the machine's own (the eBPF source with BTF; repeatable). Followed while watching: a namespace made "
                    + "again under NAME, or a container started later, counts from the next report on; a NAME not found "
                    + "yet is waited for (said on stderr), its drops counted once it appears.")
    List<String> netnsNames = new ArrayList<>();

    @Option(names = "--reason", paramLabel = "NAME", description = "Only drops with reason NAME, e.g. NO_SOCKET (repeatable).")
    List<String> reasons = new ArrayList<>();

    @Option(names = "--symbol", paramLabel = "GLOB", description = "Only drops in functions matching GLOB, e.g. 'tcp_*' (repeatable).")
    List<String> symbols = new ArrayList<>();

    @Option(names = "--format", paramLabel = "text|json|dropwatch", description = "Output format (default: ${DEFAULT-VALUE}).")
    Format format = Format.text;

    @Option(names = "--pcap", paramLabel = "FILE",
            description = "Packet mode: also write the dropped packets as pcapng to FILE ('-': standard output, "
                    + "then without the text/JSON records; e.g. | wireshark -k -i -). FILE is written to a temporary "
                    + "file next to it (valid after each packet: readers may follow it) and renamed into place at the "
                    + "end; an existing FILE is refused unless --force is given.")
    String pcap;

    @Option(names = {"-f", "--force"}, description = "Replace an existing --pcap FILE.")
    boolean force;

    @Mixin
    LiveOptions.Takeover netDm;

    @Option(names = "--passive", description = "NET_DM: only listen to alerts already flowing; change nothing in the kernel.")
    boolean passive;

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private void validate() {
        if (intervalMillis < 10) {
            throw usage("--interval must be at least 10ms");
        }
        if (durationMillis != null && durationMillis <= 0) {
            throw usage("--duration must be positive");
        }
        if (limit != null && limit <= 0) {
            throw usage("--limit must be positive");
        }
        if (netDm.takeover && passive) {
            throw usage("--takeover and --passive exclude each other");
        }
        if (!software && !hardware) {
            throw usage("--no-sw without --hw watches nothing");
        }
        if ((trunc != null || queue != null) && mode != Mode.packet) {
            throw usage("--trunc and --queue apply to --mode packet");
        }
        if (trunc != null && (trunc < 0 || trunc > 65535)) {
            throw usage("--trunc must be 0 to 65535 bytes");
        }
        if (queue != null && (queue < 1 || queue > 1_000_000)) {
            throw usage("--queue must be 1 to 1000000");
        }
        if (pcap != null && mode != Mode.packet) {
            throw usage("--pcap needs --mode packet");
        }
        if (force && (pcap == null || pcap.equals("-"))) {
            throw usage("--force applies to --pcap FILE");
        }
        for (String r : reasons) {
            if (!r.matches("[A-Za-z0-9_]+")) {
                throw usage("--reason '" + r + "' is not a drop-reason name (e.g. NO_SOCKET; 'dropscope doctor' lists them)");
            }
        }
    }

    static Pattern glob(String g) {
        StringBuilder re = new StringBuilder();
        for (char c : g.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    /**
     * The user-space filter. A namespace that was one of --netns while watched stays kept after its name is
     * gone ({@code ip netns del}): what it dropped while it had the name, reported after, is not lost.
     */
    private Predicate<ResolvedDropSite> filter(KernelFilterNames resolved) {
        List<Pattern> globs = symbols.stream().map(WatchCommand::glob).toList();
        List<String> upperReasons = reasons.stream().map(String::toUpperCase).toList();
        return s -> (upperReasons.isEmpty() || (s.reason() != null && upperReasons.contains(s.reason())))
                && (globs.isEmpty() || (s.symbol() != null && globs.stream().anyMatch(p -> p.matcher(s.symbol()).matches())))
                && (interfaces.isEmpty() || (s.interfaceName() != null && interfaces.contains(s.interfaceName())))
                && (netnsNames.isEmpty() || (s.netns() != null && (netnsNames.stream().anyMatch(n -> netnsMatches(s.netns(), n))
                        || resolved.everMeant(s.netns().inode()))));
    }

    /** NAME is the namespace's ip netns name, its label (RUNTIME:ID12, netns:INODE), or its container's id or id prefix. */
    static boolean netnsMatches(NetnsIdentity ns, String name) {
        return name.equals(ns.name()) || name.equals(ns.label()) || name.equals("netns:" + ns.inode())
                || (ns.container() != null && name.length() >= 12 && ns.container().id().startsWith(name));
    }

    /** Names from /run/netns and /proc, for the builder (called on the watch thread; NetnsNames is not thread-safe). */
    static LongFunction<NetnsIdentity> netnsIdentities() {
        return netnsIdentities(NetnsNames.system());
    }

    /**
     * {@code builder} naming namespaces from /run/netns and /proc, and another namespace's interfaces by a
     * dump inside it, entered by its name or, unnamed (a container's), through a process in it. Returns it.
     */
    static DropReportBuilder withIdentities(DropReportBuilder builder, Syscalls sys) {
        return withIdentities(builder, sys, NetnsNames.system());
    }

    /** As {@link #withIdentities(DropReportBuilder, Syscalls)} from {@code names}, shared under its lock. */
    static DropReportBuilder withIdentities(DropReportBuilder builder, Syscalls sys, NetnsNames names) {
        NetnsInterfaces foreign = interfacesOf(sys, names);
        return builder.withNetnsNames(netnsIdentities(names))
                .withForeignInterfaces((n, ifindex) -> n == null ? null : foreign.name(n.inode(), ifindex));
    }

    /** Interface names in the namespaces {@code names} finds (sharing it under its lock). */
    static NetnsInterfaces interfacesOf(Syscalls sys, NetnsNames names) {
        return new NetnsInterfaces(sys, inode -> {
            synchronized (names) {
                return names.path(inode);
            }
        });
    }

    /** As {@link #netnsIdentities()} from {@code names}, which callers share only while holding its lock. */
    static LongFunction<NetnsIdentity> netnsIdentities(NetnsNames names) {
        return inode -> {
            synchronized (names) {
                return NetnsCountersCollector.identity(names.lookup(inode));
            }
        };
    }

    /**
     * What the eBPF program itself can leave out for {@code --netns}/{@code --interface} when the watch
     * starts: the namespaces the names mean now (by inode) and, with --interface, the devices' ifindexes in
     * each of them. No filter without --netns (an ifindex names a device only within its namespace). A name
     * that means nothing yet adds no key: the program keeps nothing of it until it appears, which the watch
     * follows at each report ({@link KernelFilterNames#refresh}). The user-space filter still runs.
     */
    static DropPrograms.Filter kernelFilter(List<String> netnsNames, List<String> interfaces, NetnsNames names,
                                            NetnsInterfaces devices) {
        return new KernelFilterNames(netnsNames, interfaces, names, devices).resolve();
    }

    /**
     * After a report has read the counts: the filter map gets the keys the names mean now (a namespace made
     * again, a container started since, a device made again). A failure is said once and the watch goes on
     * with the keys it had: the user-space filter still decides what is shown.
     */
    private static void followFilter(DropMonitor monitor, KernelFilterNames kf, PrintWriter err, boolean[] warned) {
        if (!(monitor instanceof EbpfMonitor m) || m.kernelFilter().keepsAll()) {
            return;
        }
        try {
            m.updateFilter(kf.refresh());
        } catch (IOException | RuntimeException e) {
            if (!warned[0]) {
                warned[0] = true;
                err.println("dropscope watch: warning: the eBPF filter could not follow --netns: " + e.getMessage());
                err.flush();
            }
        }
    }

    @Override
    public Integer call() throws IOException, CommandFailure {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        NetDmMonitor.Options netdm = NetDmMonitor.Options.defaults().withSoftware(software).withHardware(hardware)
                .withPacketMode(mode == Mode.packet).withTruncLen(trunc).withQueueLen(queue)
                .withExisting(passive ? NetDmSession.Existing.PASSIVE : netDm.existing());
        PcapOutput pcapOut;
        try {
            pcapOut = PcapOutput.open(pcap, force, trunc == null ? 0 : trunc);
        } catch (FileAlreadyExistsException e) {
            err.println("dropscope: " + pcap + " already exists; not overwriting it (use --force to replace it)");
            return ExitCodes.FAILURE;
        } catch (IOException e) {
            err.println("dropscope: cannot write " + pcap + ": " + SnapshotFile.reason(e));
            return ExitCodes.FAILURE;
        }
        if (pcapOut != null && pcapOut.toStdout()) {
            out = new PrintWriter(Writer.nullWriter()); // standard output carries the capture
        }
        try (pcapOut) {
            return watch(out, err, netdm, pcapOut);
        }
    }

    private Integer watch(PrintWriter out, PrintWriter err, NetDmMonitor.Options netdm, PcapOutput pcapOut)
            throws IOException, CommandFailure {
        Syscalls sys = Syscalls.get();
        WatchFormat fmt = WatchFormat.named(format.name(), out); // before the source opens: nothing to set up later
        NetnsNames names = NetnsNames.system();
        NetnsInterfaces foreign = interfacesOf(sys, names);
        KernelFilterNames kernelFilter = new KernelFilterNames(netnsNames, interfaces, names, foreign);
        try (StopSignal stop = StopSignal.install()) {
            DropMonitor monitor;
            try {
                monitor = stop.guard(DropMonitors.open(sys, sourceOption.source.requested(), netdm,
                        kernelFilter.resolve()));
            } catch (DropMonitors.NoDropSourceException | NetDmSession.AlreadyMonitoringException e) {
                throw dropSourceFailure("dropscope watch: ", e);
            }
            try {
                if (!reasons.isEmpty() && !monitor.hasReasons()) {
                    err.println("dropscope watch: --reason needs drop reasons, which NET_DM summary alerts do not carry;"
                            + " use --source ebpf or --source tracepoint, or --mode packet");
                    return ExitCodes.USAGE;
                }
                boolean netdmPorts = DropSource.NET_DM.id().equals(monitor.source()) && mode == Mode.packet;
                if (!interfaces.isEmpty() && !netdmPorts && monitor.identityUnknownWhy() != null) {
                    // only NET_DM packet alerts and the eBPF source with BTF name the interface: filtering the others would show nothing
                    err.println("dropscope watch: --interface needs NET_DM packet alerts or the eBPF source with BTF, which name "
                            + "the interface; " + monitor.identityUnknownWhy());
                    return ExitCodes.FAILURE;
                }
                if (!netnsNames.isEmpty() && monitor.identityUnknownWhy() != null) {
                    err.println("dropscope watch: --netns needs the eBPF source with BTF; " + monitor.identityUnknownWhy());
                    return ExitCodes.FAILURE;
                }
                for (String n : kernelFilter.missing()) {
                    // the kernel's filter and the user-space one keep nothing of it until it appears
                    err.println("dropscope watch: network namespace '" + n + "' not found yet; waiting for it "
                            + "(its drops count from the report after it appears)");
                }
                if (kernelFilter.truncated()) {
                    err.println("dropscope watch: warning: --netns/--interface mean more than "
                            + DropPrograms.Filter.CAPACITY + " (namespace, interface) pairs; the eBPF filter holds the first");
                }
                err.flush();
                boolean[] filterWarned = {false};
                // read in the background: the start record and the first quiet intervals do not wait for it
                SymbolTable kallsyms = SymbolTable.loadInBackground(e -> kallsymsWarning(err, e));
                Map<Integer, String> ifnames = NetDevices.queryNames(Path.of("/sys"));
                DropReportBuilder builder = DropReportBuilder.withSymbols(kallsyms, monitor.reasons(), ifnames, BenignDrops::isBenign)
                        .withNetnsNames(netnsIdentities(names));
                builder.withForeignInterfaces((n, ifindex) -> n == null ? null : foreign.name(n.inode(), ifindex));
                fmt.start(new WatchFormat.Start(monitor.source(), monitor.why(), intervalMillis, mode.name(),
                        builder.symbolsNote(), monitor.identityUnknownWhy()));
                DropWatcher.Settings settings = new DropWatcher.Settings(intervalMillis * 1_000_000L,
                        durationMillis == null ? 0 : durationMillis * 1_000_000L, limit == null ? 0 : limit, filter(kernelFilter),
                        Monitoring.MAX_SITES);
                DropWatcher watcher = new DropWatcher(monitor, builder, settings, new DropWatcher.Output() {
                    @Override
                    public int interval(DropReport report) {
                        // packet mode: the packets are the records; an interval adds only what the monitor lost
                        int records = fmt.interval(mode == Mode.packet ? report.withoutSites() : report);
                        followFilter(monitor, kernelFilter, err, filterWarned);
                        return records;
                    }

                    @Override
                    public void packet(ResolvedPacket packet) {
                        fmt.packet(packet, monitor.source());
                        if (pcapOut != null) {
                            pcapOut.packet(packet);
                        }
                    }

                    @Override
                    public void flush() {
                        fmt.flush();
                        if (pcapOut != null) {
                            pcapOut.flush();
                        }
                    }
                }, () -> stop.requested() || out.checkError() || (pcapOut != null && pcapOut.failed() != null),
                        Monitoring.cpuCount()); // a closed pipe, full disk or failed --pcap write ends the watch
                DropReport totals = watcher.run();
                fmt.summary(totals, monitor.health());
                if (pcapOut != null) {
                    // (still inside StopSignal: a SIGTERM now waits for the rename)
                    String failed = pcapOut.finish();
                    if (failed != null) {
                        err.println("dropscope: cannot write " + pcap + ": " + failed);
                        return ExitCodes.FAILURE;
                    }
                }
            } finally {
                monitor.close();
                stop.release(monitor);
            }
            return stop.requested() ? ExitCodes.INTERRUPTED : ExitCodes.OK;
        }
    }

    /**
     * A drop source that would not open, as watch and top word it: "dropscope watch: why", and for a
     * refusal which capabilities would help (the exit code, 4 for a refusal, is {@link ExitCodes#of}'s).
     */
    static CommandFailure dropSourceFailure(String prefix, Throwable e) {
        return new CommandFailure(prefix + e.getMessage()
                + (NativeIoException.denied(e) ? "; " + Privileges.dropSourceNeeds() : ""), e);
    }

    private static void kallsymsWarning(PrintWriter err, IOException e) {
        synchronized (err) {
            err.println("dropscope watch: warning: /proc/kallsyms: " + e.getMessage() + "; locations shown as addresses");
            err.flush();
        }
    }
}
