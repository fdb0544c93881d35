package dev.dropscope.netlink.ethtool;

import java.util.List;

/**
 * One ethtool string set (ETH_SS_FEATURES, ETH_SS_STATS_STD, ...): {@code strings.get(i)} names bit or
 * counter {@code i}; an index the kernel left out is "".
 */
public record StringSet(int id, List<String> strings) {

    public StringSet {
        strings = List.copyOf(strings);
    }

    /** The name of index {@code i}, or "" when the set has no such index. */
    public String name(int i) {
        return i >= 0 && i < strings.size() ? strings.get(i) : "";
    }

    public int count() {
        return strings.size();
    }
}
