package dev.dropscope.netlink.genl.netdm;

/** The kernel drop monitor's settings (CONFIG_NEW): alert mode, truncation length, per-CPU queue length. */
public record NetDmConfig(int alertMode, long truncLen, long queueLen) {
    public String alertModeName() {
        return alertMode == NetDmConstants.NET_DM_ALERT_MODE_PACKET ? "packet"
                : alertMode == NetDmConstants.NET_DM_ALERT_MODE_SUMMARY ? "summary" : "mode " + alertMode;
    }
}
