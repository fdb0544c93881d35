package dev.dropscope.bpf;

import static dev.dropscope.bpf.BpfProgram.R0;
import static dev.dropscope.bpf.BpfProgram.R1;
import static dev.dropscope.bpf.BpfProgram.R10;
import static dev.dropscope.bpf.BpfProgram.R2;
import static dev.dropscope.bpf.BpfProgram.R3;
import static dev.dropscope.bpf.BpfProgram.R4;
import static dev.dropscope.bpf.BpfProgram.R6;
import static dev.dropscope.bpf.BpfProgram.R7;
import static dev.dropscope.bpf.BpfProgram.R8;
import static dev.dropscope.bpf.BpfProgram.R9;

import dev.dropscope.btf.SkbBtf;

import java.util.Collection;
import java.util.Collections;
import java.util.Locale;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The two skb:kfree_skb programs of the eBPF drop source. A tracepoint program gets a pointer to the
 * event's record, laid out as the format file says on the running kernel, so the field offsets are
 * parameters: no BTF, no CO-RE, no clang. Both return 1: the kernel ANDs the results of every program on
 * the tracepoint and, on 0, hands the event to none of its perf events, so a 0 would blind every other
 * reader of skb:kfree_skb on the machine (perf stat/record, dropscope's tracepoint source: measured, they
 * saw 0 of 1000 drops). The carrier event is never enabled, so the 1 costs nothing when nobody else reads.
 */
public final class DropPrograms {
    private DropPrograms() {
    }

    /** The programs' return value: let the event go on to the tracepoint's other perf events. */
    public static final int PASS_ON = 1;

    /** Key of the summary map: u64 location, u32 reason, u32 zero padding. */
    public static final int KEY_SIZE = 16;
    /** Key of the summary map with identity: u64 location, u32 reason, u32 ifindex, u32 netns inode, u32 zero. */
    public static final int IDENTITY_KEY_SIZE = 24;
    public static final int KEY_LOCATION = 0;
    public static final int KEY_REASON = 8;
    public static final int KEY_IFINDEX = 12;
    public static final int KEY_NETNS = 16;
    /** Value of the summary map: one u64 counter per CPU. */
    public static final int VALUE_SIZE = 8;
    /** A packet-mode ring record: u64 location, u64 time (CLOCK_MONOTONIC ns), u32 reason, u16 protocol,
     * u16 zero, u32 cpu, u32 zero. */
    public static final int RECORD_SIZE = 32;
    public static final int RECORD_LOCATION = 0;
    public static final int RECORD_TIME = 8;
    public static final int RECORD_REASON = 16;
    public static final int RECORD_PROTOCOL = 20;
    public static final int RECORD_CPU = 24;
    /**
     * A packet-mode record with identity and bytes ({@link #capture}): the {@link #RECORD_SIZE} bytes above,
     * then u32 ifindex, u32 netns inode, u32 the packet's length from its first captured header, u32
     * {@link #START_MAC}/{@link #START_NETWORK}/{@link #START_UNREAD}, then the captured bytes.
     */
    public static final int RECORD_IFINDEX = 32;
    public static final int RECORD_NETNS = 36;
    public static final int RECORD_WIRE_LENGTH = 40;
    public static final int RECORD_START = 44;
    public static final int RECORD_BYTES = 48;
    public static final int START_MAC = 0;
    public static final int START_NETWORK = 1;
    /** The bytes could not be read (bpf_probe_read_kernel faulted and left zeros). */
    public static final int START_UNREAD = 2;
    /** Most bytes a capture record carries (the ring holds a few thousand records of this size). */
    public static final int MAX_CAPTURE = 4096;

    /** Size of a {@link #capture} record of {@code trunc} bytes, 8-aligned as the ring rounds it. */
    public static int captureRecordSize(int trunc) {
        return RECORD_BYTES + (trunc + 7) / 8 * 8;
    }

