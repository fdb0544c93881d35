package dev.dropscope.diagnosis;

import dev.dropscope.model.CounterWidth;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code nic_ring_overflow}: the NIC had no free receive descriptor, so the hardware dropped frames. */
final class RingOverflowRule implements Rule {
    static final String ID = "nic_ring_overflow";

    @Override
    public String id() {
        return ID;
    }
    /** rtnl_link_stats64 fields that drivers use for "no room in the RX ring". */
    static final List<String> STATS64 = List.of("rx_missed_errors", "rx_fifo_errors", "rx_over_errors");
    /**
     * Driver counters ({@code ethtool -S}) for the same thing under their own names: ixgbe/igb
     * rx_no_buffer_count, mlx5 rx_out_of_buffer, i40e/ice rx_dropped/port.rx_discards, bnxt
     * rx_discard_pkts, per-queue rx_queue_N_drops, fifo and missed counters.
     */
    static final Pattern DRIVER_COUNTER = Pattern.compile(
            "(?i).*(no_?buf|out_of_buffer|missed|fifo|rx_?discard|discards?_?rx|rx_over|rx_queue_\\d+_drops"
                    + "|rx\\d*_drops|rx_buff_alloc_err).*");

    @Override
    public List<Scored> apply(Observation o) {
        List<Scored> out = new ArrayList<>();
        for (InterfaceStats i : o.after.interfaces()) {
            InterfaceStats was = o.previous(i);
            if (was == null || i.name().equals("lo")) {
                continue;
            }
            List<Evidence> ev = new ArrayList<>();
            long n = 0;
            for (String k : STATS64) {
                long inc = o.ifIncrease(i, k);
                if (inc > 0) {
                    ev.add(Text.risen(i.name() + " " + k, inc, o.seconds()));
                }
                n = Math.max(n, inc);
            }
            if (was.nicStats().isPresent() && i.nicStats().isPresent()) {
                for (Map.Entry<String, Long> e : i.nicStats().value().entrySet()) {
                    if (!DRIVER_COUNTER.matcher(e.getKey()).matches() || e.getKey().startsWith("tx")) {
                        continue;
                    }
                    long inc = Observation.increase(was.nicStats().value(), i.nicStats().value(), e.getKey(),
                            CounterWidth.UNKNOWN);
                    if (inc > 0) {
                        ev.add(Text.risen(i.name() + " " + e.getKey() + " (ethtool -S)", inc, o.seconds()));
                        n = Math.max(n, inc);
                    }
                }
            }
            if (n == 0) {
                continue;
            }
            out.add(finding(o, i, ev, n));
        }
        return out;
    }

    private static Scored finding(Observation o, InterfaceStats i, List<Evidence> ev, long n) {
        double rate = o.perSecond(n);
        Long rx = null;
        Long rxMax = null;
        if (i.ring().isPresent()) {
            rx = i.ring().value().get("rx");
            rxMax = i.ring().value().get("rx_max");
        }
        if (rx != null && rxMax != null) {
            ev.add(new Evidence(i.name() + " RX ring", rx + " of max " + rxMax));
        } else {
            ev.add(new Evidence(i.name() + " RX ring", "unknown (" + (i.ring().isPresent() ? "no rx size"
                    : i.ring().unavailable()) + ")"));
        }
        List<Fix> fixes = new ArrayList<>();
        if (rx != null && rxMax != null && rx < rxMax) {
            fixes.add(Fixes.command(Fixes.inNetns(o, "ethtool -G " + i.name() + " rx " + rxMax),
                    "A bigger ring holds more packets in flight: more memory per queue and a little more latency "
                            + "under load; some drivers reset the link briefly to resize. Persist it in the network "
                            + "manager (nmcli: ethtool.ring-rx " + rxMax + ") or a udev rule."));
        }
        fixes.add(Fixes.command("spread the receive load: more RSS queues (" + Fixes.moreRssQueues(o, i)
                        + ") with their interrupts on different CPUs, and interrupt coalescing ("
                        + Fixes.inNetns(o, "ethtool -C " + i.name() + " adaptive-rx on") + ")",
                "More queues cost memory and interrupts; coalescing adds a few microseconds of latency."));
        boolean atMax = rx != null && rx.equals(rxMax);
        String title = "NIC " + i.name() + " RX ring overflow: frames dropped by the hardware (" + o.pace(rate)
                + (atMax ? ", ring already at its maximum" : "") + ")";
        String explanation = "The NIC found no free receive descriptor and dropped frames before the kernel saw "
                + "them (rx_missed/rx_fifo errors, the driver's no-buffer counters): the CPU did not empty the ring "
                + "fast enough for a burst. A ring at its maximum size absorbs longer bursts; spreading interrupts "
                + "over more CPUs empties it faster.";
        return new Scored(new Finding(ID, Severities.loss(rate), title, ev, explanation, fixes), rate);
    }
}
