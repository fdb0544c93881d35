package dev.dropscope.collect;

import static dev.dropscope.netlink.NetlinkConstants.GENL_HDRLEN;
import static dev.dropscope.netlink.NetlinkConstants.NETLINK_GENERIC;
import static dev.dropscope.netlink.NetlinkConstants.NLMSG_HDRLEN;
import static dev.dropscope.netlink.NetlinkConstants.NETLINK_ROUTE;
import static dev.dropscope.netlink.ethtool.EthtoolConstants.*;

import dev.dropscope.model.FeatureState;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.Reading;
import dev.dropscope.model.Snapshot;
import dev.dropscope.netlink.MessageBuilder;
import dev.dropscope.netlink.NetlinkException;
import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.netlink.NlMsg;
import dev.dropscope.netlink.ethtool.DeviceFeatures;
import dev.dropscope.netlink.ethtool.DeviceStats;
import dev.dropscope.netlink.ethtool.DeviceValues;
import dev.dropscope.netlink.ethtool.DriverInfo;
import dev.dropscope.netlink.ethtool.EthtoolIoctl;
import dev.dropscope.netlink.ethtool.EthtoolMessages;
import dev.dropscope.netlink.ethtool.StringSet;
import dev.dropscope.netlink.genl.GenlController;
import dev.dropscope.netlink.genl.GenlFamily;
import dev.dropscope.netlink.route.Link;
import dev.dropscope.netlink.route.Links;
import dev.dropscope.sys.Errno;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Interfaces: the RTM_GETLINK dump (identity, settings, IFLA_STATS64), then ethtool: features, rings,
 * channels and standard statistics as netlink dumps over all devices, driver name and {@code ethtool -S}
 * per device by ioctl. A device a dump leaves out, or whose ioctl answers EOPNOTSUPP, is "not supported";
 * a failure of a whole dump is recorded once and leaves that value unavailable on every device.
 */
public final class LinkCollector extends NetlinkCollector {
    public static final String NAME = "link";

    private final Syscalls sys;
    private final LazySocket rtnl;
    private final LazySocket genl;
    private Optional<GenlFamily> ethtool; // the collector's thread only
    private volatile EthtoolIoctl ioctl;  // volatile: close() may run on another thread
    /** Global string sets (feature names, statistics groups and their counters): fixed for a kernel. */
    private final Map<Integer, StringSet> sets = new HashMap<>();

    public LinkCollector(Syscalls sys) {
        super(sys, NAME);
        this.sys = sys;
        this.rtnl = socket(NETLINK_ROUTE);
        this.genl = socket(NETLINK_GENERIC);
    }

    @Override
    public void collect(Snapshot.Builder into) throws IOException {
        NetlinkSocket rtnl = this.rtnl.get();
        List<Link> links = Links.query(rtnl);
        Map<Integer, Map<String, Long>> fallbackStats = Map.of();
        if (links.stream().anyMatch(l -> l.stats64().isEmpty())) {
            try {
                fallbackStats = Links.queryStats(rtnl);
            } catch (NetlinkException e) {
                into.error(NAME, e.getMessage());
            }
        }
        Map<Integer, String> names = new HashMap<>();
        links.forEach(l -> names.put(l.ifindex(), l.name()));

        Ethtool e = ethtoolDumps(into);
        List<InterfaceStats> out = new ArrayList<>();
        for (Link l : links) {
            Map<String, Long> stats = l.stats64().isEmpty() ? fallbackStats.getOrDefault(l.ifindex(), Map.of()) : l.stats64();
            out.add(new InterfaceStats(l.name(), l.ifindex(), l.kind(),
                    new InterfaceStats.Settings(driver(l.name(), into), l.operstate(), l.mtu(), l.txqlen(),
                            l.master() == 0 ? null : names.get(l.master()), e.pick(e.rings, l.ifindex()),
                            e.pick(e.channels, l.ifindex()), e.pick(e.features, l.ifindex())),
                    new InterfaceStats.Counters(stats, nicStats(l.name(), into), e.pick(e.standard, l.ifindex()))));
        }
        into.interfaces(out);
    }

