package dev.dropscope.netlink;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.dropscope.netlink.ethtool.EthtoolMessages;
import dev.dropscope.netlink.genl.GenlController;
import dev.dropscope.netlink.genl.netdm.NetDmDecoder;
import dev.dropscope.netlink.genl.netdm.PacketAlert;
import dev.dropscope.netlink.genl.netdm.PacketHeaders;
import dev.dropscope.netlink.nfct.CtStats;
import dev.dropscope.netlink.nftables.NftRule;
import dev.dropscope.netlink.nftables.Nftables;
import dev.dropscope.netlink.route.Links;
import dev.dropscope.netlink.route.NeighbourTables;
import dev.dropscope.netlink.route.Qdiscs;
import dev.dropscope.netlink.sockdiag.InetDiag;
import dev.dropscope.netlink.sockdiag.SockDiagConstants;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.HashMap;
import java.util.Objects;

/**
 * Jazzer fuzz targets for every netlink decoder: the bytes are a datagram as the kernel (or anything
 * able to send to our socket) could deliver it. Property: each decoder returns or throws
 * {@link MalformedMessageException}; anything else (IndexOutOfBounds, NPE, IllegalArgument, a hang,
 * an OutOfMemoryError) escapes the target and is a finding.
 *
 * <p>Under plain {@code mvn test} these run in regression mode over the corpus in
 * {@code src/test/resources/dev/dropscope/netlink/NetlinkFuzzTestInputs/<method>/} (seeded from the
 * recorded fixtures by {@code src/test/fuzz/make-seeds.py}, plus every crash ever found);
 * {@code make fuzz} runs each with {@code JAZZER_FUZZ=1}.
 */
class NetlinkFuzzTest {

    @FunctionalInterface
    interface Decode {
        Object run(ByteBuffer b, int at, int len) throws MalformedMessageException;
    }

    /** A native-order buffer whose limit is exactly the input, so a read past it throws. */
    static ByteBuffer exact(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    }

    /**
     * Walks the datagram's messages the way NetlinkSocket does (checkedLength, then next) and hands
     * each message to every decoder, each on its own: one refusing does not stop the others.
     */
    static void eachMessage(byte[] datagram, Decode... decoders) {
        ByteBuffer b = exact(datagram);
        int end = b.limit();
        int at = 0;
        int steps = 0;
        while (at < end) {
            if (++steps > end / NetlinkConstants.NLMSG_HDRLEN + 1) {
                throw new AssertionError("message walk did not advance at " + at);
            }
            int len;
            try {
                len = NlMsg.checkedLength(b, at, end);
            } catch (MalformedMessageException e) {
                Objects.requireNonNull(e.getMessage());
                return;
            }
            for (Decode d : decoders) {
                try {
                    Object r = d.run(b, at, len);
                    String.valueOf(r); // records' toString walks every component: nothing lazy stays unread
                } catch (MalformedMessageException e) {
                    if (e.getMessage() == null || e.getMessage().isBlank()) {
                        throw new AssertionError("refused without a reason", e);
                    }
                }
            }
            int next = NlMsg.next(at, len, end);
            if (next <= at || next > end) {
                throw new AssertionError("NlMsg.next went from " + at + " to " + next + " in " + end);
            }
            at = next;
        }
    }

    /** NET_DM (summary and packet alerts, config, stats), nlctrl's family reply, errors and acks. */
    @FuzzTest
    void netDm(byte[] datagram) {
        NetDmDecoder d = new NetDmDecoder();
        long[] points = new long[1];
        eachMessage(datagram,
                NetDmDecoder::command,
                (b, at, len) -> d.summaryAlert(b, at, len, new NetDmDecoder.SummaryConsumer() {
                    @Override
                    public void onSoftwareDrops(long pc, int count) {
                        points[0] += count;
                    }

                    @Override
                    public void onHardwareDrops(String trapName, int count) {
                        Objects.requireNonNull(trapName);
                        points[0] += count;
                    }
                }),
                (b, at, len) -> {
                    PacketAlert a = d.packetAlert(b, at, len);
                    return a.headers().describe() + a;
                },
                d::config,
                d::stats,
                NetlinkError::parse,
                (b, at, len) -> NetlinkError.parseDone(b, at, len, 0),
                GenlController::parseFamily);
    }

