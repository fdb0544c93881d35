package dev.dropscope.netlink;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dropscope.netlink.RecordedReplies.Message;
import dev.dropscope.netlink.ethtool.EthtoolMessages;
import dev.dropscope.netlink.nfct.CtStats;
import dev.dropscope.netlink.route.Links;
import dev.dropscope.netlink.route.NeighbourTables;
import dev.dropscope.netlink.route.Qdiscs;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Every stack-health decoder on every recorded reply cut at every length, and with seeded random byte
 * corruption: each either decodes or throws {@link MalformedMessageException}; nothing else escapes
 * (no IndexOutOfBounds, no IllegalArgument, no endless loop). The message goes through
 * {@link NlMsg#checkedLength} first, as {@link NetlinkSocket} does.
 */
class HostileRepliesTest {
    static final String DIR = "netlink/stack-health/6.18.44-fc-v595/";

    interface Decoder {
        void decode(ByteBuffer b, int at, int len) throws MalformedMessageException;
    }

    static final Map<String, Decoder> DECODERS = new HashMap<>();

    static {
        DECODERS.put("link-dump", Links::parse);
        DECODERS.put("link-stats", (b, at, len) -> Links.parseStats(b, at, len, new HashMap<>()));
        DECODERS.put("qdisc-dump", Qdiscs::parse);
        DECODERS.put("neightbl-dump", NeighbourTables::parse);
        DECODERS.put("nfct-stats-cpu", CtStats::parsePerCpu);
        DECODERS.put("nfct-stats", CtStats::parseGlobal);
        DECODERS.put("ethtool-strset", EthtoolMessages::parseStringSets);
        DECODERS.put("ethtool-strset-dsa", EthtoolMessages::parseStringSets);
        DECODERS.put("ethtool-features-compact", EthtoolMessages::parseFeatures);
        DECODERS.put("ethtool-features-verbose", EthtoolMessages::parseFeatures);
        DECODERS.put("ethtool-features-host", EthtoolMessages::parseFeatures);
        DECODERS.put("ethtool-channels", EthtoolMessages::parseChannels);
        DECODERS.put("ethtool-channels-host", EthtoolMessages::parseChannels);
        DECODERS.put("ethtool-rings-host", EthtoolMessages::parseRings);
        DECODERS.put("ethtool-stats", EthtoolMessages::parseStats);
        // nf_tables dumps live next to their own fixtures: a key with a '/' is the resource itself
        String nft = "netlink/nftables/6.18.44-fc-v1272/";
        DECODERS.put(nft + "table-dump.hex", dev.dropscope.netlink.nftables.Nftables::parseTable);
        DECODERS.put(nft + "chain-dump.hex", dev.dropscope.netlink.nftables.Nftables::parseChain);
        DECODERS.put(nft + "rule-dump.hex", (b, at, len) -> dev.dropscope.netlink.nftables.Nftables.parseRule(b, at, len)
                .textWithCounter());
    }

    /** Returns true when it decoded, false when refused; fails the test for anything else. */
    static boolean attempt(Decoder d, byte[] bytes, String what) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        try {
            int len = NlMsg.checkedLength(b, 0, bytes.length);
            d.decode(b, 0, len);
            return true;
        } catch (MalformedMessageException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), what + ": refused without a reason");
            return false;
        } catch (RuntimeException e) {
            fail(what + ": " + e, e);
            return false;
        }
    }

    static List<Object[]> messages() {
        List<Object[]> out = new ArrayList<>();
        DECODERS.forEach((name, d) -> {
            for (Message m : RecordedReplies.replies(name.contains("/") ? name : DIR + name + ".hex")) {
                out.add(new Object[] {m, d});
            }
        });
        return out;
    }

    @Test
    void everyRecordedReplyDecodes() {
        int n = 0;
        for (Object[] md : messages()) {
            Message m = (Message) md[0];
            assertTrue(attempt((Decoder) md[1], m.bytes(), m.toString()), m + " must decode");
            n++;
        }
        assertTrue(n > 40, "only " + n + " recorded replies");
    }

    @Test
    void everyTruncationDecodesOrIsRefused() {
        int refused = 0;
        for (Object[] md : messages()) {
            Message m = (Message) md[0];
            byte[] full = m.bytes();
            for (int cut = 0; cut < full.length; cut++) {
                byte[] t = java.util.Arrays.copyOf(full, cut);
                if (cut >= 4) {
                    ByteBuffer.wrap(t).order(ByteOrder.nativeOrder()).putInt(0, cut); // nlmsg_len follows the cut
                }
                if (!attempt((Decoder) md[1], t, m + " cut at " + cut)) {
                    refused++;
                }
            }
        }
        assertTrue(refused > 0, "no truncation was refused: the test is not cutting anything");
    }

    @Test
    void seededCorruptionDecodesOrIsRefused() {
        Random r = new Random(0x5eed);
        for (Object[] md : messages()) {
            Message m = (Message) md[0];
            for (int round = 0; round < 200; round++) {
                byte[] t = m.bytes();
                int flips = 1 + r.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    int at = 16 + r.nextInt(Math.max(1, t.length - 16)); // keep nlmsghdr: attributes lie
                    if (at < t.length) {
                        t[at] = (byte) r.nextInt(256);
                    }
                }
                attempt((Decoder) md[1], t, m + " round " + round);
            }
        }
    }
}
