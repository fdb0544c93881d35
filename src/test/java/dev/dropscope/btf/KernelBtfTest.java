package dev.dropscope.btf;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parser on the running kernel's BTF, checked against an independent reader: bpftool's raw dump of the
 * same file (Debian package bpftool). Every type's kind and name, every member's type and bit offset,
 * every parameter and every enumerator must agree; the offsets the drop programs use are then computed
 * again from bpftool's data alone, by this test's own walk through anonymous members.
 */
class KernelBtfTest {
    /** One type from bpftool: kind, name, the size/type_id attribute, and its entries' lines (tab stripped). */
    record Dumped(String kind, String name, String rest, List<String> entries) {
    }

    private static Btf btf;
    private static Map<Integer, Dumped> dump;

    @BeforeAll
    static void load() throws Exception {
        btf = KernelBtf.load(KernelBtf.VMLINUX);
        Process p = new ProcessBuilder("bpftool", "btf", "dump", "file", KernelBtf.VMLINUX.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        dump = new HashMap<>();
        Pattern head = Pattern.compile("^\\[(\\d+)\\] (\\w+) '([^']*)'(.*)$");
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            Dumped cur = null;
            for (String line; (line = r.readLine()) != null; ) {
                Matcher m = head.matcher(line);
                if (m.matches()) {
                    cur = new Dumped(m.group(2), m.group(3), m.group(4), new ArrayList<>());
                    dump.put(Integer.parseInt(m.group(1)), cur);
                } else if (line.startsWith("\t") && cur != null) {
                    cur.entries().add(line.substring(1));
                }
            }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "bpftool btf dump failed");
    }

    private static String anon(String n) {
        return n.isEmpty() ? "(anon)" : n;
    }

    private static int attr(String rest, String key) {
        Matcher m = Pattern.compile("\\b" + key + "=(\\d+)").matcher(rest);
        assertTrue(m.find(), key + " missing in '" + rest + "'");
        return Integer.parseInt(m.group(1));
    }

    @Test
    void everyTypeMemberParameterAndEnumeratorAgreesWithBpftool() throws BtfException {
        assertEquals(dump.size(), btf.maxId(), "type count");
        assertTrue(btf.maxId() > 10_000, "a kernel's BTF has tens of thousands of types: " + btf.maxId());
        Pattern member = Pattern.compile("^'([^']*)' type_id=(\\d+) bits_offset=(\\d+)(?: bitfield_size=(\\d+))?$");
        Pattern param = Pattern.compile("^'([^']*)' type_id=(\\d+)$");
        Pattern enumerator = Pattern.compile("^'([^']*)' val=(-?\\d+)(?:U?LL)?$");
        int members = 0;
        for (int id = 1; id <= btf.maxId(); id++) {
            Dumped d = dump.get(id);
            String where = "type id " + id;
            assertEquals(d.kind(), btf.kind(id).name(), where);
            assertEquals(d.name(), anon(btf.name(id)), where);
            switch (btf.kind(id)) {
                case STRUCT: case UNION: {
                    assertEquals(attr(d.rest(), "size"), btf.ref(id), where);
                    List<Btf.Member> ms = btf.members(id);
                    assertEquals(d.entries().size(), ms.size(), where);
                    for (int i = 0; i < ms.size(); i++) {
                        Matcher m = member.matcher(d.entries().get(i));
                        assertTrue(m.matches(), d.entries().get(i));
                        Btf.Member b = ms.get(i);
                        assertEquals(m.group(1), anon(b.name()), where);
                        assertEquals(Integer.parseInt(m.group(2)), b.type(), where);
                        assertEquals(Long.parseLong(m.group(3)), b.bitOffset(), where + "." + b.name());
                        assertEquals(m.group(4) == null ? 0 : Integer.parseInt(m.group(4)), b.bitfieldSize(), where);
                        members++;
                    }
                    break;
                }
                case FUNC_PROTO: {
                    assertEquals(attr(d.rest(), "ret_type_id"), btf.ref(id), where);
                    List<Btf.Param> ps = btf.params(id);
                    assertEquals(d.entries().size(), ps.size(), where);
                    for (int i = 0; i < ps.size(); i++) {
                        Matcher m = param.matcher(d.entries().get(i));
                        assertTrue(m.matches(), d.entries().get(i));
                        assertEquals(Integer.parseInt(m.group(2)), ps.get(i).type(), where);
                    }
                    break;
                }
                case ENUM: case ENUM64: {
                    List<Btf.Enumerator> es = btf.enumerators(id);
                    assertEquals(d.entries().size(), es.size(), where);
                    for (int i = 0; i < es.size(); i++) {
                        Matcher m = enumerator.matcher(d.entries().get(i));
                        assertTrue(m.matches(), d.entries().get(i));
                        assertEquals(m.group(1), es.get(i).name(), where);
                        // bpftool prints unsigned 64-bit values above Long.MAX_VALUE as such
                        assertEquals(Long.parseUnsignedLong(m.group(2).replace("-", "")) * (m.group(2).startsWith("-") ? -1 : 1),
                                es.get(i).value(), where);
                    }
                    break;
                }
                case PTR: case TYPEDEF: case CONST: case VOLATILE: case RESTRICT: case FUNC: case VAR: case TYPE_TAG:
                case DECL_TAG:
                    assertEquals(attr(d.rest(), "type_id"), btf.ref(id), where);
                    break;
                case INT: case FLOAT: case DATASEC:
                    assertEquals(attr(d.rest(), "size"), btf.ref(id), where);
                    break;
                case ARRAY:
                    assertEquals(attr(d.rest(), "type_id"), btf.array(id).type(), where);
                    assertEquals(attr(d.rest(), "nr_elems"), btf.array(id).nelems(), where);
                    break;
                default:
                    break;
            }
        }
        assertTrue(members > 50_000, "only " + members + " members compared");
    }

