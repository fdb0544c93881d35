package dev.dropscope.procfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The kernel's symbol table from {@code /proc/kallsyms}, loaded once, answering "which function is this
 * address in" the way the kernel's own {@code %pS} does: {@code symbol+0xoff/0xsize [module]}.
 *
 * <p>Only text symbols (types t, T, w, W) are kept, since a drop location is always a return address in
 * code; an address that falls in data or in no symbol gets no answer. The table is held in parallel
 * primitive arrays sorted by address plus one byte array of names, about 30 bytes per function, so the
 * 100-170 k symbols of a distribution kernel cost a few MB.
 *
 * <p>The size rule follows the kernel, because the printed size is part of what users compare:
 * <ul>
 *   <li>core kernel ({@code kallsyms_lookup_size_offset}, {@code get_symbol_pos}): the next symbol of
 *       any type with a higher address; of several symbols at one address the first in table order wins;
 *   <li>modules ({@code find_kallsyms_symbol}): the next symbol of any type of the same module with a
 *       higher address, but never past the end of the module's text. /proc/kallsyms does not give that
 *       end, so it is taken as the page boundary after the module's last text symbol (module memory is
 *       page-aligned with STRICT_MODULE_RWX, the x86-64 default); addresses past it get no symbol, as
 *       the kernel prints them as raw hex there too. The first symbol in the module's own order wins
 *       among aliases.
 * </ul>
 *
 * <p>When /proc/kallsyms shows every address as 0 (kptr_restrict, or a reader without CAP_SYSLOG), the
 * table is useless and {@link #state()} says so instead of mapping every address to the first symbol.
 */
public final class Kallsyms {
    /** Whether the table can be used. */
    public enum State {
        /** Real addresses: lookups work. */
        OK,
        /** The kernel printed every address as zero (kptr_restrict, or not root / no CAP_SYSLOG). */
        ADDRESSES_HIDDEN,
        /** No symbols at all (empty or unreadable file). */
        EMPTY
    }

    /** One answer: the function {@code name} containing {@code address}, in {@code module} (null = core). */
    public record Symbol(String name, long address, long offset, long size, String module) {
        /** Address of the symbol's first byte. */
        public long start() {
            return address - offset;
        }

        /** The kernel's {@code %pS} text: {@code name+0xoff/0xsize [module]}. */
        public String format() {
            String s = name + "+0x" + Long.toHexString(offset) + "/0x" + Long.toHexString(size);
            return module == null ? s : s + " [" + module + "]";
        }

        @Override
        public String toString() {
            return format();
        }
    }

    /** Page size used for the module text end; see the class comment. */
    private static final long MODULE_PAGE = 4096;

    private final State state;
    private final long[] starts;   // sorted ascending (unsigned)
    // The exclusive end of each symbol, per the kernel's size rule, is nearly always the next kept symbol's
    // start: only the exceptions are stored (a module's last function, code before data), which halves
    // the table's addresses (1 MiB of a long-running serve's heap).
    private final int[] otherEndAt;  // ascending indices whose end is not the next start
    private final long[] otherEnd;   // their ends
    private final int[] nameOffsets;
    private final byte[] names;    // all kept names, back to back (ASCII)
    private final short[] moduleIds; // -1 = core kernel
    private final String[] modules;
    private final int lineCount;

    private Kallsyms(State state, long[] starts, long[] ends, int[] nameOffsets, byte[] names,
                     short[] moduleIds, String[] modules, int lineCount) {
        this.state = state;
        this.starts = starts;
        int others = 0;
        for (int i = 0; i < starts.length; i++) {
            if (i + 1 == starts.length || ends[i] != starts[i + 1]) {
                others++;
            }
        }
        this.otherEndAt = new int[others];
        this.otherEnd = new long[others];
        int k = 0;
        for (int i = 0; i < starts.length; i++) {
            if (i + 1 == starts.length || ends[i] != starts[i + 1]) {
                otherEndAt[k] = i;
                otherEnd[k++] = ends[i];
            }
        }
        this.nameOffsets = nameOffsets;
        this.names = names;
        this.moduleIds = moduleIds;
        this.modules = modules;
        this.lineCount = lineCount;
    }

    /** Reads {@code <procRoot>/kallsyms} (procRoot is normally {@code /proc}). */
    public static Kallsyms query(Path procRoot) throws IOException {
        return parse(Files.readAllBytes(procRoot.resolve("kallsyms")));
    }

    /** Parses the text of /proc/kallsyms. Malformed lines are skipped. */
    public static Kallsyms parse(byte[] text) {
        Lines lines = Lines.scan(text);
        int n = lines.count;
        if (n == 0) {
            return empty(State.EMPTY, 0);
        }
        boolean allZero = true;
        for (int i = 0; i < n && allZero; i++) {
            allZero = lines.addr[i] == 0;
        }
        if (allZero) {
            return empty(State.ADDRESSES_HIDDEN, n);
        }

        // Sort each region (core = -1, then each module) by address, ties in file order: the kernel
        // names an address after the first alias in its table order.
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        sortIndices(order, lines.module, lines.addr);

        int kept = 0;
        long[] starts = new long[n];
        long[] ends = new long[n];
        int[] nameIdx = new int[n];
        int regionStart = 0;
        while (regionStart < n) {
            int region = lines.module[order[regionStart]];
            int regionEnd = regionStart;
            long lastText = 0;
            boolean anyText = false;
            while (regionEnd < n && lines.module[order[regionEnd]] == region) {
                int li = order[regionEnd];
                if (isText(lines.type[li])) {
                    lastText = lines.addr[li];
                    anyText = true;
                }
                regionEnd++;
            }
            long textEnd = region >= 0 && anyText ? roundUpPage(lastText + 1) : 0;
            boolean keptAny = false;
            long lastKept = 0;
            for (int k = regionStart; k < regionEnd; k++) {
                int li = order[k];
                long a = lines.addr[li];
                if (!isText(lines.type[li]) || (keptAny && lastKept == a)) {
                    continue; // not code, or a later alias of a function we have
                }
                keptAny = true;
                lastKept = a;
                long end = 0;
                for (int j = k + 1; j < regionEnd; j++) {
                    long b = lines.addr[order[j]];
                    if (Long.compareUnsigned(b, a) > 0) {
                        end = b;
                        break;
                    }
                }
                if (region >= 0 && (end == 0 || Long.compareUnsigned(end, textEnd) > 0)) {
                    end = textEnd;
                }
                if (end == 0) {
                    end = a + 1; // the very last core symbol: the kernel would use _etext/_end
                }
                starts[kept] = a;
                ends[kept] = end;
                nameIdx[kept] = li;
                kept++;
            }
            regionStart = regionEnd;
        }

        // Merge the regions into one address order (they do not overlap).
        int[] merged = new int[kept];
        for (int i = 0; i < kept; i++) {
            merged[i] = i;
        }
        short[] zeroRegions = new short[kept];
        sortIndices(merged, zeroRegions, starts);

        long[] s = new long[kept];
        long[] e = new long[kept];
        int[] off = new int[kept];
        short[] mod = new short[kept];
        int totalName = 0;
        for (int i = 0; i < kept; i++) {
            totalName += lines.nameLen[nameIdx[merged[i]]];
        }
        byte[] blob = new byte[totalName];
        int pos = 0;
        for (int i = 0; i < kept; i++) {
            int k = merged[i];
            int li = nameIdx[k];
            s[i] = starts[k];
            e[i] = ends[k];
            off[i] = pos;
            System.arraycopy(text, lines.nameStart[li], blob, pos, lines.nameLen[li]);
            pos += lines.nameLen[li];
            mod[i] = lines.module[li];
        }
        return new Kallsyms(State.OK, s, e, off, blob, mod, lines.moduleNames.toArray(new String[0]), n);
    }

    private static Kallsyms empty(State state, int lineCount) {
        return new Kallsyms(state, new long[0], new long[0], new int[0], new byte[0], new short[0],
                new String[0], lineCount);
    }

    public State state() {
        return state;
    }

    /** Text symbols kept for lookups. */
    public int size() {
        return starts.length;
    }

    /** Lines read from the file, all types. */
    public int lineCount() {
        return lineCount;
    }

    /** The function containing {@code address}, or null (no text symbol there, or addresses hidden). */
    public Symbol symbolize(long address) {
        int i = floor(address);
        if (i < 0) {
            return null;
        }
        long end = end(i);
        if (Long.compareUnsigned(address, end) >= 0) {
            return null;
        }
        int nameEnd = i + 1 < nameOffsets.length ? nameOffsets[i + 1] : names.length;
        String name = new String(names, nameOffsets[i], nameEnd - nameOffsets[i], StandardCharsets.ISO_8859_1);
        String module = moduleIds[i] < 0 ? null : modules[moduleIds[i]];
        return new Symbol(name, address, address - starts[i], end - starts[i], module);
    }

    private long end(int i) {
        int x = Arrays.binarySearch(otherEndAt, i);
        return x >= 0 ? otherEnd[x] : starts[i + 1];
    }

    /** What {@code %pS} prints: the symbol, or {@code 0x<hex>} when there is none. */
    public String format(long address) {
        Symbol s = symbolize(address);
        return s != null ? s.format() : "0x" + Long.toHexString(address);
    }

    /** Start address of the first text symbol called {@code name} (core before modules), or empty. */
    public OptionalLong addressOf(String name) {
        byte[] want = name.getBytes(StandardCharsets.ISO_8859_1);
        long best = 0;
        boolean found = false;
        for (int i = 0; i < starts.length; i++) {
            int nameEnd = i + 1 < nameOffsets.length ? nameOffsets[i + 1] : names.length;
            if (nameEnd - nameOffsets[i] == want.length
                    && Arrays.equals(names, nameOffsets[i], nameEnd, want, 0, want.length)) {
                if (moduleIds[i] < 0) {
                    return OptionalLong.of(starts[i]);
                }
                if (!found) {
                    best = starts[i];
                    found = true;
                }
            }
        }
        return found ? OptionalLong.of(best) : OptionalLong.empty();
    }

    /** Index of the last symbol starting at or below {@code address}, or -1. */
    private int floor(long address) {
        int lo = 0;
        int hi = starts.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(starts[mid], address) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    private static boolean isText(byte type) {
        return type == 't' || type == 'T' || type == 'w' || type == 'W';
    }

    private static long roundUpPage(long a) {
        return (a + MODULE_PAGE - 1) & -MODULE_PAGE;
    }

    /**
     * Sorts {@code idx} by (region, unsigned address, index) with a merge sort: no boxing. Runs that are
     * already in order are not merged, so the mostly sorted file costs about one comparison per line.
     */
    private static void sortIndices(int[] idx, short[] region, long[] addr) {
        int[] tmp = new int[idx.length];
        for (int width = 1; width < idx.length; width <<= 1) {
            for (int lo = 0; lo < idx.length - width; lo += width << 1) {
                int mid = lo + width;
                int hi = Math.min(lo + (width << 1), idx.length);
                if (compare(idx[mid - 1], idx[mid], region, addr) <= 0) {
                    continue; // the two runs are already in order (the core table is sorted): nothing to merge
                }
                int a = lo;
                int b = mid;
                int t = lo;
                while (a < mid && b < hi) {
                    tmp[t++] = compare(idx[a], idx[b], region, addr) <= 0 ? idx[a++] : idx[b++];
                }
                while (a < mid) {
                    tmp[t++] = idx[a++];
                }
                while (b < hi) {
                    tmp[t++] = idx[b++];
                }
                System.arraycopy(tmp, lo, idx, lo, hi - lo);
            }
        }
    }

    private static int compare(int x, int y, short[] region, long[] addr) {
        // region -1 (core) first, then modules in order of appearance
        int c = Short.compare(region[x], region[y]);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(addr[x], addr[y]);
        return c != 0 ? c : Integer.compare(x, y);
    }

    /** The file split into columns without creating a String per line. */
    private static final class Lines {
        int count;
        long[] addr;
        byte[] type;
        int[] nameStart;
        int[] nameLen;
        short[] module;
        final List<String> moduleNames = new ArrayList<>();

        static Lines scan(byte[] t) {
            Lines l = new Lines();
            int cap = Math.max(1024, t.length / 28); // lines average 33-40 bytes: usually no regrowth
            l.addr = new long[cap];
            l.type = new byte[cap];
            l.nameStart = new int[cap];
            l.nameLen = new int[cap];
            l.module = new short[cap];
            Map<String, Short> moduleIds = new HashMap<>();
            int p = 0;
            while (p < t.length) {
                p = l.line(t, p, moduleIds);
            }
            return l;
        }

        // "ffffffff81000000 T _stext" or "ffffffffc0608000 t net_dm_init\t[drop_monitor]"
        /** Reads the line starting at {@code p}; returns where the next one starts. */
        private int line(byte[] t, int p, Map<String, Short> moduleIds) {
            int len = t.length;
            long a = 0;
            int start = p;
            int h;
            while (p < len && (h = HEX[t[p] & 0xff]) >= 0) {
                a = (a << 4) | h;
                p++;
            }
            int digits = p - start;
            if (digits == 0 || digits > 16 || p + 3 > len || t[p] != ' ' || t[p + 2] != ' '
                    || t[p + 1] == '\n' || t[p + 2] == '\n') {
                return skipLine(t, p);
            }
            byte ty = t[p + 1];
            p += 3;
            int ns = p;
            byte c;
            while (p < len && (c = t[p]) != '\t' && c != ' ' && c != '\n') {
                p++;
            }
            int ne = p;
            if (ne == ns) {
                return skipLine(t, p);
            }
            short mod = -1;
            while (p < len && (t[p] == '\t' || t[p] == ' ')) {
                p++;
            }
            if (p < len && t[p] == '[') {
                int ms = p + 1;
                int me = ms;
                while (me < len && t[me] != ']' && t[me] != '\n') {
                    me++;
                }
                mod = moduleId(t, ms, me, moduleIds);
                p = me;
            }
            if (count == addr.length) {
                int grown = count * 2;
                addr = Arrays.copyOf(addr, grown);
                type = Arrays.copyOf(type, grown);
                nameStart = Arrays.copyOf(nameStart, grown);
                nameLen = Arrays.copyOf(nameLen, grown);
                module = Arrays.copyOf(module, grown);
            }
            addr[count] = a;
            type[count] = ty;
            nameStart[count] = ns;
            nameLen[count] = ne - ns;
            module[count] = mod;
            count++;
            return skipLine(t, p);
        }

        private int lastModuleStart = -1;
        private int lastModuleLen;
        private short lastModuleId;

        /** A module's lines come together, so most lookups are "same as the line before": no String then. */
        private short moduleId(byte[] t, int ms, int me, Map<String, Short> moduleIds) {
            int n = me - ms;
            if (lastModuleStart >= 0 && n == lastModuleLen
                    && Arrays.equals(t, ms, me, t, lastModuleStart, lastModuleStart + n)) {
                lastModuleStart = ms;
                return lastModuleId;
            }
            String m = new String(t, ms, n, StandardCharsets.ISO_8859_1);
            Short id = moduleIds.get(m);
            if (id == null) {
                id = (short) moduleNames.size();
                moduleNames.add(m);
                moduleIds.put(m, id);
            }
            lastModuleStart = ms;
            lastModuleLen = n;
            lastModuleId = id;
            return id;
        }

        private static int skipLine(byte[] t, int p) {
            while (p < t.length && t[p] != '\n') {
                p++;
            }
            return p + 1;
        }

        private static final byte[] HEX = new byte[256];

        static {
            Arrays.fill(HEX, (byte) -1);
            for (int d = 0; d < 16; d++) {
                HEX["0123456789abcdef".charAt(d)] = (byte) d;
                HEX["0123456789ABCDEF".charAt(d)] = (byte) d;
            }
        }
    }
}
