package dev.dropscope.collect;

import dev.dropscope.model.Snapshot;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Cost of one {@link SocketCollector} sample (issue 17's budget: 10 000 sockets, 2 000 processes, under
 * 100 ms of CPU and 10 MB allocated). Not a test: a measurement, run as root:
 * {@code java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp target/test-classes:target/classes:$(cat cp.txt)
 * dev.dropscope.collect.SocketSampleCost} (the launcher's GC and compiler, which set the cold sample's cost).
 * A Python process in a namespace holds 5 000 connected TCP pairs (10 000 sockets, 200 of them with unread
 * data); 2 000 {@code sleep} processes stand for the rest of a host. Prints CPU time and allocation of the
 * collector's thread for the first sample (owner walk from an empty cache) and the next ones (cache).
 */
public final class SocketSampleCost {
    static final String HOLDER = String.join("\n",
            "import socket, resource, sys",
            "resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))",
            "l = socket.socket(); l.bind(('127.0.0.1', 9000)); l.listen(4096)",
            "keep = []",
            "for i in range(5000):",
            "    c = socket.create_connection(('127.0.0.1', 9000)); s, _ = l.accept(); keep += [c, s]",
            "    if i < 200: c.send(b'x' * 1000)",
            "print('ready', flush=True)",
            "sys.stdin.readline()",
            "");

    public static void main(String[] args) throws Exception {
        Syscalls sys = Syscalls.get();
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Path script = Files.createTempFile("holder", ".py");
        Files.writeString(script, HOLDER);
        Process holder = null;
        Process sleepers = null;
        try (Netns ns = Netns.create("sockcost")) {
            ns.ip("link", "set", "lo", "up");
            sleepers = new ProcessBuilder("bash", "-c", "for i in $(seq 2000); do sleep 600 & done; echo started; wait")
                    .redirectErrorStream(true).start();
            new BufferedReader(new InputStreamReader(sleepers.getInputStream())).readLine();
            String python = Netns.run("python3", "-c", "import sys; print(sys.executable)").strip();
            holder = new ProcessBuilder("ip", "netns", "exec", ns.name(), python, script.toString()).start();
            String line = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            if (!"ready".equals(line)) {
                throw new IllegalStateException("holder: " + line);
            }
            long procs;
            try (var s = Files.list(Path.of("/proc"))) {
                procs = s.filter(p -> p.getFileName().toString().matches("\\d+")).count();
            }
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            try (NetnsScope scope = NetnsScope.named(sys, ns.name()); SocketCollector warm = new SocketCollector(sys);
                 SocketCollector fresh = new SocketCollector(sys)) {
                List<String> rows = new ArrayList<>();
                scope.call(() -> {
                    for (int i = 0; i <= samples; i++) {
                        // the last one: a new collector (empty owner cache) on warmed-up code
                        SocketCollector c = i < samples ? warm : fresh;
                        long tid = Thread.currentThread().getId();
                        long cpu0 = mx.getCurrentThreadCpuTime();
                        long alloc0 = mx.getThreadAllocatedBytes(tid);
                        Snapshot.Builder b = Snapshot.builder();
                        c.collect(b);
                        long cpu = mx.getCurrentThreadCpuTime() - cpu0;
                        long alloc = mx.getThreadAllocatedBytes(tid) - alloc0;
                        Snapshot s = b.build();
                        rows.add(String.format((i < samples ? "sample %d" : "new collector (%d)") + ": %.1f ms CPU, %.2f MB allocated; %d sockets, %d kept, "
                                        + "%d with an owner; note: %s", i + 1, cpu / 1e6, alloc / 1e6,
                                s.sockets().total(), s.sockets().sockets().size(),
                                s.sockets().sockets().stream().filter(e -> e.pid() > 0).count(), s.sockets().ownersNote()));
                    }
                    return null;
                });
                System.out.println(procs + " processes on the host");
                rows.forEach(System.out::println);
            }
        } finally {
            if (holder != null) {
                holder.destroy();
            }
            if (sleepers != null) {
                // the sleeps are the shell's children: end them with their process group's leader gone
                sleepers.descendants().forEach(ProcessHandle::destroy);
                sleepers.destroy();
            }
            Files.deleteIfExists(script);
        }
    }
}
