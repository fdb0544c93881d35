package dev.dropscope.diagnosis;

import dev.dropscope.model.Delta;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.DropSite;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
        return diagnose(delta, drops, monitorHealth, DropSite.NO_NETNS);
    }

    /**
     * The same, knowing the namespace the counters come from: drop sites in other namespaces (the source
     * names each drop's) give findings of their own, from those sites alone, that name the namespace and
     * interface in their title ("... in namespace blue (veth1)") and whose commands enter it. Sites in
     * {@code ownNetns}, and those without a namespace, are judged with the counters as always.
     *
     * @param ownNetns the inode of the namespace the snapshots were taken in, or {@link DropSite#NO_NETNS}
     *                 when unknown (every site counts as its own)
     */
    public static List<Finding> diagnose(Delta delta, DropReport drops, Map<String, Long> monitorHealth,
                                         long ownNetns) {
        List<Rule.Scored> all = new ArrayList<>();
        for (Observation o : observations(delta, drops, monitorHealth, ownNetns)) {
            for (Rule r : RULES) {
                o.consulted.clear();
                List<Rule.Scored> found = r.apply(o);
                String where = o.where();
                for (Rule.Scored s : found) {
                    Finding f = s.finding();
                    all.add(where.isEmpty() ? s : new Rule.Scored(new Finding(f.id(), f.severity(),
                            f.title() + where, f.evidence(), f.explanation(), f.fixes()), s.magnitude()));
                }
            }
        }
        all.sort(Comparator.comparing((Rule.Scored s) -> s.finding().severity()).reversed()
                .thenComparing(Comparator.comparingDouble(Rule.Scored::magnitude).reversed())
                .thenComparing(s -> s.finding().id())
                .thenComparing(s -> s.finding().title()));
        List<Finding> out = new ArrayList<>(all.size());
        all.forEach(s -> out.add(s.finding()));
        return List.copyOf(out);
    }

    /**
     * One observation with the counters and the sites of their own namespace, then one per other
     * namespace with drops (by inode), holding its sites and no counters: the counters are not its.
     */
    private static List<Observation> observations(Delta delta, DropReport drops, Map<String, Long> health,
                                                  long ownNetns) {
        if (drops == null || ownNetns == DropSite.NO_NETNS) {
            return List.of(new Observation(delta, drops, health));
        }
        List<ResolvedDropSite> own = new ArrayList<>();
        Map<Long, List<ResolvedDropSite>> byNetns = new TreeMap<>();
        for (ResolvedDropSite s : drops.sites()) {
            if (s.netns() == null || s.netns().inode() == ownNetns) {
                own.add(s);
            } else {
                byNetns.computeIfAbsent(s.netns().inode(), k -> new ArrayList<>()).add(s);
            }
        }
        if (byNetns.isEmpty()) {
            return List.of(new Observation(delta, drops, health));
        }
        List<Observation> out = new ArrayList<>();
        out.add(new Observation(delta, withSites(drops, own, drops.total(), drops.totalDelta(), drops.lost(),
                drops.lostDelta()), health));
        Delta none = withoutCounters(delta);
        for (List<ResolvedDropSite> sites : byNetns.values()) {
            long count = sites.stream().mapToLong(ResolvedDropSite::count).sum();
            long delta1 = sites.stream().mapToLong(ResolvedDropSite::delta).sum();
            // the monitor's losses are told once, with the counters' namespace
            out.add(new Observation(none, withSites(drops, sites, count, delta1, 0, 0), Map.of(),
                    sites.get(0).netns()));
        }
        return out;
    }

    private static DropReport withSites(DropReport r, List<ResolvedDropSite> sites, long total, long totalDelta,
                                        long lost, long lostDelta) {
        return new DropReport(r.source(), r.timeEpochMillis(), r.intervalNs(), r.elapsedNs(), total, totalDelta, lost,
                lostDelta, sites, r.symbolsNote());
    }

    /**
     * The window of {@code delta} with no counters: another namespace's are not in the snapshots. Only the
     * machine-wide sysctls stay, which are the same in every namespace.
     */
    private static Delta withoutCounters(Delta delta) {
        Map<String, String> machineWide = new LinkedHashMap<>();
        delta.after().sysctl().forEach((k, v) -> {
            if (!Fixes.perNamespace(k)) {
                machineWide.put(k, v);
            }
        });
        Snapshot before = bare(delta.before(), Map.of());
        Snapshot after = bare(delta.after(), machineWide);
        return new Delta(before, after, delta.seconds(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
    }

    private static Snapshot bare(Snapshot s, Map<String, String> sysctl) {
        return Snapshot.builder().takenAt(s.takenAtMillis(), s.monotonicNanos()).host(s.host())
                .kernelRelease(s.kernelRelease()).sysctl(sysctl).build();
    }
}
