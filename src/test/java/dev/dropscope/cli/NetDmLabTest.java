package dev.dropscope.cli;

import dev.dropscope.testutil.Needs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real NET_DM, in test/vm/netdm-vm (a Debian kernel with drop_monitor): watch counts the guest's
 * drops in summary and packet mode, Ctrl-C and stale sessions behave, the dropwatch language works, and the
 * kernel's monitoring and configuration are as before afterwards. One VM boot ({@link NetDmLab}) runs the
 * whole scenario (src/test/resources/lab/netdm-watch.sh) for this class and {@link DoctorLabTest}; each
 * check is asserted here.
 */
@Tag("lab")
@Needs(root = true, tools = "qemu-system-x86_64")
class NetDmLabTest {
    private static final String DEFAULT_CONFIG = "Alert mode: Summary;Truncation length: 0;Queue length: 1000;";
    private static final Map<String, String> checks = new LinkedHashMap<>();
    private static String transcript;

    @BeforeAll
    static void runScenario() throws IOException, InterruptedException {
        NetDmLab.Result r = NetDmLab.scenario();
        transcript = r.transcript();
        checks.putAll(r.checks());
        // the guest's last driver JVM ran to its end (the first one is killed on purpose: the stale session)
        assertEquals("0", checks.getOrDefault("last_exit", "missing"), transcript);
    }

    private static String check(String name) {
        assertTrue(checks.containsKey(name), "no CHECK " + name + " in the transcript:\n" + transcript);
        return checks.get(name);
    }

    private static long number(String name) {
        return Long.parseLong(check(name).trim());
    }

    @Test
    void summaryModeCountsEveryDrop() {
        assertEquals(0, number("summary_exit"), transcript);
        assertEquals(200, number("summary_kernel"), "the kernel's Udp NoPorts delta");
        assertEquals(number("summary_kernel"), number("summary_counted"), transcript);
    }

    @Test
    void packetModeGivesEveryPacketWithItsFiveTuple() {
        assertEquals(0, number("packet_exit"), "START accepted, so run 1 had stopped NET_DM:\n" + transcript);
        assertEquals(50, number("packet_kernel"));
        assertEquals(number("packet_kernel"), number("packet_counted"), transcript);
    }

    /**
     * Packet mode with a one-packet per-CPU queue (--queue 1): the kernel tail-drops most of a 2000-drop
     * burst, STATS_GET reports it, watch counts it as lost, and monitor_lost_events, given the numbers the
     * guest's run produced, says so with the --queue fix. Every one of the kernel's drops is a packet
     * record or counted as lost: once 816 of 2000 were neither, the alerts still queued on watch's socket
     * when --duration ended; watch now STOPs NET_DM and drains them before its summary.
     */
    @Test
    void aOnePacketQueueOverflowsAndTheTailDropsAreReportedAsLost() {
        assertEquals(0, number("queue1_exit"), transcript);
        assertEquals(2000, number("queue1_kernel"), "the kernel's Udp NoPorts delta");
        Map<String, Long> health = new LinkedHashMap<>();
        for (String kv : check("queue1_monitor").trim().split(" ")) {
            String[] p = kv.split("=");
            health.put(p[0], Long.parseLong(p[1]));
        }
        long tail = health.get("tail_dropped_sw");
        long packets = number("queue1_packets");
        assertTrue(tail > 0, "a one-packet queue must overflow under a 2000-drop burst:\n" + transcript);
        assertTrue(packets > 0 && packets < number("queue1_kernel"), "packets " + packets);
        assertEquals(packets, number("queue1_total"), "in packet mode each delivered drop is one record");
        assertEquals(tail + health.get("netlink_overruns") + health.get("lost_at_stop"), number("queue1_lost"),
                "tail drops are counted as lost");
        assertEquals(number("queue1_kernel"), number("queue1_accounted"), "every drop is a packet record or lost: "
                + health);
        assertEquals(number("queue1_lost"), number("queue1_lost_lines"), "packet mode reports losses per interval too");

        // the rule, fed what the guest's run measured
        dev.dropscope.model.Snapshot s = dev.dropscope.model.Snapshot.builder().takenAt(0, 0).build();
        dev.dropscope.model.Snapshot t = dev.dropscope.model.Snapshot.builder().takenAt(25_000, 25_000_000_000L).build();
        dev.dropscope.model.DropReport drops = new dev.dropscope.model.DropReport("netdm", 25_000, 25_000_000_000L,
                25_000_000_000L, packets, packets, number("queue1_lost"), number("queue1_lost"), java.util.List.of(), null);
        dev.dropscope.model.Finding f = dev.dropscope.diagnosis.Diagnosis.diagnose(s, t, drops, health).stream()
                .filter(x -> x.id().equals("monitor_lost_events")).findFirst().orElseThrow();
        assertTrue(f.evidence().contains(new dev.dropscope.model.Evidence("monitor tail_dropped_sw", Long.toString(tail))),
                f.evidence().toString());
        assertTrue(f.fixes().stream().anyMatch(x -> x.command().startsWith(
                "NET_DM packet mode: a longer per-CPU queue (dropscope watch --queue 10000)")), f.fixes().toString());
    }

