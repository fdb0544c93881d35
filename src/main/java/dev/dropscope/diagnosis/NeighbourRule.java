package dev.dropscope.diagnosis;

import dev.dropscope.model.CounterWidth;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.NeighbourTableStats;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Severity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code neighbour_table_overflow}: the ARP/ND table reached gc_thresh3 and refused new entries, or packets
 * waiting for address resolution overflowed their queue.
 */
final class NeighbourRule implements Rule {
    static final String ID = "neighbour_table_overflow";

    @Override
    public String id() {
        return ID;
    }
    static final Set<String> FULL_REASONS = Set.of("NEIGH_CREATEFAIL");
    static final Set<String> QUEUE_REASONS = Set.of("NEIGH_QUEUEFULL");
    /** Entries at this share of gc_thresh3 warn before the first refusal: forced GC then runs on every add. */
    static final double NEAR_FULL = 0.9;
    /** Ceiling for the suggested gc_thresh3: beyond this a flat L2 network is the problem, not the table. */
    static final long THRESH3_CAP = 1L << 20;
    /** Ceiling for unres_qlen_bytes: packets waiting for ARP should be few; more only delays the failure. */
    static final long UNRES_CAP = 16L << 20;
    /** The kernel's default unres_qlen_bytes (SK_WMEM_MAX): a value below it was lowered on purpose or by mistake. */
    static final long UNRES_KERNEL_DEFAULT = 212992;

    @Override
    public List<Scored> apply(Observation o) {
        List<Scored> out = new ArrayList<>();
        Map<String, NeighbourTableStats> old = new HashMap<>();
        o.before.neighbour().forEach(t -> old.put(t.key(), t));
        List<ResolvedDropSite> createFail = o.sitesWithReason(FULL_REASONS);
        // NEIGH_CREATEFAIL names no table: it is evidence for every table that refused entries, and on its own
        // (no table counted a refusal in the window) it is put on ARP's table, the usual one
        boolean anyTrouble = false;
        for (NeighbourTableStats t : o.after.neighbour()) {
            anyTrouble |= refused(old.get(t.key()), t) > 0 || nearFull(t);
        }
        for (NeighbourTableStats t : o.after.neighbour()) {
            NeighbourTableStats was = old.get(t.key());
            long fulls = refused(was, t);
            boolean near = nearFull(t);
            boolean sitesHere = fulls > 0 || (!anyTrouble && t.name().equals("arp_cache"));
            long siteDrops = sitesHere ? Observation.dropsAt(createFail) : 0;
            if (fulls == 0 && !near && siteDrops == 0) {
                continue;
            }
            long forced = was == null ? 0
                    : Observation.increase(was.stats(), t.stats(), "forced_gc_runs", CounterWidth.BITS64);
            List<Evidence> ev = new ArrayList<>();
            ev.add(Text.risen(t.name() + " table_fulls", fulls, o.seconds()));
            if (forced > 0) {
                ev.add(Text.risen(t.name() + " forced_gc_runs", forced, o.seconds()));
            }
            ev.add(new Evidence(t.name() + " entries", (t.entries() == null ? "?" : t.entries().toString())
                    + " (gc_thresh1 " + t.gcThresh1() + ", gc_thresh2 " + t.gcThresh2() + ", gc_thresh3 "
                    + t.gcThresh3() + ")"));
            if (sitesHere) {
                createFail.forEach(s -> ev.add(Text.site(s, o.seconds())));
            }
            out.add(full(o, t, ev, Math.max(fulls, siteDrops)));
        }
        List<ResolvedDropSite> queue = o.sitesWithReason(QUEUE_REASONS);
        if (!queue.isEmpty()) {
            out.add(queueFull(o, queue));
        }
        return out;
    }

    private static long refused(NeighbourTableStats was, NeighbourTableStats now) {
        return was == null ? 0 : Observation.increase(was.stats(), now.stats(), "table_fulls", CounterWidth.BITS64);
    }

    private static boolean nearFull(NeighbourTableStats t) {
        return t.entries() != null && t.gcThresh3() > 0 && t.entries() >= NEAR_FULL * t.gcThresh3();
    }

