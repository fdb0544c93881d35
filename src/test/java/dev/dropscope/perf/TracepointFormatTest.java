package dev.dropscope.perf;

import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.perf.TracepointFormat.Field;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

class TracepointFormatTest {
    static final String DEV = "6.18.44-fc-v595";
    static final String LAB = "6.12.117+deb12-amd64";

    static Path tracefs(String release) {
        try {
            return Path.of(TracepointFormatTest.class.getClassLoader().getResource("tracefs/" + release).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static TracepointFormat format(String release, String system, String event) throws IOException {
        return TracepointFormat.parse(Files.readString(
                tracefs(release).resolve("events").resolve(system).resolve(event).resolve("format")));
    }

    @Test
    void devKfreeSkbLayout() throws IOException {
        TracepointFormat f = format(DEV, "skb", "kfree_skb");
        assertEquals("kfree_skb", f.name());
        assertEquals(2310, f.id());
        assertEquals(List.of("common_type", "common_flags", "common_preempt_count", "common_pid", "skbaddr",
                "location", "rx_sk", "protocol", "reason"), f.fields().stream().map(Field::name).toList());
        // the offsets the research notes give for 6.18, read from the file
        assertEquals(new Field("void *", "location", 16, 8, false, 0), f.field("location").orElseThrow());
        assertEquals(new Field("void *", "rx_sk", 24, 8, false, 0), f.field("rx_sk").orElseThrow());
        assertEquals(new Field("unsigned short", "protocol", 32, 2, false, 0), f.field("protocol").orElseThrow());
        assertEquals(new Field("enum skb_drop_reason", "reason", 36, 4, false, 0), f.field("reason").orElseThrow());
        assertEquals(new Field("int", "common_pid", 4, 4, true, 0), f.field("common_pid").orElseThrow());
        assertTrue(f.field("common_pid").orElseThrow().isCommon());
        assertFalse(f.field("reason").orElseThrow().isCommon());
        assertTrue(f.printFormat().startsWith("\"skbaddr=%p rx_sk=%p protocol=%u location=%pS reason: %s\""));
    }

    @Test
    void devDropReasons() throws IOException {
        Map<Long, String> reasons = format(DEV, "skb", "kfree_skb").symbols("reason");
        assertEquals(127, reasons.size(), "2..128 in the file");
        assertEquals("NOT_SPECIFIED", reasons.get(2L));
        assertEquals("NO_SOCKET", reasons.get(3L));
        assertEquals("UNIX_DISCONNECT", reasons.get(7L));
        assertEquals("UNIX_SKIP_OOB", reasons.get(8L));
        assertEquals("NETFILTER_DROP", reasons.get(12L));
        assertEquals("RECURSION_LIMIT", reasons.get(127L));
        assertEquals("MAX", reasons.get(128L));
        assertNull(reasons.get(0L));
        assertEquals(List.of(2L, 3L, 4L), reasons.keySet().stream().limit(3).toList(), "ascending order");
    }

    @Test
    void labKfreeSkbHasTheSameLayoutButOtherReasonNumbers() throws IOException {
        TracepointFormat lab = format(LAB, "skb", "kfree_skb");
        TracepointFormat dev = format(DEV, "skb", "kfree_skb");
        assertEquals(1461, lab.id());
        assertEquals(dev.fields(), lab.fields());
        Map<Long, String> reasons = lab.symbols("reason");
        assertEquals(103, reasons.size(), "2..104 in the file");
        // 6.12 has no UNIX_DISCONNECT, so every later reason sits one lower than on 6.18
        assertEquals("UNIX_SKIP_OOB", reasons.get(7L));
        assertEquals("NETFILTER_DROP", reasons.get(11L));
        assertEquals("SKB_BAD_GSO", reasons.get(67L));
        assertFalse(dev.symbols("reason").containsValue("SKB_BAD_GSO"));
        assertEquals("MAX", reasons.get(104L));
    }

    @Test
    void consumeSkbHasNoReason() throws IOException {
        TracepointFormat f = format(DEV, "skb", "consume_skb");
        assertEquals(2309, f.id());
        assertTrue(f.field("reason").isEmpty());
        assertEquals(Map.of(), f.symbolTables());
        assertEquals(new Field("void *", "location", 16, 8, false, 0), f.field("location").orElseThrow());
        assertEquals(format(LAB, "skb", "consume_skb").fields(), f.fields());
    }

    @Test
    void arraysAndDynamicStrings() throws IOException {
        TracepointFormat sw = format(DEV, "sched", "sched_switch");
        assertEquals(new Field("char", "prev_comm", 8, 16, false, 16), sw.field("prev_comm").orElseThrow());
        assertEquals(new Field("pid_t", "next_pid", 56, 4, true, 0), sw.field("next_pid").orElseThrow());
        // __print_flags is not __print_symbolic: no tables
        assertEquals(Map.of(), sw.symbolTables());

        Field name = format(DEV, "net", "net_dev_queue").field("name").orElseThrow();
        assertEquals(new Field("__data_loc char[]", "name", 20, 4, false, 0), name);
        assertTrue(name.isDynamic());
    }

    @Test
    void aPrintFormatWithRealNewlinesRunsToTheEndOfTheFile() throws IOException {
        TracepointFormat f = format(DEV, "ext4", "ext4_fc_stats");
        assertTrue(f.printFormat().contains("\n"), "the recorded file has a newline inside the format string");
        assertTrue(f.printFormat().endsWith("REC->fc_numblks"), f.printFormat());
        assertEquals("ENCRYPTED_FILENAME", f.symbols("9").get(9L));
        assertEquals(10, f.symbolTables().size());
    }

    @Test
    void symbolTablesWithHexAndNestedExpressions() {
        // the shape of block and writeback events: an expression as the first argument, hex values
        Map<String, Map<Long, String>> t = TracepointFormat.parseSymbolTables(
                "\"op=%s\", __print_symbolic((REC->op & 0xff), { 0x1, \"READ\" }, { 0x2, \"WRITE\" })");
        assertEquals(Map.of("(REC->op & 0xff)", Map.of(1L, "READ", 2L, "WRITE")), t);
    }

    @Test
    void unresolvedEnumValuesAreLeftOutAndSuffixesAccepted() {
        // kvm:kvm_nested_vmenter_failed on 6.18 lists enum names the kernel did not turn into numbers
        Map<String, Map<Long, String>> t = TracepointFormat.parseSymbolTables("\"%s\", __print_symbolic("
                + "REC->err, { VMXERR_VMLAUNCH_NONCLEAR_VMCS, \"VMLAUNCH_NONCLEAR_VMCS\" }, { (2UL), \"TWO\" }, "
                + "{ 0x10u, \"SIXTEEN\" })");
        assertEquals(Map.of("err", Map.of(2L, "TWO", 16L, "SIXTEEN")), t);
    }

    @Test
    void emptyTablesAndCommasInsideStrings() {
        // kvm:kvm_inj_exception on 6.18 ends with "__print_symbolic(REC->error_code, { })"
        Map<String, Map<Long, String>> t = TracepointFormat.parseSymbolTables("\"%s%s\", "
                + "__print_symbolic(REC->a ? \"x,y\" : REC->b, { 1, \"ONE,1\" }), "
                + "!REC->has_error ? \"\" : __print_symbolic(REC->error_code, { }), REC->c");
        assertEquals(Map.of(1L, "ONE,1"), t.get("a ? \"x,y\" : REC->b"));
        assertEquals(Map.of(), t.get("error_code"));
    }

    @Test
    void aNullNamedEndMarkerIsSkipped() {
        // xdp:mem_connect on 6.18
        Map<String, Map<Long, String>> t = TracepointFormat.parseSymbolTables("\"mem_type=%s\", "
                + "__print_symbolic(REC->mem_type, { 0, \"PAGE_SHARED\" }, { 3, \"XSK_BUFF_POOL\" }, { -1, 0 }), "
                + "REC->allocator");
        assertEquals(Map.of("mem_type", Map.of(0L, "PAGE_SHARED", 3L, "XSK_BUFF_POOL")), t);
    }

    @Test
    void adjacentStringLiteralsAreJoined() {
        // kvm:kvm_userspace_exit on 6.18 prints { 0, "KVM_EXIT_" "UNKNOWN" }, C string concatenation
        Map<String, Map<Long, String>> t = TracepointFormat.parseSymbolTables("\"reason %s (%d)\", REC->errno < 0 ? "
                + "(REC->errno == -4 ? \"restart\" : \"error\") : __print_symbolic(REC->reason, "
                + "{ 0, \"KVM_EXIT_\" \"UNKNOWN\" }, { 1, \"KVM_EXIT_\" \"EXCEPTION\" }), REC->errno");
        assertEquals(Map.of("reason", Map.of(0L, "KVM_EXIT_UNKNOWN", 1L, "KVM_EXIT_EXCEPTION")), t);
    }

    @Test
    void malformedFilesAreRejectedWithTheReason() throws IOException {
        String good = Files.readString(tracefs(DEV).resolve("events/skb/kfree_skb/format"));
        assertEquals("not a tracepoint format file: no ID line",
                assertThrows(IllegalArgumentException.class,
                        () -> TracepointFormat.parse(good.replace("ID: 2310\n", ""))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> TracepointFormat.parse(good.replace("offset:36;", "offset:x;"))).getMessage()
                .contains("'x' is not a number"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> TracepointFormat.parse(good.replace("{ 5, \"SOCKET_FILTER\" }", "{ 5, \"SOCKET_FILTER\" ]")))
                .getMessage().contains("expected '}' after \"SOCKET_FILTER\""));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> TracepointFormat.parse(good.replace("format:\n", "format:\nbogus line\n"))).getMessage()
                .contains("line 4: unexpected 'bogus line'"));
        String cut = good.substring(0, good.indexOf("{ 9, "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TracepointFormat.parse(cut))
                .getMessage().contains("ends inside __print_symbolic"));
    }
}
