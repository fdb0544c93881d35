package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Needs;
import dev.dropscope.testutil.Netns;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code dropscope snapshot} with the default drop source on this kernel (the eBPF source with BTF): UDP to
 * a closed port on the loopback of two namespaces made here, a different number in each. Each namespace's
 * sites carry its name and exactly its drops; {@code --netns A} keeps A's alone, and the no_socket finding
 * names A and enters it. Other helpers drop packets on this machine meanwhile, so only our namespaces'
 * sites are counted.
 */
@Needs(root = true)
class SnapshotNetnsLiveTest {
    private static final Syscalls SYS = Syscalls.get();
    private static final int TO_A = 30;
    private static final int TO_B = 70;
    private static Netns a;
    private static Netns b;

    @BeforeAll
    static void namespaces() throws IOException {
        a = Netns.create("snapns");
        b = Netns.create("snapns");
        a.ip("link", "set", "lo", "up");
        b.ip("link", "set", "lo", "up");
    }

    @AfterAll
    static void cleanup() throws IOException {
        try {
            if (a != null) {
                a.close();
            }
        } finally {
            if (b != null) {
                b.close();
            }
        }
    }

    record Run(int exit, String out, String err) {
    }

    /** Runs snapshot in this JVM; once its drop source is open, TO_A drops in A and TO_B in B. */
    private static Run snapshotWhileDropping(String... args) throws Exception {
        long before = WatchCommandTest.sourceFds();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() ->
                Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true)));
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (WatchCommandTest.sourceFds() == before && !run.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertFalse(run.isDone(), "snapshot ended before its drop source opened: " + err);
        a.sendToClosedPort(SYS, TO_A);
        b.sendToClosedPort(SYS, TO_B);
        int exit = run.get();
        assertEquals(before, WatchCommandTest.sourceFds(), "the drop source closed again");
        return new Run(exit, out.toString(), err.toString());
    }

    private static long inode(Netns ns) throws IOException {
        return (Long) Files.getAttribute(Path.of("/run/netns", ns.name()), "unix:ino");
    }

    /** The sites in namespace {@code ns}, by its inode. */
    private static List<JsonNode> sitesIn(JsonNode snapshot, Netns ns) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode s : snapshot.get("drops").get("sites")) {
            if (s.has("netns") && s.get("netns").get("inode").asLong() == inode(ns)) {
                out.add(s);
            }
        }
        return out;
    }

    private static long count(List<JsonNode> sites) {
        return sites.stream().mapToLong(s -> s.get("count").asLong()).sum();
    }

    /** The no_socket_drops findings whose title names {@code ns}. */
    private static List<JsonNode> noSocketIn(JsonNode snapshot, Netns ns) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode f : snapshot.get("findings")) {
            if (f.get("id").asText().equals("no_socket_drops")
                    && f.get("title").asText().endsWith(" in namespace " + ns.name() + " (lo)")) {
                out.add(f);
            }
        }
        return out;
    }

    private static void assertOurDrops(List<JsonNode> sites, Netns ns, int sent) {
        assertFalse(sites.isEmpty(), ns.name() + ": no sites");
        for (JsonNode s : sites) {
            assertEquals(ns.name(), s.get("netns").get("name").asText(), s.toString());
            assertTrue(s.get("netns").get("container").isNull(), s.toString());
            assertEquals("lo", s.get("interface").asText(), "named inside its own namespace: " + s);
            assertEquals("NO_SOCKET", s.get("reason").asText(), s.toString());
            assertEquals("__udp4_lib_rcv", s.get("symbol").asText(), s.toString());
        }
        assertEquals(sent, count(sites), ns.name() + ": every datagram, and only ours: " + sites);
    }

    @Test
    void eachNamespacesDropsAreAttributedToItByName() throws Exception {
        Run r = snapshotWhileDropping("snapshot", "--duration", "3s", "--format", "json");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("ebpf", j.get("drops").get("source").asText(), j.get("sources").toString());
        JsonNode ebpf = j.get("sources").get("ebpf");
        assertTrue(ebpf.get("used").asBoolean() && ebpf.get("identity_known").asBoolean(), ebpf.toString());
        assertFalse(j.get("drops").has("scope"), "the caller's own namespace: no note");
        assertOurDrops(sitesIn(j, a), a, TO_A);
        assertOurDrops(sitesIn(j, b), b, TO_B);

        // each namespace's drops are a finding of their own, naming it, with commands that enter it
        for (Netns ns : List.of(a, b)) {
            List<JsonNode> fs = noSocketIn(j, ns);
            assertEquals(1, fs.size(), j.get("findings").toString());
            JsonNode f = fs.get(0);
            assertEquals("ip netns exec " + ns.name() + " ss -lunpt  # is the service that should own the port running?",
                    f.get("fixes").get(0).get("command").asText());
            assertEquals(1, f.get("evidence").size(), "its drops alone, no host counter: " + f);
            assertEquals("drops at __udp4_lib_rcv (NO_SOCKET) on lo", f.get("evidence").get(0).get("name").asText());
            assertTrue(f.get("evidence").get(0).get("value").asText().startsWith("+" + (ns == a ? TO_A : TO_B) + " in "),
                    f.toString());
        }
    }

    @Test
    void netnsKeepsOnlyThatNamespacesDropsAndItsFindingEntersIt() throws Exception {
        Path file = Files.createTempFile("ds-snapns", ".json");
        try {
            Run r = snapshotWhileDropping("snapshot", "--duration", "3s", "--netns", a.name(), "--output",
                    file.toString(), "--force");
            assertEquals(ExitCodes.OK, r.exit(), r.err());
            JsonNode j = new ObjectMapper().readTree(Files.readString(file));
            assertEquals(a.name(), j.get("netns").asText());
            assertFalse(j.get("drops").has("scope"), "A's drops only: not machine-wide");
            List<JsonNode> sites = new ArrayList<>();
            j.get("drops").get("sites").forEach(sites::add);
            assertEquals(sitesIn(j, a).size(), sites.size(), "every site is A's: " + sites);
            assertOurDrops(sites, a, TO_A);
            assertEquals(TO_A, j.get("drops").get("total").asLong(), "the total is A's");
            // the eBPF program itself counted A's alone: its map holds A's sites, not B's that dropped meanwhile
            JsonNode bpfSites = j.findValue("bpf_sites");
            assertEquals(sites.size(), bpfSites == null ? -1 : bpfSites.asInt(), "keys in the kernel's map: " + j);

            List<JsonNode> noSocket = new ArrayList<>();
            j.get("findings").forEach(f -> {
                if (f.get("id").asText().equals("no_socket_drops")) {
                    noSocket.add(f);
                }
            });
            assertEquals(1, noSocket.size(), j.get("findings").toString());
            JsonNode f = noSocket.get(0);
            assertTrue(f.get("title").asText().endsWith(" in namespace " + a.name() + " (lo)"), f.toString());
            assertTrue(f.get("fixes").get(0).get("command").asText().startsWith("ip netns exec " + a.name() + " "),
                    f.toString());
            assertEquals("see which ports are hit: dropscope watch --source ebpf --mode packet --reason NO_SOCKET "
                    + "--netns " + a.name(), f.get("fixes").get(1).get("command").asText());

            // the text report of the file shows the namespace per site, and no machine-wide note
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            assertEquals(ExitCodes.OK, Main.run(new String[] {"report", file.toString()}, new PrintWriter(out, true),
                    new PrintWriter(err, true)), err.toString());
            String report = out.toString();
            assertTrue(report.contains("Namespace"), report);
            assertTrue(report.lines().anyMatch(l -> l.contains("__udp4_lib_rcv") && l.contains(" lo ")
                    && l.contains(" " + a.name() + " ")), report);
            assertFalse(report.contains("Machine-wide"), report);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
