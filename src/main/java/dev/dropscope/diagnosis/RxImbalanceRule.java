package dev.dropscope.diagnosis;

import dev.dropscope.model.CounterWidth;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.RxQueueIrq;
import dev.dropscope.model.Severity;
import dev.dropscope.model.SoftnetCpu;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code rx_imbalance}: one CPU does most of the receive softirq work, or one RX queue carries most packets,
 * while that CPU drops or runs out of budget (or the NIC drops). Imbalance alone is not a problem: an idle
 * machine, one CPU, or a busy CPU that keeps up give nothing.
 */
final class RxImbalanceRule implements Rule {
    static final String ID = "rx_imbalance";

    @Override
    public String id() {
        return ID;
    }

    /** Fewer packets than this in the window is too little load to call anything imbalanced (an idle machine). */
    static final long MIN_PACKETS = 1000;
    /**
     * Share of the packets one CPU (or queue) must carry: at least 60 %, and at least 1.5 times its fair share
     * (so 75 % on two CPUs, where 60/40 is ordinary flow hashing).
     */
    static final double MIN_SHARE = 0.6;
    static final double FAIR_SHARE_FACTOR = 1.5;
    /** What RFS documentation suggests for a moderately loaded server; split evenly over the RX queues. */
    static final long RPS_SOCK_FLOW_ENTRIES = 32768;

    /**
     * Per-queue receive packet counters of {@code ethtool -S}: virtio_net/ixgbe/igb rx_queue_N_packets,
     * i40e/ice rx-N.packets, bnxt/ena-style rxq_N_packets, mlx5 rxN_packets.
     */
    static final List<Pattern> QUEUE_PACKETS = List.of(
            Pattern.compile("rx_queue_(\\d+)_packets"),
            Pattern.compile("rx-(\\d+)\\.packets"),
            Pattern.compile("rxq_?(\\d+)_packets"),
            Pattern.compile("rx(\\d+)_packets"));

    static boolean imbalanced(long top, long total, int n) {
        return n >= 2 && total >= MIN_PACKETS
                && top >= total * Math.max(MIN_SHARE, Math.min(1.0, FAIR_SHARE_FACTOR / n));
    }

