package dev.dropscope.model;

/** The verdict of one doctor check. */
public enum CheckStatus {
    /** Present and usable. */
    OK("ok"),
    /** Not present in this kernel or system; the check's fix says how to get it. */
    MISSING("missing"),
    /** Present, but this process is not allowed to use it; the fix names the privilege. */
    DENIED("denied"),
    /** Usable with a limitation worth knowing. */
    WARN("warn"),
    /** A fact, neither good nor bad. */
    INFO("info"),
    /** The check itself failed unexpectedly; the summary says how. */
    ERROR("error");

    private final String label;

    CheckStatus(String label) {
        this.label = label;
    }

    /** The lower-case word printed and written to JSON. */
    public String label() {
        return label;
    }
}
