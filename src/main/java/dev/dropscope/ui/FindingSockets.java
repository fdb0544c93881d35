package dev.dropscope.ui;

import dev.dropscope.model.Evidence;
import dev.dropscope.model.Finding;
import dev.dropscope.model.FirewallRuleset;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SocketStats;
import dev.dropscope.ui.Canvas.Seg;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a finding's detail adds about who is behind it: the sockets of a socket finding, the rules of a
 * netfilter one. Adds nothing when the snapshot has no sockets or ruleset, so those details stay as they were.
 */
final class FindingSockets {
    /** Sockets or rules listed at most. */
    static final int MOST = 20;
    private static final Pattern PID = Pattern.compile("\\bpid (\\d+)");

    private FindingSockets() {
    }

    static void add(List<List<Seg>> l, TopModel m, Finding f) {
        Snapshot s = m.snapshot();
        if (s == null) {
            return;
        }
        switch (f.id()) {
            case "stalled_reader", "udp_rcvbuf_errors", "tcp_listen_overflow", "tcp_backlog_or_memory" -> {
                if (s.sockets() != null) {
                    sockets(l, m, f);
                }
            }
            case "netfilter_drops" -> {
                if (s.firewall() != null) {
                    rules(l, m);
                }
            }
            default -> {
            }
        }
    }

    /** The sockets the finding is about: those it names by address, else by pid, else all of its kind with drops or a queue. */
    static List<SocketsView.Row> matching(TopModel m, Finding f) {
        String protocol = f.id().startsWith("udp") ? "udp" : "tcp";
        boolean listeners = f.id().equals("tcp_listen_overflow");
        List<SocketsView.Row> kind = new ArrayList<>();
        for (SocketsView.Row r : SocketsView.rows(m, TopState.SocketSort.DROPS)) {
            SocketStats.Entry e = r.socket();
            if (e.protocol().equals(protocol) && (!listeners || e.isListener())
                    && (!f.id().equals("stalled_reader") || !e.isListener())) {
                kind.add(r);
            }
        }
        StringBuilder text = new StringBuilder(f.title());
        for (Evidence e : f.evidence()) {
            text.append('\n').append(e.name()).append(' ').append(e.value());
        }
        String all = text.toString();
        List<SocketsView.Row> named = kind.stream().filter(r -> mentions(all, r.socket().local())).toList();
        if (!named.isEmpty()) {
            return named;
        }
        Matcher pm = PID.matcher(all);
        List<Integer> pids = new ArrayList<>();
        while (pm.find()) {
            pids.add(Integer.parseInt(pm.group(1)));
        }
        List<SocketsView.Row> byPid = kind.stream().filter(r -> pids.contains(r.socket().pid())).toList();
        return byPid.isEmpty() ? kind : byPid;
    }

    /** {@code local} ("10.0.0.1:8080") appears in {@code text} as a whole address, not as the start of ":80801". */
    private static boolean mentions(String text, String local) {
        int i = text.indexOf(local);
        while (i >= 0) {
            int end = i + local.length();
            if (end >= text.length() || !Character.isDigit(text.charAt(end))) {
                return true;
            }
            i = text.indexOf(local, i + 1);
        }
        return false;
    }

    private static void sockets(List<List<Seg>> l, TopModel m, Finding f) {
        List<SocketsView.Row> rows = matching(m, f);
        l.add(List.of());
        l.add(List.of(new Seg("Sockets (" + rows.size() + ")", Theme.Role.COLUMN)));
        if (rows.isEmpty()) {
            l.add(List.of(new Seg("  no " + (f.id().startsWith("udp") ? "UDP" : "TCP")
                    + " socket with drops or unread data in this sample", Theme.Role.TEXT)));
        }
        for (SocketsView.Row r : rows.subList(0, Math.min(MOST, rows.size()))) {
            SocketStats.Entry e = r.socket();
            String q = e.isListener() ? "backlog " + e.rqueue() + "/" + e.wqueue()
                    : "Recv-Q " + SocketsView.bytes(e.rqueue()) + " of rcvbuf " + SocketsView.bytes(e.rcvbuf());
            String drops = r.dropRate() == null ? e.drops() + " drops" : Numbers.si(r.dropRate()) + " drops/s";
            l.add(List.of(new Seg("  " + e.protocol() + " " + e.local()
                            + (e.isListener() || e.remotePort() == 0 ? "" : " <- " + e.remote()) + "  ", Theme.Role.LABEL),
                    new Seg(e.state() + "  " + q + "  " + drops + "  ", Theme.Role.TEXT),
                    new Seg(SocketsView.owner(e), Theme.Role.TEXT)));
        }
        if (rows.size() > MOST) {
            l.add(List.of(new Seg("  and " + (rows.size() - MOST) + " more (k: Sockets view)", Theme.Role.LABEL)));
        }
    }

    /** The rules whose counters rose between the two samples; without any, the rules and policies that drop. */
    private static void rules(List<List<Seg>> l, TopModel m) {
        FirewallRuleset now = m.snapshot().firewall();
        FirewallRuleset before = m.delta() == null ? null : m.delta().before().firewall();
        Map<String, Long> earlier = new HashMap<>();
        if (before != null) {
            for (FirewallRuleset.Rule r : before.rules()) {
                if (r.packets() != null) {
                    earlier.put(r.key(), r.packets());
                }
            }
        }
        List<List<Seg>> rose = new ArrayList<>();
        if (before != null) {
            for (FirewallRuleset.Rule r : now.rules()) {
                Long was = earlier.get(r.key());
                if (r.packets() != null && was != null && r.packets() > was) {
                    rose.add(rule(r, "+" + (r.packets() - was) + " packets in " + Numbers.interval(
                            Math.round(m.delta().seconds() * 1000)), r.drops() ? Theme.Role.ALERT : Theme.Role.TEXT));
                }
            }
        }
        l.add(List.of());
        if (!rose.isEmpty()) {
            l.add(List.of(new Seg("Rules whose counters rose", Theme.Role.COLUMN)));
            l.addAll(rose.subList(0, Math.min(MOST, rose.size())));
            return;
        }
        l.add(List.of(new Seg(before == null ? "Rules that drop (counters rise after the second sample)"
                : "No rule's counter rose: rules and base-chain policies that drop", Theme.Role.COLUMN)));
        int n = 0;
        for (FirewallRuleset.Rule r : now.rules()) {
            if (r.drops() && n++ < MOST) {
                l.add(rule(r, r.packets() == null ? "no counter" : r.packets() + " packets", Theme.Role.TEXT));
            }
        }
        for (FirewallRuleset.Chain c : now.chains()) {
            if (c.isBase() && "drop".equals(c.policy())) {
                l.add(List.of(new Seg("  " + c.path() + "  ", Theme.Role.LABEL),
                        new Seg("policy drop (hook " + c.hook() + ")", Theme.Role.TEXT)));
                n++;
            }
        }
        if (n == 0) {
            l.add(List.of(new Seg("  none in " + now.rules().size() + " rules" + (now.truncated() ? " (ruleset cut short)" : ""),
                    Theme.Role.TEXT)));
        }
    }

    private static List<Seg> rule(FirewallRuleset.Rule r, String count, Theme.Role role) {
        return List.of(new Seg("  " + r.key() + ": ", Theme.Role.LABEL), new Seg(r.text(), Theme.Role.TEXT),
                new Seg(" (" + count + ")", role));
    }

}
