package dev.dropscope.model;

/**
 * One fact a finding rests on, with its value as shown to the user.
 *
 * @param name  what it is, in the kernel's own terms: "Udp.RcvbufErrors", "net.core.rmem_max",
 *              "drops at udp_queue_rcv_one_skb (SOCKET_RCVBUFF)", "eth0 rx_missed_errors"
 * @param value its value with units: "1200/s", "212992", "4096 of max 4096"
 */
public record Evidence(String name, String value) {
}
