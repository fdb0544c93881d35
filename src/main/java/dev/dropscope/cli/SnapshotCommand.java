package dev.dropscope.cli;

import dev.dropscope.collect.NetnsScope;
import dev.dropscope.collect.Sampler;
import dev.dropscope.export.SnapshotJson;
import dev.dropscope.model.Delta;
import dev.dropscope.model.Snapshot;
import dev.dropscope.sys.Errno;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code dropscope snapshot}: two samples {@code --duration} apart, printed with per-second rates. */
@Command(name = "snapshot", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Take two samples of the network stack's counters and settings and print the second "
                + "with per-second rates (interfaces, ethtool, protocol counters, softnet, conntrack, "
                + "neighbour tables, qdiscs, sysctls)."})
public final class SnapshotCommand implements Callable<Integer> {
    /** How long one sample may take before a slow collector is reported as timed out. */
    static final Duration BUDGET = Duration.ofSeconds(5);
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)?");

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "1s",
            description = "Time between the two samples, e.g. 500ms, 1s, 2m (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--format", paramLabel = "json", defaultValue = "json",
            description = "Output format (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--netns", paramLabel = "NAME",
            description = "Collect inside the named network namespace (as 'ip netns' lists them).")
    String netns;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of standard output.")
    Path output;

    @Override
    public Integer call() throws Exception {
        Duration interval = parseDuration(duration);
        if (!format.equals("json")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--format': '" + format + "' (expected json)");
        }
        PrintWriter err = spec.commandLine().getErr();
        Syscalls sys = Syscalls.get();
        NetnsScope scope;
        try {
            scope = netns == null ? NetnsScope.current() : NetnsScope.named(sys, netns);
        } catch (IOException e) {
            err.println("dropscope: " + e.getMessage());
            boolean denied = e instanceof NativeIoException
                    && (((NativeIoException) e).errno() == Errno.EPERM || ((NativeIoException) e).errno() == Errno.EACCES);
            return denied ? ExitCodes.PERMISSION : ExitCodes.FAILURE;
        }
        String json;
        try (scope; Sampler sampler = new Sampler(Sampler.standardCollectors(sys, scope), scope, BUDGET)) {
            Snapshot first = sampler.sample();
            long left = interval.toNanos() - (System.nanoTime() - first.monotonicNanos());
            if (left > 0) {
                Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
            }
            Snapshot second = sampler.sample();
            json = SnapshotJson.write(second, Delta.between(first, second));
        }
        if (output == null) {
            spec.commandLine().getOut().print(json);
            spec.commandLine().getOut().flush();
        } else {
            try {
                Files.writeString(output, json, StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("dropscope: cannot write " + output + ": " + e.getMessage());
                return ExitCodes.FAILURE;
            }
        }
        return ExitCodes.OK;
    }

    /** "500ms", "1s", "1.5s", "2m", or a plain number of seconds; at least 1 ms. */
    Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            double n = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double ms = unit.equals("ms") ? n : unit.equals("s") ? n * 1000 : n * 60_000;
            if (ms >= 1 && ms <= 24 * 3600_000.0) {
                return Duration.ofNanos((long) (ms * 1_000_000));
            }
        }
        throw new CommandLine.ParameterException(spec.commandLine(),
                "Invalid value for option '--duration': '" + text + "' (expected e.g. 500ms, 1s, 2m; 1 ms to 24 h)");
    }
}
