package dev.dropscope.ui;

import dev.dropscope.model.Delta;
import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SocketStats;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The Sockets view ('k'): the sockets of the snapshot with drops or unread data, by drop rate or by
 * receive queue, with the process behind each. Drops per second come from the same cookie's drop counter
 * in the two samples of the delta.
 */
final class SocketsView {
    private static final int PROTO = 6;
    private static final int STATE = 11;
    private static final int NUMBER = 8;

    private SocketsView() {
    }

    /** One socket and its drops per second, null when not known yet (first sample, or not in the earlier one). */
    record Row(SocketStats.Entry socket, Double dropRate) {
    }

    /** The sockets worth showing (drops or a queue), in {@code sort} order. */
    static List<Row> rows(TopModel m, TopState.SocketSort sort) {
        Snapshot s = m.snapshot();
        if (s == null || s.sockets() == null) {
            return List.of();
        }
        List<Row> rows = new ArrayList<>();
        for (SocketStats.Entry e : s.sockets().sockets()) {
            Double rate = dropRate(m.delta(), e);
            if (e.drops() > 0 || e.rqueue() > 0 || (rate != null && rate > 0)) {
                rows.add(new Row(e, rate));
            }
        }
        Comparator<Row> byRate = Comparator.comparingDouble(r -> r.dropRate() == null ? -1 : r.dropRate());
        Comparator<Row> byDrops = Comparator.comparingLong(r -> r.socket().drops());
        Comparator<Row> byQueue = Comparator.comparingLong(r -> r.socket().rqueue());
        Comparator<Row> order = sort == TopState.SocketSort.QUEUE
                ? byQueue.thenComparing(byRate).thenComparing(byDrops)
                : byRate.thenComparing(byDrops).thenComparing(byQueue);
        rows.sort(order.reversed().thenComparing(r -> r.socket().local()).thenComparingLong(r -> r.socket().cookie()));
        return rows;
    }

    /** Drops per second of {@code e} between the delta's samples, matched by cookie; null when not known. */
    static Double dropRate(Delta d, SocketStats.Entry e) {
        if (d == null || d.before() == null || d.before().sockets() == null || d.seconds() <= 0 || e.drops() < 0) {
            return null;
        }
        SocketStats before = d.before().sockets();
        SocketStats.Entry prev = before.byCookie(e.cookie());
        if (prev != null) {
            return Math.max(0, e.drops() - Math.max(0, prev.drops())) / d.seconds();
        }
        // absent from a sample that listed every socket with drops: it had none then
        return before.allDropsListed() ? e.drops() / d.seconds() : null;
    }

    /** "pid 4242 myserver docker:0123456789ab", or "-" when no process was found. */
    static String owner(SocketStats.Entry e) {
        if (e.pid() <= 0) {
            return "-";
        }
        String s = e.pid() + " " + (e.command() == null ? "?" : e.command());
        if (e.container() != null) {
            int colon = e.container().indexOf(':');
            String id = e.container().substring(colon + 1);
            s += " " + e.container().substring(0, colon + 1) + (id.length() > 12 ? id.substring(0, 12) : id);
        }
        return s;
    }

    static String bytes(long n) {
        return n < 0 ? "-" : Numbers.si(n);
    }