    /**
     * Where the fields are in the program's context: the tracepoint record (perf-event attach, from the
     * format file) or the raw tracepoint's {@code u64} argument array. {@code reasonOffset} -1 on kernels
     * without reasons; {@code protocolOffset} -1 where only the summary runs (raw tracepoint: the protocol
     * is in the skb, not in an argument); {@code skbOffset} -1 where the skb's address is not known.
     */
    public record Layout(int locationOffset, int reasonOffset, int reasonSize, int protocolOffset, int skbOffset) {
        public Layout {
            if (locationOffset < 0) {
                throw new IllegalArgumentException("the location offset is required");
            }
            if (reasonOffset >= 0 && reasonSize != 4 && reasonSize != 2 && reasonSize != 1) {
                throw new IllegalArgumentException("reason field of " + reasonSize + " bytes");
            }
        }

        public Layout(int locationOffset, int reasonOffset, int reasonSize, int protocolOffset) {
            this(locationOffset, reasonOffset, reasonSize, protocolOffset, -1);
        }

        /**
         * A raw tracepoint's context: argument i is the u64 at 8*i; the enum reason is read as its low 4
         * bytes (little-endian hosts, as {@link BpfProgram#assemble()} assumes).
         */
        public static Layout rawTracepoint(SkbBtf.KfreeSkbArgs a) {
            return new Layout(8 * a.location(), a.reason() < 0 ? -1 : 8 * a.reason(), 4, -1, 8 * a.skb());
        }
    }

    /**
     * The filter's maps, each a one-element BPF_MAP_TYPE_ARRAY the program reads without a lookup
     * (BPF_PSEUDO_MAP_VALUE): {@code index} holds (u32) which of {@code first} (1) and {@code second} (2) is
     * the filter in force; each of those holds a u32 count n, a u32 zero, then {@link Filter#CAPACITY} keys
     * of (u32 ifindex, u32 netns inode), the first n used. User space writes the one not in force whole,
     * then switches {@code index} to it, so a running program reads either the old keys or the new ones,
     * never half of each (only the index's first byte changes, from 1 to 2 or back).
     */
    public record FilterMaps(int index, int first, int second) {
        public static final FilterMaps NONE = new FilterMaps(-1, -1, -1);
    }

    public static final int FILTER_INDEX_SIZE = 4;
    public static final int FILTER_KEY_IFINDEX = 0;
    public static final int FILTER_KEY_NETNS = 4;
    public static final int FILTER_KEYS = 8;
    public static final int FILTER_VALUE_SIZE = FILTER_KEYS + 8 * 128;

    /**
     * Which drops the identity programs keep. {@link By#ALL}: every drop, and the program has no filter at
     * all (today's instructions, no lookup). {@link By#NETNS}: those whose namespace inode is in the filter
     * maps (keys {@code (0, inode)}). {@link By#INTERFACE}: those whose (ifindex, namespace inode) is (an
     * ifindex means a device only within its namespace). How the program filters is fixed when it loads;
     * which keys it keeps is the maps' content ({@link FilterMaps}), which user space changes while it runs
     * ({@code EbpfMonitor.updateFilter}), so a namespace or device made again under the same name is
     * followed. An empty filter keeps nothing. The filter runs before the map update or ring reservation,
     * so a drop filtered out costs the identity reads, three loads and a compare per key (measured: 115 ns
     * against 85 ns for compares compiled in as immediates, which cannot change while the program runs,
     * 132 ns with array lookups, 237 ns for counting it). Callers filter in user space as well (the
     * kernel's filter only keeps work away).
     */
    public record Filter(By by, SortedSet<Key> keys) {
        /** How a filter program decides. */
        public enum By { ALL, NETNS, INTERFACE }

        /** One key of the filter map: ifindex 0 in a {@link By#NETNS} filter. */
        public record Key(long netns, int ifindex) implements Comparable<Key> {
            public Key {
                if (netns <= 0 || netns > 0xffff_ffffL) {
                    throw new IllegalArgumentException("namespace inode " + netns + " is not a u32 above 0");
                }
                if (ifindex < 0) {
                    throw new IllegalArgumentException("ifindex " + ifindex);
                }
            }

