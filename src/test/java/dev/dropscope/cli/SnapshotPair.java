package dev.dropscope.cli;

import dev.dropscope.collect.StackLab;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * Two real snapshots of a {@link StackLab} namespace with a change in between: A is taken idle; then
 * net.core.somaxconn is raised, dsa's MTU lowered and its rp_filter loosened; B is taken while UDP goes to
 * a closed port (Udp.NoPorts and NO_SOCKET drops, so a finding appears). Used live by the diff test and,
 * once, to record the fixtures in src/test/resources/snapshots ({@link SnapshotFixtureRecorder}).
 */
final class SnapshotPair {
    private SnapshotPair() {
    }

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    /** Writes A and B into the given files (which must not exist). */
    static void take(StackLab lab, Path a, Path b) throws Exception {
        lab.sendTraffic();
        Run ra = run("snapshot", "--duration", "1s", "--source", "tracepoint", "--netns", lab.ns, "--output", a.toString());
        if (ra.exit() != 0) {
            throw new AssertionError("snapshot A: " + ra.err());
        }
        lab.exec("sysctl", "-qw", "net.core.somaxconn=512", "net.ipv4.conf." + StackLab.A + ".rp_filter=2");
        lab.exec("ip", "link", "set", StackLab.A, "mtu", "1300");
        // a few hundred datagrams/s to a closed port on lo, for longer than the window: setting up the drop
        // source and the first sample can take seconds on a loaded machine
        CompletableFuture<String> traffic = CompletableFuture.supplyAsync(() -> lab.exec("bash", "-c",
                "end=$((SECONDS + 8)); while [ $SECONDS -lt $end ]; do for i in $(seq 1 30); do"
                        + " echo x > /dev/udp/127.0.0.1/9 2>/dev/null; done; sleep 0.02; done; true"));
        Thread.sleep(300);
        Run rb = run("snapshot", "--duration", "2s", "--source", "tracepoint", "--netns", lab.ns, "--output", b.toString());
        traffic.join();
        if (rb.exit() != 0) {
            throw new AssertionError("snapshot B: " + rb.err());
        }
    }
}
