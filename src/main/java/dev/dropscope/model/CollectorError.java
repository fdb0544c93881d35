package dev.dropscope.model;

/** A collector's failure, recorded in the snapshot instead of stopping it: "conntrack: permission denied". */
public record CollectorError(String collector, String message) {
    @Override
    public String toString() {
        return collector + ": " + message;
    }
}
