package dev.dropscope.model;

import java.util.List;

/**
 * An RX queue's interrupt, from /proc/interrupts and /proc/irq/N/smp_affinity_list: which CPUs it landed on
 * (counts per CPU, compared between two samples) and which it may land on.
 *
 * @param iface    the interface
 * @param queue    its RX queue (rx-N)
 * @param irq      the interrupt number
 * @param perCpu   interrupts taken on each CPU since boot, by CPU column of /proc/interrupts
 * @param affinity smp_affinity_list as the kernel prints it ("0-3"), null when not readable
 */
public record RxQueueIrq(String iface, int queue, int irq, List<Long> perCpu, String affinity) {
    public RxQueueIrq {
        perCpu = List.copyOf(perCpu);
    }
}
