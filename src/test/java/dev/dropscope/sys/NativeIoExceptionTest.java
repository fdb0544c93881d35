package dev.dropscope.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

class NativeIoExceptionTest {

    @Test
    void expectedFailuresAreStackless() {
        for (int errno : new int[] {Errno.EAGAIN, Errno.EINTR, Errno.ENOBUFS, -Errno.EAGAIN}) {
            NativeIoException e = new NativeIoException("recv", errno);
            assertEquals(0, e.getStackTrace().length, Errno.name(errno) + " carries a stack trace");
        }
    }

    /** "This kernel has no such thing" is an answer, not a bug: also stackless. */
    @Test
    void absenceIsStackless() {
        for (int errno : new int[] {Errno.ENOENT, Errno.EPERM, Errno.EACCES, Errno.EOPNOTSUPP,
                Errno.EPROTONOSUPPORT, Errno.ENODEV}) {
            assertEquals(0, new NativeIoException("open", errno).getStackTrace().length, Errno.name(errno));
        }
    }

    @Test
    void unexpectedFailuresCarryATraceStartingAtTheCaller() {
        for (int errno : new int[] {Errno.EINVAL, Errno.EBADF, Errno.EFAULT, Errno.EMSGSIZE, 200}) {
            StackTraceElement[] trace = new NativeIoException("bind", errno).getStackTrace();
            assertTrue(trace.length > 0, Errno.name(errno) + " has no stack trace");
            assertEquals(NativeIoExceptionTest.class.getName(), trace[0].getClassName(), "top frame " + trace[0]);
            assertEquals("unexpectedFailuresCarryATraceStartingAtTheCaller", trace[0].getMethodName());
        }
    }

    @Test
    void messagesNameTheOperationTheTextAndTheSymbol() {
        assertEquals("recv: Resource temporarily unavailable (EAGAIN)", new NativeIoException("recv", Errno.EAGAIN).getMessage());
        assertEquals("recv: Resource temporarily unavailable (EAGAIN)", new NativeIoException("recv", -Errno.EAGAIN).getMessage());
        assertEquals("CTRL_CMD_GETFAMILY: No such file or directory (ENOENT): family NET_DM not found",
                new NativeIoException("CTRL_CMD_GETFAMILY", Errno.ENOENT, "family NET_DM not found").getMessage());
        assertEquals("bind: Invalid argument (EINVAL)", new NativeIoException("bind", Errno.EINVAL, "").getMessage());
        assertEquals("poll: Unknown error 300 (errno 300)", new NativeIoException("poll", 300).getMessage());
    }

    @Test
    void errnoIsPositiveAndTheOperationIsKept() {
        NativeIoException e = new NativeIoException("sendto", -Errno.ENOBUFS);
        assertEquals(Errno.ENOBUFS, e.errno());
        assertEquals("sendto", e.operation());
    }

    @Test
    void checkPassesResultsAndThrowsForMinusErrno() throws NativeIoException {
        assertEquals(0, NativeIoException.check("close", 0));
        assertEquals(7, NativeIoException.check("socket", 7));
        assertEquals(1L << 40, NativeIoException.check("mmap", 1L << 40));
        NativeIoException i = assertThrows(NativeIoException.class, () -> NativeIoException.check("recv", -Errno.EAGAIN));
        assertEquals(Errno.EAGAIN, i.errno());
        assertEquals(0, i.getStackTrace().length);
        NativeIoException l = assertThrows(NativeIoException.class, () -> NativeIoException.check("recvmsg", (long) -Errno.EBADF));
        assertEquals(Errno.EBADF, l.errno());
        assertEquals("recvmsg: Bad file descriptor (EBADF)", l.getMessage());
    }

    @Test
    void aNonsenseResultStillBecomesANativeIoException() {
        NativeIoException e = assertThrows(NativeIoException.class, () -> NativeIoException.check("ioctl", Integer.MIN_VALUE));
        assertTrue(e.getMessage().startsWith("ioctl: Unknown error"), e.getMessage());
    }

    @Test
    void deniedAndAbsentAreDecidedByErrno() {
        for (int errno : new int[] {Errno.EPERM, Errno.EACCES, -Errno.EPERM}) {
            NativeIoException e = new NativeIoException("open", errno);
            assertTrue(e.isDenied() && !e.isAbsent(), Errno.name(errno));
        }
        for (int errno : new int[] {Errno.ENOENT, Errno.ENODEV, Errno.ENXIO, Errno.ENOSYS, Errno.EOPNOTSUPP,
                Errno.EPROTONOSUPPORT, Errno.EAFNOSUPPORT}) {
            NativeIoException e = new NativeIoException("socket", errno);
            assertTrue(e.isAbsent() && !e.isDenied(), Errno.name(errno));
        }
        for (int errno : new int[] {Errno.EINVAL, Errno.EAGAIN, Errno.EBUSY, Errno.ENOMEM}) {
            NativeIoException e = new NativeIoException("bpf", errno);
            assertFalse(e.isAbsent() || e.isDenied(), Errno.name(errno));
        }
    }

    @Test
    void theCauseChainIsWalkedAndTheMessageIgnored() {
        NativeIoException eperm = new NativeIoException("mount(tracefs, /tmp/x)", Errno.EPERM);
        IOException wrapped = new IOException("the skb:kfree_skb tracepoint cannot be used", new IOException("x", eperm));
        assertTrue(NativeIoException.denied(wrapped));
        assertEquals(eperm, NativeIoException.in(wrapped).orElseThrow());
        assertFalse(NativeIoException.absent(wrapped));
        // the JDK's typed open(2) failures count; a message that merely reads like one does not
        assertTrue(NativeIoException.denied(new AccessDeniedException("/sys/kernel/tracing/events")));
        assertTrue(NativeIoException.absent(new UncheckedIOException(new NoSuchFileException("/proc/net/snmp6"))));
        assertFalse(NativeIoException.denied(new IOException("open: Permission denied (EACCES)")));
        assertFalse(NativeIoException.denied(new IOException((String) null)));
        assertFalse(NativeIoException.denied(null));
        assertTrue(NativeIoException.in(new IOException("no errno")).isEmpty());
    }

    @Test
    void aCauseChainThatLoopsEnds() {
        IOException a = new IOException("a");
        IOException b = new IOException("b", a);
        a.initCause(b);
        assertFalse(NativeIoException.denied(a));
    }
}