    /** rtnetlink: RTM_NEWLINK (and its stats), RTM_NEWQDISC, RTM_NEWNEIGHTBL. */
    @FuzzTest
    void rtnetlink(byte[] datagram) {
        eachMessage(datagram,
                Links::parse,
                (b, at, len) -> {
                    var out = new HashMap<Integer, java.util.Map<String, Long>>();
                    Links.parseStats(b, at, len, out);
                    return out;
                },
                Qdiscs::parse,
                NeighbourTables::parse,
                NetlinkError::parse);
    }

    /** ethtool netlink replies: string sets, features (compact and verbose bitsets), rings, channels, stats. */
    @FuzzTest
    void ethtool(byte[] datagram) {
        eachMessage(datagram,
                EthtoolMessages::parseStringSets,
                EthtoolMessages::parseFeatures,
                EthtoolMessages::parseRings,
                EthtoolMessages::parseChannels,
                EthtoolMessages::parseStats,
                NetlinkError::parse);
    }

    /** ctnetlink IPCTNL_MSG_CT_GET_STATS_CPU and _GET_STATS replies. */
    @FuzzTest
    void nfct(byte[] datagram) {
        eachMessage(datagram, CtStats::parsePerCpu, CtStats::parseGlobal, NetlinkError::parse);
    }

    /** inet_diag replies (SOCK_DIAG_BY_FAMILY): the reader's getters as the collector uses them, and the record. */
    @FuzzTest
    void sockDiag(byte[] datagram) {
        InetDiag.Reader r = new InetDiag.Reader();
        eachMessage(datagram,
                (b, at, len) -> InetDiag.parse(b, at, len, SockDiagConstants.IPPROTO_TCP),
                (b, at, len) -> InetDiag.parse(b, at, len, SockDiagConstants.IPPROTO_UDP),
                (b, at, len) -> {
                    if (!r.read(b, at, len, SockDiagConstants.IPPROTO_TCP)) {
                        return null;
                    }
                    return r.rqueue() + r.wqueue() + r.drops() + r.memInfo(SockDiagConstants.SK_MEMINFO_RCVBUF)
                            + r.bytesReceived() + r.cookie() + r.inode() + r.state() + (r.isListener() ? 1 : 0);
                },
                NetlinkError::parse);
    }

    /**
     * nf_tables NEWTABLE/NEWCHAIN/NEWRULE dump parts: the rule decoder follows registers through every
     * expression, so besides refusing bad input it must also finish with a text for any rule it accepts.
     */
    @FuzzTest
    void nftables(byte[] datagram) {
        eachMessage(datagram, Nftables::parseTable, Nftables::parseChain,
                (b, at, len) -> {
                    NftRule r = Nftables.parseRule(b, at, len);
                    return r.text() + r.textWithCounter();
                },
                (b, at, len) -> {
                    // elements of any shape printed against whatever field the rule looks them up with
                    List<Nftables.SetElement> elements = new java.util.ArrayList<>();
                    Nftables.parseSetElements(b, at, len, elements);
                    elements.add(new Nftables.SetElement(new byte[] {0, 0}, null, 1));
                    elements.add(new Nftables.SetElement(new byte[0], null, 2));
                    NftRule r = Nftables.parseRule(b, at, len, set -> elements, i -> i == 1 ? "lo" : null,
                            new java.util.ArrayList<>());
                    return r.text();
                },
                NetlinkError::parse);
    }

    /**
     * The packet a NET_DM packet alert carries (NET_DM_ATTR_PAYLOAD, whatever was on the wire): the
     * first two input bytes are NET_DM_ATTR_PROTO, the rest the frame. Decoding is total: it never
     * throws, whatever the frame says.
     */
    @FuzzTest
    void packetHeaders(byte[] input) {
        if (input.length < 2) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(input).order(ByteOrder.BIG_ENDIAN);
        int proto = b.getShort(0) & 0xffff;
        PacketHeaders h = PacketHeaders.decodeEthernet(b, 2, input.length - 2, proto);
        Objects.requireNonNull(h.describe());
        h.l4Name(); // null when there is no layer 4: documented
    }
}
