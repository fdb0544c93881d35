package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import dev.dropscope.collect.EbpfMonitor;
import dev.dropscope.collect.LiveFeed;
import dev.dropscope.collect.NetnsCountersCollector;
import dev.dropscope.collect.NetnsScope;
import dev.dropscope.collect.Sampler;
import dev.dropscope.collect.SymbolTable;
import dev.dropscope.model.NetnsCounters;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.procfs.NetnsNames;
import dev.dropscope.procfs.ProtocolCounters;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Needs;
import dev.dropscope.testutil.Netns;
import dev.dropscope.ui.LatestModel;
import dev.dropscope.ui.Theme;
import dev.dropscope.ui.TopModel;
import dev.dropscope.ui.TopScreen;
import dev.dropscope.ui.TopState;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.LongFunction;

/**
 * top's pipeline on the real kernel with two namespaces of our own dropping UDP to a closed port on their
 * loopback (1300 and 700 datagrams): the eBPF source with identity, the report builder and the composer
 * of {@code dropscope top}, with the per-namespace counters read each sample. The model must attribute
 * each namespace's NO_SOCKET drops to it exactly as its own {@code Udp NoPorts} delta says, carry that
 * namespace's own counters, and the Namespaces view and Drop sites pane must show them. Other helpers'
 * drops on this machine are in other namespaces: every check is filtered by our namespaces' inodes.
 */
@Needs(root = true, tools = {"ip"})
class TopNamespacesLiveTest {
    private static final Syscalls SYS = Syscalls.get();

    static long noPorts(Netns n) throws Exception {
        return ProtocolCounters.parseHeaderValue(Netns.run("ip", "netns", "exec", n.name(), "cat", "/proc/net/snmp"))
                .counters().get("Udp.NoPorts");
    }

    static long inode(Netns n) throws Exception {
        return ((Number) Files.getAttribute(Path.of("/run/netns", n.name()), "unix:ino")).longValue();
    }

    /** NO_SOCKET drops in namespace {@code inode} since the start, as the model has them. */
    static long noSocket(TopModel m, long inode) {
        return m.drops() == null ? 0 : m.drops().sites().stream()
                .filter(s -> s.netns() != null && s.netns().inode() == inode && "NO_SOCKET".equals(s.reason()))
                .mapToLong(ResolvedDropSite::count).sum();
    }

    static long counted(TopModel m, long inode) {
        NetnsCounters c = m.namespaces() == null ? null : m.namespaces().counters().get(inode);
        return c == null ? -1 : c.counters().getOrDefault("Udp.NoPorts", -1L);
    }

