package dev.dropscope.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Loading the JNA binding in a fresh JVM starts no child process: JNA's default library search runs
 * {@code /sbin/ldconfig -p}, which leaves a "process reaper" thread behind (a minute, in a long-running
 * serve) and costs every command's start-up a fork; libc is the process itself and needs no search.
 */
class JnaLoadTest {

    /** Run in the child JVM: loads the binding, makes one real call, prints the threads there are. */
    public static void main(String[] args) {
        Syscalls sys = Syscalls.named("jna");
        int fd = sys.socket(1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0);
        System.out.println("socket " + (fd >= 0 ? "ok" : "failed " + fd));
        if (fd >= 0) {
            sys.close(fd);
        }
        Thread.getAllStackTraces().keySet().forEach(t -> System.out.println("thread " + t.getName()));
        System.out.println("children " + ProcessHandle.current().descendants().count());
    }

    @Test
    void loadingLibcRunsNoLdconfigAndLeavesNoReaperThread() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        // strace is not needed: a child started through ProcessBuilder always leaves the JDK's reaper thread
        Process p = new ProcessBuilder(java, "-cp", cp, JnaLoadTest.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().toList();
        assertTrue(lines.contains("socket ok"), "the binding works: " + out);
        assertTrue(lines.contains("thread main"), out);
        assertFalse(lines.contains("thread process reaper"), "a child process was started while loading JNA: " + out);
        assertTrue(lines.contains("children 0"), out);
    }
}
