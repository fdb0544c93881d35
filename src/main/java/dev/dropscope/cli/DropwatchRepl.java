package dev.dropscope.cli;

import static dev.dropscope.netlink.genl.netdm.NetDmConstants.NET_DM_ALERT_MODE_PACKET;
import static dev.dropscope.netlink.genl.netdm.NetDmConstants.NET_DM_ALERT_MODE_SUMMARY;

import dev.dropscope.collect.DropMonitor;
import dev.dropscope.doctor.DropMonitors;
import dev.dropscope.collect.DropReportBuilder;
import dev.dropscope.collect.DropWatcher;
import dev.dropscope.collect.NetDmMonitor;
import dev.dropscope.collect.NetDmSession;
import dev.dropscope.diagnosis.BenignDrops;
import dev.dropscope.export.WatchDropwatch;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.ResolvedPacket;
import dev.dropscope.netlink.NetlinkException;
import dev.dropscope.netlink.genl.netdm.NetDmConfig;
import dev.dropscope.netlink.genl.netdm.NetDmStats;
import dev.dropscope.procfs.Kallsyms;
import dev.dropscope.procfs.NetDevices;
import dev.dropscope.sys.Errno;
import dev.dropscope.sys.Syscalls;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * dropwatch's interactive language, with its messages, so scripts that pipe commands into dropwatch
 * work unchanged. Unlike dropwatch: unknown commands get an error, symbols are on by default, and it
 * works without NET_DM (through the tracepoint, saying so). Settings changed with {@code set} are put
 * back as they were when the session ends.
 */
final class DropwatchRepl {
    private final Syscalls sys;
    private final PrintWriter out;
    private final boolean prompt;
    private final Interrupts interrupts;
    private final StopSignal stop;
    private final Optional<NetDmSession> config;

    private long alertLimit;
    private boolean packetMode;
    private Integer trunc;
    private Integer queue;
    private boolean software = true;
    private boolean hardware;

    /** Ctrl-C while monitoring stops the monitoring and returns to the prompt, as in dropwatch. */
    interface Interrupts {
        /** Arms the handler; the supplier turns true at Ctrl-C. */
        BooleanSupplier arm();

        void disarm();
    }

    DropwatchRepl(Syscalls sys, PrintWriter out, boolean prompt, Interrupts interrupts, StopSignal stop) throws IOException {
        this.sys = sys;
        this.stop = stop;
        this.out = out;
        this.prompt = prompt;
        this.interrupts = interrupts;
        this.config = NetDmSession.open(sys);
        config.ifPresent(stop::guard);
        if (config.isEmpty()) {
            out.println("NET_DM family not found: using the skb:kfree_skb tracepoint instead "
                    + "(software drops with reasons, summary mode only)");
        }
    }

    /** Reads commands until exit or end of input; returns the exit code. */
    int run(BufferedReader in) throws IOException {
        try {
            while (true) {
                if (prompt) {
                    out.print("dropwatch> ");
                    out.flush();
                }
                String line = stop.requested() ? null : in.readLine();
                if (line == null) {
                    out.println("Terminating dropwatch...");
                    return ExitCodes.OK;
                }
                if (!execute(line.trim())) {
                    out.println("Shutting down ...");
                    return ExitCodes.OK;
                }
                out.flush();
            }
        } finally {
            out.flush();
            if (config.isPresent()) {
                config.get().close(); // puts back what `set` changed
            }
        }
    }

    /** Runs one command; false for exit. */
    boolean execute(String line) throws IOException {
        if (line.isEmpty()) {
            return true;
        }
        String[] w = line.split("\\s+");
        switch (w[0]) {
            case "exit":
            case "quit":
                return false;
            case "help":
                help();
                break;
            case "start":
                start();
                break;
            case "stop":
                out.println("Deactivation requested, turning off monitoring");
                out.println("Waiting for deactivation ack...");
                out.println("Got a stop message");
                break;
            case "show":
                show();
                break;
            case "stats":
                stats();
                break;
            case "set":
                set(w);
                break;
            default:
                out.println("Unknown command: '" + line + "' (type 'help' for the commands)");
        }
        return true;
    }