    /** One dump's results by ifindex, or why the whole dump is unavailable. */
    private static final class Ethtool {
        String unavailable;
        Map<Integer, Map<String, Long>> rings = new HashMap<>();
        Map<Integer, Map<String, Long>> channels = new HashMap<>();
        Map<Integer, Map<String, FeatureState>> features = new HashMap<>();
        Map<Integer, Map<String, Map<String, Long>>> standard = new HashMap<>();
        final Map<Map<?, ?>, String> failed = new IdentityHashMap<>(); // by which results map, not its contents

        <T> Reading<T> pick(Map<Integer, T> results, int ifindex) {
            if (unavailable != null) {
                return Reading.unavailable(unavailable);
            }
            String why = failed.get(results);
            if (why != null) {
                return Reading.unavailable(why);
            }
            T v = results.get(ifindex);
            return v == null ? Reading.notSupported() : Reading.of(v);
        }
    }

    private Ethtool ethtoolDumps(Snapshot.Builder into) {
        Ethtool e = new Ethtool();
        GenlFamily family;
        try {
            if (ethtool == null) {
                ethtool = GenlController.resolve(genl.get(), ETHTOOL_GENL_NAME);
            }
            if (ethtool.isEmpty()) {
                e.unavailable = Reading.NOT_SUPPORTED + " (no ethtool netlink in this kernel)";
                return e;
            }
            family = ethtool.get();
            globalSets(family.id(), ETH_SS_FEATURES, ETH_SS_STATS_STD);
        } catch (IOException ex) {
            into.error(NAME, "ethtool: " + ex.getMessage());
            e.unavailable = ex.getMessage();
            return e;
        }
        int id = family.id();
        dump(into, e, e.features, "FEATURES_GET", EthtoolMessages.request(id, ETHTOOL_MSG_FEATURES_GET,
                ETHTOOL_A_FEATURES_HEADER, null, ETHTOOL_FLAG_COMPACT_BITSETS), ETHTOOL_MSG_FEATURES_GET_REPLY,
                e.features::clear, (b, at, len) -> {
                    DeviceFeatures f = EthtoolMessages.parseFeatures(b, at, len);
                    e.features.put(f.ifindex(), features(f));
                });
        dump(into, e, e.rings, "RINGS_GET", EthtoolMessages.request(id, ETHTOOL_MSG_RINGS_GET,
                ETHTOOL_A_RINGS_HEADER, null, 0), ETHTOOL_MSG_RINGS_GET_REPLY, e.rings::clear, (b, at, len) -> {
                    DeviceValues v = EthtoolMessages.parseRings(b, at, len);
                    e.rings.put(v.ifindex(), v.values());
                });
        dump(into, e, e.channels, "CHANNELS_GET", EthtoolMessages.request(id, ETHTOOL_MSG_CHANNELS_GET,
                ETHTOOL_A_CHANNELS_HEADER, null, 0), ETHTOOL_MSG_CHANNELS_GET_REPLY, e.channels::clear, (b, at, len) -> {
                    DeviceValues v = EthtoolMessages.parseChannels(b, at, len);
                    e.channels.put(v.ifindex(), v.values());
                });
        List<DeviceStats> std = new ArrayList<>();
        int groups = sets.get(ETH_SS_STATS_STD).count();
        if (groups > 0) { // before 5.13 there are no standard groups: every device reads "not supported"
            dump(into, e, e.standard, "STATS_GET", EthtoolMessages.statsRequest(id, null, groups),
                    ETHTOOL_MSG_STATS_GET_REPLY, std::clear, (b, at, len) -> std.add(EthtoolMessages.parseStats(b, at, len)));
        }
        for (DeviceStats s : std) {
            try {
                e.standard.put(s.ifindex(), standardStats(id, s));
            } catch (IOException ex) {
                into.error(NAME, "ethtool STRSET_GET: " + ex.getMessage());
                e.failed.put(e.standard, ex.getMessage());
            }
        }
        return e;
    }

