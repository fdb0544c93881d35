package dev.dropscope.diagnosis;

import dev.dropscope.testutil.Needs;
import static dev.dropscope.diagnosis.FaultLab.SYS;
import static dev.dropscope.diagnosis.FaultLab.exec;
import static dev.dropscope.diagnosis.RealFaultsTest.rise;
import static dev.dropscope.diagnosis.RealFaultsTest.sendUdp;
import static dev.dropscope.diagnosis.Snap.commands;
import static dev.dropscope.diagnosis.Snap.evidence;
import static dev.dropscope.diagnosis.Snap.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.Finding;
import dev.dropscope.model.FirewallRuleset;
import dev.dropscope.testutil.Netns;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * netfilter_drops on the real fault, in a namespace of its own (deleted even when the test fails): an nft
 * rule with a counter drops UDP to one port, one without a counter drops TCP to another, and an
 * iptables-nft rule rejects UDP to a third. The finding must name the counted rules by handle and text
 * with the rise of their counters (checked against nft's own counters), and list the uncounted one as a
 * candidate. Drop sites are machine-wide, so only this namespace's rules and counters are asserted.
 */
@Needs(root = true, tools = {"ip", "nft", "iptables-nft", "sysctl"})
class FirewallFaultTest {
    static final int UDP = 40;
    static final int IPT = 25;
    static final int SYNS = 20;

    @Test
    void theCountedRuleIsNamedWithItsRiseAndTheUncountedOneIsACandidate() throws Exception {
        try (FaultLab lab = new FaultLab()) {
            Netns ns = lab.namespace();
            exec(ns, "nft", "add", "table", "inet", "dsnft");
            exec(ns, "nft", "add", "chain", "inet", "dsnft", "input", "{ type filter hook input priority 0; }");
            exec(ns, "nft", "add", "rule", "inet", "dsnft", "input", "udp", "dport", "12345", "counter", "drop");
            exec(ns, "nft", "add", "rule", "inet", "dsnft", "input", "tcp", "dport", "2223", "drop");
            exec(ns, "iptables-nft", "-A", "INPUT", "-p", "udp", "--dport", "5556", "-m", "comment", "--comment",
                    "dropscope test", "-j", "REJECT");
            String chain = exec(ns, "nft", "-a", "list", "chain", "inet", "dsnft", "input");
            long udpHandle = handle(chain, "udp dport 12345 counter");
            long tcpHandle = handle(chain, "tcp dport 2223 drop");
            long iptHandle = handle(exec(ns, "nft", "-a", "list", "chain", "ip", "filter", "INPUT"), "udp dport 5556");
            long udpBefore = packets(chain, "udp dport 12345 counter");

            Finding f;
            FirewallRuleset fw;
            List<SocketChannel> syns = new ArrayList<>();
            try (FaultLab.Window w = lab.watch(ns)) {
                assertTrue(w.hasDropSource(), "only a drop source sees firewall drops: none opened");
                assertNotNull(w.before.firewall(), "root reads the ruleset: " + w.before.errors());
                sendUdp(ns, "127.0.0.1", "127.0.0.1", 12345, UDP);
                sendUdp(ns, "127.0.0.1", "127.0.0.1", 5556, IPT);
                ns.inside(SYS, () -> {
                    for (int i = 0; i < SYNS; i++) {
                        SocketChannel c = SocketChannel.open();
                        syns.add(c);
                        c.configureBlocking(false);
                        c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 2223)); // a SYN each
                    }
                    return null;
                });
                f = only(w.finish(), "netfilter_drops");
                fw = w.after.firewall();
            } finally {
                for (SocketChannel c : syns) {
                    c.close();
                }
            }
            String after = exec(ns, "nft", "-a", "list", "chain", "inet", "dsnft", "input");
            long counted = packets(after, "udp dport 12345 counter") - udpBefore;
            assertEquals(UDP, counted, "nft's own counter: every datagram to 12345 was dropped");

            String udpRule = "inet dsnft input handle " + udpHandle + ": udp dport 12345 counter drop";
            assertEquals(counted, rise(evidence(f, udpRule)), f.evidence().toString());
            String iptRule = "ip filter INPUT handle " + iptHandle
                    + ": udp dport 5556 xt match \"comment\" counter xt target \"REJECT\"";
            assertEquals(IPT, rise(evidence(f, iptRule)), "iptables-nft's rule by its match and target names");
            assertEquals("candidate (no counter, hook input)", evidence(f,
                    "inet dsnft input handle " + tcpHandle + ": tcp dport 2223 drop"));
            assertFalse(f.evidence().stream().anyMatch(e -> e.value().startsWith("candidate")
                    && e.name().contains("handle " + udpHandle + ":")), "a counted rule is no candidate");

            List<String> c = commands(f);
            String list = "ip netns exec " + ns.name() + " nft -a list chain inet dsnft input";
            assertEquals(list, c.get(0), c.toString());
            assertTrue(c.contains("ip netns exec " + ns.name() + " nft -a list chain ip filter INPUT"), c.toString());
            assertTrue(FaultLab.runFix(list).contains("udp dport 12345 counter packets " + (udpBefore + UDP)),
                    "the listed chain shows the rule and its counter");
            assertTrue(c.contains("ip netns exec " + ns.name() + " nft -a list ruleset | grep -E 'drop|reject'"),
                    "drops no counter explains: the search fixes stay " + c);

            assertTrue(fw.rules().stream().anyMatch(r -> r.key().equals("inet dsnft input handle " + tcpHandle)
                    && r.packets() == null), "the uncounted rule is in the snapshot without a counter");
        }
    }

    private static long handle(String nft, String containing) {
        Matcher m = line(nft, containing, "# handle (\\d+)");
        return Long.parseLong(m.group(1));
    }

    private static long packets(String nft, String containing) {
        Matcher m = line(nft, containing, "counter packets (\\d+)");
        return Long.parseLong(m.group(1));
    }

    private static Matcher line(String nft, String containing, String regex) {
        for (String l : nft.split("\n")) {
            if (l.contains(containing)) {
                Matcher m = Pattern.compile(regex).matcher(l);
                if (m.find()) {
                    return m;
                }
            }
        }
        throw new AssertionError("no line with '" + containing + "' and " + regex + " in:\n" + nft);
    }
}
