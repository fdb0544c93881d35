package dev.dropscope.ui;

import dev.dropscope.model.Delta;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Finding;
import dev.dropscope.model.NetnsCounters;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Snapshot;

import java.util.List;
import java.util.Map;

/**
 * Everything one frame of {@code dropscope top} shows, immutable: the top loop builds a new one each
 * interval and the screen draws it. Parts not known yet are null ({@code drops} before the first drop
 * interval, {@code snapshot} before the first sample, {@code delta} before the second).
 *
 * @param timeMillis    when this model was made (the clock in the header)
 * @param drops         every site seen since the start, with the last interval's rates
 * @param findings      what the diagnosis concluded, most severe first
 * @param history       per {@link #siteKey site key}: the last {@link SiteHistory#SAMPLES} interval rates, oldest first
 * @param monitorHealth the drop monitor's own counters (lost events, overruns)
 * @param namespaces    the other namespaces' own counters, null when not collected
 */
public record TopModel(Header header, long timeMillis, DropReport drops, Snapshot snapshot, Delta delta,
                       List<Finding> findings, Map<String, List<Double>> history, Map<String, Long> monitorHealth,
                       Namespaces namespaces) {

    /** A model without other namespaces' counters. */
    public TopModel(Header header, long timeMillis, DropReport drops, Snapshot snapshot, Delta delta,
                    List<Finding> findings, Map<String, List<Double>> history, Map<String, Long> monitorHealth) {
        this(header, timeMillis, drops, snapshot, delta, findings, history, monitorHealth, null);
    }

    /**
     * Which namespace the System pane's counters are from, and the others' own counters.
     *
     * @param ownInode our network namespace's inode (the snapshot's counters are its)
     * @param ownLabel "host", or {@code netns:INODE} when we run inside another
     * @param counters other namespaces' counters by inode (those drops were seen in)
     */
    public record Namespaces(long ownInode, String ownLabel, Map<Long, NetnsCounters> counters) {
        public Namespaces {
            counters = Map.copyOf(counters);
        }
    }

    /**
     * Facts fixed for the session.
     *
     * @param source    "netdm", "tracepoint" or "ebpf"; null while the drop source is still being opened
     * @param sourceWhy why that source is in use; while opening, what was asked for
     * @param identityWhy why drops come without interface and namespace ({@code identityUnknownWhy}), null when they have them
     */
    public record Header(String host, String kernel, String source, String sourceWhy, long intervalMillis,
                         String identityWhy) {
        /** A header that says nothing about interfaces and namespaces. */
        public Header(String host, String kernel, String source, String sourceWhy, long intervalMillis) {
            this(host, kernel, source, sourceWhy, intervalMillis, null);
        }

        /** The header while the drop source is being opened (the screen is up before it is). */
        public static Header opening(String host, String kernel, String requested, long intervalMillis) {
            return new Header(host, kernel, null, requested, intervalMillis);
        }

        /** True until the drop source is open. */
        public boolean opening() {
            return source == null;
        }

        /** This header once the drop source is open. */
        public Header opened(String openedSource, String why) {
            return new Header(host, kernel, openedSource, why, intervalMillis, identityWhy);
        }

        /** This header saying why interfaces and namespaces are unknown (null: they are known). */
        public Header withIdentityWhy(String why) {
            return new Header(host, kernel, source, sourceWhy, intervalMillis, why);
        }
    }

    public TopModel {
        findings = List.copyOf(findings);
        history = Map.copyOf(history);
        monitorHealth = Map.copyOf(monitorHealth);
    }

    /** The model before anything was measured: the header only. */
    public static TopModel starting(Header header, long timeMillis) {
        return new TopModel(header, timeMillis, null, null, null, List.of(), Map.of(), Map.of());
    }

    /** Identifies a site across intervals as the aggregator does: location, reason, origin, interface, namespace. */
    public static String siteKey(ResolvedDropSite s) {
        if (s.other()) {
            return "other";
        }
        return s.origin().name() + ':' + Long.toHexString(s.address()) + ':'
                + (s.address() == 0 ? s.symbol() : "") + ':' + s.reason() + ':' + s.ifindex()
                + (s.netns() == null ? "" : ":" + s.netns().inode());
    }
}
