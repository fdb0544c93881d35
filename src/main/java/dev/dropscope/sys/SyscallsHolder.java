package dev.dropscope.sys;

/** Lazily creates each backend once: loading a native binding costs 100-200 ms, so only on first use. */
final class SyscallsHolder {
    static final String PROPERTY = "dropscope.native";

    private SyscallsHolder() {
    }

    private static final class Jna {
        static final Syscalls INSTANCE = new JnaSyscalls();
    }

    private static final class Jnr {
        static final Syscalls INSTANCE = new JnrSyscalls();
    }

    static Syscalls selected() {
        return named(System.getProperty(PROPERTY, "jna"));
    }

    static Syscalls named(String name) {
        switch (name) {
            case "jna":
                return Jna.INSTANCE;
            case "jnr":
                return Jnr.INSTANCE;
            default:
                throw new IllegalArgumentException("unknown native backend '" + name + "' (expected jna or jnr)");
        }
    }
}