    private static Scored full(Observation o, NeighbourTableStats t, List<Evidence> ev, long refused) {
        String proto = t.family().equals("inet6") ? "ipv6" : "ipv4";
        long entries = t.entries() == null ? 0 : t.entries();
        long t3 = Fixes.grow(t.gcThresh3(), 2 * entries, THRESH3_CAP);
        // keep the kernel's 1 : 4 : 8 spacing of the defaults (128, 512, 1024)
        long t2 = Math.max(t.gcThresh2(), t3 / 2);
        long t1 = Math.max(t.gcThresh1(), t3 / 8);
        String risk = "A bigger table holds more stale entries and costs ~" + "350 bytes per entry; "
                + "gc_thresh1 < gc_thresh2 < gc_thresh3 must hold.";
        List<Fix> fixes = new ArrayList<>();
        fixes.add(Fixes.sysctl(o, "net." + proto + ".neigh.default.gc_thresh3", t3, risk));
        fixes.add(Fixes.sysctl(o, "net." + proto + ".neigh.default.gc_thresh2", t2, risk));
        fixes.add(Fixes.sysctl(o, "net." + proto + ".neigh.default.gc_thresh1", t1, risk));
        double rate = o.perSecond(refused);
        Severity sev = refused > 0 ? Severities.loss(rate) : Severity.WARNING;
        String title = refused > 0
                ? "Neighbour table " + t.name() + " overflow: new neighbours refused (" + o.pace(rate) + ")"
                : "Neighbour table " + t.name() + " nearly full (" + entries + " of gc_thresh3 " + t.gcThresh3() + ")";
        String explanation = "The " + (proto.equals("ipv6") ? "IPv6 neighbour (ND)" : "ARP") + " table may hold "
                + "gc_thresh3 entries; beyond that the kernel refuses new ones (\"neighbour table overflow\" in "
                + "dmesg) and packets to those hosts are dropped. Large flat networks, many containers or a scan of "
                + "a big subnet fill it: raise the three thresholds together.";
        double magnitude = refused > 0 ? rate : entries * 1000.0 / Math.max(1, t.gcThresh3());
        return new Scored(new Finding(ID, sev, title, ev, explanation, fixes), magnitude);
    }

    private static Scored queueFull(Observation o, List<ResolvedDropSite> sites) {
        List<Evidence> ev = new ArrayList<>();
        sites.forEach(s -> ev.add(Text.site(s, o.seconds())));
        Long cur = o.sysctlLong("net.ipv4.neigh.default.unres_qlen_bytes");
        List<Fix> fixes = new ArrayList<>();
        if (cur != null) {
            ev.add(new Evidence("net.ipv4.neigh.default.unres_qlen_bytes", Long.toString(cur)));
        }
        long target = Math.max(cur == null ? 0 : Fixes.grow(cur, 0, UNRES_CAP), UNRES_KERNEL_DEFAULT);
        if (cur == null || target > cur) {
            fixes.add(Fixes.sysctl(o, "net.ipv4.neigh.default.unres_qlen_bytes", target,
                    "More packets wait for a neighbour that may never answer; only interfaces created later "
                            + "take the default."));
        }
        fixes.add(Fixes.command(Fixes.inNetns(o, "sh -c 'for f in /proc/sys/net/ipv4/neigh/*/unres_qlen_bytes; do "
                        + "echo " + target + " > $f; done'"),
                "Sets every existing interface (whose own value is what overflowed) and the default; lost at reboot "
                        + "for interfaces the line in sysctl.d does not name."));
        fixes.add(Fixes.command(Fixes.inNetns(o, "ip neigh show nud incomplete") + "  # neighbours that do not answer",
                "Read-only: many INCOMPLETE entries mean traffic to hosts that are down or do not exist."));
        long n = Observation.dropsAt(sites);
        double rate = o.perSecond(n);
        String title = "Packets waiting for address resolution dropped (" + o.pace(rate) + ")";
        String explanation = "Packets to a neighbour whose MAC address is not yet known wait in a small queue "
                + "(unres_qlen_bytes per neighbour) until ARP/ND answers; when it overflows, or the neighbour never "
                + "answers, they are dropped (NEIGH_QUEUEFULL). Usually traffic to a host that is down, or a burst "
                + "at the start of a flow.";
        return new Scored(new Finding(ID, Severities.loss(rate), title, ev, explanation, fixes), rate);
    }
}
