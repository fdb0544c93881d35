package dev.dropscope.diagnosis;

import dev.dropscope.model.CounterWidth;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.QdiscStats;
import dev.dropscope.model.ResolvedDropSite;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code qdisc_drops}: an egress queue (qdisc) dropped packets: its limit was reached or it shapes. */
final class QdiscRule implements Rule {
    static final String ID = "qdisc_drops";

    @Override
    public String id() {
        return ID;
    }
    static final Set<String> REASONS = Set.of("QDISC_DROP", "QDISC_OVERLIMIT", "QDISC_CONGESTED", "CAKE_FLOOD",
            "FQ_BAND_LIMIT", "FQ_HORIZON_LIMIT", "FQ_FLOW_LIMIT");
    /** Qdiscs whose limit defaults to the interface's txqueuelen. */
    static final Set<String> TXQUEUELEN_QDISCS = Set.of("pfifo_fast", "pfifo", "bfifo");
    /** Qdiscs that shape to a rate: drops above it are their job, not a fault. */
    static final Set<String> SHAPERS = Set.of("tbf", "htb", "hfsc", "cbq", "cake", "cbs", "taprio", "ets", "drr");
    /** Ceiling for the suggested txqueuelen: a longer FIFO only adds latency (bufferbloat). */
    static final long TXQUEUELEN_CAP = 10000;
    /** Ceiling for a suggested tbf limit: 64 MiB of queue is seconds of latency at any rate tbf is used for. */
    static final long TBF_LIMIT_CAP = 64L << 20;

    @Override
    public List<Scored> apply(Observation o) {
        Map<String, QdiscStats> old = new HashMap<>();
        o.before.qdiscs().forEach(q -> old.put(q.key(), q));
        List<ResolvedDropSite> sites = o.sitesWithReason(REASONS);
        List<Scored> out = new ArrayList<>();
        boolean sitesShown = false;
        for (QdiscStats q : o.after.qdiscs()) {
            QdiscStats was = old.get(q.key());
            if (was == null) {
                continue;
            }
            long drops = Observation.increase(was.stats(), q.stats(), "drops", CounterWidth.BITS32);
            if (drops == 0) {
                continue;
            }
            long over = Observation.increase(was.stats(), q.stats(), "overlimits", CounterWidth.BITS32);
            String dev = q.dev() == null ? "ifindex " + q.ifindex() : q.dev();
            String label = "qdisc " + q.kind() + " " + q.handle() + " " + q.parent() + " on " + dev;
            List<Evidence> ev = new ArrayList<>();
            ev.add(Text.risen(label + " drops", drops, o.seconds()));
            ev.add(Text.risen(label + " overlimits", over, o.seconds()));
            if (q.stats().containsKey("qlen")) {
                ev.add(new Evidence(label + " qlen", q.stats().get("qlen") + " packets, backlog "
                        + q.stats().getOrDefault("backlog", 0L) + " bytes"));
            }
            if (q.stats().containsKey("limit_packets")) {
                ev.add(new Evidence(label + " limit", q.stats().get("limit_packets") + " packets"));
            } else if (q.stats().containsKey("limit_bytes")) {
                ev.add(new Evidence(label + " limit", q.stats().get("limit_bytes") + " bytes"));
            }
            InterfaceStats i = q.dev() == null ? null : o.after.iface(q.dev());
            if (i != null) {
                ev.add(new Evidence(dev + " txqueuelen", Integer.toString(i.txqueuelen())));
                long txDropped = o.ifIncrease(i, "tx_dropped");
                if (txDropped > 0) {
                    ev.add(Text.risen(dev + " tx_dropped", txDropped, o.seconds()));
                }
            }
            if (!sitesShown) {
                sites.forEach(s -> ev.add(Text.site(s, o.seconds())));
                sitesShown = true;
            }
            out.add(finding(o, q, dev, i, ev, drops));
        }
        return out;
    }

