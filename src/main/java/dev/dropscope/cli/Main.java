package dev.dropscope.cli;

import dev.dropscope.sys.Failures;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import java.util.function.BooleanSupplier;

/**
 * {@code dropscope}: the command-line entry point, with every subcommand (the root's options, description
 * and exit codes are {@link RootCommand}'s). Wiring only; the work lives in the other packages.
 */
@Command(subcommands = {TopCommand.class, DoctorCommand.class, WatchCommand.class, DropwatchCommand.class,
            SnapshotCommand.class, ReportCommand.class, DiffCommand.class, ServeCommand.class,
            CommandLine.HelpCommand.class})
public final class Main extends RootCommand {

    /** True when a person is at a terminal: then no subcommand means the live view. */
    static BooleanSupplier onTerminal = () -> System.console() != null;

    public static void main(String[] args) {
        TopCommand.preloadNative(args);
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit code (no System.exit, for tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine(args);
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
            err.println("dropscope: error: the native library could not be loaded: " + Failures.oneLine(e));
            return ExitCodes.FAILURE;
        }
    }

    /** The whole command line: every subcommand (help, the man page, completion). */
    static CommandLine commandLine() {
        return configure(new CommandLine(new Main()));
    }

    /**
     * The command line {@code args} need: for {@code top} (or nothing, on a terminal) the root with only
     * top, since building the model of all nine commands by reflection costs top's first frame some
     * 60-100 ms; for {@code serve} the root with only serve, since the other commands' models (and the
     * classes they pull in: Lanterna, report and snapshot code) would stay loaded for the agent's life,
     * some 400 classes; anything else gets the whole of it.
     */
    static CommandLine commandLine(String[] args) {
        String only = args.length == 0 ? (onTerminal.getAsBoolean() ? "top" : null)
                : args[0].equals("top") || args[0].equals("serve") ? args[0] : null;
        if (only == null) {
            return commandLine();
        }
        CommandLine cl = new CommandLine(new RootCommand());
        // before configure(): the handlers reach the subcommands there are
        cl.addSubcommand(only.equals("top") ? new TopCommand() : new ServeCommand());
        return configure(cl);
    }

    static CommandLine configure(CommandLine cl) {
        cl.setExitCodeExceptionMapper(ExitCodes.MAPPER);
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter e = ex.getCommandLine().getErr();
            e.println("dropscope: " + ex.getMessage());
            e.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            return ex.getCommandLine().getExitCodeExceptionMapper().getExitCode(ex);
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            // a CommandFailure is already worded by its command; anything else gets the generic prefix
            commandLine.getErr().println(ex instanceof CommandFailure ? ex.getMessage() : "dropscope: error: " + Failures.oneLine(ex));
            if (System.getenv("DROPSCOPE_DEBUG") != null) {
                (ex instanceof CommandFailure && ex.getCause() != null ? ex.getCause() : ex)
                        .printStackTrace(commandLine.getErr());
            }
            return commandLine.getExitCodeExceptionMapper().getExitCode(ex);
        });
        return cl;
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
