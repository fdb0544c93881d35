package dev.dropscope.diagnosis;

import dev.dropscope.model.Severity;

/** The severity of ongoing loss, shared by the rules so "critical" means the same everywhere. */
final class Severities {
    /**
     * Drops per second from which loss is critical: at that rate every busy flow loses packets each second
     * and TCP keeps shrinking its window, so throughput visibly collapses rather than stutters.
     */
    static final double HEAVY_LOSS_PER_SECOND = 1000;

    private Severities() {
    }

    /** Warning for any loss, critical from {@link #HEAVY_LOSS_PER_SECOND}. */
    static Severity loss(double perSecond) {
        return perSecond >= HEAVY_LOSS_PER_SECOND ? Severity.CRITICAL : Severity.WARNING;
    }
}