            @Override
            public int compareTo(Key o) {
                int c = Long.compare(netns, o.netns);
                return c != 0 ? c : Integer.compare(ifindex, o.ifindex);
            }

            @Override
            public String toString() {
                return ifindex == 0 ? Long.toString(netns) : netns + "/" + ifindex;
            }
        }

        /** Most keys a filter holds (each one compare, or two, for the drops it does not keep). */
        public static final int CAPACITY = (FILTER_VALUE_SIZE - FILTER_KEYS) / 8;
        public static final Filter NONE = new Filter(By.ALL, new TreeSet<>());

        public Filter {
            keys = Collections.unmodifiableSortedSet(new TreeSet<>(keys));
            if (keys.size() > CAPACITY) {
                throw new IllegalArgumentException("a filter of more than " + CAPACITY + " keys");
            }
            for (Key k : keys) {
                if (by == By.ALL || (by == By.NETNS) != (k.ifindex() == 0)) {
                    throw new IllegalArgumentException("key " + k + " in a filter by " + by);
                }
            }
        }

        /** Keeps the drops in the namespaces {@code inodes} (none: nothing). */
        public static Filter netns(long... inodes) {
            SortedSet<Key> k = new TreeSet<>();
            for (long i : inodes) {
                k.add(new Key(i, 0));
            }
            return new Filter(By.NETNS, k);
        }

        /** Keeps the drops on the (namespace, ifindex) {@code keys} (none: nothing). */
        public static Filter interfaces(Collection<Key> keys) {
            return new Filter(By.INTERFACE, new TreeSet<>(keys));
        }

        public boolean keepsAll() {
            return by == By.ALL;
        }

        @Override
        public String toString() {
            return by == By.ALL ? "Filter[all]" : "Filter[" + by.name().toLowerCase(Locale.ROOT) + "=" + keys + "]";
        }
    }

    /**
     * Jumps to {@code drop} unless the filter in force ({@link FilterMaps}) has the drop's namespace (the u32
     * at {@code fp + netnsOff}) and, for {@link Filter.By#INTERFACE}, with the drop's ifindex (at
     * {@code fp + ifindexOff}); falls through otherwise. The maps' values are read in place (no lookup, no
     * helper call), then one compare (two) per key in use, so a short filter costs a few instructions.
     * Nothing for {@link Filter.By#ALL}.
     */
    private static void filter(BpfProgram p, Filter.By by, FilterMaps maps, int ifindexOff, int netnsOff,
                               String drop) {
        if (by == Filter.By.ALL) {
            return;
        }
        p.ldMapValue(R0, maps.index(), 0)
                .ldx(4, R1, R0, 0)                      // the filter in force: 1 or 2
                .jeqImm(R1, 2, "filter_second")
                .ldMapValue(R0, maps.first(), 0)
                .ja("filter_keys")
                .label("filter_second")
                .ldMapValue(R0, maps.second(), 0)
                .label("filter_keys")
                .ldx(4, R1, R0, 0)                      // n keys in use
                .ldx(4, R2, R10, netnsOff)
                .ldx(4, R3, R10, ifindexOff);
        for (int i = 0; i < Filter.CAPACITY; i++) {
            String next = "filter_" + (i + 1);
            int at = FILTER_KEYS + 8 * i;
            p.jeqImm(R1, i, drop)                       // no key i: none of the n matched
                    .ldx(4, R4, R0, at + FILTER_KEY_NETNS)
                    .jne(R4, R2, next);
            if (by == Filter.By.INTERFACE) {
                p.ldx(4, R4, R0, at + FILTER_KEY_IFINDEX)
                        .jne(R4, R3, next);
            }
            p.ja("filter_kept").label(next);
        }
        p.ja(drop).label("filter_kept");
    }