    private void dump(Snapshot.Builder into, Ethtool e, Map<?, ?> results, String op, MessageBuilder request,
                      int replyCmd, Runnable restart, NetlinkSocket.Handler handler) {
        try {
            genl.get().dump("ethtool " + op + " dump", request, restart, (b, at, len) -> {
                if (len >= NLMSG_HDRLEN + GENL_HDRLEN && Byte.toUnsignedInt(b.get(at + NLMSG_HDRLEN)) == replyCmd && NlMsg.type(b, at) == ethtool.get().id()) {
                    handler.onMessage(b, at, len);
                }
            });
        } catch (NetlinkException ex) {
            if (ex.errno() == Errno.EOPNOTSUPP) {
                return; // nothing supports it: every device reads "not supported"
            }
            into.error(NAME, ex.getMessage());
            e.failed.put(results, ex.getMessage());
        } catch (IOException ex) {
            into.error(NAME, ex.getMessage());
            e.failed.put(results, ex.getMessage());
        }
    }

    /** Fetches the global string sets not yet cached. */
    private void globalSets(int familyId, int... ids) throws IOException {
        List<Integer> missing = new ArrayList<>();
        for (int id : ids) {
            if (!sets.containsKey(id)) {
                missing.add(id);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        int[] m = missing.stream().mapToInt(Integer::intValue).toArray();
        genl.get().request("ethtool STRSET_GET", EthtoolMessages.stringSetsRequest(familyId, null, m),
                (b, at, len) -> sets.putAll(EthtoolMessages.parseStringSets(b, at, len)));
        for (int id : m) {
            sets.putIfAbsent(id, new StringSet(id, List.of())); // an id this kernel lacks: no names
        }
    }

    private Map<String, FeatureState> features(DeviceFeatures f) {
        StringSet names = sets.get(ETH_SS_FEATURES);
        int n = Math.max(f.active().size(), names.count());
        Map<String, FeatureState> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = f.active().names().getOrDefault(i, names.name(i));
            if (name.isEmpty()) {
                continue; // ethtool -k skips unnamed bits too
            }
            boolean fixed = !f.hw().get(i) || f.nochange().get(i);
            out.put(name, new FeatureState(f.active().get(i), f.wanted().get(i), fixed));
        }
        return out;
    }

    private Map<String, Map<String, Long>> standardStats(int familyId, DeviceStats s) throws IOException {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        StringSet groups = sets.get(ETH_SS_STATS_STD);
        for (DeviceStats.Group g : s.groups()) {
            globalSets(familyId, g.stringSet());
            StringSet counters = sets.get(g.stringSet());
            Map<String, Long> values = new LinkedHashMap<>();
            g.counters().forEach((index, v) -> {
                String n = counters.name(index);
                values.put(n.isEmpty() ? "#" + index : n, v);
            });
            for (DeviceStats.Bucket b : g.histogram()) {
                String dir = b.rx() ? "rx" : "tx";
                values.put(b.high() == 0 ? dir + "-pkts" + b.low() + "plus" : dir + "-pkts" + b.low() + "to" + b.high(),
                        b.value());
            }
            String gname = groups.name(g.id());
            out.put(gname.isEmpty() ? "#" + g.id() : gname, values);
        }
        return out;
    }

    private EthtoolIoctl ioctl() throws NativeIoException {
        if (ioctl == null) {
            ioctl = EthtoolIoctl.open(sys);
        }
        return ioctl;
    }

    private Reading<String> driver(String dev, Snapshot.Builder into) {
        try {
            DriverInfo d = ioctl().driverInfo(dev);
            return d.driver().isEmpty() ? Reading.notSupported() : Reading.of(d.driver());
        } catch (NativeIoException ex) {
            return absence(ex, into);
        }
    }

    private Reading<Map<String, Long>> nicStats(String dev, Snapshot.Builder into) {
        try {
            return Reading.of(ioctl().nicStats(dev));
        } catch (NativeIoException ex) {
            return absence(ex, into);
        }
    }

    /** EOPNOTSUPP is "not supported"; ENODEV a device that went away meanwhile; anything else an error. */
    private static <T> Reading<T> absence(NativeIoException ex, Snapshot.Builder into) {
        if (ex.errno() == Errno.EOPNOTSUPP) {
            return Reading.notSupported();
        }
        if (ex.errno() == Errno.ENODEV) {
            return Reading.unavailable("device went away");
        }
        into.error(NAME, ex.getMessage());
        return Reading.unavailable(ex.getMessage());
    }

    @Override
    public void close() {
        super.close();
        EthtoolIoctl i = ioctl;
        if (i != null) {
            i.close();
        }
    }
}
