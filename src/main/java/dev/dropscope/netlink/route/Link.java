package dev.dropscope.netlink.route;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One RTM_NEWLINK message of a link dump, decoded. Absent optional attributes are -1 (numbers) or null
 * (strings); {@code stats64} is empty when the kernel sent no IFLA_STATS64.
 *
 * @param kind      IFLA_INFO_KIND: "veth", "bridge", ...; null for a physical device
 * @param operstate IFLA_OPERSTATE as ip(8) prints it ("UP", "DOWN", "UNKNOWN", ...)
 * @param master    IFLA_MASTER ifindex, 0 when the link has no master
 * @param stats64   IFLA_STATS64 keyed by the rtnl_link_stats64 field names, in struct order; an older
 *                  kernel's shorter struct gives fewer fields
 */
public record Link(int ifindex, String name, int flags, String kind, String operstate, int mtu, int txqlen,
                   int master, long carrierChanges, Map<String, Long> stats64) {

    public Link {
        stats64 = Collections.unmodifiableMap(new LinkedHashMap<>(stats64));
    }
}