    /**
     * Summary: {@code counts[(location, reason)]++} in a per-CPU hash (this CPU's slot, so no other CPU
     * contends). A key not yet in the map is inserted with BPF_ANY, which for a per-CPU map writes only this
     * CPU's slot and so loses nothing if another CPU inserted the same key meanwhile. When the map is full
     * the insert fails and {@code overflow[0]++} (a per-CPU array) counts the drop as lost instead.
     */
    public static BpfProgram summary(Layout l, int countsFd, int overflowFd) {
        BpfProgram p = new BpfProgram()
                .mov64(R6, R1)
                .ldx(8, R1, R6, l.locationOffset())
                .stx(8, R10, -16, R1);
        loadReason(p, l, -8);
        p.st(4, R10, -4, 0);
        return count(p, countsFd, overflowFd, -16, -24);
    }

    /**
     * Summary with identity: {@code counts[(location, reason, ifindex, netns inode)]++}, the key's last two
     * read from the skb with bpf_probe_read_kernel at the BTF offsets: {@code skb->dev->ifindex} and
     * {@code skb->dev->nd_net.net->ns.inum}. A drop without a device (locally made, or after the device was
     * detached) keeps ifindex 0 and takes the namespace of its socket, {@code skb->sk->__sk_common.skc_net.net},
     * when it has one, else 0. bpf_probe_read_kernel zeroes its destination when the read faults, so a bad
     * pointer reads as "unknown", never as another packet's identity. Otherwise as {@link #summary}.
     */
    public static BpfProgram summary(Layout l, SkbBtf.Identity id, int countsFd, int overflowFd) {
        return summary(l, id, Filter.By.ALL, FilterMaps.NONE, countsFd, overflowFd);
    }

    /**
     * {@link #summary(Layout, SkbBtf.Identity, int, int)} counting only the drops the filter maps
     * {@code filterMaps} keep ({@link Filter}); {@code by} {@link Filter.By#ALL} builds the unfiltered program.
     */
    public static BpfProgram summary(Layout l, SkbBtf.Identity id, Filter.By by, FilterMaps filterMaps, int countsFd,
                                     int overflowFd) {
        if (l.skbOffset() < 0) {
            throw new IllegalArgumentException("identity needs the skb's address in the context");
        }
        final int key = -24;
        final int tmp = -32;
        BpfProgram p = new BpfProgram()
                .mov64(R6, R1)
                .ldx(8, R1, R6, l.locationOffset())
                .stx(8, R10, key + KEY_LOCATION, R1);
        loadReason(p, l, key + KEY_REASON);
        p.st(4, R10, key + KEY_IFINDEX, 0)
                .st(4, R10, key + KEY_NETNS, 0)
                .st(4, R10, key + KEY_NETNS + 4, 0)
                .ldx(8, R7, R6, l.skbOffset());
        probeRead(p, tmp, 8, R7, id.skbDev());                       // dev = skb->dev
        p.ldx(8, R8, R10, tmp)
                .jeqImm(R8, 0, "nodev");
        probeRead(p, key + KEY_IFINDEX, 4, R8, id.devIfindex());     // key.ifindex = dev->ifindex
        probeRead(p, tmp, 8, R8, id.devNet());                       // net = dev->nd_net.net
        p.ja("net")
                .label("nodev");
        probeRead(p, tmp, 8, R7, id.skbSk());                        // sk = skb->sk
        p.ldx(8, R8, R10, tmp)
                .jeqImm(R8, 0, "count");
        probeRead(p, tmp, 8, R8, id.skNet());                        // net = sk->__sk_common.skc_net.net
        p.label("net")
                .ldx(8, R8, R10, tmp)
                .jeqImm(R8, 0, "count");
        probeRead(p, key + KEY_NETNS, 4, R8, id.netInum());          // key.netns = net->ns.inum
        p.label("count");
        filter(p, by, filterMaps, key + KEY_IFINDEX, key + KEY_NETNS, "out");
        return count(p, countsFd, overflowFd, key, tmp);
    }

