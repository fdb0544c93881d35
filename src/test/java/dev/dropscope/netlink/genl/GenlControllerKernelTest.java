package dev.dropscope.netlink.genl;

import dev.dropscope.testutil.Needs;
import dev.dropscope.testutil.NeedsExtension;
import static dev.dropscope.netlink.NetlinkConstants.*;
import static dev.dropscope.netlink.genl.GenlConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.netlink.MessageBuilder;
import dev.dropscope.netlink.NetlinkException;
import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.sys.Errno;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The generic netlink controller against the real kernel (root; read-only requests on the host). */
@Needs(root = true)
class GenlControllerKernelTest {
    private static NetlinkSocket socket;

    @BeforeAll
    static void open() throws NativeIoException {
        socket = NetlinkSocket.open(Syscalls.get(), NETLINK_GENERIC);
    }

    @AfterAll
    static void close() {
        if (socket != null) {
            socket.close();
        }
    }

    /** Every family the kernel has, by a CTRL_CMD_GETFAMILY dump decoded with parseFamily. */
    private static Map<String, GenlFamily> dumpFamilies() throws IOException {
        MessageBuilder m = new MessageBuilder(64).begin(GENL_ID_CTRL, NLM_F_DUMP).genl(CTRL_CMD_GETFAMILY, CTRL_VERSION);
        Map<String, GenlFamily> all = new LinkedHashMap<>();
        socket.request("CTRL_CMD_GETFAMILY dump", m, (b, at, len) -> {
            GenlFamily f = GenlController.parseFamily(b, at, len);
            assertNull(all.put(f.name(), f), f.name() + " listed twice");
        });
        return all;
    }

    @Test
    void resolvesNlctrlItself() throws Exception {
        GenlFamily f = GenlController.resolve(socket, "nlctrl").orElseThrow();
        assertEquals("nlctrl", f.name());
        assertEquals(GENL_ID_CTRL, f.id(), "nlctrl's id is fixed by the kernel (GENL_ID_CTRL)");
        assertEquals(CTRL_VERSION, f.version());
        assertTrue(f.supports(CTRL_CMD_GETFAMILY), f.operations().toString());
        assertTrue(f.multicastGroup("notify").isPresent(), f.multicastGroups().toString());
    }

    @Test
    void resolvesEthtoolConsistentlyWithAFullDump() throws Exception {
        GenlFamily first = GenlController.resolve(socket, "ethtool").orElseThrow();
        GenlFamily second = GenlController.resolve(socket, "ethtool").orElseThrow();
        assertEquals(first, second);
        assertTrue(first.id() > GENL_ID_CTRL, "dynamic ids come after nlctrl's");
        assertTrue(first.multicastGroup("monitor").isPresent(), first.multicastGroups().toString());
        assertFalse(first.operations().isEmpty());

        Map<String, GenlFamily> all = dumpFamilies();
        assertEquals(first, all.get("ethtool"));
        assertEquals(GenlController.resolve(socket, "nlctrl").orElseThrow(), all.get("nlctrl"));
        // ids are unique
        assertEquals(all.size(), all.values().stream().map(GenlFamily::id).distinct().count());
    }

