package dev.dropscope.netlink;

import dev.dropscope.testutil.Needs;
import static dev.dropscope.netlink.NetlinkConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.netlink.genl.GenlConstants;
import dev.dropscope.netlink.genl.GenlController;
import dev.dropscope.sys.Errno;
import dev.dropscope.sys.Fd;
import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * NetlinkSocket against the real kernel (root). Everything that changes state does it in a private
 * network namespace ({@code ds-netlink-*}, deleted afterwards); on the host it only reads.
 */
@Needs(root = true)
class NetlinkSocketKernelTest {
    // include/uapi/linux/rtnetlink.h, if_link.h
    private static final int RTM_NEWLINK = 16;
    private static final int RTM_GETLINK = 18;
    private static final int RTNLGRP_LINK = 1;
    private static final int IFLA_IFNAME = 3;
    private static final int IFLA_MTU = 4;
    private static final int IFLA_TARGET_NETNSID = 46;
    /** sizeof(struct ifinfomsg): family, pad, type u16, index s32, flags u32, change u32. */
    private static final int IFINFOMSG_SIZE = 16;

    private static final Syscalls SYS = Syscalls.get();

    private record Link(int index, String name, int mtu) {
    }

    private static Link parseLink(ByteBuffer b, int at, int len) throws MalformedMessageException {
        assertEquals(RTM_NEWLINK, NlMsg.type(b, at));
        if (len < NLMSG_HDRLEN + IFINFOMSG_SIZE) {
            throw new MalformedMessageException("RTM_NEWLINK of " + len + " bytes");
        }
        int index = b.getInt(at + NLMSG_HDRLEN + 4);
        String name = null;
        int mtu = -1;
        AttributeCursor c = new AttributeCursor(b, at + NLMSG_HDRLEN + IFINFOMSG_SIZE, at + len);
        while (c.next()) {
            if (c.type() == IFLA_IFNAME) {
                name = c.string();
            } else if (c.type() == IFLA_MTU) {
                mtu = c.u32();
            }
        }
        return new Link(index, name, mtu);
    }

    /** RTM_GETLINK dump; also returns how many message bytes the dump carried in total. */
    private static List<Link> dumpLinks(NetlinkSocket s, long[] bytes) throws IOException {
        MessageBuilder m = new MessageBuilder(64).begin(RTM_GETLINK, NLM_F_DUMP);
        m.reserve(IFINFOMSG_SIZE); // ifi_family AF_UNSPEC: every link
        List<Link> links = new ArrayList<>();
        s.request("RTM_GETLINK dump", m, (b, at, len) -> {
            links.add(parseLink(b, at, len));
            if (bytes != null) {
                bytes[0] += len;
            }
        });
        return links;
    }

    private static Map<Integer, String> byIndex(List<Link> links) {
        Map<Integer, String> m = new TreeMap<>();
        for (Link l : links) {
            assertNull(m.put(l.index(), l.name()), "ifindex " + l.index() + " listed twice");
        }
        return m;
    }

