package dev.dropscope.diagnosis;

import dev.dropscope.model.Delta;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The diagnosis: what is wrong with the network stack, from two snapshots (and the drop sites seen between
 * them), with evidence and exact fixes. Pure: no I/O, no clock, nothing applied; the same input always
 * gives the same findings. Finding ids are a contract, listed in {@link #IDS} and docs/findings.md.
 */
public final class Diagnosis {
    /** Every rule, one per finding family. */
    private static final List<Rule> RULES = List.of(new RpFilterRule(), new ConntrackRule(),
            new SoftnetBacklogRule(), new TimeSqueezeRule(), new UdpRcvbufRule(), new ListenOverflowRule(),
            new TcpBacklogRule(), new RingOverflowRule(), new ChecksumRule(), new OffloadRule(), new NeighbourRule(),
            new QdiscRule(), new NetfilterRule(), new NoSocketRule(), new RxDroppedRule(), new StalledReaderRule(),
            new RxImbalanceRule(), new MonitorRule());

    /** Every finding id this version can report, in the rules' order. */
    public static final List<String> IDS = RULES.stream().map(Rule::id).toList();

    private Diagnosis() {
    }

    /**
     * Findings from {@code before} to {@code after}. With {@code before} null (the very first sample) only
     * what a single moment shows is judged: tables near full, risky offload settings.
     *
     * @param drops         drop sites over the same window (each site's {@code delta} = drops in the window),
     *                      or null when no drop source ran: findings then come from counters alone
     * @param monitorHealth the drop monitor's own counters ({@code DropMonitor.health()}), or null
     * @return most severe first, then the biggest problem first
     */
    public static List<Finding> diagnose(Snapshot before, Snapshot after, DropReport drops,
                                         Map<String, Long> monitorHealth) {
        return diagnose(Delta.between(before == null ? after : before, after), drops, monitorHealth);
    }

    /** The same, from a {@link Delta} already computed (it carries both snapshots). */
    public static List<Finding> diagnose(Delta delta, DropReport drops, Map<String, Long> monitorHealth) {
        Observation o = new Observation(delta, drops, monitorHealth);
        List<Rule.Scored> all = new ArrayList<>();
        for (Rule r : RULES) {
            all.addAll(r.apply(o));
        }
        all.sort(Comparator.comparing((Rule.Scored s) -> s.finding().severity()).reversed()
                .thenComparing(Comparator.comparingDouble(Rule.Scored::magnitude).reversed())
                .thenComparing(s -> s.finding().id())
                .thenComparing(s -> s.finding().title()));
        List<Finding> out = new ArrayList<>(all.size());
        all.forEach(s -> out.add(s.finding()));
        return List.copyOf(out);
    }
}
