package dev.dropscope.sys;

/**
 * Linux errno values dropscope reacts to, with their symbolic names and glibc's messages. The table is
 * pure Java so a message never needs a native call (the layout probe checks the numbers).
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EINVAL = 22;
    public static final int EMFILE = 24;
    public static final int ENOTTY = 25;
    public static final int ENOSPC = 28;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;
    public static final int EMSGSIZE = 90;
    public static final int EPROTONOSUPPORT = 93;
    public static final int EOPNOTSUPP = 95;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int ENOBUFS = 105;
    public static final int ECONNREFUSED = 111;

    private static final String[][] TABLE = new String[134][];

    static {
        put(EPERM, "EPERM", "Operation not permitted");
        put(ENOENT, "ENOENT", "No such file or directory");
        put(ESRCH, "ESRCH", "No such process");
        put(EINTR, "EINTR", "Interrupted system call");
        put(EIO, "EIO", "Input/output error");
        put(ENXIO, "ENXIO", "No such device or address");
        put(E2BIG, "E2BIG", "Argument list too long");
        put(EBADF, "EBADF", "Bad file descriptor");
        put(EAGAIN, "EAGAIN", "Resource temporarily unavailable");
        put(ENOMEM, "ENOMEM", "Cannot allocate memory");
        put(EACCES, "EACCES", "Permission denied");
        put(EFAULT, "EFAULT", "Bad address");
        put(EBUSY, "EBUSY", "Device or resource busy");
        put(EEXIST, "EEXIST", "File exists");
        put(ENODEV, "ENODEV", "No such device");
        put(ENOTDIR, "ENOTDIR", "Not a directory");
        put(EINVAL, "EINVAL", "Invalid argument");
        put(EMFILE, "EMFILE", "Too many open files");
        put(ENOTTY, "ENOTTY", "Inappropriate ioctl for device");
        put(ENOSPC, "ENOSPC", "No space left on device");
        put(ERANGE, "ERANGE", "Numerical result out of range");
        put(ENOSYS, "ENOSYS", "Function not implemented");
        put(EMSGSIZE, "EMSGSIZE", "Message too long");
        put(EPROTONOSUPPORT, "EPROTONOSUPPORT", "Protocol not supported");
        put(EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported");
        put(EAFNOSUPPORT, "EAFNOSUPPORT", "Address family not supported by protocol");
        put(EADDRINUSE, "EADDRINUSE", "Address already in use");
        put(ENOBUFS, "ENOBUFS", "No buffer space available");
        put(ECONNREFUSED, "ECONNREFUSED", "Connection refused");
    }

    private Errno() {
    }

    private static void put(int errno, String name, String message) {
        TABLE[errno] = new String[] {name, message};
    }

    /** "EAGAIN", or "errno 200" for a value not in the table. Accepts errno or -errno. */
    public static String name(int errno) {
        int e = Math.abs(errno);
        return e >= 0 && e < TABLE.length && TABLE[e] != null ? TABLE[e][0] : "errno " + e;
    }

    /** glibc's strerror text, or "Unknown error N". Accepts errno or -errno. */
    public static String message(int errno) {
        int e = Math.abs(errno);
        return e >= 0 && e < TABLE.length && TABLE[e] != null ? TABLE[e][1] : "Unknown error " + e;
    }

    /** "Resource temporarily unavailable (EAGAIN)". */
    public static String describe(int errno) {
        return message(errno) + " (" + name(errno) + ")";
    }

    /** The failures a polling loop expects and handles without a stack trace. */
    public static boolean isExpected(int errno) {
        int e = Math.abs(errno);
        return e == EAGAIN || e == EINTR || e == ENOBUFS;
    }
}
