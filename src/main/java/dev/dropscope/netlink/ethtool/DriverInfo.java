package dev.dropscope.netlink.ethtool;

/** struct ethtool_drvinfo as ETHTOOL_GDRVINFO fills it ({@code ethtool -i}). */
public record DriverInfo(String driver, String version, String firmwareVersion, String busInfo,
                         long nStats, long nPrivFlags) {
}
