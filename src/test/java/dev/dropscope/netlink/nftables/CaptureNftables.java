package dev.dropscope.netlink.nftables;

import static dev.dropscope.netlink.NetlinkConstants.NETLINK_NETFILTER;

import dev.dropscope.netlink.MessageBuilder;
import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.netlink.NlMsg;
import dev.dropscope.netlink.RecordedReplies;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Captures the nf_tables fixtures (src/test/resources/netlink/nftables/README.md): loads ruleset.nft and
 * a few iptables-nft rules into a private namespace, sends UDP to the counted drop rule, then records the
 * table, chain and rule dumps next to {@code nft -a list ruleset} printed between two identical captures,
 * and the elements of each anonymous set a rule looks up ({@code setelem-FAMILY-TABLE-SET.hex}).
 *
 * <p>Run as root: {@code java -cp target/test-classes:target/classes:$(cat cp.txt)
 * dev.dropscope.netlink.nftables.CaptureNftables src/test/resources/netlink/nftables}
 */
public final class CaptureNftables {
    static final List<List<String>> IPTABLES = List.of(
            List.of("-A", "INPUT", "-p", "udp", "--dport", "5555", "-j", "DROP"),
            List.of("-A", "INPUT", "-m", "conntrack", "--ctstate", "NEW", "-p", "tcp", "--dport", "80", "-j", "REJECT"),
            List.of("-A", "INPUT", "-s", "198.51.100.0/24", "-i", "lo", "-j", "ACCEPT"),
            List.of("-A", "INPUT", "-p", "tcp", "-m", "multiport", "--dports", "80,443", "-m", "comment",
                    "--comment", "web", "-j", "LOG", "--log-prefix", "web "),
            List.of("-A", "INPUT", "-p", "tcp", "--syn", "-j", "REJECT", "--reject-with", "icmp-host-prohibited"));

    private CaptureNftables() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path out = dir.resolve(System.getProperty("os.version"));
        Files.createDirectories(out);
        Syscalls sys = Syscalls.get();
        try (Netns ns = Netns.create("nftcap")) {
            ns.ip("link", "set", "lo", "up");
            Netns.run("ip", "netns", "exec", ns.name(), "nft", "-f", dir.resolve("ruleset.nft").toString());
            for (List<String> r : IPTABLES) {
                List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns.name(), "iptables-nft"));
                cmd.addAll(r);
                Netns.run(cmd.toArray(new String[0]));
            }
            ns.inside(sys, () -> {
                try (DatagramSocket s = new DatagramSocket()) {
                    for (int i = 0; i < 7; i++) {
                        s.send(new DatagramPacket(new byte[20], 20, InetAddress.getLoopbackAddress(), 12345));
                        s.send(new DatagramPacket(new byte[30], 30, InetAddress.getLoopbackAddress(), 5555));
                    }
                }
                try (NetlinkSocket nfnl = NetlinkSocket.open(sys, NETLINK_NETFILTER)) {
                    for (int attempt = 0; ; attempt++) {
                        List<byte[]> t = capture(nfnl, Nftables::tableDumpRequest);
                        List<byte[]> c = capture(nfnl, Nftables::chainDumpRequest);
                        List<byte[]> r = capture(nfnl, Nftables::ruleDumpRequest);
                        String list = Netns.run("ip", "netns", "exec", ns.name(), "nft", "-a", "list", "ruleset");
                        if (same(t, capture(nfnl, Nftables::tableDumpRequest))
                                && same(c, capture(nfnl, Nftables::chainDumpRequest))
                                && same(r, capture(nfnl, Nftables::ruleDumpRequest))) {
                            write(out, "table-dump", "NFT_MSG_GETTABLE dump", Nftables.tableDumpRequest(), t);
                            write(out, "chain-dump", "NFT_MSG_GETCHAIN dump", Nftables.chainDumpRequest(), c);
                            write(out, "rule-dump", "NFT_MSG_GETRULE dump", Nftables.ruleDumpRequest(), r);
                            Files.writeString(out.resolve("ruleset.nft-a.txt"), list, StandardCharsets.UTF_8);
                            // the anonymous sets the rules look up: { 53, 123 } is a set of its own
                            for (byte[] m : r) {
                                ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.nativeOrder());
                                if (NlMsg.type(b, 0) != (NftConstants.NFNL_SUBSYS_NFTABLES << 8 | NftConstants.NFT_MSG_NEWRULE)) {
                                    continue;
                                }
                                List<String> sets = new ArrayList<>();
                                NftRule rule = Nftables.parseRule(b, 0, m.length, null, sets);
                                int family = Byte.toUnsignedInt(b.get(16));
                                for (String set : sets) {
                                    Supplier<MessageBuilder> req = () -> Nftables.setElementsRequest(family, rule.table(), set);
                                    write(out, "setelem-" + rule.family() + "-" + rule.table() + "-" + set,
                                            "NFT_MSG_GETSETELEM dump", req.get(), capture(nfnl, req));
                                }
                            }
                            break;
                        }
                        if (attempt > 10) {
                            throw new IOException("the ruleset kept changing");
                        }
                    }
                }
                return null;
            });
        }
        System.out.println("wrote " + out);
    }

    private static List<byte[]> capture(NetlinkSocket s, Supplier<MessageBuilder> request) throws IOException {
        List<byte[]> rx = new ArrayList<>();
        s.request("capture", request.get(), (b, at, l) -> {
            byte[] copy = new byte[l];
            b.get(at, copy);
            rx.add(copy);
        });
        return rx;
    }

    private static boolean same(List<byte[]> a, List<byte[]> b) {
        return RecordedReplies.sameIgnoringSeq(a, b);
    }

    private static void write(Path dir, String name, String op, MessageBuilder req, List<byte[]> rx) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# " + op + ", captured on " + System.getProperty("os.version") + " by CaptureNftables");
        int len = req.finish();
        byte[] tx = new byte[len];
        req.buffer().get(req.start(), tx);
        lines.add("# [0] tx " + op + ": " + len + " bytes (seq and port filled in on send)");
        lines.add(RecordedReplies.hex(tx, 0, len));
        int i = 1;
        for (byte[] r : rx) {
            ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.nativeOrder());
            lines.add("# [" + i++ + "] rx type " + NlMsg.type(b, 0) + ": " + r.length + " bytes");
            lines.add(RecordedReplies.hex(r, 0, r.length));
        }
        Files.writeString(dir.resolve(name + ".hex"), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }
}