    /**
     * {@code counts[key]++} for the key at {@code fp + key}: an atomic add to this CPU's slot, or an insert of
     * 1 (built at {@code fp + tmp}) for a new key; a failed insert (map full) counts in {@code overflow}. Ends
     * the program, passing the event on.
     */
    private static BpfProgram count(BpfProgram p, int countsFd, int overflowFd, int key, int tmp) {
        p.ldMapFd(R1, countsFd)
                .mov64(R2, R10).add64Imm(R2, key)
                .call(BpfConstants.BPF_FUNC_map_lookup_elem)
                .jeqImm(R0, 0, "insert")
                .mov64Imm(R1, 1)
                .atomicAdd64(R0, 0, R1)
                .ja("out")
                .label("insert")
                .st(8, R10, tmp, 1)
                .ldMapFd(R1, countsFd)
                .mov64(R2, R10).add64Imm(R2, key)
                .mov64(R3, R10).add64Imm(R3, tmp)
                .mov64Imm(R4, BpfConstants.BPF_ANY)
                .call(BpfConstants.BPF_FUNC_map_update_elem)
                .jeqImm(R0, 0, "out");
        countLost(p, overflowFd, tmp - 4);
        return p.label("out").mov64Imm(R0, PASS_ON).exit();
    }

    /** {@code bpf_probe_read_kernel(fp + stackOff, bytes, base + off)}; on a fault the kernel zeroes the destination. */
    private static void probeRead(BpfProgram p, int stackOff, int bytes, int base, int off) {
        p.mov64(R1, R10).add64Imm(R1, stackOff)
                .mov64Imm(R2, bytes)
                .mov64(R3, base).add64Imm(R3, off)
                .call(BpfConstants.BPF_FUNC_probe_read_kernel);
    }

    /**
     * Packet mode: one {@link #RECORD_SIZE}-byte record per drop into a BPF ring buffer with
     * BPF_RB_NO_WAKEUP (user space drains on a timer; a wakeup per drop costs more than the drop). A
     * record the ring has no room for is counted in {@code lost[0]} (a per-CPU array).
     */
    public static BpfProgram packet(Layout l, int ringFd, int lostFd) {
        if (l.protocolOffset() < 0) {
            throw new IllegalArgumentException("packet mode needs the protocol's offset");
        }
        BpfProgram p = new BpfProgram()
                .mov64(R6, R1)
                .ldx(8, R1, R6, l.locationOffset())
                .stx(8, R10, -32 + RECORD_LOCATION, R1)
                .call(BpfConstants.BPF_FUNC_ktime_get_ns)
                .stx(8, R10, -32 + RECORD_TIME, R0);
        loadReason(p, l, -32 + RECORD_REASON);
        p.ldx(2, R1, R6, l.protocolOffset())
                .stx(2, R10, -32 + RECORD_PROTOCOL, R1)
                .st(2, R10, -32 + RECORD_PROTOCOL + 2, 0)
                .call(BpfConstants.BPF_FUNC_get_smp_processor_id)
                .stx(4, R10, -32 + RECORD_CPU, R0)
                .st(4, R10, -32 + RECORD_CPU + 4, 0)
                .ldMapFd(R1, ringFd)
                .mov64(R2, R10).add64Imm(R2, -32)
                .mov64Imm(R3, RECORD_SIZE)
                .mov64Imm(R4, BpfConstants.BPF_RB_NO_WAKEUP)
                .call(BpfConstants.BPF_FUNC_ringbuf_output)
                .jeqImm(R0, 0, "out");
        countLost(p, lostFd, -36);
        return p.label("out").mov64Imm(R0, PASS_ON).exit();
    }

