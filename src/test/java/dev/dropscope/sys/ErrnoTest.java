package dev.dropscope.sys;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Function;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/** Errno's pure-Java table, checked against glibc itself (test code may call libc through JNA). */
class ErrnoTest {

    /** Every errno constant Errno declares, by reflection, so a new constant cannot skip the checks. */
    static List<Integer> declared() throws IllegalAccessException {
        List<Integer> values = new ArrayList<>();
        for (Field f : Errno.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                assertEquals(f.getName(), Errno.name(f.getInt(null)), "constant " + f.getName() + " has another name");
                values.add(f.getInt(null));
            }
        }
        assertTrue(values.size() >= 20, "found only " + values);
        return values;
    }

    @Test
    void namesAgreeWithGlibc() throws IllegalAccessException {
        Function strerrorname;
        try {
            strerrorname = Function.getFunction("c", "strerrorname_np"); // glibc 2.32+
        } catch (UnsatisfiedLinkError e) {
            assumeTrue(false, "this libc has no strerrorname_np");
            return;
        }
        for (int e : declared()) {
            assertEquals(strerrorname.invokeString(new Object[] {e}, false), Errno.name(e), "errno " + e);
        }
    }

    @Test
    void messagesAgreeWithGlibc() throws IllegalAccessException {
        Function strerror = Function.getFunction("c", "strerror");
        assumeTrue("Operation not permitted".equals(strerror.invokeString(new Object[] {Errno.EPERM}, false)),
                "libc messages are localized here");
        for (int e : declared()) {
            assertEquals(strerror.invokeString(new Object[] {e}, false), Errno.message(e), "errno " + e);
        }
        assertEquals(strerror.invokeString(new Object[] {4000}, false), Errno.message(4000));
    }

    @Test
    void acceptsErrnoOrMinusErrno() {
        assertEquals("EAGAIN", Errno.name(11));
        assertEquals("EAGAIN", Errno.name(-11));
        assertEquals("Resource temporarily unavailable (EAGAIN)", Errno.describe(-Errno.EAGAIN));
        assertEquals("No buffer space available (ENOBUFS)", Errno.describe(Errno.ENOBUFS));
    }

    @Test
    void unknownValuesGetANumberedName() {
        assertEquals("errno 200", Errno.name(200));
        assertEquals("errno 200", Errno.name(-200));
        assertEquals("Unknown error 200", Errno.message(200));
        assertEquals("Unknown error 200 (errno 200)", Errno.describe(200));
        assertEquals("errno 0", Errno.name(0));
        assertEquals("errno 92", Errno.name(92), "a real errno the table leaves out (ENOPROTOOPT)");
        assertEquals("errno 100000", Errno.name(100000));
    }

    /** Math.abs(Integer.MIN_VALUE) is negative: the lookup must not index the table with it. */
    @Test
    void theMostNegativeIntIsUnknownNotACrash() {
        String name = assertDoesNotThrow(() -> Errno.name(Integer.MIN_VALUE));
        assertTrue(name.startsWith("errno "), name);
        String message = assertDoesNotThrow(() -> Errno.message(Integer.MIN_VALUE));
        assertTrue(message.startsWith("Unknown error "), message);
        assertFalse(Errno.isExpected(Integer.MIN_VALUE));
    }

    @Test
    void onlyEagainEintrAndEnobufsAreExpected() throws IllegalAccessException {
        for (int e : declared()) {
            boolean expected = e == Errno.EAGAIN || e == Errno.EINTR || e == Errno.ENOBUFS;
            assertEquals(expected, Errno.isExpected(e), Errno.name(e));
            assertEquals(expected, Errno.isExpected(-e), "-" + Errno.name(e));
        }
    }
}
