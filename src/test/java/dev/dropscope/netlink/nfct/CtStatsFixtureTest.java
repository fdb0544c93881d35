package dev.dropscope.netlink.nfct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.collect.ToolOutput;
import dev.dropscope.netlink.RecordedReplies;
import dev.dropscope.netlink.RecordedReplies.Message;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** ctnetlink statistics captured from 6.18, against conntrack -S and -C printed at the same moment. */
class CtStatsFixtureTest {
    static final String DIR = "netlink/stack-health/6.18.44-fc-v595/";

    @Test
    void perCpuStatsEqualConntrackS() throws Exception {
        Map<Integer, Map<String, Long>> ours = new TreeMap<>();
        for (Message m : RecordedReplies.replies(DIR + "nfct-stats-cpu.hex")) {
            CtCpuStats c = CtStats.parsePerCpu(m.buffer(), 0, m.bytes().length);
            ours.put(c.cpu(), new TreeMap<>(c.counters()));
        }
        assertEquals(ToolOutput.conntrackStats(RecordedReplies.text(DIR + "nfct-stats-cpu.conntrack-S.txt")), ours);
        assertEquals(List.of("found", "invalid", "insert", "insert_failed", "drop", "early_drop", "error",
                "search_restart", "clash_resolve", "chain_toolong"),
                List.copyOf(CtStats.parsePerCpu(RecordedReplies.replies(DIR + "nfct-stats-cpu.hex").get(0).buffer(), 0,
                        RecordedReplies.replies(DIR + "nfct-stats-cpu.hex").get(0).bytes().length).counters().keySet()),
                "what 6.18 sends, in its order");
    }

    @Test
    void globalStatsEqualConntrackC() throws Exception {
        List<Message> replies = RecordedReplies.replies(DIR + "nfct-stats.hex");
        assertEquals(1, replies.size());
        CtStats.Global g = CtStats.parseGlobal(replies.get(0).buffer(), 0, replies.get(0).bytes().length);
        long count = Long.parseLong(RecordedReplies.text(DIR + "nfct-stats.conntrack-C.txt").strip());
        assertEquals(count, g.entries());
        assertTrue(count >= 20, "the capture's UDP flows are tracked: " + count);
        assertTrue(g.maxEntries() > 0);
    }
}