    private static Map<Integer, String> sysfsLinks() throws IOException {
        Map<Integer, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                m.put(Integer.parseInt(Files.readString(p.resolve("ifindex")).strip()), p.getFileName().toString());
            }
        }
        return m;
    }

    private static NetlinkSocket openIn(Netns ns, int protocol) throws Exception {
        return ns.inside(SYS, () -> NetlinkSocket.open(SYS, protocol));
    }

    /** Receives events until none arrive for {@code quietMillis} and no overrun was reported meanwhile. */
    private static void drain(NetlinkSocket s, NetlinkSocket.Handler h, int quietMillis) throws IOException {
        for (int i = 0; i < 100_000; i++) {
            long overruns = s.overruns();
            int n = s.receiveEvents(h, quietMillis);
            if (n == 0 && s.overruns() == overruns) {
                return;
            }
        }
        fail("events never stopped");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jna", "jnr"})
    void routeDumpListsTheHostsInterfacesAsSysfsDoes(String backend) throws Exception {
        // read-only on the host; retry if an interface came or went between the two sysfs reads
        for (int attempt = 0; ; attempt++) {
            Map<Integer, String> before = sysfsLinks();
            Map<Integer, String> dumped;
            try (NetlinkSocket s = NetlinkSocket.open(Syscalls.named(backend), NETLINK_ROUTE)) {
                assertEquals(NETLINK_ROUTE, s.protocol());
                assertTrue(s.portId() != 0, "the kernel assigns a port on bind");
                dumped = byIndex(dumpLinks(s, null));
                assertEquals(0, s.overruns() + s.foreignMessages() + s.malformed() + s.truncated());
            }
            if (!sysfsLinks().equals(before) && attempt < 3) {
                continue;
            }
            assertTrue(dumped.containsValue("lo"));
            assertEquals(before, dumped);
            return;
        }
    }

    @Test
    void multiPartDumpInAPrivateNamespaceMatchesIproute2() throws Exception {
        try (Netns ns = Netns.create("netlink")) {
            ns.ipBatch(IntStream.range(0, 100).mapToObj(i -> "link add ds" + i + " type ifb").collect(Collectors.toList()));
            Map<Integer, String> ip = new TreeMap<>();
            Matcher m = Pattern.compile("(?m)^(\\d+): ([^:@]+)[:@]").matcher(ns.ip("-o", "link", "show"));
            while (m.find()) {
                ip.put(Integer.parseInt(m.group(1)), m.group(2));
            }
            assertEquals(101, ip.size());
            try (NetlinkSocket s = openIn(ns, NETLINK_ROUTE)) {
                long[] bytes = {0};
                List<Link> links = dumpLinks(s, bytes);
                assertEquals(ip, byIndex(links));
                assertEquals("lo", byIndex(links).get(1), "a fresh namespace's loopback is ifindex 1");
                // the kernel caps one dump datagram at 32 KiB, so this dump needed several recvmsg calls
                assertTrue(bytes[0] > 32 * 1024, "dump carried only " + bytes[0] + " bytes");
                assertEquals(0, s.unsolicited());
            }
        }
    }

    @Test
    void extendedAndCappedAcksAreSwitchedOn() throws Exception {
        for (int protocol : new int[] {NETLINK_ROUTE, NETLINK_GENERIC, NETLINK_NETFILTER}) {
            try (NetlinkSocket s = NetlinkSocket.open(SYS, protocol)) {
                assertEquals(1, s.getIntOption(SOL_NETLINK, NETLINK_EXT_ACK), NetlinkSocket.protocolName(protocol));
                assertEquals(1, s.getIntOption(SOL_NETLINK, NETLINK_CAP_ACK), NetlinkSocket.protocolName(protocol));
            }
        }
    }

    @Test
    void requestAckAndRejectionWithTheKernelsExtackOnNetlinkRoute() throws Exception {
        try (Netns ns = Netns.create("netlink")) {
            ns.ip("link", "add", "ds0", "type", "veth", "peer", "name", "ds1");
            // iproute2 prints the kernel's ext-ack message for the same change: the independent reference
            String ipSays = ns.ipFailing("link", "set", "ds0", "mtu", "10");
            Matcher said = Pattern.compile("Error: (.*)\\.").matcher(ipSays);
            assertTrue(said.find(), ipSays);
            try (NetlinkSocket s = openIn(ns, NETLINK_ROUTE)) {
                int ds0 = dumpLinks(s, null).stream().filter(l -> "ds0".equals(l.name())).findFirst().orElseThrow().index();

                MessageBuilder ok = new MessageBuilder(64).begin(RTM_NEWLINK, 0);
                int ifi = ok.reserve(IFINFOMSG_SIZE);
                ok.buffer().putInt(ifi + 4, ds0);
                ok.u32(IFLA_MTU, 1400);
                s.request("RTM_NEWLINK ds0 mtu 1400", ok, (b, at, len) -> fail("an ACKed change has no data"));
                assertNull(s.lastAckWarning());
                assertTrue(ns.ip("link", "show", "ds0").contains("mtu 1400"));

                MessageBuilder bad = new MessageBuilder(64).begin(RTM_NEWLINK, 0);
                ifi = bad.reserve(IFINFOMSG_SIZE);
                bad.buffer().putInt(ifi + 4, ds0);
                bad.u32(IFLA_MTU, 10);
                NetlinkException e = assertThrows(NetlinkException.class,
                        () -> s.request("RTM_NEWLINK ds0 mtu 10", bad, (b, at, len) -> fail("no data expected")));
                assertEquals(Errno.EINVAL, e.errno());
                assertEquals(said.group(1), e.extackMessage());
                assertEquals(RTM_NEWLINK, e.error().requestType());
                assertEquals("RTM_NEWLINK ds0 mtu 10: Invalid argument (EINVAL): " + said.group(1), e.getMessage());
                assertTrue(ns.ip("link", "show", "ds0").contains("mtu 1400"), "the rejected change was not applied");
                // the socket is still usable after an error
                assertEquals(3, dumpLinks(s, null).size());
            }
        }
    }

    @Test
    void aDumpThatFailsEndsWithTheErrorAndExtackOfItsDone() throws Exception {
        // rtnl_dump_ifinfo() refuses an IFLA_TARGET_NETNSID naming no namespace: the dump has already
        // started, so the error arrives in NLMSG_DONE (negative errno + ext-ack TLVs), not in NLMSG_ERROR
        try (NetlinkSocket s = NetlinkSocket.open(SYS, NETLINK_ROUTE)) {
            MessageBuilder m = new MessageBuilder(64).begin(RTM_GETLINK, NLM_F_DUMP);
            m.reserve(IFINFOMSG_SIZE);
            m.u32(IFLA_TARGET_NETNSID, 0x7ffffff0);
            NetlinkException e = assertThrows(NetlinkException.class,
                    () -> s.request("RTM_GETLINK dump netnsid", m, (b, at, len) -> fail("no links expected")));
            assertEquals(Errno.EINVAL, e.errno());
            assertEquals("Invalid target network namespace id", e.extackMessage());
            assertEquals(RTM_GETLINK, e.error().requestType(), "a DONE echoes no request: the socket knows what it sent");
            assertEquals(1, dumpLinks(s, null).stream().filter(l -> "lo".equals(l.name())).count(), "socket still works");
        }
    }

    @Test
    void netfilterSocketOpensAndCloses() throws Exception {
        NetlinkSocket s = NetlinkSocket.open(SYS, NETLINK_NETFILTER);
        try {
            assertEquals(NETLINK_NETFILTER, s.protocol());
            assertTrue(s.portId() != 0);
            assertTrue(s.isOpen());
        } finally {
            s.close();
        }
        assertFalse(s.isOpen());
        s.close(); // a second close does nothing
    }

    @Test
    void unknownProtocolIsAClearError() {
        // 32 = MAX_LINKS: refused before any module lookup
        NativeIoException e = assertThrows(NativeIoException.class, () -> NetlinkSocket.open(SYS, 32));
        assertEquals(Errno.EPROTONOSUPPORT, e.errno());
        assertEquals("socket(AF_NETLINK, protocol 32): Protocol not supported (EPROTONOSUPPORT)", e.getMessage());
    }

    @Test
    void receiveBufferIsAtLeastWhatWasAskedFor() throws Exception {
        try (NetlinkSocket s = NetlinkSocket.open(SYS, NETLINK_ROUTE)) {
            for (int want : new int[] {1, 4096, 300_000, 4 << 20}) {
                int got = s.setReceiveBufferSize(want);
                assertTrue(got >= want, "asked " + want + ", got " + got);
            }
        }
    }

    @Test
    void joinedGroupDeliversNotificationsAndOthersDoNot() throws Exception {
        try (Netns ns = Netns.create("netlink")) {
            try (NetlinkSocket joined = openIn(ns, NETLINK_ROUTE); NetlinkSocket other = openIn(ns, NETLINK_ROUTE)) {
                joined.joinGroup(RTNLGRP_LINK);
                ns.ip("link", "set", "lo", "mtu", "1300");
                List<Link> seen = new ArrayList<>();
                drain(joined, (b, at, len) -> {
                    assertEquals(0, NlMsg.seq(b, at), "notifications carry seq 0");
                    seen.add(parseLink(b, at, len));
                }, 300);
                assertFalse(seen.isEmpty());
                assertTrue(seen.contains(new Link(1, "lo", 1300)), seen.toString());
                assertEquals(0, other.receiveEvents((b, at, len) -> fail("not a member"), 300));
                assertEquals(0, joined.overruns());
            }
        }
    }

    @Test
    void joiningAGroupThatDoesNotExistIsEinval() throws Exception {
        try (NetlinkSocket s = NetlinkSocket.open(SYS, NETLINK_ROUTE)) {
            for (int group : new int[] {0, 100_000}) {
                NativeIoException e = assertThrows(NativeIoException.class, () -> s.joinGroup(group));
                assertEquals(Errno.EINVAL, e.errno());
            }
        }
    }

    private static List<String> mtuChanges(int from, int count) {
        return IntStream.range(from, from + count).mapToObj(m -> "link set lo mtu " + m).collect(Collectors.toList());
    }

    @Test
    void overrunIsCountedAndTheSocketGoesOn() throws Exception {
        try (Netns ns = Netns.create("netlink")) {
            try (NetlinkSocket s = openIn(ns, NETLINK_ROUTE)) {
                s.joinGroup(RTNLGRP_LINK);
                assertTrue(s.setReceiveBufferSize(1) >= 1); // the kernel's minimum: room for a couple of messages
                ns.ipBatch(mtuChanges(1000, 200));          // notifications pile up unread: the queue overflows
                List<Link> seen = new ArrayList<>();
                drain(s, (b, at, len) -> seen.add(parseLink(b, at, len)), 300);
                assertTrue(s.overruns() >= 1, "no ENOBUFS counted; saw " + seen.size() + " notifications");
                assertTrue(seen.size() < 200, "saw all " + seen.size());

                // the socket goes on: with room again, later notifications all arrive, requests work
                long overruns = s.overruns();
                s.setReceiveBufferSize(1 << 20);
                seen.clear();
                ns.ipBatch(mtuChanges(2000, 5));
                drain(s, (b, at, len) -> seen.add(parseLink(b, at, len)), 300);
                assertEquals(overruns, s.overruns());
                assertEquals(List.of(2000, 2001, 2002, 2003, 2004),
                        seen.stream().map(Link::mtu).distinct().collect(Collectors.toList()));
                assertEquals(List.of(new Link(1, "lo", 2004)), dumpLinks(s, null));
            }
        }
    }

    @Test
    void drainEventsReadsEverythingQueuedWithoutWaitingAndStopsWhenEmpty() throws Exception {
        try (Netns ns = Netns.create("netlink")) {
            try (NetlinkSocket s = openIn(ns, NETLINK_ROUTE)) {
                s.joinGroup(RTNLGRP_LINK);
                s.setReceiveBufferSize(1 << 20);
                ns.ipBatch(mtuChanges(1000, 50)); // 50 notifications (at least), queued unread
                List<Integer> mtus = new ArrayList<>();
                long n = s.drainEvents((b, at, len) -> mtus.add(parseLink(b, at, len).mtu()), 1_000_000, Long.MAX_VALUE);
                assertEquals(mtus.size(), n);
                assertEquals(IntStream.range(1000, 1050).boxed().collect(Collectors.toList()),
                        mtus.stream().distinct().collect(Collectors.toList()), "every change, in order");
                assertEquals(0, s.overruns());
                // empty now: returns with nothing
                assertEquals(0, s.drainEvents((b, at, len) -> fail("the queue was drained"), 1_000_000, Long.MAX_VALUE));

                // bounded: at most maxDatagrams datagrams (one notification each) per call
                ns.ipBatch(mtuChanges(2000, 10));
                List<Integer> some = new ArrayList<>();
                assertEquals(3, s.drainEvents((b, at, len) -> some.add(parseLink(b, at, len).mtu()), 3, Long.MAX_VALUE));
                // and at most budgetNanos: none left, nothing read
                assertEquals(0, s.drainEvents((b, at, len) -> fail("no time to read"), 1_000_000, 0));
                s.drainEvents((b, at, len) -> some.add(parseLink(b, at, len).mtu()), 1_000_000, Long.MAX_VALUE);
                assertEquals(IntStream.range(2000, 2010).boxed().collect(Collectors.toList()),
                        some.stream().distinct().collect(Collectors.toList()));
            }
        }
    }

    @Test
    void withNoEnobufsOverrunsGoUncounted() throws Exception {
        try (Netns ns = Netns.create("netlink")) {
            try (NetlinkSocket s = openIn(ns, NETLINK_ROUTE)) {
                s.joinGroup(RTNLGRP_LINK);
                s.setNoEnobufs(true);
                s.setReceiveBufferSize(1);
                ns.ipBatch(mtuChanges(1000, 200));
                List<Link> seen = new ArrayList<>();
                drain(s, (b, at, len) -> seen.add(parseLink(b, at, len)), 300);
                assertTrue(seen.size() < 200, "nothing was lost: " + seen.size());
                assertEquals(0, s.overruns());
            }
        }
    }

    @Test
    void requestSkipsMessagesWithAnotherSequenceNumber() throws Exception {
        try (Netns ns = Netns.create("netlink")) {
            try (NetlinkSocket s = openIn(ns, NETLINK_ROUTE)) {
                s.joinGroup(RTNLGRP_LINK);
                ns.ip("link", "set", "lo", "mtu", "1400"); // queues RTM_NEWLINK notifications (seq 0) ahead of our reply
                List<Link> links = dumpLinks(s, null);
                assertEquals(List.of(new Link(1, "lo", 1400)), links, "only the dump's own message reaches the handler");
                assertTrue(s.unsolicited() >= 1, "the notification was not counted as unsolicited");
            }
        }
    }

    @Test
    void datagramsNotSentByTheKernelAreDroppedAndCounted() throws Exception {
        try (NetlinkSocket a = NetlinkSocket.open(SYS, NETLINK_GENERIC);
             Fd b = Fd.own(SYS, "socket", SYS.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC))) {
            // a perfectly kernel-like nlctrl reply, but sent by user space
            MessageBuilder fake = new MessageBuilder(64).begin(GenlConstants.GENL_ID_CTRL, 0)
                    .genl(GenlConstants.CTRL_CMD_NEWFAMILY, 2).string(GenlConstants.CTRL_ATTR_FAMILY_NAME, "nlctrl")
                    .u16(GenlConstants.CTRL_ATTR_FAMILY_ID, GenlConstants.GENL_ID_CTRL);
            int len = fake.finish();
            NativeBuffer msg = NativeBuffer.allocate(len);
            for (int i = 0; i < len; i++) {
                msg.buffer().put(i, fake.buffer().get(i));
            }
            NativeBuffer to = NativeBuffer.allocate(SOCKADDR_NL_SIZE);
            to.buffer().putShort(0, (short) AF_NETLINK).putInt(4, a.portId());

            assertEquals(len, SYS.sendto(b.get(), msg, 0, len, 0, to, 0, SOCKADDR_NL_SIZE));
            assertEquals(0, a.receiveEvents((buf, at, l) -> fail("a foreign datagram was delivered"), 2000));
            assertEquals(1, a.foreignMessages());

            // and while a request waits for its answer
            msg.buffer().putInt(NLMSG_SEQ_OFFSET, 0);
            assertEquals(len, SYS.sendto(b.get(), msg, 0, len, 0, to, 0, SOCKADDR_NL_SIZE));
            assertEquals(GenlConstants.GENL_ID_CTRL, GenlController.resolve(a, "nlctrl").orElseThrow().id());
            assertEquals(2, a.foreignMessages());
            assertEquals(0, a.unsolicited());
        }
    }
}
