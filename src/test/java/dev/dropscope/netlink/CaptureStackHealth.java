package dev.dropscope.netlink;

import static dev.dropscope.netlink.NetlinkConstants.*;
import static dev.dropscope.netlink.ethtool.EthtoolConstants.*;

import dev.dropscope.collect.NetnsScope;
import dev.dropscope.collect.StackLab;
import dev.dropscope.collect.Tools;
import dev.dropscope.netlink.ethtool.EthtoolIoctl;
import dev.dropscope.netlink.ethtool.EthtoolMessages;
import dev.dropscope.netlink.genl.GenlController;
import dev.dropscope.netlink.genl.GenlFamily;
import dev.dropscope.netlink.nfct.CtStats;
import dev.dropscope.netlink.route.Links;
import dev.dropscope.netlink.route.NeighbourTable;
import dev.dropscope.netlink.route.NeighbourTables;
import dev.dropscope.netlink.route.Qdiscs;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Captures the stack-health fixtures of this machine (see src/test/resources/netlink/stack-health/README.md):
 * the kernel's replies to our requests, as hex, inside a {@link StackLab} namespace, each next to what the
 * kernel's own tool printed at the same moment. A capture is kept only when a second capture taken after
 * the tool ran has the same bytes (sequence numbers and ports aside), so tool and bytes agree.
 *
 * <p>Run as root: {@code java -cp target/test-classes:target/classes:$(cat cp.txt)
 * dev.dropscope.netlink.CaptureStackHealth src/test/resources/netlink/stack-health/$(uname -r)}
 */
public final class CaptureStackHealth {
    private final Path dir;
    private final Syscalls sys = Syscalls.get();

    private CaptureStackHealth(Path dir) {
        this.dir = dir;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        new CaptureStackHealth(dir).run();
    }

    private record Capture(List<byte[]> tx, List<byte[]> rx) {
    }

    private void run() throws Exception {
        try (StackLab lab = StackLab.create()) {
            lab.sendTraffic();
            NetnsScope scope = lab.scope();
            String[] nsTool = {"ip", "netns", "exec", lab.ns};
            inNs(scope, () -> {
                try (NetlinkSocket rtnl = NetlinkSocket.open(sys, NETLINK_ROUTE)) {
                    stable("link-dump", rtnl, "RTM_GETLINK dump", Links::dumpRequest,
                            tool(nsTool, "ip", "-d", "-s", "-s", "-j", "link", "show"), "ip.json",
                            (b, len) -> Links.parse(b, 0, len).toString()); // bridge timers tick in the raw bytes
                    stable("link-stats", rtnl, "RTM_GETSTATS dump", Links::statsDumpRequest,
                            tool(nsTool, "ip", "-s", "-s", "-j", "stats", "show", "group", "link"), "ip.json");
                    stable("qdisc-dump", rtnl, "RTM_GETQDISC dump", Qdiscs::dumpRequest,
                            tool(nsTool, "tc", "-s", "-j", "qdisc", "show"), "tc.json");
                    stable("neightbl-dump", rtnl, "RTM_GETNEIGHTBL dump", NeighbourTables::dumpRequest,
                            tool(nsTool, "ip", "-s", "-j", "ntable", "show"), "ip.json", (b, len) -> {
                                // ndtc_last_flush and _last_rand are "ms ago": they change every millisecond
                                NeighbourTable t = NeighbourTables.parse(b, 0, len);
                                java.util.Map<String, Long> c = new java.util.TreeMap<>(t.config());
                                c.remove("last_flush");
                                c.remove("last_rand");
                                return t.name() + t.thresh1() + t.thresh2() + t.thresh3() + t.gcIntervalMs() + c
                                        + t.stats() + t.parms();
                            });
                }
                try (NetlinkSocket nfnl = NetlinkSocket.open(sys, NETLINK_NETFILTER)) {
                    stable("nfct-stats-cpu", nfnl, "IPCTNL_MSG_CT_GET_STATS_CPU", CtStats::perCpuRequest,
                            tool(nsTool, "conntrack", "-S"), "conntrack-S.txt");
                    stable("nfct-stats", nfnl, "IPCTNL_MSG_CT_GET_STATS", CtStats::globalRequest,
                            tool(nsTool, "conntrack", "-C"), "conntrack-C.txt");
                }
                ethtool(nsTool, List.of(StackLab.A, StackLab.B, StackLab.BRIDGE, StackLab.Q, "lo"));
                ioctl(nsTool, StackLab.A, true);
                return null;
            });
        }
        // the host's eth0 (virtio_net) has rings, unlike veth: read-only requests, nothing is changed
        NetnsScope self = NetnsScope.current();
        inNs(self, () -> {
            String[] none = {};
            try (NetlinkSocket genl = NetlinkSocket.open(sys, NETLINK_GENERIC)) {
                GenlFamily f = GenlController.resolve(genl, ETHTOOL_GENL_NAME).orElseThrow();
                stable("ethtool-rings-host", genl, "RINGS_GET dump", () -> EthtoolMessages.request(f.id(),
                        ETHTOOL_MSG_RINGS_GET, ETHTOOL_A_RINGS_HEADER, null, 0),
                        tool(none, "ethtool", "-g", "eth0"), "eth0.ethtool.txt");
                stable("ethtool-channels-host", genl, "CHANNELS_GET dump", () -> EthtoolMessages.request(f.id(),
                        ETHTOOL_MSG_CHANNELS_GET, ETHTOOL_A_CHANNELS_HEADER, null, 0),
                        tool(none, "ethtool", "-l", "eth0"), "eth0.ethtool.txt");
                stable("ethtool-features-host", genl, "FEATURES_GET dump", () -> EthtoolMessages.request(f.id(),
                        ETHTOOL_MSG_FEATURES_GET, ETHTOOL_A_FEATURES_HEADER, null, ETHTOOL_FLAG_COMPACT_BITSETS),
                        tool(none, "ethtool", "--json", "-k", "eth0"), "eth0.ethtool.json");
            }
            ioctl(none, "eth0", false);
            return null;
        });
    }

