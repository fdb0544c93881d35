package dev.dropscope.procfs;

import dev.dropscope.sys.Fd;
import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A private network namespace, {@code ds-procfs-<random>}, deleted on close. Traffic in the live tests
 * never leaves it. {@link #call} runs code on a fresh thread that has {@code setns}'d into it: the way a
 * collector will read another namespace's /proc without forking.
 */
final class TestNetns implements AutoCloseable {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;

    final String name;

    private TestNetns(String name) {
        this.name = name;
    }

    static TestNetns create() {
        String name = "ds-procfs-" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffffL);
        LiveSystem.runOrFail("ip", "netns", "add", name);
        return new TestNetns(name);
    }

    /** Runs a command inside the namespace ({@code ip netns exec}); fails the test on a non-zero exit. */
    String exec(String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(List.of(command));
        return LiveSystem.run(cmd).outOrFail();
    }

    dev.dropscope.collect.Tools.Result execResult(String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(List.of(command));
        return LiveSystem.run(cmd);
    }

    /**
     * Runs {@code task} on a new thread moved into this namespace with setns(2). The thread ends with the
     * task, so no pooled thread is ever left in the wrong namespace.
     */
    <T> T call(Callable<T> task) throws Exception {
        FutureTask<T> future = new FutureTask<>(() -> {
            enter();
            return task.call();
        });
        Thread t = new Thread(future, "netns-" + name);
        t.start();
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception) {
                throw (Exception) e.getCause();
            }
            throw new AssertionError(e.getCause());
        }
    }

    private void enter() throws NativeIoException {
        Syscalls sys = Syscalls.get();
        byte[] path = ("/run/netns/" + name).getBytes(StandardCharsets.UTF_8);
        NativeBuffer buf = NativeBuffer.allocate(path.length + 1);
        buf.buffer().put(0, path);
        try (Fd fd = Fd.own(sys, "open /run/netns/" + name, sys.open(buf, 0, O_RDONLY | O_CLOEXEC))) {
            NativeIoException.check("setns " + name, sys.setns(fd.get(), CLONE_NEWNET));
        }
    }

    @Override
    public void close() {
        dev.dropscope.collect.Tools.Result r = LiveSystem.run(List.of("ip", "netns", "del", name));
        if (r.exit() != 0) {
            throw new AssertionError("could not delete netns " + name + ": " + r.err().strip());
        }
    }
}
