package dev.dropscope.netlink.ethtool;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A RINGS_GET or CHANNELS_GET reply for one device: the attributes the kernel sent, by name (the
 * ETHTOOL_A_RINGS_* / ETHTOOL_A_CHANNELS_* name in lower case without the prefix: {@code rx},
 * {@code rx_max}, {@code combined_count}). The kernel leaves out a ring or channel type the device lacks,
 * which ethtool(8) prints as "n/a".
 */
public record DeviceValues(int ifindex, String dev, Map<String, Long> values) {

    public DeviceValues {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }
}