    private void ethtool(String[] nsTool, List<String> devs) throws Exception {
        try (NetlinkSocket genl = NetlinkSocket.open(sys, NETLINK_GENERIC)) {
            GenlFamily f = GenlController.resolve(genl, ETHTOOL_GENL_NAME).orElseThrow();
            int id = f.id();
            stable("ethtool-strset", genl, "STRSET_GET", () -> EthtoolMessages.stringSetsRequest(id, null,
                    ETH_SS_FEATURES, ETH_SS_STATS_STD, ETH_SS_STATS_ETH_PHY, ETH_SS_STATS_ETH_MAC,
                    ETH_SS_STATS_ETH_CTRL, ETH_SS_STATS_RMON), null, null);
            stable("ethtool-strset-dsa", genl, "STRSET_GET dsa", () -> EthtoolMessages.stringSetsRequest(id,
                    StackLab.A, ETH_SS_STATS), null, null);
            stable("ethtool-features-compact", genl, "FEATURES_GET dump", () -> EthtoolMessages.request(id,
                    ETHTOOL_MSG_FEATURES_GET, ETHTOOL_A_FEATURES_HEADER, null, ETHTOOL_FLAG_COMPACT_BITSETS),
                    null, null);
            stable("ethtool-features-verbose", genl, "FEATURES_GET dump", () -> EthtoolMessages.request(id,
                    ETHTOOL_MSG_FEATURES_GET, ETHTOOL_A_FEATURES_HEADER, null, 0), null, null);
            stable("ethtool-rings", genl, "RINGS_GET dump", () -> EthtoolMessages.request(id,
                    ETHTOOL_MSG_RINGS_GET, ETHTOOL_A_RINGS_HEADER, null, 0), null, null);
            stable("ethtool-channels", genl, "CHANNELS_GET dump", () -> EthtoolMessages.request(id,
                    ETHTOOL_MSG_CHANNELS_GET, ETHTOOL_A_CHANNELS_HEADER, null, 0), null, null);
            stable("ethtool-stats", genl, "STATS_GET dump", () -> EthtoolMessages.statsRequest(id, null, 4),
                    null, null);
            for (String dev : devs) {
                write("features-" + dev + ".ethtool.json", tool(nsTool, "ethtool", "--json", "-k", dev).call());
                write("channels-" + dev + ".ethtool.txt", tool(nsTool, "ethtool", "-l", dev).call());
                write("rings-" + dev + ".ethtool.txt", tool(nsTool, "ethtool", "-g", dev).call());
                write("stats-" + dev + ".ethtool.json",
                        tool(nsTool, "ethtool", "--json", "-S", dev, "--all-groups").call());
            }
        }
    }

