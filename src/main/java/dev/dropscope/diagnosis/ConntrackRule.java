package dev.dropscope.diagnosis;

import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Severity;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code conntrack_table_full}: the connection-tracking table is full (or nearly), so new flows are dropped. */
final class ConntrackRule implements Rule {
    static final String ID = "conntrack_table_full";

    @Override
    public String id() {
        return ID;
    }
    static final Set<String> REASONS = Set.of("NETFILTER_DROP");
    /**
     * Fill ratio that warns before loss: the table fills in bursts (a scan, a reconnect storm), and at 90%
     * one burst is enough; monitoring mixins warn at 75%, which on a busy NAT box is normal.
     */
    static final double NEAR_FULL = 0.9;
    /** Kernel memory per tracked connection, rounded up: struct nf_conn plus extensions and its hash node. */
    static final long BYTES_PER_ENTRY = 320;
    /**
     * Buckets per entry at a full table: max/4 gives hash chains of 4 on average when full, the ratio the
     * kernel used by default for years; a bucket costs 8 bytes, so more buy little.
     */
    static final long ENTRIES_PER_BUCKET = 4;

    @Override
    public List<Scored> apply(Observation o) {
        ConntrackState ct = o.after.conntrack();
        if (ct == null || !ct.loaded()) {
            return List.of();
        }
        long drop = increase(o, "drop");
        long earlyDrop = increase(o, "early_drop");
        long insertFailed = increase(o, "insert_failed");
        Long count = ct.count();
        Long max = ct.max();
        double fill = count != null && max != null && max > 0 ? count / (double) max : 0;
        boolean full = fill >= 1 || drop > 0 || earlyDrop > 0;
        boolean nearFull = fill >= NEAR_FULL;
        if (!full && !nearFull && insertFailed == 0) {
            return List.of();
        }
        List<ResolvedDropSite> sites = o.sitesWithReason(REASONS);
        List<Evidence> ev = new ArrayList<>();
        if (count != null && max != null) {
            ev.add(new Evidence("net.netfilter.nf_conntrack_count", count + " of max " + max
                    + String.format(Locale.ROOT, " (%.0f%%)", fill * 100)));
        }
        if (ct.buckets() != null) {
            ev.add(new Evidence("net.netfilter.nf_conntrack_buckets", Long.toString(ct.buckets())));
        }
        String src = "conntrack " + (ct.statsSource() == null ? "" : "(" + ct.statsSource() + ") ");
        for (String k : List.of("drop", "early_drop", "insert_failed")) {
            if (o.delta.conntrack().containsKey(k)) {
                ev.add(Text.risen(src + k, increase(o, k), o.seconds()));
            }
        }
        if (full || nearFull) {
            // whether the NETFILTER_DROP sites are conntrack's is an inference: shown, not counted
            sites.forEach(s -> ev.add(Text.site(s, o.seconds())));
        }

        double rate = o.perSecond(drop + earlyDrop + insertFailed);
        if (!full && !nearFull) {
            Finding f = new Finding(ID, Severity.WARNING, "Conntrack insertions failing (" + o.pace(rate) + ")",
                    ev, "Connection tracking could not insert new entries although the table has room. That is "
                    + "usually two packets of one new flow racing on different CPUs (parallel DNS queries over UDP "
                    + "from one socket); each loser is dropped.",
                    List.of(Fixes.command(Fixes.inNetns(o, "conntrack -S"),
                            "Read-only: shows insert_failed and clash_resolve per CPU; if only UDP/DNS races, "
                                    + "'options single-request-reopen' in /etc/resolv.conf avoids them.")));
            return List.of(new Scored(f, rate));
        }

        long cur = max == null ? 0 : max;
        long need = Math.max(cur * 2, (count == null ? 0 : count) * 2);
        long newMax = Fixes.powerOfTwoAtLeast(need);
        long newBuckets = newMax / ENTRIES_PER_BUCKET;
        List<Fix> fixes = new ArrayList<>();
        fixes.add(Fixes.sysctl(o, "net.netfilter.nf_conntrack_max", newMax,
                "A full table of " + newMax + " entries uses about " + Text.bytes(newMax * BYTES_PER_ENTRY)
                        + " of kernel memory (~" + BYTES_PER_ENTRY + " bytes each); it is allocated as flows come."));
        if (ct.buckets() == null || ct.buckets() < newBuckets) {
            fixes.add(Fixes.sysctl(o, "net.netfilter.nf_conntrack_buckets", newBuckets,
                    "Resizing the hash briefly stalls new flows while entries move; the line in sysctl.d applies "
                            + "only if nf_conntrack is loaded before it (else 'options nf_conntrack hashsize="
                            + newBuckets + "' in /etc/modprobe.d/)."));
        }
        fixes.add(Fixes.command("or track less: exempt flows that need no state, e.g. "
                        + Fixes.inNetns(o, "nft add rule inet raw prerouting udp dport 53 notrack")
                        + " (in a raw-priority chain), and shorten net.netfilter.nf_conntrack_tcp_timeout_established",
                "Untracked flows bypass NAT and 'ct state' rules: only for traffic those do not concern."));

        Severity sev = full ? Severity.CRITICAL : Severity.WARNING;
        String title = full
                ? "Conntrack table full: new flows dropped (" + (count == null ? "?" : count) + " of " + cur
                + ", " + o.pace(o.perSecond(drop + earlyDrop)) + " dropped or evicted)"
                : "Conntrack table nearly full (" + count + " of " + cur + ")";
        String explanation = "Every flow through netfilter takes a conntrack entry; when the table reaches "
                + "nf_conntrack_max the kernel evicts unconfirmed flows (early_drop) and then drops new ones "
                + "(\"nf_conntrack: table full, dropping packet\" in dmesg). Raise the maximum to twice what is "
                + "needed, with a hash of max/4 buckets, or stop tracking flows that need no state.";
        Finding f = new Finding(ID, sev, title, ev, explanation, fixes);
        return List.of(new Scored(f, full ? Math.max(rate, fill * 1000) : fill * 1000));
    }

    /** Rise of a summed per-CPU counter over the window. */
    private static long increase(Observation o, String key) {
        Double r = o.delta.conntrack().get(key);
        return r == null ? 0 : Math.round(r * o.seconds());
    }
}
