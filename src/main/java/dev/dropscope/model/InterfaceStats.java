package dev.dropscope.model;

import java.util.Map;

/**
 * One network interface: rtnetlink identity, its settings and its counters (IFLA_STATS64 and what ethtool
 * knows). The accessors below the components read through to {@link #settings} and {@link #counters}.
 *
 * @param kind      IFLA_INFO_KIND ("veth", "bridge", ...), null for a physical device
 */
public record InterfaceStats(String name, int ifindex, String kind, Settings settings, Counters counters) {

    /**
     * How the interface is set up.
     *
     * @param driver    ethtool driver name ({@code ethtool -i}), or why there is none
     * @param operstate as ip(8) prints it: UP, DOWN, UNKNOWN, LOWERLAYERDOWN, ...
     * @param master    the master's (bridge, bond) name, null when none
     * @param ring      ring sizes and maxima ({@code rx}, {@code rx_max}, {@code tx}, {@code tx_max}, ...)
     * @param channels  channel counts and maxima ({@code combined_count}, {@code rx_max}, ...)
     * @param features  offloads by ethtool's feature names ({@code tx-tcp-segmentation}, {@code rx-gro})
     */
    public record Settings(Reading<String> driver, String operstate, int mtu, int txqueuelen, String master,
                           Reading<Map<String, Long>> ring, Reading<Map<String, Long>> channels,
                           Reading<Map<String, FeatureState>> features) {
    }

    /**
     * What the interface counted.
     *
     * @param stats64       rtnl_link_stats64 by its field names ({@code rx_packets}, {@code rx_missed_errors}, ...)
     * @param nicStats      {@code ethtool -S}: the driver's own counter names and values
     * @param standardStats ethtool standard statistics: group name ({@code eth-mac}, {@code rmon}) to counter
     *                      name to value; only groups and counters the driver fills in
     */
    public record Counters(Map<String, Long> stats64, Reading<Map<String, Long>> nicStats,
                           Reading<Map<String, Map<String, Long>>> standardStats) {
        public Counters {
            stats64 = Maps.copy(stats64);
        }
    }

    public Reading<String> driver() {
        return settings.driver();
    }

    public String operstate() {
        return settings.operstate();
    }

    public int mtu() {
        return settings.mtu();
    }

    public int txqueuelen() {
        return settings.txqueuelen();
    }

    public String master() {
        return settings.master();
    }

    public Reading<Map<String, Long>> ring() {
        return settings.ring();
    }

    public Reading<Map<String, Long>> channels() {
        return settings.channels();
    }

    public Reading<Map<String, FeatureState>> features() {
        return settings.features();
    }

    public Map<String, Long> stats64() {
        return counters.stats64();
    }

    public Reading<Map<String, Long>> nicStats() {
        return counters.nicStats();
    }

    public Reading<Map<String, Map<String, Long>>> standardStats() {
        return counters.standardStats();
    }
}
