package dev.dropscope.cli;

import dev.dropscope.sys.Syscalls;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

/** {@code dropscope dropwatch}: dropwatch's interactive command language, as a drop-in replacement. */
@Command(name = "dropwatch", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {
            "Speak dropwatch's language on standard input, so scripts that pipe commands into dropwatch work",
            "unchanged: start, stop, exit, help, show, stats, set alertlimit N, set alertmode summary|packet,",
            "set trunc N, set queue N, set sw|hw true|false.",
            "",
            "Differences from dropwatch: unknown commands get an error, symbols are always on (-l kas is",
            "accepted), it works without NET_DM through the skb:kfree_skb tracepoint, and settings changed",
            "with 'set' are restored when it exits.",
            "",
            "Example:  printf 'set alertlimit 10\\nstart\\nexit\\n' | dropscope dropwatch"})
public final class DropwatchCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-l", "--lmethod"}, paramLabel = "kas|list",
            description = "Symbol lookup: 'kas' (/proc/kallsyms, the default) or 'list' to list methods.")
    String lookup = "kas";

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (lookup.equals("list")) {
            out.println("Available lookup methods:");
            out.println("kas - use /proc/kallsyms");
            return ExitCodes.OK;
        }
        if (!lookup.equals("kas")) {
            spec.commandLine().getErr().println("Unknown lookup method " + lookup);
            return ExitCodes.USAGE;
        }
        out.println("Initializing kallsyms db");
        try (StopSignal stop = StopSignal.install()) {
            DropwatchRepl repl = new DropwatchRepl(Syscalls.get(), out, System.console() != null, new SigintWhileMonitoring(), stop);
            return repl.run(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        }
    }

    /**
     * dropwatch's Ctrl-C: while monitoring it stops the monitoring and returns to the prompt instead of
     * ending the process; elsewhere it ends the process as usual (our shutdown hook restores the kernel).
     */
    static final class SigintWhileMonitoring implements DropwatchRepl.Interrupts {
        private volatile boolean interrupted;
        private SignalHandler previous;

        @Override
        public BooleanSupplier arm() {
            interrupted = false;
            try {
                previous = Signal.handle(new Signal("INT"), s -> interrupted = true);
            } catch (IllegalArgumentException e) {
                previous = null; // SIGINT ignored or reserved here (e.g. a background job): nothing to arm
            }
            return () -> interrupted;
        }

        @Override
        public void disarm() {
            if (previous != null) {
                Signal.handle(new Signal("INT"), previous);
                previous = null;
            }
        }
    }
}
