package dev.dropscope.model;

import java.util.Locale;

/** How urgent a finding is. */
public enum Severity {
    /** Worth knowing; nothing is being lost because of it, or it is expected (scans, closing sockets). */
    INFO,
    /** Packets are being lost or are about to be; fix when convenient. */
    WARNING,
    /** Heavy, ongoing loss or a table full: fix now. */
    CRITICAL;

    /** "info", "warning", "critical": the stable name in JSON, Prometheus labels and text. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
