package dev.dropscope.collect;

import dev.dropscope.sys.Syscalls;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * A private network namespace {@code ds-coll-<random>} set up so every stack-health family has something
 * to show, with settings changed from their defaults first:
 * <ul>
 * <li>{@code dsa} (veth, 4 queues, MTU 1400, txqueuelen 500, rp_filter 1, GRO on, tx-gso-list off,
 *     channels rx 3 tx 2) with peer {@code dsb} enslaved to bridge {@code dsbr};</li>
 * <li>{@code dsq}/{@code dsr} (veth) with a tbf of 8 bit/s on {@code dsq}, so its queue fills and drops
 *     and then nothing moves for many minutes;</li>
 * <li>an nftables output chain that matches {@code ct state}, so conntrack tracks this namespace.</li>
 * </ul>
 * {@link #sendTraffic()} sends UDP out of both veths to static neighbours (no ARP); IPv6 is off so no
 * autoconfiguration traffic moves counters behind a test's back. Nothing leaves the namespace, and
 * {@link #close()} deletes it with everything in it.
 */
public final class StackLab implements AutoCloseable {
    public static final String A = "dsa";
    public static final String B = "dsb";
    public static final String BRIDGE = "dsbr";
    public static final String Q = "dsq";
    public static final String R = "dsr";

    public final String ns;
    private NetnsScope scope;

    private StackLab(String ns) {
        this.ns = ns;
    }
    public static StackLab create() {
        String name = "ds-coll-" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffffffL);
        Tools.runOrFail("ip", "netns", "add", name);
        StackLab lab = new StackLab(name);
        try {
            lab.setUp();
        } catch (RuntimeException | Error e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    private void setUp() {
        exec("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        exec("ip", "link", "set", "lo", "up");
        exec("ip", "link", "add", A, "numtxqueues", "4", "numrxqueues", "4", "type", "veth", "peer", "name", B,
                "numtxqueues", "4", "numrxqueues", "4");
        exec("ip", "link", "add", BRIDGE, "type", "bridge");
        exec("ip", "link", "set", B, "master", BRIDGE);
        exec("ip", "link", "set", A, "mtu", "1400", "txqueuelen", "500");
        exec("ip", "addr", "add", "10.77.0.1/24", "dev", A);
        for (String dev : List.of(A, B, BRIDGE)) {
            exec("ip", "link", "set", dev, "up");
        }
        exec("ip", "neigh", "replace", "10.77.0.9", "lladdr", mac(BRIDGE), "dev", A, "nud", "permanent");
        exec("sysctl", "-qw", "net.ipv4.conf." + A + ".rp_filter=1");
        exec("ethtool", "-K", A, "gro", "on", "tx-gso-list", "off");
        exec("ethtool", "-L", A, "rx", "3", "tx", "2");

        exec("ip", "link", "add", Q, "type", "veth", "peer", "name", R);
        exec("ip", "addr", "add", "10.78.0.1/24", "dev", Q);
        exec("ip", "link", "set", Q, "up");
        exec("ip", "link", "set", R, "up");
        exec("ip", "neigh", "replace", "10.78.0.9", "lladdr", mac(R), "dev", Q, "nud", "permanent");
        // 1 byte/s: the burst passes, the queue fills to its limit, the rest is dropped, and the next
        // packet would leave only after ~1000 s, so the counters then stay put while tests compare
        exec("tc", "qdisc", "add", "dev", Q, "root", "tbf", "rate", "8bit", "burst", "2000", "limit", "3000");

        exec("nft", "add", "table", "inet", "dscoll");
        exec("nft", "add", "chain", "inet", "dscoll", "out", "{ type filter hook output priority 0; }");
        exec("nft", "add", "rule", "inet", "dscoll", "out", "ct", "state", "new", "counter", "accept");
    }

    /** UDP out of dsa (20 datagrams to 20 ports: 20 conntrack entries) and a burst into the tbf on dsq. */
    public void sendTraffic() {
        exec("bash", "-c", "for i in $(seq 1 20); do echo payload-$i > /dev/udp/10.77.0.9/$((9000 + i)); done;"
                + " p=$(head -c 900 /dev/zero | tr '\\0' x);"
                + " for i in $(seq 1 12); do echo $p > /dev/udp/10.78.0.9/7777 2>/dev/null || true; done");
    }

    public String mac(String dev) {
        String out = exec("cat", "/sys/class/net/" + dev + "/address").strip();
        if (!out.matches("[0-9a-f:]{17}")) {
            throw new AssertionError("no MAC address for " + dev + ": " + out);
        }
        return out;
    }

    /** Runs a command in the namespace; fails the test on a non-zero exit. */
    public String exec(String... command) {
        return execResult(command).outOrFail();
    }

    public Tools.Result execResult(String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(command));
        return Tools.run(cmd);
    }

    /** A scope whose threads live in the namespace (opened once, closed with the lab). */
    public synchronized NetnsScope scope() throws java.io.IOException {
        if (scope == null) {
            scope = NetnsScope.named(Syscalls.get(), ns);
        }
        return scope;
    }

    @Override
    public void close() {
        if (scope != null) {
            scope.close();
        }
        Tools.Result r = Tools.run(List.of("ip", "netns", "del", ns));
        if (r.exit() != 0) {
            throw new AssertionError("could not delete netns " + ns + ": " + r.err().strip());
        }
    }
}
