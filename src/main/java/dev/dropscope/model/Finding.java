package dev.dropscope.model;

import java.util.List;

/**
 * A diagnosis: what is wrong, the evidence, why it matters, and what to type.
 *
 * @param id          stable identifier (a contract: documented, used in JSON and alerting rules), e.g.
 *                    "udp_rcvbuf_errors"
 * @param severity    info, warning or critical
 * @param title       one line: "UDP receive buffers overflow (1200 drops/s)"
 * @param evidence    the counters, rates, drop sites and settings that triggered it, with values
 * @param explanation two or three sentences a tired operator understands
 * @param fixes       exact commands from the current values, safest first
 */
public record Finding(String id, Severity severity, String title, List<Evidence> evidence, String explanation,
                      List<Fix> fixes) {
    public Finding {
        evidence = List.copyOf(evidence);
        fixes = List.copyOf(fixes);
    }
}
