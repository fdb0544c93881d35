package dev.dropscope.collect;

import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropPacket;
import dev.dropscope.model.DropReport;
import dev.dropscope.model.DropSite;
import dev.dropscope.model.DropSiteStats;
import dev.dropscope.model.DropSnapshot;
import dev.dropscope.model.NetnsIdentity;
import dev.dropscope.model.ResolvedDropSite;
import dev.dropscope.model.ResolvedPacket;
import dev.dropscope.procfs.Kallsyms;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * Turns the aggregator's numeric sites into named ones: kallsyms for addresses (or the kernel's own
 * symbol string from NET_DM packet alerts when kallsyms hides addresses), the reason table, interface
 * names. Resolution happens once per site per report, never per drop.
 */
public final class DropReportBuilder {
    private final SymbolTable symbols;
    private final DropReasons reasons;
    private final Map<Integer, String> interfaces;
    private final BiPredicate<String, String> benign;
    private final Map<Long, String> kernelSymbols = new ConcurrentHashMap<>();

    /**
     * @param kallsyms   the symbol table, or null when /proc/kallsyms could not be read
     * @param interfaces ifindex to name
     * @param benign     (function name, reason name) -> expected in a healthy system
     */
    public DropReportBuilder(Kallsyms kallsyms, DropReasons reasons, Map<Integer, String> interfaces,
                             BiPredicate<String, String> benign) {
        this(SymbolTable.of(kallsyms), reasons, interfaces, benign);
    }

    /**
     * @param symbols the symbol table, perhaps still being read: only resolving a software drop
     *                location waits for it
     */
    public static DropReportBuilder withSymbols(SymbolTable symbols, DropReasons reasons,
                                                Map<Integer, String> interfaces, BiPredicate<String, String> benign) {
        return new DropReportBuilder(symbols, reasons, interfaces, benign);
    }

    private DropReportBuilder(SymbolTable symbols, DropReasons reasons, Map<Integer, String> interfaces,
                              BiPredicate<String, String> benign) {
        this.symbols = symbols;
        this.reasons = reasons;
        this.interfaces = Map.copyOf(interfaces);
        this.benign = benign;
    }

    /** Remembers the kernel's own "%pS" of a location (NET_DM_ATTR_SYMBOL), used when kallsyms cannot say. */
    public void rememberKernelSymbol(long location, String symbol) {
        if (symbol != null && location != 0 && kernelSymbols.size() < 65536) {
            kernelSymbols.putIfAbsent(location, symbol);
        }
    }

    /** Why symbols may be missing, or null when kallsyms is fine; does not wait for the table. */
    public String symbolsNote() {
        return symbols.note();
    }

    public String interfaceName(int ifindex) {
        return ifindex < 0 ? null : interfaces.get(ifindex);
    }

    private LongFunction<NetnsIdentity> netnsNames = NetnsIdentity::of;

    /** Names namespaces with {@code names} (default: only the inode). Returns this builder. */
    public DropReportBuilder withNetnsNames(LongFunction<NetnsIdentity> names) {
        this.netnsNames = names;
        return this;
    }

    private BiFunction<NetnsIdentity, Integer, String> foreignInterfaces = (n, i) -> null;

    /** Names another namespace's interfaces with {@code names} (namespace, ifindex -> name or null). Returns this. */
    public DropReportBuilder withForeignInterfaces(BiFunction<NetnsIdentity, Integer, String> names) {
        this.foreignInterfaces = names;
        return this;
    }

    /**
     * An ifindex's name in namespace {@code inode} (identity {@code n}): ours from the table, another's through
     * {@link #withForeignInterfaces} (our table would name the wrong device).
     */
    private String interfaceName(int ifindex, long inode, NetnsIdentity n) {
        if (inode == DropSite.NO_NETNS || inode == OWN_NETNS) {
            return interfaceName(ifindex);
        }
        return ifindex <= 0 ? null : foreignInterfaces.apply(n, ifindex);
    }

    private NetnsIdentity netns(long inode) {
        if (inode == DropSite.NO_NETNS) {
            return null;
        }
        NetnsIdentity n = netnsNames.apply(inode);
        return inode == OWN_NETNS && OWN_IS_HOST && n != null ? n.asHost() : n;
    }

    /** Our own network namespace's inode: the interface table is this namespace's. */
    private static final long OWN_NETNS = NetnsScope.ownInode();
    private static final boolean OWN_IS_HOST = NetnsScope.ownIsHost();