    /** drvinfo (and, when {@code stats}, GSSET_INFO/GSTRINGS/GSTATS) buffers of one device. */
    private void ioctl(String[] nsTool, String dev, boolean stats) throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add("# ioctl(SIOCETHTOOL) buffers of " + dev + " after the kernel answered, captured on "
                + System.getProperty("os.version"));
        try (EthtoolIoctl io = EthtoolIoctl.open(sys)) {
            io.setRecorder((cmd, d, buf) -> {
                lines.add("# [" + (lines.size() / 2) + "] rx " + cmd + " " + d + ": " + buf.length + " bytes");
                lines.add(RecordedReplies.hex(buf, 0, buf.length));
            });
            io.driverInfo(dev);
            if (stats) {
                io.nicStats(dev);
            }
        }
        write("ethtool-ioctl-" + dev + ".hex", String.join("\n", lines) + "\n");
        write("drvinfo-" + dev + ".ethtool.txt", tool(nsTool, "ethtool", "-i", dev).call());
        if (stats) {
            write("nicstats-" + dev + ".ethtool.txt", tool(nsTool, "ethtool", "-S", dev).call());
        }
    }

    private static Callable<String> tool(String[] prefix, String... command) {
        List<String> cmd = new ArrayList<>(Arrays.asList(prefix));
        cmd.addAll(Arrays.asList(command));
        return () -> {
            Tools.Result r = Tools.run(cmd);
            return r.out() + (r.err().isEmpty() ? "" : "# stderr (exit " + r.exit() + "): " + r.err());
        };
    }

    /**
     * Captures {@code request}'s replies, runs {@code tool}, captures again; retries until both captures
     * agree, then writes the .hex and the tool's output (as {@code name.suffix}).
     */
    private void stable(String name, NetlinkSocket s, String op, java.util.function.Supplier<MessageBuilder> request,
                        Callable<String> tool, String suffix) throws IOException {
        stable(name, s, op, request, tool, suffix, null);
    }

    /** Decodes a message for comparing captures, where raw bytes always differ (bridge timers). */
    private interface Canon {
        String of(ByteBuffer b, int len) throws IOException;
    }

    private void stable(String name, NetlinkSocket s, String op, java.util.function.Supplier<MessageBuilder> request,
                        Callable<String> tool, String suffix, Canon canon) throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            Capture a = capture(s, op, request.get());
            String out;
            try {
                out = tool == null ? null : tool.call();
            } catch (Exception e) {
                throw new IOException(e);
            }
            Capture b = capture(s, op, request.get());
            if (canon == null ? same(a, b) : canon(a, canon).equals(canon(b, canon))) {
                writeHex(name, op, a);
                if (out != null) {
                    write(name + "." + suffix, out);
                }
                return;
            }
        }
        throw new IOException(name + ": the kernel's answer kept changing");
    }

    private Capture capture(NetlinkSocket s, String op, MessageBuilder m) throws IOException {
        List<byte[]> rx = new ArrayList<>();
        int len = m.finish();
        byte[] tx = new byte[len];
        m.buffer().get(m.start(), tx);
        try {
            s.request(op, m, (b, at, l) -> {
                byte[] copy = new byte[l];
                b.get(at, copy);
                rx.add(copy);
            });
        } catch (NetlinkException e) {
            // recorded as the request alone: a dump nothing supports (RINGS on veth) answers with an error
            System.err.println(op + ": " + e.getMessage());
        }
        return new Capture(List.of(tx), rx);
    }

    private static List<String> canon(Capture c, Canon canon) throws IOException {
        List<String> out = new ArrayList<>();
        for (byte[] r : c.rx()) {
            out.add(canon.of(ByteBuffer.wrap(r).order(java.nio.ByteOrder.nativeOrder()), r.length));
        }
        return out;
    }

    private static boolean same(Capture a, Capture b) {
        return RecordedReplies.sameIgnoringSeq(a.rx(), b.rx());
    }

    private void writeHex(String name, String op, Capture c) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# " + op + ", captured on " + System.getProperty("os.version") + " by CaptureStackHealth");
        int i = 0;
        for (byte[] t : c.tx()) {
            lines.add("# [" + i++ + "] tx " + op + ": " + t.length + " bytes (seq and port filled in on send)");
            lines.add(RecordedReplies.hex(t, 0, t.length));
        }
        for (byte[] r : c.rx()) {
            ByteBuffer b = ByteBuffer.wrap(r).order(java.nio.ByteOrder.nativeOrder());
            lines.add("# [" + i++ + "] rx type " + NlMsg.type(b, 0) + ": " + r.length + " bytes");
            lines.add(RecordedReplies.hex(r, 0, r.length));
        }
        write(name + ".hex", String.join("\n", lines) + "\n");
    }

    private void write(String file, String text) throws IOException {
        Files.writeString(dir.resolve(file), text, StandardCharsets.UTF_8);
        System.out.println("wrote " + dir.resolve(file));
    }

    private static void inNs(NetnsScope scope, Callable<Void> task) throws Exception {
        scope.call(task);
    }
}