    /**
     * Packet mode with identity and bytes: reserves a {@link #captureRecordSize} record in the ring (a full
     * ring: {@code lost[0]++}), fills the fields of {@link #packet}, the interface and namespace as
     * {@link #summary(Layout, SkbBtf.Identity, int, int)} reads them, and the first {@code trunc} bytes of
     * the packet from its mac header when the skb has one before its network header (an Ethernet frame),
     * else from its network header. The length beside them is the packet's from that header:
     * {@code skb->len + (skb->data - (skb->head + header))}. Submitted with BPF_RB_NO_WAKEUP as in packet mode.
     *
     * @param dataOffset byte offset of {@code sk_buff.data} (a pointer)
     */
    public static BpfProgram capture(Layout l, SkbBtf.Identity id, SkbBtf.Headers h, int dataOffset, int trunc,
                                     int ringFd, int lostFd) {
        return capture(l, id, h, dataOffset, trunc, Filter.By.ALL, FilterMaps.NONE, ringFd, lostFd);
    }

    /**
     * {@link #capture(Layout, SkbBtf.Identity, SkbBtf.Headers, int, int, int, int)} of only the drops the
     * filter maps {@code filterMaps} keep ({@link Filter}; {@code by} {@link Filter.By#ALL}: no filter). The
     * identity is read before the ring is asked for room, so a drop filtered out takes none (a discarded
     * reservation would hold its room until user space passed it).
     */
    public static BpfProgram capture(Layout l, SkbBtf.Identity id, SkbBtf.Headers h, int dataOffset, int trunc,
                                     Filter.By by, FilterMaps filterMaps, int ringFd, int lostFd) {
        if (l.protocolOffset() < 0 || l.skbOffset() < 0) {
            throw new IllegalArgumentException("capture needs the protocol's and the skb's offsets");
        }
        if (trunc < 1 || trunc > MAX_CAPTURE) {
            throw new IllegalArgumentException("capture of " + trunc + " bytes");
        }
        final int tmp = -8;
        final int head = -16;
        final int data = -24;
        final int mac = -28;
        final int net = -32;
        final int len = -36;
        final int ifx = -40;
        final int ns = -44;
        BpfProgram p = new BpfProgram()
                .mov64(R6, R1)
                .ldx(8, R7, R6, l.skbOffset())
                .st(4, R10, ifx, 0)
                .st(4, R10, ns, 0);
        probeRead(p, R10, tmp, 8, R7, id.skbDev());                  // dev = skb->dev
        p.ldx(8, R8, R10, tmp)
                .jeqImm(R8, 0, "nodev");
        probeRead(p, R10, ifx, 4, R8, id.devIfindex());               // ifindex = dev->ifindex
        probeRead(p, R10, tmp, 8, R8, id.devNet());                   // net = dev->nd_net.net
        p.ja("net")
                .label("nodev");
        probeRead(p, R10, tmp, 8, R7, id.skbSk());                    // sk = skb->sk
        p.ldx(8, R8, R10, tmp)
                .jeqImm(R8, 0, "identity");
        probeRead(p, R10, tmp, 8, R8, id.skNet());                    // net = sk->__sk_common.skc_net.net
        p.label("net")
                .ldx(8, R8, R10, tmp)
                .jeqImm(R8, 0, "identity");
        probeRead(p, R10, ns, 4, R8, id.netInum());                   // netns = net->ns.inum
        p.label("identity");
        filter(p, by, filterMaps, ifx, ns, "out");
        p.ldMapFd(R1, ringFd)
                .mov64Imm(R2, captureRecordSize(trunc))
                .mov64Imm(R3, 0)
                .call(BpfConstants.BPF_FUNC_ringbuf_reserve)
                .jneImm(R0, 0, "reserved");
        countLost(p, lostFd, -4);
        p.ja("out")
                .label("reserved")
                .mov64(R9, R0)
                .ldx(8, R1, R6, l.locationOffset())
                .stx(8, R9, RECORD_LOCATION, R1)
                .call(BpfConstants.BPF_FUNC_ktime_get_ns)
                .stx(8, R9, RECORD_TIME, R0);
        if (l.reasonOffset() >= 0) {
            p.ldx(l.reasonSize(), R1, R6, l.reasonOffset()).stx(4, R9, RECORD_REASON, R1);
        } else {
            p.st(4, R9, RECORD_REASON, 0);
        }
        p.ldx(2, R1, R6, l.protocolOffset())
                .stx(2, R9, RECORD_PROTOCOL, R1)
                .st(2, R9, RECORD_PROTOCOL + 2, 0)
                .call(BpfConstants.BPF_FUNC_get_smp_processor_id)
                .stx(4, R9, RECORD_CPU, R0)
                .st(4, R9, RECORD_CPU + 4, 0)
                .ldx(4, R1, R10, ifx)
                .stx(4, R9, RECORD_IFINDEX, R1)
                .ldx(4, R1, R10, ns)
                .stx(4, R9, RECORD_NETNS, R1);
        p.label("headers");
        probeRead(p, R10, head, 8, R7, h.head());
        probeRead(p, R10, data, 8, R7, dataOffset);
        p.st(4, R10, mac, 0).st(4, R10, net, 0);
        probeRead(p, R10, mac, 2, R7, h.macHeader());
        probeRead(p, R10, net, 2, R7, h.networkHeader());
        probeRead(p, R10, len, 4, R7, h.len());
        // mac header unset (0xffff) or not before the network header (no link header): start at the network's
        p.ldx(4, R1, R10, mac)
                .ldx(4, R2, R10, net)
                .st(4, R9, RECORD_START, START_MAC)
                .jgt(R2, R1, "start")
                .mov64(R1, R2)
                .st(4, R9, RECORD_START, START_NETWORK)
                .label("start")
                .ldx(8, R8, R10, head)
                .add64(R8, R1)                                         // R8 = head + header
                .ldx(8, R1, R10, data)
                .sub64(R1, R8)
                .ldx(4, R2, R10, len)
                .add64(R1, R2)
                .stx(4, R9, RECORD_WIRE_LENGTH, R1);
        probeRead(p, R9, RECORD_BYTES, trunc, R8, 0);
        p.jeqImm(R0, 0, "submit")
                .st(4, R9, RECORD_START, START_UNREAD)
                .label("submit")
                .mov64(R1, R9)
                .mov64Imm(R2, BpfConstants.BPF_RB_NO_WAKEUP)
                .call(BpfConstants.BPF_FUNC_ringbuf_submit)
                .label("out")
                .mov64Imm(R0, PASS_ON)
                .exit();
        return p;
    }

