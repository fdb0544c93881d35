package dev.dropscope.netlink.genl.netdm;

import static dev.dropscope.netlink.genl.netdm.NetDmConstants.NET_DM_ORIGIN_HW;

/**
 * One NET_DM_CMD_PACKET_ALERT. Software drops carry pc, symbol and reason; hardware drops carry the
 * devlink trap group and name, and possibly a flow-action cookie.
 *
 * @param origin      NET_DM_ORIGIN_SW or NET_DM_ORIGIN_HW
 * @param pc          the drop location (0 for hardware drops)
 * @param symbol      the kernel's own %pS of pc ("sym+0xoff/0xsize"), or null
 * @param reason      the drop reason name ("NO_SOCKET"), or null on kernels before drop reasons
 * @param ifindex     input interface index, or -1
 * @param ifname      input interface name (hardware drops only), or null
 * @param timestampNs time of the drop, ns since the epoch (0 if absent)
 * @param originalLength skb->len at the drop including the MAC header, or -1
 * @param protocol    ethertype in host order, or -1 when no payload was sent
 * @param payload     the first bytes of the packet from its MAC header (trunc_len), possibly empty
 * @param headers     what the payload's headers say
 * @param trapGroup   hardware trap group name, or null
 * @param trapName    hardware trap name, or null
 * @param cookie      hardware flow-action cookie, or null
 */
public record PacketAlert(int origin, long pc, String symbol, String reason, int ifindex, String ifname,
                          long timestampNs, int originalLength, int protocol, byte[] payload,
                          PacketHeaders headers, String trapGroup, String trapName, byte[] cookie) {

    public boolean isHardware() {
        return origin == NET_DM_ORIGIN_HW;
    }
}
