package dev.dropscope.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

/** {@code dropscope}: the command-line entry point. Wiring only; the work lives in the other packages. */
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
        subcommands = {TopCommand.class, DoctorCommand.class, WatchCommand.class, DropwatchCommand.class,
            SnapshotCommand.class, ReportCommand.class, DiffCommand.class, ServeCommand.class,
            CommandLine.HelpCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  success",
            "  1  runtime failure (the message says what failed)",
            "  2  bad command line",
            "  3  doctor: no drop source works on this machine",
            "  4  missing privileges (root, CAP_NET_ADMIN, CAP_PERFMON)",
            "130  interrupted (Ctrl-C), after restoring the kernel's state"})
public final class Main implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--native", paramLabel = "jna|jnr", scope = CommandLine.ScopeType.INHERIT,
            description = "Native call backend (default: jna). Same as -Ddropscope.native=.")
    void setNative(String backend) {
        if (!backend.equals("jna") && !backend.equals("jnr")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--native': '" + backend + "' (expected jna or jnr)");
        }
        System.setProperty("dropscope.native", backend);
    }

    /** True when a person is at a terminal: then no subcommand means the live view. */
    static BooleanSupplier onTerminal = () -> System.console() != null;

    @Override
    public Integer call() {
        if (onTerminal.getAsBoolean()) {
            return spec.commandLine().getSubcommands().get("top").execute();
        }
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCodes.OK;
    }

    public static void main(String[] args) {
        TopCommand.preloadNative(args);
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit code (no System.exit, for tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        try {
            int exit = cl.execute(args);
            // PrintWriter (and System.out under it) swallow write errors: a full disk or a closed pipe
            // would otherwise end in exit 0 with the output lost
            if (out.checkError() && exit == ExitCodes.OK) {
                err.println("dropscope: cannot write standard output (disk full, or the reader went away)");
                return ExitCodes.FAILURE;
            }
            return exit;
        } catch (LinkageError e) {
            // an Error, so picocli's exception handler never sees it: JNA or jnr could not load libc's binding
            err.println("dropscope: error: the native library could not be loaded: " + oneLine(e));
            return ExitCodes.FAILURE;
        }
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter e = ex.getCommandLine().getErr();
            e.println("dropscope: " + ex.getMessage());
            e.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("dropscope: error: " + oneLine(ex));
            if (System.getenv("DROPSCOPE_DEBUG") != null) {
                ex.printStackTrace(commandLine.getErr());
            }
            return ExitCodes.FAILURE;
        });
        return cl;
    }

    /** A one-line description of an unexpected failure; never a stack trace (DROPSCOPE_DEBUG=1 for one). */
    static String oneLine(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        }
        return m.replace('\n', ' ');
    }

    /** Version from the jar's filtered properties file. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/dropscope-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"dropscope " + p.getProperty("version", "unknown"),
                "Java " + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                    + System.getProperty("os.version") + " " + System.getProperty("os.arch")};
        }
    }
}