    static String screen(TopModel m, TopState s) throws Exception {
        DefaultVirtualTerminal t = new DefaultVirtualTerminal(new TerminalSize(140, 40));
        TerminalScreen screen = new TerminalScreen(t);
        screen.startScreen();
        TopScreen painter = new TopScreen(Theme.monochrome(true), ZoneOffset.UTC);
        painter.draw(screen.newTextGraphics(), screen.getTerminalSize(), m, painter.fit(m, s, screen.getTerminalSize()));
        screen.refresh();
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < 40; r++) {
            for (int c = 0; c < 140; c++) {
                b.append(t.getCharacter(c, r).getCharacterString());
            }
            b.append('\n');
        }
        return b.toString();
    }

    static String line(String screen, String containing) {
        return screen.lines().filter(l -> l.contains(containing)).findFirst()
                .orElseThrow(() -> new AssertionError("'" + containing + "' is not on the screen:\n" + screen));
    }

    @Test
    void eachNamespacesDropsStandBesideItsOwnCounters() throws Exception {
        try (Netns a = Netns.create("topns"); Netns b = Netns.create("topns")) {
            a.ip("link", "set", "lo", "up");
            b.ip("link", "set", "lo", "up");
            long ia = inode(a);
            long ib = inode(b);
            TopModel.Header header = new TopModel.Header("h", "k", "ebpf", "test", 200);
            LatestModel latest = new LatestModel(TopModel.starting(header, System.currentTimeMillis()));
            TopCommand.Composer composer = new TopCommand.Composer(header, latest, TopCommand.DIAGNOSIS);
            NetnsNames names = NetnsNames.system();
            LongFunction<NetnsNames.Netns> lookup = inode -> {
                synchronized (names) {
                    return names.lookup(inode);
                }
            };
            long a0 = noPorts(a);
            long b0 = noPorts(b);
            try (NetnsCountersCollector counters = new NetnsCountersCollector(SYS, lookup, NetnsCountersCollector.DEFAULT_CAP);
                 EbpfMonitor m = EbpfMonitor.open(SYS, "test", false, EbpfMonitor.Attach.PERF_EVENT, true);
                 LiveFeed feed = new LiveFeed(new Sampler(List.of(), NetnsScope.current(), Duration.ofSeconds(2)),
                         new LiveFeed.Settings(200_000_000L, 100_000_000L, Monitoring.MAX_SITES, Monitoring.cpuCount()),
                         composer)) {
                assertNull(m.identityUnknownWhy(), "this test needs the eBPF source with BTF");
                composer.withNamespaces(counters);
                composer.identityUnknown(m.identityUnknownWhy());
                feed.startSampling();
                feed.startDrops(m, () -> TopCommand.builder(SYS, m, SymbolTable.loadInBackground(e -> { }), names));
                a.sendToClosedPort(SYS, 1300);
                b.sendToClosedPort(SYS, 700);
                long a1 = noPorts(a);
                long b1 = noPorts(b);
                assertEquals(1300, a1 - a0);
                assertEquals(700, b1 - b0);
                // the model settles once a drop report and a sample after the sending have both arrived
                TopModel model = latest.latest();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (noSocket(model, ia) < 1300 || noSocket(model, ib) < 700 || counted(model, ia) != a1
                        || counted(model, ib) != b1) {
                    assertTrue(System.nanoTime() < deadline, "the model did not settle: a " + noSocket(model, ia)
                            + "/" + counted(model, ia) + " b " + noSocket(model, ib) + "/" + counted(model, ib));
                    model = latest.awaitNewerThan(model, 500);
                    assertNull(latest.failure());
                }
                // exactly each namespace's own NoPorts delta, and its own counters beside them
                assertEquals(a1 - a0, noSocket(model, ia));
                assertEquals(b1 - b0, noSocket(model, ib));
                assertEquals(a1, counted(model, ia));
                assertEquals(b1, counted(model, ib));
                assertEquals(a.name(), model.namespaces().counters().get(ia).netns().name());
                assertNotNull(model.namespaces().counters().get(ib).netns());
                assertTrue(model.namespaces().ownInode() != ia && model.namespaces().ownInode() != ib);

                // while a namespace drops, top's findings name it and their fixes enter it (findings are of
                // the latest interval: a burst already over gives none)
                java.util.concurrent.atomic.AtomicBoolean sending = new java.util.concurrent.atomic.AtomicBoolean(true);
                Thread sender = new Thread(() -> {
                    try {
                        while (sending.get()) {
                            a.sendToClosedPort(SYS, 20);
                            Thread.sleep(50);
                        }
                    } catch (Exception e) {
                        sending.set(false);
                    }
                });
                sender.start();
                try {
                    TopModel withFinding = model;
                    while (withFinding.findings().stream().noneMatch(f -> f.id().equals("no_socket_drops")
                            && f.title().endsWith(" in namespace " + a.name() + " (lo)")
                            && f.fixes().get(0).command().startsWith("ip netns exec " + a.name() + " ss -lunpt"))) {
                        assertTrue(System.nanoTime() < deadline + Duration.ofSeconds(30).toNanos() && sending.get(),
                                "no finding naming " + a.name() + ": " + withFinding.findings());
                        withFinding = latest.awaitNewerThan(withFinding, 500);
                    }
                } finally {
                    sending.set(false);
                    sender.join();
                }
                String view = screen(model, TopState.initial().onKey(new KeyStroke('n', false, false)));
                String rowA = line(view, a.name());
                String rowB = line(view, b.name());
                assertTrue(rowA.matches(" +" + a.name() + " +\\S+ +1300 +NO_SOCKET .*"), rowA);
                assertTrue(rowB.matches(" +" + b.name() + " +\\S+ +700 +NO_SOCKET .*"), rowB);
                assertTrue(view.contains("(own)"), view);
                String panes = screen(model, TopState.initial());
                assertTrue(line(panes, "─ System ─").contains("namespace only (n: per namespace)"), panes);
                String site = line(panes, b.name());
                assertTrue(site.contains("NO_SOCKET") && site.contains(" lo "), "the drop's interface in its namespace: " + site);
            }
        }
    }
}
