package dev.dropscope.diagnosis;

import dev.dropscope.model.ConntrackState;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.Evidence;
import dev.dropscope.model.FeatureState;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.Reading;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.Snapshot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Model objects for the rule tests: snapshots one second apart, interfaces, drop sites. */
final class Snap {
    private Snap() {
    }

    /** A snapshot at {@code seconds} with whatever {@code fill} sets. */
    static Snapshot at(double seconds, UnaryOperator<Snapshot.Builder> fill) {
        return fill.apply(Snapshot.builder().takenAt((long) (seconds * 1000), (long) (seconds * 1e9))).build();
    }

    static Map<String, Long> longs(Object... kv) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], ((Number) kv[i + 1]).longValue());
        }
        return m;
    }

    static Map<String, String> strings(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** An interface with defaults a test can change. */
    static final class If {
        String name;
        int ifindex;
        String kind;
        Reading<String> driver = Reading.notSupported();
        String master;
        int mtu = 1500;
        int txqueuelen = 1000;
        Map<String, Long> stats64 = new LinkedHashMap<>();
        Reading<Map<String, Long>> ring = Reading.notSupported();
        Reading<Map<String, FeatureState>> features = Reading.notSupported();
        Reading<Map<String, Long>> nicStats = Reading.notSupported();
        Reading<Map<String, Long>> channels = Reading.notSupported();

        If(String name, int ifindex) {
            this.name = name;
            this.ifindex = ifindex;
        }

        If stats(Object... kv) {
            stats64.putAll(longs(kv));
            return this;
        }

        If ring(long rx, long rxMax) {
            ring = Reading.of(longs("rx", rx, "rx_max", rxMax, "tx", 256, "tx_max", 4096));
            return this;
        }

        If channels(long combined, long combinedMax) {
            channels = Reading.of(longs("combined_count", combined, "combined_max", combinedMax));
            return this;
        }

        If nic(Object... kv) {
            nicStats = Reading.of(longs(kv));
            return this;
        }

        If driver(String d) {
            driver = Reading.of(d);
            return this;
        }

        If master(String m) {
            master = m;
            return this;
        }

        If txqueuelen(int n) {
            txqueuelen = n;
            return this;
        }

        /** Features: name, active, fixed, ... */
        If features(Object... nameActiveFixed) {
            Map<String, FeatureState> m = new LinkedHashMap<>();
            for (int i = 0; i < nameActiveFixed.length; i += 3) {
                boolean on = (Boolean) nameActiveFixed[i + 1];
                m.put((String) nameActiveFixed[i], new FeatureState(on, on, (Boolean) nameActiveFixed[i + 2]));
            }
            features = Reading.of(m);
            return this;
        }

        InterfaceStats build() {
            return new InterfaceStats(name, ifindex, kind,
                    new InterfaceStats.Settings(driver, "UP", mtu, txqueuelen, master, ring, channels, features),
                    new InterfaceStats.Counters(stats64, nicStats, Reading.notSupported()));
        }
    }

    static If iface(String name, int ifindex) {
        return new If(name, ifindex);
    }

    /** A software drop site with {@code delta} drops in the window. */
    static ResolvedDropSite site(String symbol, String reason, long delta) {
        return new ResolvedDropSite(0xffffffff81000000L, symbol, 0x40, 0x400, null, reason, DropOrigin.SOFTWARE, -1,
                null, delta, delta, delta, false, false);
    }

    /** A report over one second holding {@code sites}. */
    static DropReport drops(ResolvedDropSite... sites) {
        long total = 0;
        for (ResolvedDropSite s : sites) {
            total += s.delta();
        }
        return new DropReport("tracepoint", 0, 1_000_000_000L, 1_000_000_000L, total, total, 0, 0, List.of(sites),
                null);
    }

    static ConntrackState conntrack(long count, long max, long buckets, Object... stats) {
        return new ConntrackState(true, count, max, buckets, longs(stats),
                List.of(new ConntrackState.Cpu(0, longs(stats))), "ctnetlink");
    }

    /** The one finding with {@code id}; fails when there is none or several. */
    static Finding only(List<Finding> findings, String id) {
        List<Finding> f = findings.stream().filter(x -> x.id().equals(id)).toList();
        if (f.size() != 1) {
            throw new AssertionError("expected one " + id + " finding, got " + f.size() + ": " + findings);
        }
        return f.get(0);
    }

    static boolean has(List<Finding> findings, String id) {
        return findings.stream().anyMatch(x -> x.id().equals(id));
    }

    /** The evidence value called {@code name}; fails when absent. */
    static String evidence(Finding f, String name) {
        for (Evidence e : f.evidence()) {
            if (e.name().equals(name)) {
                return e.value();
            }
        }
        throw new AssertionError("no evidence '" + name + "' in " + f.evidence());
    }

    static List<String> commands(Finding f) {
        List<String> out = new ArrayList<>();
        for (Fix x : f.fixes()) {
            out.add(x.command());
        }
        return out;
    }

    /** The fix whose command is exactly {@code command}; fails when absent. */
    static Fix fix(Finding f, String command) {
        for (Fix x : f.fixes()) {
            if (x.command().equals(command)) {
                return x;
            }
        }
        throw new AssertionError("no fix '" + command + "' in " + commands(f));
    }
}