    private void help() {
        out.println("Command Syntax:");
        out.println("exit\t\t\t\t - Quit dropwatch");
        out.println("help\t\t\t\t - Display this message");
        out.println("set:");
        out.println("\talertlimit <number>\t - capture only this many alert packets");
        out.println("\talertmode <mode>\t - set mode to \"summary\" or \"packet\"");
        out.println("\ttrunc <len>\t\t - truncate packets to this length. Only applicable when \"alertmode\" is set to \"packet\"");
        out.println("\tqueue <len>\t\t - queue up to this many packets in the kernel. Only applicable when \"alertmode\" is set to \"packet\"");
        out.println("\tsw <true | false>\t - monitor software drops");
        out.println("\thw <true | false>\t - monitor hardware drops");
        out.println("start\t\t\t\t - start capture");
        out.println("stop\t\t\t\t - stop capture");
        out.println("show\t\t\t\t - show existing configuration");
        out.println("stats\t\t\t\t - show statistics");
    }

    private void set(String[] w) throws IOException {
        if (w.length != 3) {
            out.println("Usage: set alertlimit|alertmode|trunc|queue|sw|hw <value> (type 'help')");
            return;
        }
        switch (w[1]) {
            case "alertlimit": {
                Long n = number(w[2], Long.MAX_VALUE);
                if (n != null) {
                    alertLimit = n;
                    out.println("setting alert capture limit to " + n);
                }
                break;
            }
            case "alertmode":
                if (!w[2].equals("summary") && !w[2].equals("packet")) {
                    out.println("invalid alert mode '" + w[2] + "' (summary or packet)");
                    return;
                }
                out.println("Setting alert mode");
                if (w[2].equals("packet") && config.isEmpty()) {
                    out.println("Failed config request, error: packet mode needs NET_DM, which this kernel lacks");
                    return;
                }
                if (configure(w[2].equals("packet") ? NET_DM_ALERT_MODE_PACKET : NET_DM_ALERT_MODE_SUMMARY, null, null)) {
                    packetMode = w[2].equals("packet");
                    out.println("Alert mode successfully set");
                }
                break;
            case "trunc": {
                Long n = number(w[2], 0xffffffffL);
                if (n != null) {
                    out.println("Setting truncation length to " + n);
                    if (configure(null, n.intValue(), null)) {
                        trunc = n.intValue();
                        out.println("Truncation length successfully set");
                    }
                }
                break;
            }
            case "queue": {
                Long n = number(w[2], 0xffffffffL);
                if (n != null) {
                    out.println("Setting queue length to " + n);
                    if (configure(null, null, n.intValue())) {
                        queue = n.intValue();
                        out.println("Queue length successfully set");
                    }
                }
                break;
            }
            case "sw":
            case "hw": {
                Boolean b = bool(w[2]);
                if (b == null) {
                    out.println("invalid boolean value");
                    return;
                }
                if (w[1].equals("sw")) {
                    software = b;
                } else {
                    hardware = b;
                }
                out.println("setting " + (w[1].equals("sw") ? "software" : "hardware") + " drops monitoring to " + (b ? 1 : 0));
                break;
            }
            default:
                out.println("Unknown setting '" + w[1] + "' (type 'help')");
        }
    }

