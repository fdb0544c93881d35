package dev.dropscope.diagnosis;

import dev.dropscope.model.Finding;

import java.util.List;

/**
 * One family of findings: looks at an {@link Observation} and says what is wrong, with evidence and
 * fixes. Pure: no I/O, no clock; the same observation always gives the same findings.
 */
interface Rule {
    /** The finding id this rule reports: a contract, listed in docs/findings.md. */
    String id();

    /** The findings of this family, each with how big the problem is (for ordering). */
    List<Scored> apply(Observation o);

    /**
     * A finding and its magnitude: drops per second for loss, a fill ratio times 1000 for a table near
     * its limit; findings of equal severity are listed biggest first.
     */
    record Scored(Finding finding, double magnitude) {
    }
}
