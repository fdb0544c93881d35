package dev.dropscope.cli;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

/**
 * The dropwatch language on this machine, where NET_DM is missing: scripts piping commands get
 * dropwatch's messages, and `start` works through the tracepoint.
 */
@Needs(root = true)
class DropwatchReplTest {

    private static final DropwatchRepl.Interrupts NO_CTRL_C = new DropwatchRepl.Interrupts() {
        @Override
        public BooleanSupplier arm() {
            return () -> false;
        }

        @Override
        public void disarm() {
        }
    };

    private static String session(String commands) throws Exception {
        StringWriter out = new StringWriter();
        try (StopSignal stop = StopSignal.install()) {
            DropwatchRepl repl = new DropwatchRepl(Syscalls.get(), new PrintWriter(out, true), false, NO_CTRL_C, stop);
            assertEquals(ExitCodes.OK, repl.run(new BufferedReader(new StringReader(commands))));
        }
        return out.toString();
    }

    @Test
    void settingsAndErrorsAnswerAsDropwatchDoes() throws Exception {
        String out = session("set alertlimit 5\nset sw false\nset hw 1\nset sw maybe\nset alertmode packet\nbogus\nshow\nstats\nexit\n");
        List<String> lines = out.lines().toList();
        assertTrue(lines.get(0).startsWith("NET_DM family not found: using the skb:kfree_skb tracepoint"), out);
        assertTrue(lines.contains("setting alert capture limit to 5"), out);
        assertTrue(lines.contains("setting software drops monitoring to 0"), out);
        assertTrue(lines.contains("setting hardware drops monitoring to 1"), out);
        assertTrue(lines.contains("invalid boolean value"), out);
        assertTrue(lines.contains("Setting alert mode"), out);
        assertTrue(lines.contains("Failed config request, error: packet mode needs NET_DM, which this kernel lacks"), out);
        assertTrue(lines.contains("Unknown command: 'bogus' (type 'help' for the commands)"), out);
        assertTrue(lines.contains("Software statistics:"), out);
        assertEquals("Shutting down ...", lines.get(lines.size() - 1));
    }

    @Test
    void endOfInputTerminates() throws Exception {
        String out = session("help\n");
        assertTrue(out.contains("Command Syntax:\n"), out);
        assertTrue(out.endsWith("Terminating dropwatch...\n"), out);
    }

    @Test
    void startReportsDropsUntilTheAlertLimit() throws Exception {
        try (Netns ns = Netns.create("repl")) {
            ns.ip("link", "set", "lo", "up");
            CompletableFuture<String> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return session("set alertlimit 1\nstart\nexit\n");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            // keep dropping until the session has reported one alert (it needs a moment to open its events)
            for (int i = 0; i < 200 && !run.isDone(); i++) {
                ns.inside(Syscalls.get(), () -> {
                    try (DatagramSocket s = new DatagramSocket()) {
                        s.send(new DatagramPacket(new byte[1], 1, new InetSocketAddress("127.0.0.1", 9)));
                    }
                    return null;
                });
                Thread.sleep(50);
            }
            String out = run.get();
            List<String> lines = out.lines().toList();
            int activated = lines.indexOf("Kernel monitoring activated.");
            assertTrue(activated > 0, out);
            assertEquals("Enabling monitoring...", lines.get(activated - 2));
            assertEquals("Issue Ctrl-C to stop monitoring", lines.get(activated + 1));
            assertTrue(lines.get(activated + 2).matches("\\d+ drops at \\S+\\+[0-9a-f]+ \\(0x[0-9a-f]+\\) \\[software\\]"), out);
            assertEquals("Alert limit reached, deactivating!", lines.get(activated + 3), out);
            assertEquals(List.of("Deactivation requested, turning off monitoring", "Waiting for deactivation ack...",
                    "Got a stop message", "Shutting down ..."), lines.subList(activated + 4, lines.size()));
        }
    }

    @Test
    void listLookupMethods() {
        DoctorCommandTest.Result r = DoctorCommandTest.run("dropwatch", "-l", "list");
        assertEquals(ExitCodes.OK, r.exit());
        assertEquals("Available lookup methods:\nkas - use /proc/kallsyms\n", r.out());
        DoctorCommandTest.Result bad = DoctorCommandTest.run("dropwatch", "-l", "bfd");
        assertEquals(ExitCodes.USAGE, bad.exit());
        assertEquals("Unknown lookup method bfd\n", bad.err());
    }
}
