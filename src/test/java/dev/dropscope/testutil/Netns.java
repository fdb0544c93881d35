package dev.dropscope.testutil;

import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A private network namespace for a root test, named {@code ds-<task>-<pid>-<n>} so concurrent helpers
 * and test runs never collide; {@link #close()} deletes it (use try-with-resources, or @AfterAll).
 * Namespaces a crashed earlier run of the same task left behind (its pid is gone) are removed on create.
 *
 * <p>{@link #inside} runs code on a fresh thread that has setns(2)'d into the namespace: a netlink
 * socket opened there belongs to the namespace for its whole life, whichever thread uses it later.
 */
public final class Netns implements AutoCloseable {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Path RUN_NETNS = Path.of("/run/netns");

    private final String name;
    private boolean closed;

    private Netns(String name) {
        this.name = name;
    }

    /** Creates {@code ds-<task>-<pid>-<n>}; {@code task} is a short tag such as "netlink". */
    public static Netns create(String task) throws IOException {
        if (!task.matches("[a-z0-9]+")) {
            throw new IllegalArgumentException("task tag must be [a-z0-9]+: " + task);
        }
        removeStale(task);
        String name = "ds-" + task + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        run("ip", "netns", "add", name);
        return new Netns(name);
    }

    private static void removeStale(String task) {
        Pattern mine = Pattern.compile("ds-" + Pattern.quote(task) + "-(\\d+)-\\d+");
        if (!Files.isDirectory(RUN_NETNS)) {
            return;
        }
        try (Stream<Path> s = Files.list(RUN_NETNS)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Matcher m = mine.matcher(p.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    try {
                        run("ip", "netns", "delete", p.getFileName().toString());
                    } catch (IOException e) {
                        System.err.println("could not remove stale namespace " + p + ": " + e.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            System.err.println("could not list " + RUN_NETNS + ": " + e.getMessage());
        }
    }

    public String name() {
        return name;
    }

    /** Runs {@code ip -n <name> args...} and returns its output; fails with the output on a non-zero exit. */
    public String ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(new String[0]));
    }

    /**
     * Runs {@code ip -n <name> args...} that is expected to fail and returns its output (iproute2 prints
     * the kernel's extended-ack message as "Error: ..."); fails if the command succeeds.
     */
    public String ipFailing(String... args) throws IOException {
        try {
            String out = ip(args);
            throw new IllegalStateException("ip -n " + name + " " + String.join(" ", args) + " succeeded: " + out);
        } catch (IOException expected) {
            return expected.getMessage();
        }
    }

    /** Feeds {@code commands} (one per line) to {@code ip -n <name> -batch -}: many changes, one process. */
    public String ipBatch(List<String> commands) throws IOException {
        return runWithInput(String.join("\n", commands) + "\n", "ip", "-n", name, "-batch", "-");
    }

    /**
     * Joins {@code sender} to {@code receiver} by a veth pair, ds0 (10.231.7.1/24) in the sender and ds1
     * (10.231.7.2/24) in the receiver, both up with their loopbacks: the addresses every pair may reuse, as
     * containers do, since each pair has namespaces of its own.
     */
    public static void vethPair(Netns sender, Netns receiver) throws IOException {
        sender.ip("link", "add", "ds0", "type", "veth", "peer", "name", "ds1", "netns", receiver.name());
        sender.ip("addr", "add", "10.231.7.1/24", "dev", "ds0");
        receiver.ip("addr", "add", "10.231.7.2/24", "dev", "ds1");
        for (Netns n : new Netns[] {sender, receiver}) {
            n.ip("link", "set", "lo", "up");
            n.ip("link", "set", n == sender ? "ds0" : "ds1", "up");
        }
    }

    /** Two new namespaces ({@code senderTask}, {@code receiverTask}) joined as {@link #vethPair}: {sender, receiver}. */
    public static Netns[] vethPair(String senderTask, String receiverTask) throws IOException {
        Netns sender = create(senderTask);
        Netns receiver = null;
        try {
            receiver = create(receiverTask);
            vethPair(sender, receiver);
            return new Netns[] {sender, receiver};
        } catch (IOException | RuntimeException e) {
            closeAll(sender, receiver);
            throw e;
        }
    }

    /** Closes (deletes) each namespace that is not null, all of them even when one fails. */
    public static void closeAll(Netns... namespaces) throws IOException {
        IOException first = null;
        for (Netns n : namespaces) {
            try {
                if (n != null) {
                    n.close();
                }
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Sends {@code datagrams} 16-byte UDP datagrams to 127.0.0.1:9 (closed) from inside: that many NO_SOCKET drops. */
    public void sendToClosedPort(Syscalls sys, int datagrams) throws Exception {
        inside(sys, () -> {
            try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
                byte[] b = new byte[16];
                for (int i = 0; i < datagrams; i++) {
                    s.send(new java.net.DatagramPacket(b, b.length, new java.net.InetSocketAddress("127.0.0.1", 9)));
                }
            }
            return null;
        });
    }

    /** Runs {@code body} on a new thread inside this namespace and returns its result (or rethrows). */
    public <T> T inside(Syscalls sys, Callable<T> body) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                enter(sys);
                result.set(body.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "netns " + name);
        t.start();
        t.join();
        Throwable e = failure.get();
        if (e instanceof Exception) {
            throw (Exception) e;
        }
        if (e instanceof Error) {
            throw (Error) e;
        }
        return result.get();
    }

    private void enter(Syscalls sys) throws NativeIoException {
        byte[] path = (RUN_NETNS.resolve(name) + "\0").getBytes(StandardCharsets.UTF_8);
        NativeBuffer p = NativeBuffer.allocate(path.length);
        p.buffer().put(0, path);
        int fd = NativeIoException.check("open " + RUN_NETNS.resolve(name), sys.open(p, 0, O_RDONLY | O_CLOEXEC));
        try {
            NativeIoException.check("setns(" + name + ", CLONE_NEWNET)", sys.setns(fd, CLONE_NEWNET));
        } finally {
            sys.close(fd);
        }
    }

    /**
     * Makes the namespace again under the same name, as {@code ip netns delete NAME; ip netns add NAME} does,
     * and returns it (this one is closed). The old namespace is held open meanwhile, so the new one gets
     * another inode (a freed inode is handed out again).
     */
    public Netns recreate(Syscalls sys) throws IOException {
        int held = -1;
        if (!closed) {
            byte[] path = (RUN_NETNS.resolve(name) + "\0").getBytes(StandardCharsets.UTF_8);
            NativeBuffer p = NativeBuffer.allocate(path.length);
            p.buffer().put(0, path);
            held = NativeIoException.check("open " + RUN_NETNS.resolve(name), sys.open(p, 0, O_RDONLY | O_CLOEXEC));
        }
        try {
            close();
            run("ip", "netns", "add", name);
            return new Netns(name);
        } finally {
            if (held >= 0) {
                sys.close(held);
            }
        }
    }

    /** Deletes the namespace (sockets still open in it keep it alive until they close). */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            run("ip", "netns", "delete", name);
        }
    }

    /** Runs a command, returns stdout+stderr; a non-zero exit or a 60 s hang is an IOException with the output. */
    public static String run(String... cmd) throws IOException {
        return runWithInput(null, cmd);
    }

    private static String runWithInput(String stdin, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": still running after 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out.strip());
            }
            return out;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(String.join(" ", cmd));
        }
    }
}
