package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dropscope.sys.Errno;
import dev.dropscope.sys.NativeIoException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.AccessDeniedException;
import java.util.concurrent.Callable;

/** The one place a failure becomes an exit code, and Main's handlers that use it. */
class ExitCodesTest {

    @Test
    void badInputIsUsageARefusalIsPermissionTheRestFailure() {
        CommandLine cl = new CommandLine(new Main());
        assertEquals(ExitCodes.USAGE, ExitCodes.of(new CommandLine.ParameterException(cl, "bad")));
        assertEquals(ExitCodes.PERMISSION, ExitCodes.of(new NativeIoException("perf_event_open", Errno.EACCES)));
        assertEquals(ExitCodes.PERMISSION, ExitCodes.of(new CommandFailure("dropscope: x",
                new IOException("wrapped", new NativeIoException("setns", Errno.EPERM)))));
        assertEquals(ExitCodes.PERMISSION, ExitCodes.of(new AccessDeniedException("/sys/kernel/tracing")));
        assertEquals(ExitCodes.FAILURE, ExitCodes.of(new NativeIoException("bind", Errno.EADDRINUSE)));
        assertEquals(ExitCodes.FAILURE, ExitCodes.of(new IOException("Operation not permitted (EPERM)")));
        assertEquals(ExitCodes.FAILURE, ExitCodes.of(new IllegalStateException()));
    }

    @Command(name = "fails")
    static final class Fails implements Callable<Integer> {
        Exception failure;

        @Override
        public Integer call() throws Exception {
            throw failure;
        }
    }

    private static String[] run(Exception failure) {
        Fails f = new Fails();
        f.failure = failure;
        CommandLine cl = new CommandLine(new RootCommand()).addSubcommand(new CommandLine(f));
        Main.configure(cl);
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute("fails");
        return new String[] {String.valueOf(exit), err.toString()};
    }

    @Test
    void aCommandsOwnWordsArePrintedAsTheyAreWithTheCausesExitCode() {
        String[] r = run(new CommandFailure("dropscope watch: no drop source works: ...",
                new NativeIoException("bpf(BPF_MAP_CREATE)", Errno.EPERM)));
        assertEquals("4", r[0]);
        assertEquals("dropscope watch: no drop source works: ...\n", r[1]);
        r = run(new CommandFailure("dropscope serve: NET_DM is already monitoring", new IOException("busy")));
        assertEquals("1", r[0]);
        assertEquals("dropscope serve: NET_DM is already monitoring\n", r[1]);
    }

    @Test
    void anythingElseGetsTheGenericPrefix() {
        String[] r = run(new NativeIoException("setns", Errno.EPERM));
        assertEquals("4", r[0]);
        assertEquals("dropscope: error: setns: Operation not permitted (EPERM)\n", r[1]);
        r = run(new IOException("disk\nfull"));
        assertEquals("1", r[0]);
        assertEquals("dropscope: error: disk full\n", r[1]);
    }
}