    /**
     * A reader far behind when --duration ends (its JVM stopped through a burst and past the deadline):
     * the alerts queued on its socket are drained after STOP into the summary, none vanish.
     */
    @Test
    void alertsQueuedWhenWatchingEndsAreDrainedIntoTheSummary() {
        assertEquals(0, number("stall_exit"), transcript);
        assertEquals(500, number("stall_kernel"), "the kernel's Udp NoPorts delta");
        Map<String, Long> health = new LinkedHashMap<>();
        for (String kv : check("stall_monitor").trim().split(" ")) {
            String[] p = kv.split("=");
            health.put(p[0], Long.parseLong(p[1]));
        }
        assertTrue(health.get("drained_at_stop") + health.get("lost_at_stop") > 0,
                "nothing was queued at stop: the scenario did not stall the reader\n" + transcript);
        assertEquals(number("stall_kernel"), number("stall_accounted"), "every drop is a packet record or lost: "
                + health);
    }

    @Test
    void ctrlCPrintsTheSummaryAndStops() {
        assertEquals(130, number("sigint_exit"), transcript);
        assertEquals(1, number("sigint_summary"), transcript);
        assertEquals(0, number("summary_exit"), "the next START (summary mode) was accepted, so Ctrl-C had stopped NET_DM");
    }

    @Test
    void staleSessionIsExplainedAndCanBeTakenOver() {
        assertEquals(1, number("stale_started"), "START accepted after the --queue 1 run:\n" + transcript);
        assertEquals(137, number("first_exit"), "the monitor was killed with SIGKILL while watching:\n" + transcript);
        assertEquals(ExitCodes.FAILURE, number("stale_refused_exit"), transcript);
        assertTrue(number("stale_refused_hint") > 0, "the refusal names --takeover:\n" + transcript);
        assertEquals(0, number("passive_exit"), transcript);
        assertEquals(0, number("takeover_exit"), transcript);
    }

    @Test
    void dropwatchLanguageAndTheKernelAsBefore() {
        assertEquals(0, number("repl_exit"), transcript);
        // first show: as before the packet-mode runs; second: what `set` changed for the session
        assertEquals(DEFAULT_CONFIG + "Alert mode: Packet;Truncation length: 64;Queue length: 16;", check("repl_show"));
        assertEquals(2, number("repl_stats"), "software and hardware tail drops");
        assertEquals(DEFAULT_CONFIG, check("final_config"), "exit restored the configuration");
        assertEquals(0, number("final_start_exit"), "monitoring is off: START accepted\n" + transcript);
    }
}