    /** {@code bpf_probe_read_kernel(dst + dstOff, bytes, base + off)}; on a fault the kernel zeroes the destination. */
    private static void probeRead(BpfProgram p, int dst, int dstOff, int bytes, int base, int off) {
        p.mov64(R1, dst).add64Imm(R1, dstOff)
                .mov64Imm(R2, bytes)
                .mov64(R3, base).add64Imm(R3, off)
                .call(BpfConstants.BPF_FUNC_probe_read_kernel);
    }

    private static void loadReason(BpfProgram p, Layout l, int stackOff) {
        if (l.reasonOffset() >= 0) {
            p.ldx(l.reasonSize(), R1, R6, l.reasonOffset()).stx(4, R10, stackOff, R1);
        } else {
            p.st(4, R10, stackOff, 0);
        }
    }

    /** {@code array[0] += 1} on this CPU's slot of a one-entry per-CPU array; falls through to the caller's next label. */
    private static void countLost(BpfProgram p, int arrayFd, int keyStackOff) {
        p.st(4, R10, keyStackOff, 0)
                .ldMapFd(R1, arrayFd)
                .mov64(R2, R10).add64Imm(R2, keyStackOff)
                .call(BpfConstants.BPF_FUNC_map_lookup_elem)
                .jeqImm(R0, 0, "out")
                .mov64Imm(R1, 1)
                .atomicAdd64(R0, 0, R1);
    }

    /** A program the verifier must refuse (it reads r2 before anything wrote it), for tests and doctor's self-check. */
    public static BpfProgram invalid() {
        return new BpfProgram().mov64(R0, R2).exit();
    }
}