    /** This test's own walk over bpftool's data: {@code path} from struct {@code name}, through anonymous members. */
    private static long bitOffset(String struct, String path) {
        int id = dump.entrySet().stream().filter(e -> e.getValue().kind().equals("STRUCT")
                && e.getValue().name().equals(struct)).mapToInt(Map.Entry::getKey).min().orElseThrow();
        long total = 0;
        for (String step : path.split("\\.")) {
            long[] found = find(id, step);
            assertTrue(found != null, struct + " " + path + ": no " + step);
            total += found[0];
            id = (int) found[1];
            while (!dump.get(id).kind().equals("STRUCT") && !dump.get(id).kind().equals("UNION")
                    && dump.get(id).rest().contains("type_id=")) {
                id = attr(dump.get(id).rest(), "type_id"); // typedefs and modifiers
                if (dump.get(id).kind().equals("PTR")) {
                    break;
                }
            }
        }
        return total;
    }

    /** {bit offset, type id} of member {@code name} in type {@code id}, depth-first through anonymous members. */
    private static long[] find(int id, String name) {
        for (String e : dump.get(id).entries()) {
            String n = e.substring(1, e.indexOf('\'', 1));
            int type = attr(e, "type_id");
            long off = attr(e, "bits_offset");
            if (n.equals(name)) {
                return new long[] {off, type};
            }
            if (n.equals("(anon)")) {
                long[] inner = find(type, name);
                if (inner != null) {
                    return new long[] {off + inner[0], inner[1]};
                }
            }
        }
        return null;
    }

    @Test
    void theIdentityAndHeaderOffsetsAreWhatBpftoolsDataSays() throws BtfException {
        SkbBtf.Identity id = SkbBtf.identity(btf);
        assertEquals(bitOffset("sk_buff", "dev") / 8, id.skbDev());
        assertEquals(bitOffset("net_device", "ifindex") / 8, id.devIfindex());
        assertEquals(bitOffset("net_device", "nd_net.net") / 8, id.devNet());
        assertEquals(bitOffset("net", "ns.inum") / 8, id.netInum());
        assertEquals(bitOffset("sk_buff", "sk") / 8, id.skbSk());
        assertEquals(bitOffset("sock", "__sk_common.skc_net.net") / 8, id.skNet());
        SkbBtf.Headers h = SkbBtf.headers(btf);
        assertEquals(bitOffset("sk_buff", "head") / 8, h.head());
        assertEquals(bitOffset("sk_buff", "network_header") / 8, h.networkHeader());
        assertEquals(bitOffset("sk_buff", "transport_header") / 8, h.transportHeader());
        assertEquals(bitOffset("sk_buff", "mac_header") / 8, h.macHeader());
        assertEquals(bitOffset("sk_buff", "len") / 8, h.len());
        // sk_buff starts with the list pointers, and dev shares the first 32 bytes with them since 4.x
        assertTrue(id.skbDev() >= 8 && id.skbDev() < 32, "sk_buff.dev at " + id.skbDev());
        assertEquals(btf.ref(SkbBtf.struct(btf, "sk_buff")), attr(dump.get(SkbBtf.struct(btf, "sk_buff")).rest(), "size"));
    }

    @Test
    void theKfreeSkbPrototypeOfThisKernel() throws Exception {
        SkbBtf.KfreeSkbArgs a = SkbBtf.kfreeSkbArgs(btf);
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        String[] v = release.split("[.-]");
        int version = Integer.parseInt(v[0]) * 1000 + Integer.parseInt(v[1]);
        assertEquals(0, a.skb());
        assertEquals(1, a.location());
        assertEquals(2, a.reason());
        // rx_sk came in 6.11 (commit c53795d48ee8)
        assertEquals(version >= 6011 ? 3 : -1, a.rxSk(), release + ": " + a.prototype());
        assertEquals(version >= 6011 ? "(void *, struct sk_buff *, void *, enum skb_drop_reason, struct sock *)"
                : "(void *, struct sk_buff *, void *, enum skb_drop_reason)", a.prototype());
    }

    @Test
    void theDropReasonsAgreeWithTheKernelsOwnNumbering() throws BtfException {
        Map<String, Long> reasons = SkbBtf.enumValues(btf, "skb_drop_reason");
        assertEquals(0L, reasons.get("SKB_NOT_DROPPED_YET"));
        assertEquals(1L, reasons.get("SKB_CONSUMED"));
        assertEquals(2L, reasons.get("SKB_DROP_REASON_NOT_SPECIFIED"));
        assertEquals(3L, reasons.get("SKB_DROP_REASON_NO_SOCKET"));
        assertTrue(reasons.size() > 50, reasons.size() + " reasons");
    }

    @Test
    void aMissingFileSaysHowToGetBtf() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> KernelBtf.load(Path.of("/nonexistent/vmlinux")));
        assertTrue(e.getMessage().contains("CONFIG_DEBUG_INFO_BTF"), e.getMessage());
    }

    @Test
    void aTruncatedKernelBlobIsRefusedWithItsName(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        byte[] all = Files.readAllBytes(KernelBtf.VMLINUX);
        Path cut = dir.resolve("vmlinux");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        BtfException e = assertThrows(BtfException.class, () -> KernelBtf.load(cut));
        assertTrue(e.getMessage().startsWith(cut + ": BTF truncated: type section"), e.getMessage());
    }
}