    static void draw(Canvas c, Rect r, TopModel m, TopState s) {
        Snapshot snap = m.snapshot();
        SocketStats stats = snap == null ? null : snap.sockets();
        List<Row> rows = rows(m, s.socketSort());
        String note = "sort: " + s.socketSort().label + (stats == null ? ""
                : "  " + rows.size() + " shown of " + stats.total() + " sockets, " + stats.withDrops() + " with drops");
        c.title(r.col(), r.row(), r.width(), "Sockets", true, note);
        if (r.height() < 2) {
            return;
        }
        int top = r.row() + 1;
        if (snap == null) {
            c.text(r.col() + 1, top, r.width() - 1, "waiting for the first sample...", Theme.Role.TEXT);
            return;
        }
        if (stats == null) {
            c.text(r.col() + 1, top, r.width() - 1, "sockets not collected in this sample"
                    + snap.errors().stream().filter(e -> e.toString().contains("socket")).findFirst()
                            .map(e -> ": " + e).orElse(""), Theme.Role.TEXT);
            return;
        }
        int noteRows = stats.ownersNote() == null ? 0 : 1;
        if (rows.isEmpty()) {
            c.text(r.col() + 1, top, r.width() - 1, "no sockets with drops or unread data (" + stats.total()
                    + " TCP and UDP sockets looked at)", Theme.Role.TEXT);
        } else {
            int x = r.col() + 1;
            int rest = r.width() - 2 - PROTO - STATE - 3 * NUMBER;
            // addresses before names: "10.0.0.1:8080" whole at 80 columns, the rest to pid/command
            int addr = Math.max(8, Math.min(Math.min(47, (rest - 8) / 2), Math.max(14, rest * 3 / 10)));
            int own = Math.max(1, rest - 2 * addr);
            int[] at = new int[8];
            at[0] = x;
            at[1] = at[0] + PROTO;
            at[2] = at[1] + addr;
            at[3] = at[2] + addr;
            at[4] = at[3] + STATE;
            at[5] = at[4] + NUMBER;
            at[6] = at[5] + NUMBER;
            at[7] = at[6] + NUMBER + 1;
            c.text(at[0], top, PROTO - 1, "PROTO", Theme.Role.COLUMN);
            c.text(at[1], top, addr - 1, "LOCAL", Theme.Role.COLUMN);
            c.text(at[2], top, addr - 1, "REMOTE", Theme.Role.COLUMN);
            c.text(at[3], top, STATE - 1, "STATE", Theme.Role.COLUMN);
            c.textRight(at[4], top, NUMBER - 1, "RECV-Q", Theme.Role.COLUMN);
            c.textRight(at[5], top, NUMBER - 1, "RCVBUF", Theme.Role.COLUMN);
            c.textRight(at[6], top, NUMBER - 1, "DROPS/S", Theme.Role.COLUMN);
            c.text(at[7], top, own, "PID/COMMAND", Theme.Role.COLUMN);
            int visible = r.height() - 2 - noteRows;
            int first = Math.max(0, Math.min(s.detailScroll(), rows.size() - visible));
            for (int i = 0; i < visible && first + i < rows.size(); i++) {
                Row row = rows.get(first + i);
                SocketStats.Entry e = row.socket();
                int y = top + 1 + i;
                c.text(at[0], y, PROTO - 1, e.protocol() + (e.family() == 6 ? "6" : ""), Theme.Role.TEXT);
                c.text(at[1], y, addr - 1, e.local(), Theme.Role.TEXT);
                c.text(at[2], y, addr - 1, e.isListener() || e.remotePort() == 0 ? "*" : e.remote(), Theme.Role.TEXT);
                c.text(at[3], y, STATE - 1, e.state(), Theme.Role.TEXT);
                boolean full = e.rcvbuf() > 0 && e.rmemAlloc() >= e.rcvbuf() * 9 / 10;
                c.textRight(at[4], y, NUMBER - 1, e.isListener() ? e.rqueue() + "/" + e.wqueue() : bytes(e.rqueue()),
                        full ? Theme.Role.WARNING : Theme.Role.TEXT);
                c.textRight(at[5], y, NUMBER - 1, bytes(e.rcvbuf()), Theme.Role.TEXT);
                String rate = row.dropRate() == null ? (e.drops() > 0 ? "?" : "0") : Numbers.si(row.dropRate());
                c.textRight(at[6], y, NUMBER - 1, rate, row.dropRate() != null && row.dropRate() > 0
                        ? Theme.Role.ALERT : Theme.Role.TEXT);
                c.text(at[7], y, own, owner(e), Theme.Role.TEXT);
            }
        }
        if (noteRows > 0) {
            c.text(r.col() + 1, r.row() + r.height() - 1, r.width() - 1, "owners: " + stats.ownersNote(),
                    Theme.Role.WARNING);
        }
    }
}