    @Test
    void dumpAgreesWithIproute2sGenlTool() throws Exception {
        // `genl ctrl list` (iproute2) is an independent decoder of the same kernel answer
        Optional<Path> genl = List.of("/usr/sbin/genl", "/sbin/genl", "/usr/bin/genl").stream().map(Path::of)
                .filter(Files::isExecutable).findFirst();
        if (genl.isEmpty()) {
            NeedsExtension.requireTools("genl");
        }
        String out = Netns.run(genl.get().toString(), "ctrl", "list");
        Map<String, String> theirs = new TreeMap<>();
        Map<String, String> theirGroups = new TreeMap<>();
        for (String block : out.split("(?m)^Name: ")) {
            Matcher m = Pattern.compile("^(\\S+)\\s+ID: (0x[0-9a-f]+)\\s+Version: (0x[0-9a-f]+)\\s+header size: (\\d+)"
                    + "\\s+max attribs: (\\d+)").matcher(block);
            if (!m.find()) {
                continue;
            }
            theirs.put(m.group(1), Integer.decode(m.group(2)) + "/" + Integer.decode(m.group(3)) + "/" + m.group(4)
                    + "/" + m.group(5));
            TreeSet<String> groups = new TreeSet<>();
            Matcher g = Pattern.compile("ID-(0x[0-9a-f]+)\\s+name: (\\S+)").matcher(block);
            while (g.find()) {
                groups.add(g.group(2) + "=" + Integer.decode(g.group(1)));
            }
            theirGroups.put(m.group(1), groups.toString());
        }
        assertTrue(theirs.containsKey("nlctrl") && theirs.containsKey("ethtool"), out);

        Map<String, String> ours = new TreeMap<>();
        Map<String, String> ourGroups = new TreeMap<>();
        for (GenlFamily f : dumpFamilies().values()) {
            ours.put(f.name(), f.id() + "/" + f.version() + "/" + f.headerSize() + "/" + f.maxAttribute());
            ourGroups.put(f.name(), f.multicastGroups().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.toCollection(TreeSet::new)).toString());
        }
        assertEquals(theirs, ours);
        assertEquals(theirGroups, ourGroups);
    }

    @Test
    void absentFamiliesAreEmpty() throws Exception {
        assertEquals(Optional.empty(), GenlController.resolve(socket, "ds-no-such-fam"));
        // NET_DM: this host's kernel has no CONFIG_NET_DROP_MONITOR; whatever the kernel, resolve must agree
        // with the dump
        assertEquals(Optional.ofNullable(dumpFamilies().get("NET_DM")), GenlController.resolve(socket, "NET_DM"));
        assertEquals(0, socket.unsolicited() + socket.foreignMessages() + socket.overruns());
    }

    @Test
    void aNameTheControllerRejectsCarriesTheBadAttributesOffset() {
        // CTRL_ATTR_FAMILY_NAME is NLA_NUL_STRING of at most GENL_NAMSIZ - 1 = 15 bytes (genetlink.c policy)
        NetlinkException e = assertThrows(NetlinkException.class,
                () -> GenlController.resolve(socket, "x".repeat(40)));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("Attribute failed policy validation", e.extackMessage()); // lib/nlattr.c, validate_nla()
        assertEquals(NLMSG_HDRLEN + GENL_HDRLEN, e.error().extackOffset(), "the name attribute right after genlmsghdr");
        assertEquals(GENL_ID_CTRL, e.error().requestType());
    }

    @Test
    void ethtoolRejectsAnUnknownDeviceWithItsExtack() throws Exception {
        GenlFamily ethtool = GenlController.resolve(socket, "ethtool").orElseThrow();
        // include/uapi/linux/ethtool_netlink*.h: ETHTOOL_MSG_LINKINFO_GET = 2, ETHTOOL_A_LINKINFO_HEADER = 1,
        // ETHTOOL_A_HEADER_DEV_NAME = 2; ETHTOOL_GENL_VERSION = 1
        MessageBuilder m = new MessageBuilder(128).begin(ethtool.id(), 0).genl(2, 1);
        int header = m.beginNested(1);
        int devName = header + NLA_HDRLEN;
        m.string(2, "ds-nosuchdev0");
        m.endNested(header);
        NetlinkException e = assertThrows(NetlinkException.class,
                () -> socket.request("ETHTOOL_MSG_LINKINFO_GET ds-nosuchdev0", m, (b, at, len) -> fail("no data")));
        assertEquals(Errno.ENODEV, e.errno());
        // net/ethtool/netlink.c, ethnl_parse_header_dev_get(): NL_SET_ERR_MSG_ATTR(..., "no device matches name")
        assertEquals("no device matches name", e.extackMessage());
        assertEquals(devName, e.error().extackOffset());
        assertEquals(ethtool.id(), e.error().requestType());
    }

    @Test
    void missingAttributeIsReportedByType() throws Exception {
        Optional<GenlFamily> netdev = GenlController.resolve(socket, "netdev");
        Assumptions.assumeTrue(netdev.isPresent(), "kernel without the netdev family (< 6.2)");
        // include/uapi/linux/netdev.h: NETDEV_CMD_DEV_GET = 1 needs NETDEV_A_DEV_IFINDEX = 1
        // (netdev_nl_dev_get_doit: GENL_REQ_ATTR_CHECK -> NLMSGERR_ATTR_MISS_TYPE)
        MessageBuilder m = new MessageBuilder(64).begin(netdev.get().id(), 0).genl(1, 1);
        NetlinkException e = assertThrows(NetlinkException.class,
                () -> socket.request("NETDEV_CMD_DEV_GET", m, (b, at, len) -> fail("no data")));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals(1, e.error().missingType());
        assertTrue(e.getMessage().contains("(missing attribute 1)"), e.getMessage());
    }

    @Test
    void joinsNlctrlNotifyAndEthtoolMonitor() throws Exception {
        List<Integer> groups = new ArrayList<>();
        groups.add(GenlController.resolve(socket, "nlctrl").orElseThrow().multicastGroup("notify").orElseThrow());
        groups.add(GenlController.resolve(socket, "ethtool").orElseThrow().multicastGroup("monitor").orElseThrow());
        try (NetlinkSocket s = NetlinkSocket.open(Syscalls.get(), NETLINK_GENERIC)) {
            for (int g : groups) {
                s.joinGroup(g);
            }
            // nothing is expected on the host (no family registers, no ethtool setting changes): it must
            // simply time out without error
            s.receiveEvents((b, at, len) -> { }, 100);
            assertEquals(0, s.foreignMessages() + s.malformed() + s.truncated());
            NativeIoException e = assertThrows(NativeIoException.class, () -> s.joinGroup(0));
            assertEquals(Errno.EINVAL, e.errno());
        }
    }
}
