package dev.dropscope.diagnosis;

import dev.dropscope.model.CounterWidth;
import dev.dropscope.model.Delta;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.model.Rates;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Snapshot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every rule looks at: the two snapshots, the rates between them, the drop sites of the same window
 * (benign ones set apart) and the drop monitor's own health. Read-only; built once per diagnosis.
 */
final class Observation {
    final Delta delta;
    final Snapshot before;
    final Snapshot after;
    /** Null when no drop source ran: rules then judge from counters alone. */
    final DropReport drops;
    /** Sites with drops in the window that are not expected in a healthy system, most first. */
    final List<ResolvedDropSite> sites;
    /** Sites with drops in the window that {@link BenignDrops} calls expected. */
    final List<ResolvedDropSite> benignSites;
    final Map<String, Long> health;
    /**
     * The namespace the sites are in when it is not the one the counters come from, else null. Such an
     * observation holds that namespace's sites and no counters; its fixes enter it ({@link Fixes#inNetns}).
     */
    final NetnsIdentity foreign;
    /** The sites the rule being applied asked for (by reason or function): what its findings rest on. */
    final List<ResolvedDropSite> consulted = new ArrayList<>();

    Observation(Delta delta, DropReport drops, Map<String, Long> health) {
        this(delta, drops, health, null);
    }

    Observation(Delta delta, DropReport drops, Map<String, Long> health, NetnsIdentity foreign) {
        this.foreign = foreign;
        this.delta = delta;
        this.before = delta.before();
        this.after = delta.after();
        this.drops = drops;
        this.health = health == null ? Map.of() : Map.copyOf(health);
        List<ResolvedDropSite> real = new ArrayList<>();
        List<ResolvedDropSite> benign = new ArrayList<>();
        if (drops != null) {
            for (ResolvedDropSite s : drops.sites()) {
                if (s.delta() <= 0) {
                    continue;
                }
                // the builder may have been given no classifier: ask again, by name and reason
                if (s.benign() || BenignDrops.isBenign(s.symbol(), s.reason())) {
                    benign.add(s);
                } else {
                    real.add(s);
                }
            }
        }
        real.sort((a, b) -> Long.compare(b.delta(), a.delta()));
        this.sites = Collections.unmodifiableList(real);
        this.benignSites = Collections.unmodifiableList(benign);
    }

    /** Length of the window in seconds (0 when the two samples are the same moment). */
    double seconds() {
        return delta.seconds();
    }

    /** The namespace the snapshots were taken in, or null for the caller's own. */
    String netns() {
        return after.netns();
    }

    boolean hasDropSource() {
        return drops != null;
    }

    /**
     * The namespace the consulted sites are in, for a finding that rests on them, when it is not the
     * caller's own: the foreign one, or the snapshot's named namespace when the sites carry theirs (they
     * were kept for being in it). Null for the caller's own namespace or sites without one.
     */
    String sitesNetns() {
        if (foreign != null) {
            return foreign.label();
        }
        return netns() != null && consulted.stream().anyMatch(s -> s.netns() != null) ? netns() : null;
    }

    /** " in namespace blue (veth1)" for a finding of this rule, or "" in the caller's own namespace. */
    String where() {
        String label = sitesNetns();
        if (label == null) {
            return "";
        }
        Set<String> ifs = new LinkedHashSet<>();
        for (ResolvedDropSite s : consulted) {
            if (s.interfaceName() != null) {
                ifs.add(s.interfaceName());
            }
        }
        return " in namespace " + label + (ifs.isEmpty() ? "" : " (" + String.join(", ", ifs) + ")");
    }

    /**
     * The total rise of {@code counters} in the window; each that rose is added to {@code evidence} with
     * its rate.
     */
    long snmpRisen(Iterable<String> counters, List<Evidence> evidence) {
        long total = 0;
        for (String k : counters) {
            long inc = snmpIncrease(k);
            if (inc > 0) {
                evidence.add(Text.risen(k, inc, seconds()));
            }
            total += inc;
        }
        return total;
    }

