package dev.dropscope.collect;

import static dev.dropscope.netlink.NetlinkConstants.NETLINK_NETFILTER;

import dev.dropscope.model.FirewallRuleset;
import dev.dropscope.model.Snapshot;
import dev.dropscope.netlink.NetlinkConstants;
import dev.dropscope.netlink.nftables.NftChain;
import dev.dropscope.netlink.nftables.NftRule;
import dev.dropscope.netlink.nftables.Nftables;
import dev.dropscope.netlink.route.Links;
import dev.dropscope.procfs.KernelModules;
import dev.dropscope.sys.Errno;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The nf_tables ruleset (iptables-nft's rules included) with its rule counters, dumped over nfnetlink in
 * the namespace being looked at, every sample, so {@code netfilter_drops} can name the rule whose counter
 * rose. Read-only: dropscope never adds a counter or a trace rule.
 *
 * <p>Bounded: at most {@link #MAX_RULES} rules are decoded. The kernel answers only a caller with
 * CAP_NET_ADMIN in the namespace; without it the refusal is recorded (one line per snapshot) and the
 * kernel is not asked again. A kernel whose nf_tables is a module that is not loaded has no nf_tables
 * rules, and is not asked either: the request would load the module.
 */
public final class FirewallCollector implements Collector {
    public static final String NAME = "firewall";
    /** Rules decoded per sample at most; a bigger ruleset is cut, and the snapshot says so. */
    public static final int MAX_RULES = 5000;
    static final String REFUSED = "nf_tables rules not readable: the kernel answers their dumps only with"
            + " CAP_NET_ADMIN in the network namespace";

    private final Syscalls sys;
    private final Path root;
    private final int maxRules;
    private final LazySocket nfnl;
    /** rtnetlink, for interface names of iif/oif rules: opened only when such a rule is decoded. */
    private final LazySocket rtnl;
    private Nftables.Ruleset last;
    private String refused;
    private boolean present;

    public FirewallCollector(Syscalls sys) {
        this(sys, Path.of("/"), MAX_RULES);
    }

    FirewallCollector(Syscalls sys, Path root, int maxRules) {
        this.sys = sys;
        this.nfnl = new LazySocket(sys, NETLINK_NETFILTER);
        this.rtnl = new LazySocket(sys, NetlinkConstants.NETLINK_ROUTE);
        this.root = root;
        this.maxRules = maxRules;
    }

    /** ifindex to name of this namespace's links, dumped once per sample on first use; null when unreadable. */
    private IntFunction<String> interfaceNames() {
        Map<Integer, String> names = new HashMap<>();
        boolean[] read = new boolean[1];
        return index -> {
            if (!read[0]) {
                read[0] = true;
                try {
                    Links.query(rtnl.get()).forEach(l -> names.put(l.ifindex(), l.name()));
                } catch (IOException e) {
                    // the index is printed instead, as nft does for an interface it cannot name
                }
            }
            return names.get(index);
        };
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void collect(Snapshot.Builder into) {
        if (refused != null) {
            into.error(NAME, refused);
            return;
        }
        if (!present && !(present = nfTablesPresent())) {
            into.firewall(new FirewallRuleset(List.of(), List.of(), false));
            return;
        }
        try {
            Nftables.Ruleset r = Nftables.query(nfnl.get(), maxRules, last, interfaceNames());
            last = r;
            into.firewall(toModel(r));
            if (r.truncated()) {
                into.error(NAME, "only the first " + maxRules + " rules were read");
            }
        } catch (NativeIoException e) {
            if (e.errno() == Errno.EPERM || e.errno() == Errno.EACCES) {
                refused = REFUSED;
                into.error(NAME, refused);
            } else {
                into.error(NAME, e.getMessage());
            }
        } catch (IOException e) {
            into.error(NAME, e.getMessage());
        }
    }

    static FirewallRuleset toModel(Nftables.Ruleset r) {
        List<FirewallRuleset.Chain> chains = new ArrayList<>();
        for (NftChain c : r.chains()) {
            chains.add(new FirewallRuleset.Chain(c.family(), c.table(), c.name(), c.hook(), c.priority(), c.policy(),
                    c.type()));
        }
        List<FirewallRuleset.Rule> rules = new ArrayList<>();
        for (NftRule x : r.rules()) {
            rules.add(new FirewallRuleset.Rule(x.family(), x.table(), x.chain(), x.handle(), x.text(),
                    x.hasCounter() ? x.packets() : null, x.hasCounter() ? x.bytes() : null, x.verdict()));
        }
        return new FirewallRuleset(chains, rules, r.truncated());
    }

    /**
     * False only when nf_tables is a module that is not loaded: then there are no nf_tables rules, and a
     * dump request would make the kernel load it. Built in, loaded, or no module lists to tell: true.
     */
    private boolean nfTablesPresent() {
        Path modules = root.resolve("proc/modules");
        if (!Files.isReadable(modules)) {
            return true;
        }
        try {
            if (KernelModules.parseProcModules(Files.readString(modules)).contains("nf_tables")) {
                return true;
            }
            String release = Files.readString(root.resolve("proc/sys/kernel/osrelease")).strip();
            Path builtin = root.resolve("lib/modules/" + release + "/modules.builtin");
            return !Files.isReadable(builtin) || KernelModules.parseBuiltin(Files.readString(builtin)).contains("nf_tables");
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    @Override
    public void close() {
        nfnl.close();
        rtnl.close();
    }
}
