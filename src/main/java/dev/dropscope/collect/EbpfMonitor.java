package dev.dropscope.collect;

import dev.dropscope.bpf.BpfConstants;
import dev.dropscope.bpf.DropPrograms;
import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropPacket;
import dev.dropscope.netlink.genl.netdm.PacketHeaders;
import dev.dropscope.bpf.BpfRingBuffer;
import dev.dropscope.bpf.Bpf;
import dev.dropscope.perf.CpuList;
import dev.dropscope.bpf.PercpuHashReader;
import dev.dropscope.btf.Btf;
import dev.dropscope.btf.KernelBtf;
import dev.dropscope.btf.SkbBtf;
import dev.dropscope.perf.TracepointFormat;
import dev.dropscope.perf.Tracefs;
import dev.dropscope.sys.Fd;
import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Drops counted in the kernel by an eBPF program on {@code skb:kfree_skb}: the program adds one to a
 * per-CPU counter keyed by (location, reason) and returns, so a drop costs about what counting the
 * tracepoint costs, and nothing wakes us. {@link #poll} reads the map and reports what each counter
 * gained since the last read, per CPU; a caller that says when its next report is due
 * ({@link #poll(DropSink, int, long)}) gets one read per report, not one per wake-up. A read allocates
 * nothing once every site has been seen. The map holds {@link #MAP_CAPACITY} distinct sites; a drop at
 * a new site when it is full is counted as lost (never silently evicted, as an LRU map would).
 *
 * <p>With the kernel's BTF the summary key also holds the drop's interface and network namespace
 * ({@link DropPrograms#summary(DropPrograms.Layout, SkbBtf.Identity, int, int)}), and the program can run on
 * the raw tracepoint ({@link Attach#RAW_TRACEPOINT}), which skips the building of the trace record. Without
 * BTF, or when the verifier refuses the identity program, today's program runs on the perf-event attach and
 * {@link #identityUnknownWhy()} says why interfaces and namespaces are unknown.
 */
public final class EbpfMonitor implements DropMonitor {
    /** How the program is attached to skb:kfree_skb. */
    public enum Attach {
        /** A perf event carrying the program (PERF_EVENT_IOC_SET_BPF): the kernel builds the trace record first. */
        PERF_EVENT,
        /** BPF_RAW_TRACEPOINT_OPEN: the program gets the tracepoint's arguments; needs BTF for their order. */
        RAW_TRACEPOINT
    }

    /** Distinct (location, reason) pairs; a busy kernel shows a few hundred. */
    static final int MAP_CAPACITY = 10240;
    /** Sites our delta table starts with room for (it doubles as the map fills). */
    private static final int SEEN_INITIAL = 64;
    /** Longest sleep inside one poll. */
    static final int MAX_WAIT_MILLIS = 100;
    static final int BATCH_CHUNK = 1024;

    /** Packet mode ring: 4 MiB holds 70 ms of records at the 1.5 M drops/s these machines reach. */
    static final int RING_BYTES = 4 << 20;
    /** Packet mode drains this often: the program never wakes us (BPF_RB_NO_WAKEUP). */
    static final int RING_DRAIN_MILLIS = 10;

    private final Syscalls sys;
    private final List<Fd> objects;      // maps and program, closed after the event
    private final Fd lostMap;
    private final Fd event;
    private final DropReasons reasons;
    private final boolean hasReasons;
    private final String why;
    private final int[] cpus;
    private final PercpuHashReader reader;   // summary mode
    private final BpfRingBuffer ring;        // packet mode
    private final long epochOffsetNs;        // CLOCK_MONOTONIC -> epoch, for packet records
    private final Attach attach;
    private final boolean identity;          // the summary key holds ifindex and netns
    private final String identityWhyNot;     // null when identity is known
    private DropPrograms.Filter filter;       // what the program keeps (NONE: every drop), as its map holds it
    private final Fd[] filterMap;             // the filter's index and its two key sets; null without a filter
    private int filterInForce = 1;            // the key set in force (1 or 2)
    private final NativeBufferHolder lostIo;
    private final int capacity;
    private final SiteCounters seen;            // the counters at the last read, per site and CPU
    private final PercpuHashReader.Entry onEntry = this::entry;      // made once: a read allocates nothing
    private final BpfRingBuffer.Record onRecord = this::record;
    private final AtomicBoolean closed = new AtomicBoolean();
    private DropSink sink;
    private long readNs;
    private long reads;
    private long lostSeen;
    private long delivered;
    private int keys;

    /** Buffers for reading the one-entry lost counter array. */
    private static final class NativeBufferHolder {
        final NativeBuffer key = NativeBuffer.allocate(8);
        final NativeBuffer value;
        final NativeBuffer attr = Bpf.newAttr();

        NativeBufferHolder(int cpus) {
            value = NativeBuffer.allocate(8 * cpus);
        }
    }

    private EbpfMonitor(Syscalls sys, List<Fd> objects, Fd lostMap, Fd event, PercpuHashReader reader,
                        BpfRingBuffer ring, DropReasons reasons, boolean hasReasons, String why, int[] cpus,
                        int capacity, Attach attach, String identityWhyNot, DropPrograms.Filter filter,
                        Fd[] filterMap) {
        this.sys = sys;
        this.filter = filter;
        this.filterMap = filter.keepsAll() ? null : filterMap;
        this.attach = attach;
        this.identity = identityWhyNot == null;
        this.identityWhyNot = identityWhyNot;
        this.objects = objects;
        this.lostMap = lostMap;
        this.event = event;
        this.reader = reader;
        this.ring = ring;
        this.reasons = reasons;
        this.hasReasons = hasReasons;
        this.why = why;
        this.cpus = cpus;
        this.capacity = capacity;
        this.seen = new SiteCounters(cpus.length, SEEN_INITIAL);
        this.lostIo = new NativeBufferHolder(cpus.length);
        this.epochOffsetNs = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    }

    /** Where location, reason and protocol are on this kernel, from the event's format file. */
    public static DropPrograms.Layout layout(TracepointFormat f) throws IOException {
        TracepointFormat.Field location = f.field("location")
                .orElseThrow(() -> new IOException("skb:kfree_skb on this kernel has no 'location' field"));
        TracepointFormat.Field protocol = f.field("protocol")
                .orElseThrow(() -> new IOException("skb:kfree_skb on this kernel has no 'protocol' field"));
        var reason = f.field("reason");
        return new DropPrograms.Layout(location.offset(), reason.map(TracepointFormat.Field::offset).orElse(-1),
                reason.map(TracepointFormat.Field::size).orElse(0), protocol.offset(),
                f.field("skbaddr").filter(a -> a.size() == 8).map(TracepointFormat.Field::offset).orElse(-1));
    }

    /** Opens the summary source (batch map reads where the kernel has them) or packet mode, on the perf-event attach. */
    public static EbpfMonitor open(Syscalls sys, String why, boolean packetMode) throws IOException {
        return open(sys, why, packetMode, Attach.PERF_EVENT, true);
    }

    /**
     * @param attach   preferred attach for the summary (packet mode always uses the perf event)
     * @param identity read interface and namespace when BTF allows (false: today's key, for comparisons)
     */
    public static EbpfMonitor open(Syscalls sys, String why, boolean packetMode, Attach attach, boolean identity)
            throws IOException {
        return open(sys, why, packetMode, true, MAP_CAPACITY, attach, identity, KernelBtf.VMLINUX);
    }

    static EbpfMonitor open(Syscalls sys, String why, boolean packetMode, boolean batch) throws IOException {
        return open(sys, why, packetMode, batch, MAP_CAPACITY);
    }

    /** @param capacity distinct sites the summary map holds (tests fill a small one) */
    static EbpfMonitor open(Syscalls sys, String why, boolean packetMode, boolean batch, int capacity)
            throws IOException {
        return open(sys, why, packetMode, batch, capacity, Attach.PERF_EVENT, true, KernelBtf.VMLINUX);
    }

    /** One way to run the summary: an attach, with or without identity. */
    private record Plan(Attach attach, SkbBtf.Identity identity, DropPrograms.Layout layout) {
    }

    /**
     * Reads the event's format (through tracefs, unmounted again at once if we mounted it) and, for the
     * summary, the kernel's BTF from {@code btfFile}; creates the maps, loads the program and attaches it.
     * The summary tries, in order: the preferred attach with identity, the perf-event attach with identity,
     * then both without; the first that loads and attaches runs, and the first failure is the reason
     * identity is unknown. Everything made is closed again if no plan works.
     *
     * @param batch summary mode: read the map with BPF_MAP_LOOKUP_BATCH where it works (false: get-next-key)
     */
    static EbpfMonitor open(Syscalls sys, String why, boolean packetMode, boolean batch, int capacity,
                            Attach attach, boolean identity, Path btfFile) throws IOException {
        return open(sys, why, packetMode, batch, capacity, attach, identity, btfFile, null);
    }

    /** Packet mode's capture: {@code --trunc} bytes, 128 when not given, at most {@link DropPrograms#MAX_CAPTURE} (also for 0, "all"). */
    static int captureBytes(Integer trunc) {
        return trunc == null ? DEFAULT_CAPTURE : trunc == 0 ? DropPrograms.MAX_CAPTURE
                : Math.min(trunc, DropPrograms.MAX_CAPTURE);
    }

    /** Packet mode's capture when --trunc is not given. */
    public static final int DEFAULT_CAPTURE = 128;

    /**
     * Opens the source with packet mode's capture of {@code trunc} bytes ({@link #captureBytes}).
     */
    public static EbpfMonitor open(Syscalls sys, String why, boolean packetMode, Attach attach, boolean identity,
                                   Integer trunc) throws IOException {
        return open(sys, why, packetMode, true, MAP_CAPACITY, attach, identity, KernelBtf.VMLINUX, trunc);
    }

    static EbpfMonitor open(Syscalls sys, String why, boolean packetMode, boolean batch, int capacity,
                            Attach attach, boolean identity, Path btfFile, Integer trunc) throws IOException {
        return open(sys, why, packetMode, batch, capacity, attach, identity, btfFile, trunc, DropPrograms.Filter.NONE);
    }

    /**
     * As {@link #open(Syscalls, String, boolean, Attach, boolean, Integer)}, the identity programs counting
     * or capturing only the drops {@code filter} keeps ({@link #kernelFilter()} says whether it runs: not
     * where identity is unknown, so callers filter in user space as well).
     */
    public static EbpfMonitor open(Syscalls sys, String why, boolean packetMode, Attach attach, boolean identity,
                                   Integer trunc, DropPrograms.Filter filter) throws IOException {
        return open(sys, why, packetMode, true, MAP_CAPACITY, attach, identity, KernelBtf.VMLINUX, trunc, filter);
    }

    static EbpfMonitor open(Syscalls sys, String why, boolean packetMode, boolean batch, int capacity,
                            Attach attach, boolean identity, Path btfFile, Integer trunc, DropPrograms.Filter filter)
            throws IOException {
        TracepointFormat f;
        try (Tracefs tracefs = Tracefs.open(sys, Path.of("/"))) {
            f = tracefs.readFormat("skb", "kfree_skb");
        }
        DropPrograms.Layout layout = layout(f);
        int[] possible = CpuList.queryPossible(Path.of("/sys"));
        int[] online = CpuList.queryOnline(Path.of("/sys"));
        DropReasons reasons = new DropReasons(f.symbols("reason"));
        List<Fd> made = new ArrayList<>();
        BpfRingBuffer ring = null;
        Fd event = null;
        try {
            Fd lost = keep(made, Bpf.createMap(sys, BpfConstants.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1,
                    "dropscope_lost"));
            // the filter's keys live in a map the program looks up, so they can change while it runs
            Fd[] filterMap = null;
            DropPrograms.FilterMaps filterFd = DropPrograms.FilterMaps.NONE;
            if (!filter.keepsAll() && identity) {
                filterMap = new Fd[] {
                    keep(made, Bpf.createMap(sys, BpfConstants.BPF_MAP_TYPE_ARRAY, 4, DropPrograms.FILTER_INDEX_SIZE, 1,
                            "dropscope_fidx")),
                    keep(made, Bpf.createMap(sys, BpfConstants.BPF_MAP_TYPE_ARRAY, 4, DropPrograms.FILTER_VALUE_SIZE, 1,
                            "dropscope_filt1")),
                    keep(made, Bpf.createMap(sys, BpfConstants.BPF_MAP_TYPE_ARRAY, 4, DropPrograms.FILTER_VALUE_SIZE, 1,
                            "dropscope_filt2"))};
                writeFilter(sys, filterMap, 1, filter);
                filterFd = new DropPrograms.FilterMaps(filterMap[0].get(), filterMap[1].get(), filterMap[2].get());
            }
            if (packetMode) {
                Fd rb = keep(made, BpfRingBuffer.create(sys, RING_BYTES, "dropscope_ring"));
                ring = BpfRingBuffer.map(sys, rb, RING_BYTES, pageSize());
                // with BTF: identity and the packet's first bytes; else (or if the verifier refuses it) today's record
                String whyNot = identity ? null : "turned off";
                Fd prog = null;
                if (identity) {
                    try {
                        if (layout.skbOffset() < 0) {
                            throw new IOException("skb:kfree_skb on this kernel has no 8-byte 'skbaddr' field");
                        }
                        Btf btf = KernelBtf.load(btfFile);
                        byte[] code = DropPrograms.capture(layout, SkbBtf.identity(btf), SkbBtf.headers(btf),
                                SkbBtf.data(btf), captureBytes(trunc), filter.by(), filterFd, rb.get(), lost.get())
                                .assemble();
                        prog = Bpf.loadProgram(sys, BpfConstants.BPF_PROG_TYPE_TRACEPOINT, code, "GPL",
                                "dropscope_pkt");
                    } catch (IOException e) {
                        whyNot = firstLine(e);
                    }
                }
                if (prog == null) {
                    byte[] code = DropPrograms.packet(layout, rb.get(), lost.get()).assemble();
                    // GPL: bpf_ringbuf_output and bpf_ktime_get_ns are GPL-only helpers
                    prog = Bpf.loadProgram(sys, BpfConstants.BPF_PROG_TYPE_TRACEPOINT, code, "GPL", "dropscope_pkt");
                }
                keep(made, prog);
                // from here on the program is attached: every failure below must detach it again
                event = Bpf.attachTracepoint(sys, (int) f.id(), prog, online[0]);
                EbpfMonitor m = new EbpfMonitor(sys, made, lost, event, null, ring, reasons,
                        layout.reasonOffset() >= 0, why, possible, capacity, Attach.PERF_EVENT, whyNot,
                        whyNot == null ? filter : DropPrograms.Filter.NONE, filterMap);
                // one read of the lost counter now: a map we may create but not read (an LSM, a seccomp
                // policy) fails here, where --source auto can still fall back, not at the first report
                m.readLost();
                return m;
            }
            List<Plan> plans = new ArrayList<>();
            String identityWhyNot = null;
            SkbBtf.Identity id = null;
            DropPrograms.Layout raw = null;
            Btf btf = null;
            try {
                btf = KernelBtf.load(btfFile);
            } catch (IOException e) {
                identityWhyNot = "no usable BTF: " + e.getMessage();
            }
            if (btf != null && identity) {
                try {
                    id = SkbBtf.identity(btf);
                } catch (IOException e) {
                    identityWhyNot = e.getMessage();
                }
            } else if (!identity) {
                identityWhyNot = "turned off";
            }
            if (btf != null && attach == Attach.RAW_TRACEPOINT) {
                try {
                    raw = DropPrograms.Layout.rawTracepoint(SkbBtf.kfreeSkbArgs(btf));
                } catch (IOException e) {
                    // the perf-event attach needs no prototype: it runs instead
                }
            }
            if (id != null && layout.skbOffset() < 0 && raw == null) {
                identityWhyNot = "skb:kfree_skb on this kernel has no 8-byte 'skbaddr' field";
                id = null;
            }
            for (SkbBtf.Identity i : id == null ? Collections.<SkbBtf.Identity>singletonList(null)
                    : Arrays.asList(id, null)) {
                if (raw != null) {
                    plans.add(new Plan(Attach.RAW_TRACEPOINT, i, raw));
                }
                if (i == null || layout.skbOffset() >= 0) {
                    plans.add(new Plan(Attach.PERF_EVENT, i, layout));
                }
            }
            IOException first = null;
            for (Plan plan : plans) {
                List<Fd> mine = new ArrayList<>();
                Fd attached = null;
                try {
                    int keySize = plan.identity() != null ? DropPrograms.IDENTITY_KEY_SIZE : DropPrograms.KEY_SIZE;
                    Fd counts = keep(mine, Bpf.createMap(sys, BpfConstants.BPF_MAP_TYPE_PERCPU_HASH, keySize,
                            DropPrograms.VALUE_SIZE, capacity, "dropscope_drops"));
                    byte[] code = (plan.identity() != null
                            ? DropPrograms.summary(plan.layout(), plan.identity(), filter.by(), filterFd, counts.get(),
                                    lost.get())
                            : DropPrograms.summary(plan.layout(), counts.get(), lost.get())).assemble();
                    // GPL: bpf_probe_read_kernel is a GPL-only helper
                    boolean rawTp = plan.attach() == Attach.RAW_TRACEPOINT;
                    Fd prog = keep(mine, Bpf.loadProgram(sys, rawTp ? BpfConstants.BPF_PROG_TYPE_RAW_TRACEPOINT
                            : BpfConstants.BPF_PROG_TYPE_TRACEPOINT, code, "GPL", "dropscope_sum"));
                    // from here on the program is attached: every failure below must detach it again
                    attached = rawTp ? Bpf.attachRawTracepoint(sys, "kfree_skb", prog)
                            : Bpf.attachTracepoint(sys, (int) f.id(), prog, online[0]);
                    PercpuHashReader reader = new PercpuHashReader(sys, counts, keySize, possible.length, BATCH_CHUNK,
                            batch);
                    String whyNot = plan.identity() != null ? null : identityWhyNot != null ? identityWhyNot
                            : "the identity program did not load: " + firstLine(first);
                    List<Fd> objects = new ArrayList<>(made);
                    objects.addAll(mine);
                    EbpfMonitor m = new EbpfMonitor(sys, objects, lost, attached, reader, null, reasons,
                            plan.layout().reasonOffset() >= 0, why, possible, capacity, plan.attach(), whyNot,
                            plan.identity() != null ? filter : DropPrograms.Filter.NONE, filterMap);
                    made.addAll(mine);
                    event = attached;
                    // as in packet mode: an unreadable map fails here, where auto can still fall back; this is
                    // no reason to try another program, so it fails the open (the outer catch detaches)
                    m.readLost();
                    return m;
                } catch (IOException | RuntimeException e) {
                    if (event != null) {
                        throw e;
                    }
                    release(attached, null, mine);
                    if (e instanceof RuntimeException r) {
                        throw r;
                    }
                    if (first == null) {
                        first = (IOException) e;
                    }
                    if (plans.indexOf(plan) == plans.size() - 1) {
                        throw (IOException) e;
                    }
                }
            }
            throw new IOException("no eBPF program to try"); // plans always hold the perf-event plan without identity
        } catch (Throwable e) {
            release(event, ring, made);
            throw e;
        }
    }

    /** Detaches first (closing the perf event), then unmaps the ring and closes program and maps, newest first. */
    private static void release(Fd event, BpfRingBuffer ring, List<Fd> objects) {
        try {
            if (event != null) {
                event.close();
            }
        } finally {
            if (ring != null) {
                ring.close();
            }
            for (int i = objects.size() - 1; i >= 0; i--) {
                objects.get(i).close();
            }
        }
    }

    private static String firstLine(IOException e) {
        String m = e == null || e.getMessage() == null ? "?" : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** The kernel's page size (the ring's mmap offsets are in pages), from our own first mapping in smaps. */
    static int pageSize() throws IOException {
        try (BufferedReader r = Files.newBufferedReader(Path.of("/proc/self/smaps"))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("KernelPageSize:")) {
                    return Integer.parseInt(line.replaceAll("\\D", "")) * 1024;
                }
            }
        }
        throw new IOException("/proc/self/smaps gives no KernelPageSize");
    }

    private static Fd keep(List<Fd> made, Fd fd) {
        made.add(fd);
        return fd;
    }

    @Override
    public String source() {
        return "ebpf";
    }

    @Override
    public String why() {
        return why;
    }

    /** How the program is attached. */
    public Attach attach() {
        return attach;
    }

    /** The drops the running program keeps: {@link DropPrograms.Filter#NONE} when it keeps all. */
    public synchronized DropPrograms.Filter kernelFilter() {
        return filter;
    }

    /**
     * Makes the running program keep what {@code next} keeps: writes its keys into the key set not in force,
     * then switches to it (call after a read, so what was counted under a removed key has been delivered). The filter's kind ({@link DropPrograms.Filter#by()}) is the program's and cannot change;
     * a monitor without a filter (also one whose identity is unknown) ignores the call.
     */
    public synchronized void updateFilter(DropPrograms.Filter next) throws IOException {
        if (filterMap == null || closed.get()) {
            return;
        }
        if (next.by() != filter.by()) {
            throw new IllegalArgumentException("the program filters by " + filter.by() + ", not " + next.by());
        }
        if (next.equals(filter)) {
            return; // the usual report: nothing changed, nothing written
        }
        int other = 3 - filterInForce;
        writeFilter(sys, filterMap, other, next);
        filter = next;
        filterInForce = other;
    }

    /**
     * Writes {@code f}'s keys whole into key set {@code slot} (1 or 2, {@code maps[slot]}), then makes it the
     * one in force ({@code maps[0]}), so the program never reads a half-written filter.
     */
    private static void writeFilter(Syscalls sys, Fd[] maps, int slot, DropPrograms.Filter f) throws NativeIoException {
        NativeBuffer key = NativeBuffer.allocate(8);
        NativeBuffer value = NativeBuffer.allocate(DropPrograms.FILTER_VALUE_SIZE);
        NativeBuffer attr = Bpf.newAttr();
        ByteBuffer v = value.buffer();
        v.putInt(0, f.keys().size());
        int at = DropPrograms.FILTER_KEYS;
        for (DropPrograms.Filter.Key k : f.keys()) {
            v.putInt(at + DropPrograms.FILTER_KEY_IFINDEX, k.ifindex());
            v.putInt(at + DropPrograms.FILTER_KEY_NETNS, (int) k.netns());
            at += 8;
        }
        NativeIoException.check("bpf(BPF_MAP_UPDATE_ELEM dropscope_filt" + slot + ")",
                Bpf.update(sys, maps[slot], key, value, BpfConstants.BPF_ANY, attr));
        NativeBuffer index = NativeBuffer.allocate(8);
        index.buffer().putInt(0, slot);
        NativeIoException.check("bpf(BPF_MAP_UPDATE_ELEM dropscope_fidx)",
                Bpf.update(sys, maps[0], key, index, BpfConstants.BPF_ANY, attr));
    }

    /** The keys in force in the kernel's filter maps, read back from them (tests); empty without a filter. */
    synchronized SortedSet<DropPrograms.Filter.Key> filterMapKeys() throws IOException {
        SortedSet<DropPrograms.Filter.Key> keys = new TreeSet<>();
        if (filterMap == null) {
            return keys;
        }
        NativeBuffer key = NativeBuffer.allocate(8);
        NativeBuffer value = NativeBuffer.allocate(DropPrograms.FILTER_VALUE_SIZE);
        NativeBuffer attr = Bpf.newAttr();
        NativeIoException.check("bpf(BPF_MAP_LOOKUP_ELEM dropscope_fidx)", Bpf.lookup(sys, filterMap[0], key, 0, value, 0, attr));
        int slot = value.buffer().getInt(0);
        NativeIoException.check("bpf(BPF_MAP_LOOKUP_ELEM dropscope_filt)", Bpf.lookup(sys, filterMap[slot], key, 0, value, 0, attr));
        ByteBuffer b = value.buffer();
        for (int i = 0; i < b.getInt(0); i++) {
            int at = DropPrograms.FILTER_KEYS + 8 * i;
            keys.add(new DropPrograms.Filter.Key(Integer.toUnsignedLong(b.getInt(at + DropPrograms.FILTER_KEY_NETNS)),
                    b.getInt(at + DropPrograms.FILTER_KEY_IFINDEX)));
        }
        return keys;
    }

    /** Null when each drop site carries its interface and network namespace; else why not, for the user. */
    @Override
    public String identityUnknownWhy() {
        return identityWhyNot == null ? null : "interfaces and namespaces are unknown: " + identityWhyNot;
    }

    @Override
    public boolean hasReasons() {
        return hasReasons;
    }

    @Override
    public DropReasons reasons() {
        return reasons;
    }

    @Override
    public long poll(DropSink sink, int timeoutMillis) throws IOException {
        return poll(sink, timeoutMillis, 0);
    }

    /**
     * Summary mode reads the map only in the wait that reaches the caller's report: counting costs the
     * kernel the same whether we read or not, and each read walks the whole hash table (every bucket of
     * {@link #MAP_CAPACITY}). Packet mode drains the ring every {@link #RING_DRAIN_MILLIS} regardless.
     */
    @Override
    public long poll(DropSink sink, int timeoutMillis, long reportInMillis) throws IOException {
        int wait = Math.min(timeoutMillis, ring != null ? RING_DRAIN_MILLIS : MAX_WAIT_MILLIS);
        DropMonitor.failIfInterrupted();
        if (wait > 0) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                DropMonitor.failIfInterrupted();
            }
        }
        if (ring == null && reportInMillis > wait) {
            return 0; // the report is not due in this wait: the counts keep in the kernel
        }
        return collect(sink, wait > 0 ? ringBudgetNs : 0);
    }

    /**
     * Packet mode: the most ns one timed poll spends delivering ring records (2 ms per {@link #RING_DRAIN_MILLIS}
     * drain: the reader's share of a core stays near a sixth, which on a small machine is CPU the dropping
     * workload keeps); {@code DROPSCOPE_RING_BUDGET_US} sets another, 0 none. What a poll leaves stays in the
     * ring for the next; when the ring is full the program counts new records lost (bpf_ring_lost): nothing
     * is dropped unseen. The last poll ({@link #finish}, timeout 0) drains everything.
     */
    static final long RING_DRAIN_BUDGET_NS = ringBudgetNs(System.getenv("DROPSCOPE_RING_BUDGET_US"));

    /** This monitor's {@link #RING_DRAIN_BUDGET_NS} (tests set their own). */
    long ringBudgetNs = RING_DRAIN_BUDGET_NS;

    static long ringBudgetNs(String micros) {
        try {
            return micros == null ? 2_000_000L : Math.max(0, Long.parseLong(micros.trim()) * 1000);
        } catch (NumberFormatException e) {
            return 2_000_000L;
        }
    }

    /** Delivers what happened since the last call: counter gains (summary) or the ring's records (packet). */
    synchronized long collect(DropSink out) throws IOException {
        return collect(out, 0);
    }

    private synchronized long collect(DropSink out, long budgetNs) throws IOException {
        if (closed.get()) {
            return 0;
        }
        long before = delivered;
        sink = out;
        if (ring != null) {
            if (budgetNs <= 0) {
                ring.drain(onRecord);
            } else {
                long end = System.nanoTime() + budgetNs;
                while (ring.drain(onRecord, 256) == 256 && System.nanoTime() < end) {
                    // a batch at a time, then the clock
                }
            }
        } else {
            readNs = System.nanoTime();
            keys = reader.read(onEntry);
            reads++;
        }
        long lost = readLost();
        if (lost > lostSeen) {
            out.onLost(lost - lostSeen);
            lostSeen = lost;
        }
        return delivered - before;
    }

    /** One map entry: delivers what each CPU's counter gained since the last read. */
    private void entry(ByteBuffer k, int ko, ByteBuffer v, int vo) {
        long location = k.getLong(ko + DropPrograms.KEY_LOCATION);
        int reason = k.getInt(ko + DropPrograms.KEY_REASON);
        int ifindex = identity ? k.getInt(ko + DropPrograms.KEY_IFINDEX) : -1;
        int netns = identity ? k.getInt(ko + DropPrograms.KEY_NETNS) : 0;
        int base = seen.site(location, reason, ifindex, netns) * cpus.length;
        long[] prev = seen.counts();
        for (int i = 0; i < cpus.length; i++) {
            long c = v.getLong(vo + 8 * i);
            if (c != prev[base + i]) {
                sink.onDrops(location, reason, DropOrigin.SOFTWARE, ifindex, Integer.toUnsignedLong(netns), cpus[i],
                        readNs, c - prev[base + i]);
                delivered += c - prev[base + i];
                prev[base + i] = c;
            }
        }
    }

    /** Summary mode: how many times the map was read (tests: one per report). */
    synchronized long mapReads() {
        return reads;
    }

    private void record(ByteBuffer b, int off, int length) {
        if (length >= DropPrograms.RECORD_BYTES) {
            captureRecord(b, off, length);
            return;
        }
        if (length < DropPrograms.RECORD_SIZE) {
            return;
        }
        long location = b.getLong(off + DropPrograms.RECORD_LOCATION);
        long timeNs = b.getLong(off + DropPrograms.RECORD_TIME);
        int reason = b.getInt(off + DropPrograms.RECORD_REASON);
        int protocol = Short.toUnsignedInt(b.getShort(off + DropPrograms.RECORD_PROTOCOL));
        int cpu = b.getInt(off + DropPrograms.RECORD_CPU);
        sink.onDrops(location, reason, DropOrigin.SOFTWARE, -1, cpu, timeNs, 1);
        sink.onPacket(DropPacket.software(timeNs + epochOffsetNs, location,
                reason == DropReasons.UNKNOWN ? null : reasons.name(reason), -1, DropPacket.Payload.protocolOnly(protocol),
                DropPacket.Tuple.NONE));
        delivered++;
    }

    /** A {@link DropPrograms#capture} record: identity, the packet's first bytes, its 5-tuple from them. */
    private void captureRecord(ByteBuffer b, int off, int length) {
        long location = b.getLong(off + DropPrograms.RECORD_LOCATION);
        long timeNs = b.getLong(off + DropPrograms.RECORD_TIME);
        int reason = b.getInt(off + DropPrograms.RECORD_REASON);
        int protocol = Short.toUnsignedInt(b.getShort(off + DropPrograms.RECORD_PROTOCOL));
        int cpu = b.getInt(off + DropPrograms.RECORD_CPU);
        int ifindex = b.getInt(off + DropPrograms.RECORD_IFINDEX);
        long netns = Integer.toUnsignedLong(b.getInt(off + DropPrograms.RECORD_NETNS));
        long wire = Integer.toUnsignedLong(b.getInt(off + DropPrograms.RECORD_WIRE_LENGTH));
        int start = b.getInt(off + DropPrograms.RECORD_START);
        sink.onDrops(location, reason, DropOrigin.SOFTWARE, ifindex, netns, cpu, timeNs, 1);
        // a length beyond the largest skb means the header offsets did not describe this packet
        boolean sane = start != DropPrograms.START_UNREAD && wire > 0 && wire <= MAX_SKB_LENGTH;
        int captured = sane ? (int) Math.min(wire, length - DropPrograms.RECORD_BYTES) : 0;
        byte[] bytes = new byte[captured];
        b.get(off + DropPrograms.RECORD_BYTES, bytes);
        DropPacket.Start from = start == DropPrograms.START_NETWORK ? DropPacket.Start.NETWORK : DropPacket.Start.MAC;
        ByteBuffer view = ByteBuffer.wrap(bytes);
        PacketHeaders h = captured == 0 ? null : from == DropPacket.Start.MAC
                ? PacketHeaders.decodeEthernet(view, 0, captured, protocol)
                : PacketHeaders.decodeFromNetwork(view, 0, captured, protocol);
        DropPacket.Tuple tuple = h == null ? DropPacket.Tuple.NONE : new DropPacket.Tuple(h.l4Name(),
                h.source() == null ? null : h.source().getHostAddress(),
                h.destination() == null ? null : h.destination().getHostAddress(), h.sourcePort(), h.destinationPort());
        sink.onPacket(DropPacket.software(timeNs + epochOffsetNs, location,
                reason == DropReasons.UNKNOWN ? null : reasons.name(reason), ifindex,
                new DropPacket.Payload(protocol, captured, sane ? (int) wire : -1, h == null ? -1 : h.vlanId()), tuple)
                .with(netns, new DropPacket.Capture(bytes, from)));
        delivered++;
    }

    /** GSO packets reach 64 KiB plus headers; BIG TCP up to 512 KiB. */
    private static final long MAX_SKB_LENGTH = 1 << 20;

    private long readLost() throws NativeIoException {
        NativeBufferHolder io = lostIo;
        io.key.buffer().putInt(0, 0);
        NativeIoException.check("bpf(BPF_MAP_LOOKUP_ELEM dropscope_lost)",
                Bpf.lookup(sys, lostMap, io.key, 0, io.value, 0, io.attr));
        long sum = 0;
        ByteBuffer b = io.value.buffer();
        for (int i = 0; i < cpus.length; i++) {
            sum += b.getLong(8 * i);
        }
        return sum;
    }

    /** Under the lock {@link #collect} holds: another thread (a serve scrape) sees one read's values. */
    @Override
    public synchronized Map<String, Long> health() {
        Map<String, Long> m = new LinkedHashMap<>();
        if (ring != null) {
            m.put("bpf_ring_bytes", (long) RING_BYTES);
            m.put("bpf_ring_lost", lostSeen);
        } else {
            m.put("bpf_sites", (long) keys);
            m.put("bpf_site_capacity", (long) capacity);
            m.put("bpf_lost_map_full", lostSeen);
            m.put("bpf_batch_reads", reader.batched() ? 1L : 0L);
        }
        return m;
    }

    /** Detaches (closing the perf event), then frees the ring mapping, the program and the maps. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        release(event, ring, objects);
    }
}
