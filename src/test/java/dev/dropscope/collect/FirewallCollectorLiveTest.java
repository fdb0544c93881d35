package dev.dropscope.collect;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.CollectorError;
import dev.dropscope.model.FirewallRuleset;
import dev.dropscope.model.Snapshot;
import dev.dropscope.netlink.RecordedReplies;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;
import dev.dropscope.testutil.Root;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * FirewallCollector on this kernel, in a namespace of its own: the ruleset it reads is the one nft lists,
 * it stops at its cap and says so, and without CAP_NET_ADMIN it says the kernel refused and why.
 */
@Needs(root = true, tools = {"ip", "nft", "setpriv"})
class FirewallCollectorLiveTest {
    static final Syscalls SYS = Syscalls.get();

    private static Snapshot collect(Netns ns, FirewallCollector c) throws Exception {
        try (NetnsScope scope = NetnsScope.named(SYS, ns.name())) {
            return scope.call(() -> {
                Snapshot.Builder b = Snapshot.builder();
                c.collect(b);
                return b.build();
            });
        } finally {
            c.close();
        }
    }

    private static Netns withRuleset() throws Exception {
        Netns ns = Netns.create("nftcoll");
        Path rules = Files.createTempFile("ds-ruleset-", ".nft");
        try {
            ns.ip("link", "set", "lo", "up");
            Files.writeString(rules, RecordedReplies.text("netlink/nftables/ruleset.nft"));
            Netns.run("ip", "netns", "exec", ns.name(), "nft", "-f", rules.toString());
        } catch (Exception e) {
            ns.close();
            throw e;
        } finally {
            Files.delete(rules);
        }
        return ns;
    }

    /** "family table chain handle N" -> the rule's text as nft -a list ruleset prints it, bare counters. */
    static Map<String, String> nftRules(Netns ns) throws Exception {
        Map<String, String> nft = new LinkedHashMap<>();
        Pattern table = Pattern.compile("^table (\\S+) (\\S+) \\{.*");
        Pattern chain = Pattern.compile("^\\tchain (\\S+) \\{.*");
        Pattern rule = Pattern.compile("^\\t\\t(.*) # handle (\\d+)$");
        String t = null;
        String c = null;
        for (String line : Netns.run("ip", "netns", "exec", ns.name(), "nft", "-a", "list", "ruleset").split("\n")) {
            Matcher m;
            if ((m = table.matcher(line)).matches()) {
                t = m.group(1) + " " + m.group(2);
            } else if ((m = chain.matcher(line)).matches()) {
                c = m.group(1);
            } else if ((m = rule.matcher(line)).matches()) {
                // the model keeps a bare "counter": its values are the rule's packets and bytes
                nft.put(t + " " + c + " handle " + m.group(2),
                        m.group(1).replaceAll("counter packets \\d+ bytes \\d+", "counter"));
            }
        }
        return nft;
    }

    /** The rules whose text differs from nft's, as "key: nft '...', ours '...'". */
    static List<String> differences(Map<String, String> nft, FirewallRuleset fw) {
        Map<String, String> ours = new LinkedHashMap<>();
        fw.rules().forEach(r -> ours.put(r.key(), r.text()));
        assertEquals(nft.keySet(), ours.keySet());
        List<String> differ = new ArrayList<>();
        nft.forEach((k, v) -> {
            if (!v.equals(ours.get(k))) {
                differ.add(k + ": nft '" + v + "', ours '" + ours.get(k) + "'");
            }
        });
        return differ;
    }

    @Test
    void theRulesetReadIsTheOneNftLists() throws Exception {
        try (Netns ns = withRuleset()) {
            Snapshot s = collect(ns, new FirewallCollector(SYS));
            assertEquals(List.of(), s.errors());
            FirewallRuleset fw = s.firewall();
            assertEquals(List.of(), differences(nftRules(ns), fw), "every rule reads as nft prints it");
            assertTrue(fw.rules().stream().anyMatch(r -> r.text().equals("udp sport { 53, 123 } accept comment "
                    + "\"dns and ntp\"")), "an anonymous set's elements, fetched with NFT_MSG_GETSETELEM");
            FirewallRuleset.Chain forward = fw.chain("inet filter fw");
            assertEquals("forward", forward.hook());
            assertEquals(-5, forward.priority());
            assertEquals("drop", forward.policy());
            assertNull(fw.chain("inet filter dns").hook());
            FirewallRuleset.Rule counted = fw.rules().stream().filter(r -> r.text().contains("12345")).findFirst()
                    .orElseThrow();
            assertEquals(0L, counted.packets());
            assertEquals("drop", counted.verdict());
        }
    }

