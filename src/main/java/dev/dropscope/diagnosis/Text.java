package dev.dropscope.diagnosis;

import dev.dropscope.model.Evidence;
import dev.dropscope.model.ResolvedDropSite;

import java.util.Locale;

/** How values read in evidence and titles: counts, rates, sizes. */
final class Text {
    private Text() {
    }

    /** "1200/s", "3.5/s", "0.25/s". */
    static String rate(double perSecond) {
        if (perSecond >= 10) {
            return String.format(Locale.ROOT, "%.0f/s", perSecond);
        }
        if (perSecond >= 1) {
            return String.format(Locale.ROOT, "%.1f/s", perSecond);
        }
        return String.format(Locale.ROOT, "%.2f/s", perSecond);
    }

    /** A counter's rise in the window: "+199 in 1.0 s (199/s)"; "+50 in 0.03 s" (no rate) under a second. */
    static String rise(long increase, double seconds) {
        if (seconds < Observation.MIN_RATE_WINDOW_SECONDS) {
            return "+" + increase + " in " + seconds(seconds);
        }
        return "+" + increase + " in " + seconds(seconds) + " (" + rate(increase / seconds) + ")";
    }

    /** "1.0 s", "12.5 s", "0.03 s". */
    static String seconds(double s) {
        return String.format(Locale.ROOT, s < 1 ? "%.2f s" : "%.1f s", s);
    }

    /** Evidence for a counter's rise. */
    static Evidence risen(String name, long increase, double seconds) {
        return new Evidence(name, rise(increase, seconds));
    }

    /** Evidence for a drop site: "drops at udp_queue_rcv_one_skb (SOCKET_RCVBUFF)" = "+199 in 1.0 s (199/s)". */
    static Evidence site(ResolvedDropSite s, double seconds) {
        StringBuilder name = new StringBuilder("drops at ").append(s.symbol() != null ? s.symbol() : s.location());
        if (s.reason() != null) {
            name.append(" (").append(s.reason()).append(')');
        }
        if (s.interfaceName() != null) {
            name.append(" on ").append(s.interfaceName());
        }
        return new Evidence(name.toString(), rise(s.delta(), seconds));
    }

    /** "8 MiB", "212992 bytes", "1.5 GiB": sizes in the operator's terms. */
    static String bytes(long n) {
        if (n >= 1L << 30 && n % (1L << 20) == 0) {
            return String.format(Locale.ROOT, "%.1f GiB", n / (double) (1L << 30));
        }
        if (n >= 1L << 20) {
            return String.format(Locale.ROOT, "%.0f MiB", n / (double) (1L << 20));
        }
        if (n >= 1L << 10) {
            return String.format(Locale.ROOT, "%.0f KiB", n / (double) (1L << 10));
        }
        return n + " bytes";
    }
}