    private static Scored finding(Observation o, QdiscStats q, String dev, InterfaceStats i, List<Evidence> ev,
                                  long drops) {
        double rate = o.perSecond(drops);
        List<Fix> fixes = new ArrayList<>();
        String where = q.parent().equals("root") ? "root" : "parent " + q.parent();
        boolean shaper = SHAPERS.contains(q.kind());
        Long limitBytes = q.stats().get("limit_bytes");
        Long limitPackets = q.stats().get("limit_packets");
        Long rateBytes = q.stats().get("rate_bytes_per_s");
        Long burst = q.stats().get("burst_bytes");
        if (shaper) {
            String change;
            if (q.kind().equals("tbf") && limitBytes != null && rateBytes != null && burst != null && rateBytes > 0) {
                // tc wants rate and burst again on a change; the limit doubles, at least to two bursts
                long target = Math.min(Math.max(2 * limitBytes, 2 * burst), TBF_LIMIT_CAP);
                change = target <= limitBytes ? null : Fixes.inNetns(o, "tc qdisc change dev " + dev + " " + where
                        + " handle " + q.handle() + " tbf rate " + rateBytes * 8 + "bit burst " + burst + " limit "
                        + target) + "  # if the rate is right: the queue holds " + limitBytes + " bytes now";
            } else {
                change = Fixes.inNetns(o, "tc qdisc show dev " + dev) + "  # then, if the rate is right: "
                        + Fixes.inNetns(o, "tc qdisc change dev " + dev + " " + where + " handle " + q.handle() + " "
                        + q.kind() + " ...") + " with a larger limit (its current one was not collected)";
            }
            if (change != null) {
                fixes.add(Fixes.command(change, "The shaper drops what exceeds its rate by design; a longer queue "
                        + "only adds latency unless the traffic is bursty."));
            }
        }
        if (i != null && TXQUEUELEN_QDISCS.contains(q.kind())) {
            long configured = q.kind().equals("bfifo") ? (limitBytes == null ? -1 : limitBytes / Math.max(i.mtu(), 1))
                    : limitPackets == null ? -1 : limitPackets;
            // pfifo and bfifo take their limit from txqueuelen when created without one; then it is their own
            long len = Math.max(configured > 0 ? configured : i.txqueuelen(), 1);
            long target = Math.min(Math.max(len * 2, 1000), TXQUEUELEN_CAP);
            if (target > len) {
                if (q.kind().equals("pfifo_fast")) {
                    fixes.add(Fixes.command(Fixes.inNetns(o, "ip link set dev " + dev + " txqueuelen " + target),
                            "A longer queue trades drops for latency (bufferbloat); persist it in the network "
                                    + "manager or a udev rule."));
                } else {
                    fixes.add(Fixes.command(Fixes.inNetns(o, "tc qdisc change dev " + dev + " " + where + " handle "
                                    + q.handle() + " " + q.kind() + " limit " + (q.kind().equals("bfifo")
                                    ? target * i.mtu() : target)),
                            "A longer FIFO trades drops for latency (bufferbloat)."));
                }
            }
        }
        if (TXQUEUELEN_QDISCS.contains(q.kind())) {
            // only for a plain FIFO: replacing a shaper would remove its rate limit
            fixes.add(Fixes.command("or replace the FIFO with an AQM that drops early and fairly: "
                            + Fixes.inNetns(o, "tc qdisc replace dev " + dev + " " + where + " fq_codel")
                            + " (needs sch_fq_codel)",
                    "fq_codel keeps latency low by dropping sooner under overload: fewer tail drops, not zero."));
        }
        String title = "Egress queue " + q.kind() + " on " + dev + " drops packets (" + o.pace(rate) + ")";
        String explanation = shaper
                ? "The " + q.kind() + " qdisc on " + dev + " shapes traffic to a rate and drops what its queue "
                + "cannot hold; drops are expected above that rate. If the rate is right, only a longer queue "
                + "(more latency) or less traffic helps; if not, raise the rate."
                : "The " + q.kind() + " qdisc on " + dev + " holds packets waiting to be sent and dropped new ones "
                + "when its limit was reached: the device sends more slowly than the host produces (QDISC_DROP). "
                + "A longer queue absorbs bursts at the cost of latency.";
        return new Scored(new Finding(ID, Severities.loss(rate), title, ev, explanation, fixes), rate);
    }
}
