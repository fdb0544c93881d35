package dev.dropscope.model;

import java.util.Map;

/**
 * One network interface: rtnetlink identity, settings and IFLA_STATS64, plus what ethtool knows.
 *
 * @param kind      IFLA_INFO_KIND ("veth", "bridge", ...), null for a physical device
 * @param driver    ethtool driver name ({@code ethtool -i}), or why there is none
 * @param operstate as ip(8) prints it: UP, DOWN, UNKNOWN, LOWERLAYERDOWN, ...
 * @param master    the master's (bridge, bond) name, null when none
 * @param stats64   rtnl_link_stats64 by its field names ({@code rx_packets}, {@code rx_missed_errors}, ...)
 * @param ring      ring sizes and maxima ({@code rx}, {@code rx_max}, {@code tx}, {@code tx_max}, ...)
 * @param channels  channel counts and maxima ({@code combined_count}, {@code rx_max}, ...)
 * @param features  offloads by ethtool's feature names ({@code tx-tcp-segmentation}, {@code rx-gro})
 * @param nicStats  {@code ethtool -S}: the driver's own counter names and values
 * @param standardStats ethtool standard statistics: group name ({@code eth-mac}, {@code rmon}) to
 *                  counter name to value; only groups and counters the driver fills in
 */
public record InterfaceStats(String name, int ifindex, String kind, Reading<String> driver, String operstate,
                             int mtu, int txqueuelen, String master, Map<String, Long> stats64,
                             Reading<Map<String, Long>> ring, Reading<Map<String, Long>> channels,
                             Reading<Map<String, FeatureState>> features, Reading<Map<String, Long>> nicStats,
                             Reading<Map<String, Map<String, Long>>> standardStats) {

    public InterfaceStats {
        stats64 = Maps.copy(stats64);
    }
}
