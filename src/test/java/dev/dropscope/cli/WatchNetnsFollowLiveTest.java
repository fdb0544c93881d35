package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.dropscope.procfs.ProtocolCounters;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Needs;
import dev.dropscope.testutil.Netns;

import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * {@code watch --netns NAME} on the eBPF source follows the name while it runs: a namespace deleted and
 * made again under NAME (a new inode) is counted too, and a NAME that means nothing at the start is
 * counted once it appears. The kernel's filter maps are read with bpftool (ours are those holding our
 * namespace's inode: other sessions on this machine may run their own dropscope); once the filter
 * holds the new inode, every drop in that namespace must be in the watch's summary, exactly its
 * {@code Udp NoPorts} delta. Other helpers drop packets meanwhile: only our namespaces' sites are counted.
 */
@Needs(root = true, tools = {"ip", "bpftool"})
class WatchNetnsFollowLiveTest {
    private static final Syscalls SYS = Syscalls.get();

    private static long inode(Netns n) throws Exception {
        return ((Number) Files.getAttribute(Path.of("/run/netns", n.name()), "unix:ino")).longValue();
    }

    private static long noPorts(Netns n) throws Exception {
        return n.inside(SYS, () -> ProtocolCounters.query(Path.of("/proc")).counters().get("Udp.NoPorts"));
    }

    /**
     * The netns inodes of the keys in force in every running dropscope program's filter: its maps
     * dropscope_fidx (which key set is in force: 1 or 2) and dropscope_filt1/2 (u32 n, u32 zero, then n keys
     * of u32 ifindex, u32 netns), found through the program's map ids.
     */
    private static Set<Long> filterMapInodes() throws Exception {
        Set<Long> inodes = new TreeSet<>();
        ObjectMapper json = new ObjectMapper();
        Map<Integer, String> mapNames = new HashMap<>();
        for (JsonNode m : json.readTree(Netns.run("bpftool", "-j", "map", "show"))) {
            mapNames.put(m.get("id").asInt(), m.path("name").asText());
        }
        for (JsonNode prog : json.readTree(Netns.run("bpftool", "-j", "prog", "show"))) {
            if (!prog.path("name").asText().startsWith("dropscope_")) {
                continue;
            }
            Map<String, Integer> ids = new HashMap<>();
            for (JsonNode id : prog.path("map_ids")) {
                ids.put(mapNames.getOrDefault(id.asInt(), ""), id.asInt());
            }
            if (!ids.containsKey("dropscope_fidx")) {
                continue;
            }
            int inForce = value(json, ids.get("dropscope_fidx"))[0];
            int[] slot = value(json, ids.get("dropscope_filt" + inForce));
            for (int k = 0; k < u32(slot, 0); k++) {
                inodes.add(u32(slot, 8 + 8 * k + 4));
            }
        }
        return inodes;
    }

    /** The value of element 0 of map {@code id}, as bytes. */
    private static int[] value(ObjectMapper json, int id) throws Exception {
        JsonNode dump = json.readTree(Netns.run("bpftool", "-j", "map", "dump", "id", Integer.toString(id)));
        JsonNode bytes = dump.get(0).get("value");
        int[] v = new int[bytes.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = Integer.decode(bytes.get(i).asText());
        }
        return v;
    }

    private static long u32(int[] b, int at) {
        return b[at] | b[at + 1] << 8 | b[at + 2] << 16 | (long) b[at + 3] << 24;
    }

    private static void awaitFilterHolds(long inode, CompletableFuture<Integer> run, StringWriter err) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!filterMapInodes().contains(inode)) {
            assertFalse(run.isDone(), "watch ended: " + err);
            assertTrue(System.nanoTime() < deadline, "the filter map never held " + inode);
            Thread.sleep(50);
        }
    }

    /** The summary's NO_SOCKET counts by namespace inode. */
    private static Map<Long, Long> counts(StringWriter out) throws Exception {
        List<String> lines = out.toString().lines().toList();
        JsonNode s = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        assertEquals("summary", s.get("type").asText(), out.toString());
        Map<Long, Long> by = new HashMap<>();
        for (JsonNode site : s.get("sites")) {
            by.merge(site.get("netns").get("inode").asLong(), site.get("count").asLong(), Long::sum);
        }
        return by;
    }

    @Test
    void aNamespaceMadeAgainUnderTheWatchedNameIsCountedToo() throws Exception {
        Netns old = Netns.create("follow");
        Netns made = null;
        try {
            old.ip("link", "set", "lo", "up");
            long oldInode = inode(old);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CompletableFuture<Integer> run = WatchUnnamedNetnsTest.watch(out, err, "watch", "--source", "ebpf", "--format", "json",
                    "--interval", "200ms", "--duration", "6s", "--netns", old.name(), "--reason", "NO_SOCKET");
            awaitFilterHolds(oldInode, run, err);
            long before = noPorts(old);
            old.sendToClosedPort(SYS, 25);
            long oldDelta = noPorts(old) - before;

            made = old.recreate(SYS);
            made.ip("link", "set", "lo", "up");
            long newInode = inode(made);
            assertTrue(newInode != oldInode, "a new inode");
            awaitFilterHolds(newInode, run, err);
            assertFalse(filterMapInodes().contains(oldInode), "the deleted namespace left the filter");
            before = noPorts(made);
            made.sendToClosedPort(SYS, 35);
            long newDelta = noPorts(made) - before;
            assertEquals(ExitCodes.OK, run.get(), err.toString());

            Map<Long, Long> counts = counts(out);
            assertEquals(25, oldDelta);
            assertEquals(35, newDelta);
            assertEquals(oldDelta, counts.getOrDefault(oldInode, 0L), counts.toString());
            assertEquals(newDelta, counts.getOrDefault(newInode, 0L), counts.toString());
            assertEquals(Set.of(oldInode, newInode), counts.keySet(), "no other namespace: " + counts);
        } finally {
            (made != null ? made : old).close();
        }
    }

    @Test
    void aNameThatMeansNothingAtTheStartIsCountedOnceItAppears() throws Exception {
        Netns gone = Netns.create("follow");
        String name = gone.name();
        gone.close(); // a name we own that means no namespace now
        Netns later = null;
        try {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CompletableFuture<Integer> run = WatchUnnamedNetnsTest.watch(out, err, "watch", "--source", "ebpf", "--format", "json",
                    "--interval", "200ms", "--duration", "5s", "--netns", name, "--reason", "NO_SOCKET");
            assertTrue(err.toString().contains("network namespace '" + name + "' not found yet; waiting for it"),
                    err.toString());
            later = gone.recreate(SYS);
            later.ip("link", "set", "lo", "up");
            long inode = inode(later);
            awaitFilterHolds(inode, run, err);
            long before = noPorts(later);
            later.sendToClosedPort(SYS, 40);
            long delta = noPorts(later) - before;
            assertEquals(ExitCodes.OK, run.get(), err.toString());
            assertEquals(40, delta);
            assertEquals(Map.of(inode, delta), counts(out));
        } finally {
            if (later != null) {
                later.close();
            }
        }
    }
}
