package dev.dropscope.diagnosis;

import dev.dropscope.model.SocketStats;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Socket-level changes between the two snapshots, matched by cookie (the kernel's id for a socket's life). */
final class SocketDeltas {
    private SocketDeltas() {
    }

    /** A socket of the second snapshot and how much its own drop counter rose in the window. */
    record Risen(SocketStats.Entry socket, long drops) {
    }

    /**
     * How much a socket's drop counter rose: from its earlier value, or all of it when the earlier sample
     * listed every socket with drops and not this one (it had none, or did not exist). -1 when unknown.
     */
    static long dropsRisen(SocketStats before, SocketStats.Entry now) {
        if (before == null || now.drops() < 0) {
            return -1;
        }
        SocketStats.Entry was = before.byCookie(now.cookie());
        if (was != null) {
            return was.drops() < 0 ? -1 : Math.max(0, now.drops() - was.drops());
        }
        return before.allDropsListed() ? now.drops() : -1;
    }

    /** Sockets of {@code protocol} whose own drops rose in the window, most first. */
    static List<Risen> withRisingDrops(Observation o, String protocol, boolean listeners) {
        List<Risen> out = new ArrayList<>();
        SocketStats before = o.before.sockets();
        SocketStats after = o.after.sockets();
        if (after == null || before == null || o.before == o.after) {
            return out;
        }
        for (SocketStats.Entry e : after.sockets()) {
            if (!e.protocol().equals(protocol) || e.isListener() != listeners) {
                continue;
            }
            long d = dropsRisen(before, e);
            if (d > 0) {
                out.add(new Risen(e, d));
            }
        }
        out.sort((a, b) -> Long.compare(b.drops(), a.drops()));
        return out;
    }

    /** "pid 4242 (myserver)", with its container when it has one; "an unknown process" without an owner. */
    static String owner(SocketStats.Entry e) {
        if (e.pid() <= 0) {
            return "an unknown process";
        }
        String s = "pid " + e.pid() + (e.command() == null ? "" : " (" + e.command() + ")");
        if (e.container() != null) {
            int colon = e.container().indexOf(':');
            String id = e.container().substring(colon + 1);
            s += " in " + e.container().substring(0, colon) + " container " + id.substring(0, Math.min(12, id.length()));
        }
        return s;
    }

    /** Bytes as "6.2 MiB", "127 KiB", "512 bytes". */
    static String size(long n) {
        if (n >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
        }
        if (n >= 1L << 10) {
            return String.format(Locale.ROOT, "%.0f KiB", n / (double) (1L << 10));
        }
        return n + " bytes";
    }
}
