package dev.dropscope.netlink.ethtool;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A STATS_GET reply for one device: the standard statistics groups its driver fills in. */
public record DeviceStats(int ifindex, String dev, List<Group> groups) {

    public DeviceStats {
        groups = List.copyOf(groups);
    }

    /**
     * One group (ETHTOOL_A_STATS_GRP).
     *
     * @param id        bit of the group in string set ETH_SS_STATS_STD (eth-phy, eth-mac, eth-ctrl, rmon, ...)
     * @param stringSet the string set naming its counters (ETH_SS_STATS_ETH_MAC, ...)
     * @param counters  counter index in that set to value; the kernel sends only counters the driver set
     * @param histogram RMON packet-size buckets
     */
    public record Group(int id, int stringSet, Map<Integer, Long> counters, List<Bucket> histogram) {
        public Group {
            counters = Collections.unmodifiableMap(new TreeMap<>(counters));
            histogram = List.copyOf(histogram);
        }
    }

    /** One histogram bucket: packets of {@code low} to {@code high} bytes ({@code high} 0: no upper bound). */
    public record Bucket(boolean rx, long low, long high, long value) {
    }
}