    /** Resolves one site. */
    public ResolvedDropSite resolve(DropSiteStats s, long intervalNs) {
        double rate = s.ratePerSecond(intervalNs);
        if (s.isOther()) {
            return new ResolvedDropSite(0, null, -1, -1, null, null, DropOrigin.SOFTWARE, -1, null, s.count(),
                    s.delta(), rate, false, true);
        }
        var site = s.site();
        String reason = reasons.name(site.reason());
        if (site.origin() == DropOrigin.HARDWARE) {
            // hardware drops are keyed by their devlink trap name (registered as a reason code)
            return new ResolvedDropSite(0, reason, -1, -1, null, null, DropOrigin.HARDWARE, site.ifindex(),
                    interfaceName(site.ifindex()), s.count(), s.delta(), rate, false, false);
        }
        NetnsIdentity ns = netns(site.netns()); // once: the interface's name needs it too
        String name = null;
        long offset = -1;
        long size = -1;
        String module = null;
        Kallsyms kallsyms = site.location() == 0 ? null : symbols.table();
        Kallsyms.Symbol sym = kallsyms == null ? null : kallsyms.symbolize(site.location());
        if (sym != null) {
            name = sym.name();
            offset = sym.offset();
            size = sym.size();
            module = sym.module();
        } else {
            String k = kernelSymbols.get(site.location());
            if (k != null) {
                name = parseName(k);
                offset = parseHex(k, '+', '/');
                size = parseHex(k, '/', ' ');
            }
        }
        return new ResolvedDropSite(site.location(), name, offset, size, module, reason, DropOrigin.SOFTWARE,
                site.ifindex(), interfaceName(site.ifindex(), site.netns(), ns), s.count(), s.delta(), rate,
                name != null && benign.test(name, reason), false, ns);
    }

    private static String parseName(String pS) {
        int plus = pS.indexOf('+');
        return plus < 0 ? pS : pS.substring(0, plus);
    }

    /** Parses the hex number after {@code start} up to {@code end} in "sym+0x1e/0x440"; -1 if absent. */
    private static long parseHex(String pS, char start, char end) {
        int s = pS.indexOf(start);
        if (s < 0 || !pS.startsWith("0x", s + 1)) {
            return -1;
        }
        int e = pS.indexOf(end, s + 1);
        try {
            return Long.parseUnsignedLong(pS.substring(s + 3, e < 0 ? pS.length() : e), 16);
        } catch (NumberFormatException ex) {
            return -1;
        }
    }

    /** Resolves a packet's location and input interface. */
    public ResolvedPacket resolvePacket(DropPacket p) {
        rememberKernelSymbol(p.location(), p.kernelSymbol());
        Kallsyms kallsyms = p.location() == 0 ? null : symbols.table();
        Kallsyms.Symbol sym = kallsyms == null ? null : symbolize(kallsyms, p.location());
        NetnsIdentity ns = netns(p.netns()); // once per packet: the interface's name needs it too
        // a foreign namespace's ifindex names another device there: no host name for it
        String ifname = p.interfaceName() != null ? p.interfaceName() : interfaceName(p.ifindex(), p.netns(), ns);
        if (sym == null) {
            String k = p.kernelSymbol();
            return new ResolvedPacket(p, k == null ? null : parseName(k), k == null ? -1 : parseHex(k, '+', '/'),
                    k == null ? -1 : parseHex(k, '/', ' '), null, ifname, ns);
        }
        return new ResolvedPacket(p, sym.name(), sym.offset(), sym.size(), sym.module(), ifname, ns);
    }

    /** Packets' locations looked up in {@link #symbolsFor}: packet mode sees the same few sites over and over. */
    private final Map<Long, Kallsyms.Symbol> symbolCache = new HashMap<>();
    private Kallsyms symbolsFor;
    private static final int SYMBOL_CACHE_LIMIT = 4096;

    private Kallsyms.Symbol symbolize(Kallsyms kallsyms, long location) {
        synchronized (symbolCache) {
            if (kallsyms != symbolsFor) {
                symbolCache.clear();
                symbolsFor = kallsyms;
            }
            Kallsyms.Symbol s = symbolCache.get(location);
            if (s == null && !symbolCache.containsKey(location)) {
                s = kallsyms.symbolize(location);
                if (symbolCache.size() >= SYMBOL_CACHE_LIMIT) {
                    symbolCache.clear();
                }
                symbolCache.put(location, s);
            }
            return s;
        }
    }

    /**
     * A report of the interval that {@code snap} ends: sites that dropped in the interval (or all with
     * any drops when {@code sinceStart}), passing {@code filter}, most drops first.
     */
    public DropReport report(String source, DropSnapshot snap, long elapsedNs, boolean sinceStart,
                             Predicate<ResolvedDropSite> filter, int limit) {
        List<ResolvedDropSite> sites = new ArrayList<>();
        for (DropSiteStats s : snap.sites()) {
            if (sinceStart ? s.count() > 0 : s.delta() > 0) {
                ResolvedDropSite r = resolve(s, snap.intervalNs());
                if (filter.test(r)) {
                    sites.add(r);
                }
            }
        }
        if (sinceStart ? snap.other().count() > 0 : snap.other().delta() > 0) {
            sites.add(resolve(snap.other(), snap.intervalNs()));
        }
        sites.sort((a, b) -> Long.compare(sinceStart ? b.count() : b.delta(), sinceStart ? a.count() : a.delta()));
        if (limit > 0 && sites.size() > limit) {
            sites = sites.subList(0, limit);
        }
        return new DropReport(source, System.currentTimeMillis(), snap.intervalNs(), elapsedNs, snap.total(),
                snap.totalDelta(), snap.lost(), snap.lostDelta(), sites, symbolsNote());
    }
}
