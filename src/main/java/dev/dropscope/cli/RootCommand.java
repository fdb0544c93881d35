package dev.dropscope.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * The {@code dropscope} command itself: its options, description and exit codes. {@link Main} adds every
 * subcommand; {@code top} starts from this root with top alone ({@link Main#commandLine(String[])}).
 */
@Command(name = "dropscope",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Live Linux kernel packet-drop monitor: where the kernel drops packets, why, and what to do.",
            "",
            "On a terminal, 'dropscope' alone runs 'dropscope top', the live view.",
            "Start with 'dropscope doctor' to see what this machine can tell us."},
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  success",
            "  1  runtime failure (the message says what failed)",
            "  2  bad command line",
            "  3  doctor: no drop source works on this machine",
            "  4  missing privileges (root, CAP_NET_ADMIN, CAP_PERFMON)",
            "130  interrupted (Ctrl-C), after restoring the kernel's state"})
class RootCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--native", paramLabel = "jna|jnr", scope = CommandLine.ScopeType.INHERIT,
            converter = NativeBackend.class,
            description = "Native call backend (default: jna). Same as -Ddropscope.native=.")
    void setNative(String backend) {
        System.setProperty("dropscope.native", backend);
    }

    /** {@code --native}: jna or jnr. */
    static final class NativeBackend implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String backend) {
            if (!backend.equals("jna") && !backend.equals("jnr")) {
                throw new CommandLine.TypeConversionException("'" + backend + "' (expected jna or jnr)");
            }
            return backend;
        }
    }

    @Override
    public Integer call() {
        if (Main.onTerminal.getAsBoolean()) {
            return spec.commandLine().getSubcommands().get("top").execute();
        }
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCodes.OK;
    }
}