    @Test
    void anonymousSetsOfEveryShapeAndInterfaceIndexesReadAsNftPrintsThem() throws Exception {
        try (Netns ns = Netns.create("nftanon")) {
            ns.ip("link", "set", "lo", "up");
            Path rules = Files.createTempFile("ds-anon-", ".nft");
            try {
                Files.writeString(rules, String.join("\n",
                        "table inet t {",
                        "  chain c {",
                        "    type filter hook input priority 0; policy accept;",
                        "    tcp dport { 443, 22, 80 } accept",
                        "    tcp dport { 1000-2000, 3000, 5000-5001 } counter drop",
                        "    ip saddr != { 10.1.2.3, 10.1.2.5 } udp dport 9 drop",
                        "    ip daddr { 192.0.2.10-192.0.2.20 } drop",
                        "    ip6 saddr { ::1, 2001:db8::7 } accept",
                        "    iifname { \"lo\", \"veth0\" } udp dport 7 accept",
                        "    meta iif \"lo\" udp dport 8 accept",
                        "    meta iif 77 tcp dport 8 accept",
                        "  }",
                        "}", ""));
                Netns.run("ip", "netns", "exec", ns.name(), "nft", "-f", rules.toString());
            } finally {
                Files.delete(rules);
            }
            Snapshot s = collect(ns, new FirewallCollector(SYS));
            assertEquals(List.of(), s.errors());
            Map<String, String> nft = nftRules(ns);
            System.out.println("nft: " + nft.values());
            assertEquals(List.of(), differences(nft, s.firewall()));
            assertTrue(nft.containsValue("iif \"lo\" udp dport 8 accept"), nft.toString());
        }
    }

    @Test
    void countersAreReadAgainEverySampleAndAChangedRulesetIsDecodedAgain() throws Exception {
        try (Netns ns = withRuleset(); NetnsScope scope = NetnsScope.named(SYS, ns.name());
             FirewallCollector c = new FirewallCollector(SYS)) {
            java.util.concurrent.Callable<FirewallRuleset> sample = () -> scope.call(() -> {
                Snapshot.Builder b = Snapshot.builder();
                c.collect(b);
                assertEquals(List.of(), b.build().errors());
                return b.build().firewall();
            });
            FirewallRuleset first = sample.call();
            ns.inside(SYS, () -> {
                try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
                    for (int i = 0; i < 5; i++) {
                        s.send(new java.net.DatagramPacket(new byte[8], 8, java.net.InetAddress.getLoopbackAddress(), 12345));
                    }
                }
                return null;
            });
            FirewallRuleset second = sample.call();
            assertEquals(first.rules().size(), second.rules().size());
            for (int i = 0; i < first.rules().size(); i++) {
                FirewallRuleset.Rule a = first.rules().get(i);
                FirewallRuleset.Rule b = second.rules().get(i);
                assertEquals(a.key() + ": " + a.text(), b.key() + ": " + b.text());
                long rise = a.text().contains("udp dport 12345 counter") ? 5 : 0;
                if (a.packets() != null) {
                    assertEquals(a.packets() + rise, b.packets(), a.key());
                }
            }
            scope.call(() -> {
                try (dev.dropscope.netlink.NetlinkSocket n = dev.dropscope.netlink.NetlinkSocket.open(SYS,
                        dev.dropscope.netlink.NetlinkConstants.NETLINK_NETFILTER)) {
                    var a = dev.dropscope.netlink.nftables.Nftables.query(n, 100);
                    var b = dev.dropscope.netlink.nftables.Nftables.query(n, 100, a);
                    assertTrue(a.generation() >= 0);
                    assertEquals(a.generation(), b.generation());
                    for (int i = 0; i < a.rules().size(); i++) {
                        org.junit.jupiter.api.Assertions.assertSame(a.rules().get(i).statements(),
                                b.rules().get(i).statements(), "same generation: the decoded text is reused");
                    }
                }
                return null;
            });
            Netns.run("ip", "netns", "exec", ns.name(), "nft", "add", "rule", "inet", "filter", "dns", "udp", "dport",
                    "9999", "counter", "drop");
            FirewallRuleset third = sample.call();
            assertEquals(first.rules().size() + 1, third.rules().size());
            assertTrue(third.rules().stream().anyMatch(r -> r.chainPath().equals("inet filter dns")
                    && r.text().equals("udp dport 9999 counter drop") && r.packets() == 0L), third.rules().toString());
        }
    }

    @Test
    void aRulesetBeyondTheCapIsCutAndSaysSo() throws Exception {
        try (Netns ns = withRuleset()) {
            Snapshot s = collect(ns, new FirewallCollector(SYS, Path.of("/"), 3));
            assertEquals(3, s.firewall().rules().size());
            assertTrue(s.firewall().truncated());
            assertEquals(List.of(new CollectorError("firewall", "only the first 3 rules were read")), s.errors());
        }
    }

    /** Collects in our own namespace and prints the errors: run by the test without CAP_NET_ADMIN. */
    public static void main(String[] args) throws Exception {
        try (FirewallCollector c = new FirewallCollector(SYS)) {
            for (int i = 0; i < 2; i++) {
                Snapshot.Builder b = Snapshot.builder();
                c.collect(b);
                Snapshot s = b.build();
                System.out.println((s.firewall() == null ? "no ruleset" : "ruleset") + " | " + s.errors());
            }
        }
    }

    @Test
    void withoutNetAdminTheRefusalIsOneLineThatNamesTheCapability() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Tools.Result r = Tools.run(List.of("setpriv", "--inh-caps", "-net_admin", "--bounding-set", "-net_admin", "--",
                java, "-cp", System.getProperty("java.class.path"), FirewallCollectorLiveTest.class.getName()));
        assertEquals(0, r.exit(), r.err());
        String refused = "[firewall: " + FirewallCollector.REFUSED + "]";
        assertEquals("no ruleset | " + refused + "\nno ruleset | " + refused + "\n", r.out(),
                "the same one line each sample, and no stack trace");
        assertTrue(FirewallCollector.REFUSED.contains("CAP_NET_ADMIN"));
    }
}
