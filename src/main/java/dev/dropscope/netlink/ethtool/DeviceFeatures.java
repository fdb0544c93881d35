package dev.dropscope.netlink.ethtool;

/**
 * A FEATURES_GET reply for one device: four bit sets over string set ETH_SS_FEATURES. {@code hw} is what
 * the user may change, {@code wanted} what was asked for, {@code active} what is on, {@code nochange}
 * what the kernel will not change. ethtool(8) prints a feature as "[fixed]" when it is not in {@code hw}
 * or is in {@code nochange}.
 */
public record DeviceFeatures(int ifindex, String dev, Bitset hw, Bitset wanted, Bitset active, Bitset nochange) {
}