    /** How much a protocol counter ({@code Udp.RcvbufErrors}) rose in the window; 0 when absent or reset. */
    long snmpIncrease(String key) {
        Long b = before.snmp().get(key);
        Long a = after.snmp().get(key);
        if (a == null || b == null) {
            return 0;
        }
        return Rates.increase(b, a, CounterWidth.BITS64);
    }

    /** How much a counter of {@code stats} rose between the maps, for a counter of {@code width}. */
    static long increase(Map<String, Long> before, Map<String, Long> after, String key, CounterWidth width) {
        if (before == null || after == null) {
            return 0;
        }
        Long b = before.get(key);
        Long a = after.get(key);
        return a == null || b == null ? 0 : Rates.increase(b, a, width);
    }

    /**
     * Shortest window a rate is judged over: a burst of 50 drops in 30 ms is not 1700 drops a second of
     * ongoing loss, so shorter windows count as one second (severities and sizes stay sane for short
     * snapshots and fast refreshes).
     */
    static final double MIN_RATE_WINDOW_SECONDS = 1.0;

    /** Per second, over the window or {@link #MIN_RATE_WINDOW_SECONDS}, whichever is longer. */
    double perSecond(long increase) {
        return seconds() > 0 ? increase / Math.max(seconds(), MIN_RATE_WINDOW_SECONDS) : 0;
    }

    /** A rate from {@link #perSecond} for a title: "1200/s", or "50 in 0.03 s" for a window under a second. */
    String pace(double perSecond) {
        if (seconds() >= MIN_RATE_WINDOW_SECONDS || seconds() <= 0) {
            return Text.rate(perSecond);
        }
        return Math.round(perSecond * MIN_RATE_WINDOW_SECONDS) + " in " + Text.seconds(seconds());
    }

    /** The interface as it was before, when it existed then with the same ifindex (same device). */
    InterfaceStats previous(InterfaceStats now) {
        InterfaceStats was = before.iface(now.name());
        return was != null && was.ifindex() == now.ifindex() ? was : null;
    }

    /** How much an interface's {@code stats64} counter rose; 0 when it was recreated or is new. */
    long ifIncrease(InterfaceStats now, String key) {
        InterfaceStats was = previous(now);
        return was == null ? 0 : increase(was.stats64(), now.stats64(), key, CounterWidth.BITS64);
    }

    /** A sysctl's value as the kernel prints it, or null when not collected. */
    String sysctl(String name) {
        return after.sysctl().get(name);
    }

    /** A single-number sysctl, or null when absent or not one number. */
    Long sysctlLong(String name) {
        String v = sysctl(name);
        if (v == null) {
            return null;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A vector sysctl such as tcp_mem ("min pressure max"), or null when absent or malformed. */
    long[] sysctlLongs(String name) {
        String v = sysctl(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return Arrays.stream(v.trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Real (not benign) sites with drops in the window whose reason is one of {@code reasons}. */
    List<ResolvedDropSite> sitesWithReason(Set<String> reasons) {
        List<ResolvedDropSite> out = new ArrayList<>();
        for (ResolvedDropSite s : sites) {
            if (s.reason() != null && reasons.contains(s.reason())) {
                out.add(s);
            }
        }
        consulted.addAll(out);
        return out;
    }

    /** Real sites with drops in the window in one of {@code functions}, when they carry no reason to go by. */
    List<ResolvedDropSite> sitesInFunction(Set<String> functions) {
        List<ResolvedDropSite> out = new ArrayList<>();
        for (ResolvedDropSite s : sites) {
            if (s.reason() == null && s.symbol() != null && functions.contains(s.symbol())) {
                out.add(s);
            }
        }
        consulted.addAll(out);
        return out;
    }

    static long dropsAt(List<ResolvedDropSite> sites) {
        long n = 0;
        for (ResolvedDropSite s : sites) {
            n += s.delta();
        }
        return n;
    }
}
