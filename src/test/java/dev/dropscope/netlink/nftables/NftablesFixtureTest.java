package dev.dropscope.netlink.nftables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.netlink.MessageBuilder;
import dev.dropscope.netlink.RecordedReplies;
import dev.dropscope.netlink.RecordedReplies.Message;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** nf_tables dumps recorded on 6.18 (see resources netlink/nftables/README.md) against nft -a list ruleset. */
class NftablesFixtureTest {
    static final String DIR = "netlink/nftables/6.18.44-fc-v1272/";

    /** The rules with their anonymous sets' elements, from the recorded NFT_MSG_GETSETELEM dumps. */
    static List<NftRule> rules() throws Exception {
        List<NftRule> out = new ArrayList<>();
        for (Message m : RecordedReplies.replies(DIR + "rule-dump.hex")) {
            NftRule r = Nftables.parseRule(m.buffer(), 0, m.bytes().length);
            out.add(Nftables.parseRule(m.buffer(), 0, m.bytes().length,
                    set -> setElements(r.family(), r.table(), set), new ArrayList<>()));
        }
        return out;
    }

    /** A recorded anonymous set's elements, or null when none was recorded. */
    static List<Nftables.SetElement> setElements(String family, String table, String set) {
        String resource = DIR + "setelem-" + family + "-" + table + "-" + set + ".hex";
        if (NftablesFixtureTest.class.getClassLoader().getResource(resource) == null) {
            return null;
        }
        List<Nftables.SetElement> out = new ArrayList<>();
        for (Message m : RecordedReplies.replies(resource)) {
            try {
                Nftables.parseSetElements(m.buffer(), 0, m.bytes().length, out);
            } catch (dev.dropscope.netlink.MalformedMessageException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    static List<NftChain> chains() throws Exception {
        List<NftChain> out = new ArrayList<>();
        for (Message m : RecordedReplies.replies(DIR + "chain-dump.hex")) {
            out.add(Nftables.parseChain(m.buffer(), 0, m.bytes().length));
        }
        return out;
    }

    /** "family table chain handle" -> the rule's text, from nft -a list ruleset. */
    static Map<String, String> nftRules() {
        Map<String, String> out = new LinkedHashMap<>();
        Pattern table = Pattern.compile("^table (\\S+) (\\S+) \\{ # handle \\d+$");
        Pattern chain = Pattern.compile("^\\tchain (\\S+) \\{ # handle \\d+$");
        Pattern rule = Pattern.compile("^\\t\\t(.*) # handle (\\d+)$");
        String t = null;
        String c = null;
        for (String line : RecordedReplies.text(DIR + "ruleset.nft-a.txt").split("\n")) {
            Matcher m;
            if ((m = table.matcher(line)).matches()) {
                t = m.group(1) + " " + m.group(2);
            } else if ((m = chain.matcher(line)).matches()) {
                c = m.group(1);
            } else if ((m = rule.matcher(line)).matches() && c != null) {
                out.put(t + " " + c + " " + m.group(2), m.group(1));
            }
        }
        return out;
    }

    /**
     * Where our text differs from nft's on purpose: iptables-nft's xtables extensions are shown by name,
     * where nft translates them back.
     */
    static final Map<String, String> OURS = Map.of(
            "ip filter INPUT 3", "meta l4proto tcp xt match \"conntrack\" tcp dport 80 counter packets 0 bytes 0"
                    + " xt target \"REJECT\"",
            "ip filter INPUT 5", "meta l4proto tcp xt match \"multiport\" xt match \"comment\" counter packets 0"
                    + " bytes 0 xt target \"LOG\"",
            "ip filter INPUT 6", "tcp flags syn / fin,syn,rst,ack counter packets 0 bytes 0 xt target \"REJECT\"");

    @Test
    void everyRuleReadsAsNftPrintsIt() throws Exception {
        Map<String, String> nft = nftRules();
        Map<String, String> ours = new LinkedHashMap<>();
        for (NftRule r : rules()) {
            ours.put(r.family() + " " + r.table() + " " + r.chain() + " " + r.handle(), r.textWithCounter());
        }
        assertEquals(nft.keySet(), ours.keySet(), "the same rules, by handle");
        assertEquals(25, ours.size());
        for (Map.Entry<String, String> e : nft.entrySet()) {
            String want = OURS.getOrDefault(e.getKey(), e.getValue());
            assertEquals(want, ours.get(e.getKey()), e.getKey() + " (nft: " + e.getValue() + ")");
        }
    }

    @Test
    void anAnonymousSetPrintsItsElementsOrItsNameWhenTheyAreNotKnown() throws Exception {
        List<Message> dump = RecordedReplies.replies(DIR + "rule-dump.hex");
        for (Message m : dump) {
            List<String> unresolved = new ArrayList<>();
            NftRule r = Nftables.parseRule(m.buffer(), 0, m.bytes().length, null, unresolved);
            if (r.handle() == 16 && r.chain().equals("input")) {
                assertEquals(List.of("__set0"), unresolved);
                assertEquals("udp sport @__set0 accept comment \"dns and ntp\"", r.text());
            } else {
                assertTrue(unresolved.isEmpty(), r.text());
            }
        }
        List<Nftables.SetElement> elements = setElements("inet", "filter", "__set0");
        assertEquals(2, elements.size());
        assertEquals("0035", RuleText.hex(elements.get(0).key()).replace("0x", ""));
    }

    @Test
    void countersAndVerdictsAreDecoded() throws Exception {
        Map<String, NftRule> byKey = new LinkedHashMap<>();
        for (NftRule r : rules()) {
            byKey.put(r.family() + " " + r.table() + " " + r.chain() + " " + r.handle(), r);
        }
        NftRule udp = byKey.get("inet filter input 7");
        assertEquals(7, udp.packets(), "7 datagrams were sent to port 12345");
        assertEquals(7 * (20 + 8 + 20), udp.bytes(), "IPv4 + UDP headers + 20 bytes each");
        assertEquals("drop", udp.verdict());
        assertEquals("iifname \"lo\" udp dport 12345 counter drop", udp.text());
        assertEquals(6, udp.position(), "after handle 6");
        NftRule tcp = byKey.get("inet filter input 8");
        assertFalse(tcp.hasCounter());
        assertEquals(-1, tcp.packets());
        assertEquals("drop", tcp.verdict());
        assertEquals(7, byKey.get("ip filter INPUT 2").packets(), "iptables-nft always adds a counter");
        assertEquals("reject", byKey.get("ip filter INPUT 3").verdict(), "xt target REJECT");
        assertEquals(null, byKey.get("ip filter INPUT 5").verdict(), "LOG does not end the rule");
        assertEquals("jump dns", byKey.get("inet filter input 14").verdict());
        assertEquals("goto dns", byKey.get("inet filter fw 22").verdict());
    }

    @Test
    void chainsCarryTheirHookPriorityPolicyAndType() throws Exception {
        Map<String, NftChain> byName = new LinkedHashMap<>();
        for (NftChain c : chains()) {
            byName.put(c.family() + " " + c.table() + " " + c.name(), c);
        }
        assertEquals(6, byName.size());
        NftChain input = byName.get("inet filter input");
        assertEquals("input", input.hook());
        assertEquals(0, input.priority());
        assertEquals("accept", input.policy());
        assertEquals("filter", input.type());
        NftChain fw = byName.get("inet filter fw");
        assertEquals("forward", fw.hook());
        assertEquals(-5, fw.priority(), "nft: priority filter - 5");
        assertEquals("drop", fw.policy());
        NftChain dns = byName.get("inet filter dns");
        assertFalse(dns.isBase());
        assertEquals(null, dns.policy());
        assertEquals(100, byName.get("ip nat post").priority(), "srcnat");
        assertEquals("nat", byName.get("ip nat post").type());
        assertEquals("output", byName.get("ip6 t6 out").hook());
        assertEquals(10, byName.get("ip6 t6 out").priority());
        assertTrue(byName.get("ip filter INPUT").isBase());
    }

    @Test
    void tablesAreDecoded() throws Exception {
        List<String> names = new ArrayList<>();
        for (Message m : RecordedReplies.replies(DIR + "table-dump.hex")) {
            NftTable t = Nftables.parseTable(m.buffer(), 0, m.bytes().length);
            names.add(t.family() + " " + t.name());
            assertFalse(t.dormant());
        }
        assertEquals(List.of("inet filter", "ip nat", "ip6 t6", "ip filter"), names);
    }

    @Test
    void requestsAreTheRecordedOnes() {
        assertRequest("table-dump.hex", Nftables.tableDumpRequest());
        assertRequest("chain-dump.hex", Nftables.chainDumpRequest());
        assertRequest("rule-dump.hex", Nftables.ruleDumpRequest());
    }

    private static void assertRequest(String file, MessageBuilder m) {
        Message tx = RecordedReplies.load(DIR + file).get(0);
        assertEquals("tx", tx.direction());
        int len = m.finish();
        byte[] ours = new byte[len];
        m.buffer().get(0, ours);
        assertEquals(RecordedReplies.hex(tx.bytes(), 0, tx.bytes().length), RecordedReplies.hex(ours, 0, len), file);
    }

    @Test
    void ipv6TextIsCompressedAsRfc5952Says() {
        byte[] a = new byte[16];
        assertEquals("::", RuleText.ipv6(a));
        a[15] = 1;
        assertEquals("::1", RuleText.ipv6(a));
        byte[] b = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
        assertEquals("2001:db8:0:1::1", RuleText.ipv6(b), "the longest zero run, not the first");
    }
}
