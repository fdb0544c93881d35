package dev.dropscope.model;

/**
 * One offload feature of an interface ({@code ethtool -k}). {@code fixed} follows ethtool: the user
 * cannot change it (not in the hw-changeable set, or in the nochange set).
 */
public record FeatureState(boolean active, boolean wanted, boolean fixed) {
}