    private Long number(String s, long max) {
        try {
            long n = Long.parseLong(s);
            if (n >= 0 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        out.println("invalid number '" + s + "'");
        return null;
    }

    private static Boolean bool(String s) {
        switch (s) {
            case "true":
            case "1":
                return true;
            case "false":
            case "0":
                return false;
            default:
                return null;
        }
    }

    /** CONFIG on the kernel (NET_DM), or just remembered for the tracepoint. */
    private boolean configure(Integer mode, Integer truncLen, Integer queueLen) throws IOException {
        if (config.isEmpty()) {
            out.println("(NET_DM not in this kernel: the setting applies to nothing the tracepoint source does)");
            return true;
        }
        try {
            config.get().setConfig(mode, truncLen, queueLen);
            return true;
        } catch (NetlinkException e) {
            out.println("Failed config request, error: " + Errno.message(e.errno())
                    + (e.errno() == Errno.EBUSY ? " (the kernel's drop monitor is running: stop it first)" : "")
                    + (e.extackMessage() != null ? " (" + e.extackMessage() + ")" : ""));
            return false;
        }
    }

    private void show() throws IOException {
        if (config.isEmpty()) {
            out.println("Alert mode: Summary (tracepoint source; NET_DM not in this kernel)");
            return;
        }
        NetDmConfig c = config.get().config();
        out.println("Alert mode: " + (c.alertMode() == NET_DM_ALERT_MODE_PACKET ? "Packet" : "Summary"));
        out.println("Truncation length: " + c.truncLen());
        out.println("Queue length: " + c.queueLen());
    }

    private void stats() throws IOException {
        if (config.isEmpty()) {
            out.println("Software statistics:");
            out.println("Tail dropped: 0 (tracepoint source: lost events are reported while monitoring)");
            return;
        }
        NetDmStats s = config.get().stats();
        out.println("Software statistics:");
        out.println("Tail dropped: " + Math.max(0, s.softwareTailDropped()));
        out.println("Hardware statistics:");
        out.println("Tail dropped: " + Math.max(0, s.hardwareTailDropped()));
    }

    private void start() throws IOException {
        out.println("Enabling monitoring...");
        out.flush();
        DropMonitor monitor;
        try {
            NetDmMonitor.Options o = NetDmMonitor.Options.defaults().withSoftware(software).withHardware(hardware)
                    .withPacketMode(packetMode);
            monitor = stop.guard(DropMonitors.open(sys, config.isPresent() ? DropMonitors.Requested.NETDM
                    : DropMonitors.Requested.TRACEPOINT, o));
        } catch (NetDmSession.AlreadyMonitoringException e) {
            out.println("Failed activation request, error: " + Errno.message(Errno.EAGAIN) + " (" + e.getMessage() + ")");
            return;
        } catch (IOException e) {
            out.println("Failed activation request, error: " + e.getMessage());
            return;
        }
        WatchDropwatch fmt = new WatchDropwatch(out);
        try {
            out.println("Waiting for activation ack....");
            out.println("Kernel monitoring activated.");
            out.println("Issue Ctrl-C to stop monitoring");
            out.flush();
            Kallsyms kallsyms = null;
            try {
                kallsyms = Kallsyms.query(Path.of("/proc"));
            } catch (IOException e) {
                out.println("(kallsyms unreadable: " + e.getMessage() + ")");
            }
            DropReportBuilder builder = new DropReportBuilder(kallsyms, monitor.reasons(),
                    NetDevices.queryNames(Path.of("/sys")), BenignDrops::isBenign);
            BooleanSupplier ctrlC = interrupts.arm();
            BooleanSupplier interrupted = () -> ctrlC.getAsBoolean() || stop.requested();
            DropWatcher w = new DropWatcher(monitor, builder, new DropWatcher.Settings(1_000_000_000L, 0, alertLimit,
                    s -> true, 4096), new DropWatcher.Output() {
                        @Override
                        public int interval(DropReport report) {
                            return packetMode ? 0 : fmt.interval(report);
                        }

                        @Override
                        public void packet(ResolvedPacket packet) {
                            fmt.packet(packet, monitor.source());
                        }

                        @Override
                        public void flush() {
                            fmt.flush();
                        }
                    }, interrupted, Runtime.getRuntime().availableProcessors() * 4);
            w.run();
            if (alertLimit > 0 && w.records() >= alertLimit) {
                out.println("Alert limit reached, deactivating!");
            }
        } finally {
            interrupts.disarm();
            out.println("Deactivation requested, turning off monitoring");
            out.println("Waiting for deactivation ack...");
            monitor.close();
            stop.release(monitor);
            out.println("Got a stop message");
            out.flush();
        }
    }
}