    @Override
    public List<Scored> apply(Observation o) {
        List<Evidence> ev = new ArrayList<>();
        long drops = 0;
        long squeezes = 0;
        String title = null;
        // interfaces to fix, with their busy queue (-1: not known)
        Map<String, Integer> targets = new TreeMap<>();

        // --- CPUs: softnet processed per CPU
        Map<Integer, SoftnetCpu> old = new HashMap<>();
        o.before.softnet().forEach(c -> old.put(c.cpu(), c));
        long total = 0;
        int cpus = 0;
        SoftnetCpu busy = null;
        long busyProcessed = -1;
        for (SoftnetCpu now : o.after.softnet()) {
            SoftnetCpu was = old.get(now.cpu());
            if (was == null) {
                continue;
            }
            cpus++;
            long p = Observation.increase(was.counters(), now.counters(), "processed", CounterWidth.BITS32);
            total += p;
            if (p > busyProcessed) {
                busyProcessed = p;
                busy = now;
            }
        }
        if (busy != null && imbalanced(busyProcessed, total, cpus)) {
            SoftnetCpu was = old.get(busy.cpu());
            long d = Observation.increase(was.counters(), busy.counters(), "dropped", CounterWidth.BITS32);
            long s = Observation.increase(was.counters(), busy.counters(), "time_squeeze", CounterWidth.BITS32);
            if (d > 0 || s > 0) {
                drops += d;
                squeezes += s;
                String share = percent(busyProcessed, total) + " of " + count(total) + " packets processed";
                StringBuilder v = new StringBuilder(share);
                if (d > 0) {
                    v.append("; ").append(d).append(" backlog drops there");
                }
                if (s > 0) {
                    v.append("; ").append(s).append(" time squeezes there");
                }
                ev.add(new Evidence("cpu " + busy.cpu() + " (of " + cpus + ")", v.toString()));
                title = "Receive work piled on cpu " + busy.cpu() + " (" + percent(busyProcessed, total)
                        + " of packets, " + cpus + " CPUs)";
                for (InterfaceStats i : SoftnetBacklogRule.receivers(o)) {
                    targets.put(i.name(), -1);
                }
            }
        }

        // --- RX queues: ethtool -S per-queue counters, while the NIC drops
        for (InterfaceStats i : o.after.interfaces()) {
            InterfaceStats was = o.previous(i);
            if (was == null || i.name().equals("lo") || !was.nicStats().isPresent() || !i.nicStats().isPresent()) {
                continue;
            }
            Map<Integer, Long> q = queuePackets(was.nicStats().value(), i.nicStats().value());
            long qTotal = 0;
            int busyQ = -1;
            long busyN = -1;
            for (Map.Entry<Integer, Long> e : q.entrySet()) {
                qTotal += e.getValue();
                if (e.getValue() > busyN) {
                    busyN = e.getValue();
                    busyQ = e.getKey();
                }
            }
            if (!imbalanced(busyN, qTotal, q.size())) {
                continue;
            }
            long nicDrops = nicRxDrops(o, i, was);
            if (nicDrops == 0) {
                continue;
            }
            drops += nicDrops;
            ev.add(new Evidence(i.name() + " rx queue " + busyQ + " (of " + q.size() + ")",
                    percent(busyN, qTotal) + " of " + count(qTotal) + " packets received; " + nicDrops
                            + " rx drops on " + i.name()));
            if (title == null) {
                title = "Receive traffic piled on " + i.name() + " rx queue " + busyQ + " (" + percent(busyN, qTotal)
                        + " of packets, " + q.size() + " queues)";
            }
            targets.put(i.name(), busyQ);
        }
        if (title == null) {
            return List.of();
        }
        List<String> placed = irqEvidence(o, targets, ev);
        double rate = o.perSecond(drops);
        Severity sev = drops > 0 ? Severities.loss(rate) : Severity.INFO;
        title += drops > 0 ? " while packets drop (" + o.pace(rate) + ")"
                : " while it runs out of budget (time_squeeze " + o.pace(o.perSecond(squeezes)) + ")";

        List<Fix> fixes = new ArrayList<>();
        // without softnet_stat the CPUs are unknown, and an empty mask would turn RPS off
        String mask = o.after.softnet().isEmpty() ? null : cpuMask(o.after.softnet());
        for (Map.Entry<String, Integer> t : targets.entrySet()) {
            InterfaceStats i = o.after.iface(t.getKey());
            if (i != null) {
                fixes(o, i, t.getValue(), mask, fixes);
            }
        }
        if (mask != null) {
            fixes.add(Fixes.sysctl(o, "net.core.rps_sock_flow_entries", RPS_SOCK_FLOW_ENTRIES,
                    "With RPS, RFS steers each flow to the CPU its application runs on; the table takes a few "
                            + "bytes per entry and the kernel rounds it up to a power of two."));
        }
        fixes.add(Fixes.command("systemctl enable --now irqbalance (or set each queue's interrupt with "
                        + "/proc/irq/N/smp_affinity_list; " + (placed.isEmpty()
                        ? "grep the interface in /proc/interrupts for N)"
                        : "now " + String.join(", ", placed) + ")"),
                "irqbalance moves interrupts as load changes, which can move a flow's CPU and cost cache warmth."));
        String explanation = "Each RX queue's interrupt and softirq runs on one CPU; when RSS hashes most traffic to "
                + "one queue (few flows, a skewed indirection table, fewer queues than CPUs) or all interrupts land "
                + "on one CPU, that CPU falls behind (backlog drops, time squeezes, ring overflows) while others "
                + "idle. More queues, an even indirection table, RPS or spreading interrupts share the work; a "
                + "single big flow stays on one CPU whatever is done.";
        return List.of(new Scored(new Finding(ID, sev, title, ev, explanation, fixes), rate));
    }

    /** RX queue interrupts named one by one in the evidence. */
    static final int IRQS_SHOWN = 8;

    /**
     * Where each RX queue's interrupt of the interfaces in {@code targets} landed in the window (the CPU whose
     * count rose most) and may land (smp_affinity_list), as evidence; returns "rx-N irq I on cpu C" for the fix.
     */
    static List<String> irqEvidence(Observation o, Map<String, Integer> targets, List<Evidence> ev) {
        List<String> placed = new ArrayList<>();
        if (o.after.rxIrqs() == null || o.before.rxIrqs() == null || o.before == o.after) {
            return placed;
        }
        Map<Integer, RxQueueIrq> was = new HashMap<>();
        o.before.rxIrqs().forEach(q -> was.put(q.irq(), q));
        List<RxQueueIrq> now = new ArrayList<>(o.after.rxIrqs());
        now.sort(Comparator.comparing(RxQueueIrq::iface).thenComparingInt(RxQueueIrq::queue));
        for (RxQueueIrq q : now) {
            RxQueueIrq b = was.get(q.irq());
            if (!targets.containsKey(q.iface()) || b == null || placed.size() >= IRQS_SHOWN) {
                continue;
            }
            long sum = 0;
            long most = 0;
            int cpu = -1;
            for (int c = 0; c < Math.min(q.perCpu().size(), b.perCpu().size()); c++) {
                long d = Math.max(0, q.perCpu().get(c) - b.perCpu().get(c));
                sum += d;
                if (d > most) {
                    most = d;
                    cpu = c;
                }
            }
            String affinity = q.affinity() == null ? "" : "; smp_affinity_list " + q.affinity();
            String where = cpu < 0 ? "no interrupts in the window"
                    : "landed on cpu " + cpu + " (" + percent(most, sum) + " of " + count(sum) + ")";
            ev.add(new Evidence(q.iface() + " rx-" + q.queue() + " interrupt (irq " + q.irq() + ")", where + affinity));
            placed.add(q.iface() + " rx-" + q.queue() + " irq " + q.irq()
                    + (cpu < 0 ? "" : " on cpu " + cpu) + (q.affinity() == null ? "" : " (allowed " + q.affinity() + ")"));
        }
        return placed;
    }

    private static void fixes(Observation o, InterfaceStats i, int busyQueue, String mask, List<Fix> out) {
        Long now = null;
        Long max = null;
        String kind = "combined";
        if (i.channels().isPresent()) {
            now = i.channels().value().get("combined_count");
            max = i.channels().value().get("combined_max");
            if (max == null || max == 0) {
                kind = "rx";
                now = i.channels().value().get("rx_count");
                max = i.channels().value().get("rx_max");
            }
        }
        if (now != null && max != null && max > now) {
            out.add(Fixes.command(Fixes.inNetns(o, "ethtool -L " + i.name() + " " + kind + " " + max),
                    "More queues (from " + now + ") cost memory and interrupts; some drivers reset the link to "
                            + "change them. Persist it in the network manager or a udev rule."));
        }
        long queues = max != null && now != null && max > now ? max : now == null ? 0 : now;
        if (queues > 1) {
            out.add(Fixes.command(Fixes.inNetns(o, "ethtool -X " + i.name() + " equal " + queues),
                    "Spreads the RSS hash evenly over " + queues + " queues, replacing any weights set on "
                            + "purpose; flows move to other queues once."));
        }
        if (mask == null) {
            return;
        }
        String queue = busyQueue >= 0 ? "rx-" + busyQueue : "rx-0";
        String dir = "/sys/class/net/" + i.name() + "/queues/";
        long flowCnt = RPS_SOCK_FLOW_ENTRIES / Math.max(1, queues);
        out.add(Fixes.command(sysfs(o, "echo " + mask + " > " + dir + queue + "/rps_cpus"),
                "RPS hands packets of " + queue + " to all CPUs by flow hash: an inter-processor interrupt per "
                        + "batch, and softirq work on CPUs that run applications."));
        out.add(Fixes.command(sysfs(o, "echo " + flowCnt + " > " + dir + queue + "/rps_flow_cnt"),
                "RFS for the queue (with net.core.rps_sock_flow_entries): a small table per queue."));
    }

    /** A sysfs write: under ip netns exec it needs its own shell for the redirection. */
    private static String sysfs(Observation o, String command) {
        return !Fixes.entersNetns(o) ? command : Fixes.inNetns(o, "sh -c '" + command + "'");
    }

    /** Packets each RX queue received in the window, from whichever naming scheme the driver uses. */
    static Map<Integer, Long> queuePackets(Map<String, Long> before, Map<String, Long> after) {
        for (Pattern p : QUEUE_PACKETS) {
            Map<Integer, Long> out = new TreeMap<>();
            for (String k : after.keySet()) {
                Matcher m = p.matcher(k);
                if (m.matches()) {
                    out.put(Integer.parseInt(m.group(1)),
                            Observation.increase(before, after, k, CounterWidth.UNKNOWN));
                }
            }
            if (!out.isEmpty()) {
                return out;
            }
        }
        return Map.of();
    }

    /** How much the interface's receive drops rose: rtnl_link_stats64 and the driver's ring counters. */
    private static long nicRxDrops(Observation o, InterfaceStats i, InterfaceStats was) {
        long n = o.ifIncrease(i, "rx_dropped");
        for (String k : RingOverflowRule.STATS64) {
            n = Math.max(n, o.ifIncrease(i, k));
        }
        for (String k : i.nicStats().value().keySet()) {
            if (RingOverflowRule.DRIVER_COUNTER.matcher(k).matches() && !k.startsWith("tx")) {
                n = Math.max(n, Observation.increase(was.nicStats().value(), i.nicStats().value(), k,
                        CounterWidth.UNKNOWN));
            }
        }
        return n;
    }

    /**
     * Every CPU softnet_stat lists, as rps_cpus takes it: hex in comma-separated 32-bit groups (the kernel's
     * bitmap parser refuses more than 8 digits in a group).
     */
    static String cpuMask(List<SoftnetCpu> cpus) {
        BigInteger m = BigInteger.ZERO;
        for (SoftnetCpu c : cpus) {
            m = m.setBit(c.cpu());
        }
        String hex = m.toString(16);
        StringBuilder out = new StringBuilder();
        int first = hex.length() % 8 == 0 ? 8 : hex.length() % 8;
        out.append(hex, 0, first);
        for (int k = first; k < hex.length(); k += 8) {
            out.append(',').append(hex, k, k + 8);
        }
        return out.toString();
    }

    private static String percent(long part, long total) {
        return String.format(Locale.ROOT, "%.0f %%", 100.0 * part / total);
    }

    /** "850", "12 k", "1.2 M". */
    static String count(long n) {
        if (n >= 1_000_000) {
            return String.format(Locale.ROOT, "%.1f M", n / 1e6);
        }
        if (n >= 10_000) {
            return String.format(Locale.ROOT, "%.0f k", n / 1e3);
        }
        return Long.toString(n);
    }
}
