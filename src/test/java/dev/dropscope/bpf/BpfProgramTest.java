package dev.dropscope.bpf;

import static dev.dropscope.bpf.BpfProgram.R0;
import static dev.dropscope.bpf.BpfProgram.R1;
import static dev.dropscope.bpf.BpfProgram.R10;
import static dev.dropscope.bpf.BpfProgram.R2;
import static dev.dropscope.bpf.BpfProgram.R6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Each instruction against its encoding in include/uapi/linux/bpf.h and Documentation/bpf/
 * standardization/instruction-set.rst: struct bpf_insn { u8 code; u8 dst_reg:4, src_reg:4; s16 off;
 * s32 imm; } little-endian, so the second byte is src << 4 | dst. The expected bytes are written out by
 * hand from those documents (the same bytes llvm-objdump prints for the clang-built equivalents), not
 * computed with the code under test. The opcode constants themselves are checked against the installed
 * headers by UapiLayoutTest, and the whole programs by the real verifier in EbpfMonitorLiveTest.
 */
class BpfProgramTest {

    private static String hex(BpfProgram p) {
        return HexFormat.ofDelimiter(" ").formatHex(p.assemble());
    }

    private static void encodes(String expected, BpfProgram p) {
        assertEquals(expected, hex(p));
    }

    @Test
    void alu64() {
        encodes("bf 16 00 00 00 00 00 00", new BpfProgram().mov64(R6, R1));            // r6 = r1
        encodes("b7 01 00 00 01 00 00 00", new BpfProgram().mov64Imm(R1, 1));          // r1 = 1
        encodes("b7 03 00 00 ff ff ff ff", new BpfProgram().mov64Imm(3, -1));          // r3 = -1
        encodes("07 02 00 00 f0 ff ff ff", new BpfProgram().add64Imm(R2, -16));        // r2 += -16
        encodes("57 01 00 00 ff 00 00 00", new BpfProgram().and64Imm(R1, 0xff));       // r1 &= 255
        encodes("67 01 00 00 20 00 00 00", new BpfProgram().lsh64Imm(R1, 32));         // r1 <<= 32
        encodes("4f 21 00 00 00 00 00 00", new BpfProgram().or64(R1, R2));             // r1 |= r2
    }

    @Test
    void loadsFromMemoryInEachSize() {
        encodes("79 61 10 00 00 00 00 00", new BpfProgram().ldx(8, R1, R6, 16));       // r1 = *(u64 *)(r6 + 16)
        encodes("61 61 1c 00 00 00 00 00", new BpfProgram().ldx(4, R1, R6, 28));       // r1 = *(u32 *)(r6 + 28)
        encodes("69 61 18 00 00 00 00 00", new BpfProgram().ldx(2, R1, R6, 24));       // r1 = *(u16 *)(r6 + 24)
        encodes("71 61 08 00 00 00 00 00", new BpfProgram().ldx(1, R1, R6, 8));        // r1 = *(u8 *)(r6 + 8)
    }

    @Test
    void storesFromRegistersAndImmediates() {
        encodes("7b 1a f0 ff 00 00 00 00", new BpfProgram().stx(8, R10, -16, R1));     // *(u64 *)(r10 - 16) = r1
        encodes("63 1a f8 ff 00 00 00 00", new BpfProgram().stx(4, R10, -8, R1));      // *(u32 *)(r10 - 8) = r1
        encodes("6b 1a f4 ff 00 00 00 00", new BpfProgram().stx(2, R10, -12, R1));     // *(u16 *)(r10 - 12) = r1
        encodes("73 1a ff ff 00 00 00 00", new BpfProgram().stx(1, R10, -1, R1));      // *(u8 *)(r10 - 1) = r1
        encodes("62 0a fc ff 00 00 00 00", new BpfProgram().st(4, R10, -4, 0));        // *(u32 *)(r10 - 4) = 0
        encodes("7a 0a e8 ff 01 00 00 00", new BpfProgram().st(8, R10, -24, 1));       // *(u64 *)(r10 - 24) = 1
        encodes("6a 0a f6 ff 00 00 00 00", new BpfProgram().st(2, R10, -10, 0));       // *(u16 *)(r10 - 10) = 0
        assertThrows(IllegalArgumentException.class, () -> new BpfProgram().st(3, R10, -4, 0));
    }

    @Test
    void atomicAddIsTheOldXadd() {
        // BPF_STX | BPF_ATOMIC | BPF_DW = 0xdb, imm BPF_ADD (0): lock *(u64 *)(r0 + 0) += r1
        encodes("db 10 00 00 00 00 00 00", new BpfProgram().atomicAdd64(R0, 0, R1));
    }

    @Test
    void wideLoadsTakeTwoSlots() {
        // BPF_LD | BPF_DW | BPF_IMM = 0x18, src_reg BPF_PSEUDO_MAP_FD = 1, imm the fd, second slot zero
        BpfProgram p = new BpfProgram().ldMapFd(R1, 5);
        assertEquals(2, p.size());
        encodes("18 11 00 00 05 00 00 00 00 00 00 00 00 00 00 00", p);
        encodes("18 02 00 00 88 77 66 55 00 00 00 00 44 33 22 11",                 // r2 = 0x1122334455667788
                new BpfProgram().ld64Imm(R2, 0x1122334455667788L));
    }

    @Test
    void callAndExit() {
        encodes("85 00 00 00 01 00 00 00", new BpfProgram().call(BpfConstants.BPF_FUNC_map_lookup_elem));
        encodes("85 00 00 00 82 00 00 00", new BpfProgram().call(BpfConstants.BPF_FUNC_ringbuf_output));
        encodes("95 00 00 00 00 00 00 00", new BpfProgram().exit());
    }

    @Test
    void jumpsResolveLabelsRelativeToTheNextInstruction() {
        BpfProgram p = new BpfProgram()
                .label("top")
                .jeqImm(R0, 0, "end")     // 0: +2 -> 3
                .jsgeImm(R1, 7, "end")    // 1: +1 -> 3
                .ja("top")                // 2: -3 -> 0
                .label("end")
                .jneImm(R2, -1, "top")    // 3: -4 -> 0
                .jgt(R1, R2, "end")       // 4: -2 -> 3
                .exit();
        encodes(String.join(" ",
                "15 00 02 00 00 00 00 00",
                "75 01 01 00 07 00 00 00",
                "05 00 fd ff 00 00 00 00",
                "55 02 fc ff ff ff ff ff",
                "2d 21 fe ff 00 00 00 00",
                "95 00 00 00 00 00 00 00"), p);
    }

    @Test
    void jeq32ComparesTheLowHalfAgainstAnInodeAbove2To31() {
        // BPF_JMP32 | BPF_JEQ | BPF_K = 0x16; 4026532000 = 0xf00000a0 as the u32 immediate
        encodes("16 01 00 00 a0 00 00 f0 95 00 00 00 00 00 00 00",
                new BpfProgram().jeq32Imm(R1, (int) 4026532000L, "x").label("x").exit());
    }

    @Test
    void filtersRefuseWhatNoMapKeyCouldHold() {
        assertThrows(IllegalArgumentException.class, () -> DropPrograms.Filter.netns(1L << 32));
        assertThrows(IllegalArgumentException.class, () -> DropPrograms.Filter.netns(0));
        assertThrows(IllegalArgumentException.class, () -> new DropPrograms.Filter.Key(5, -1));
        // a namespace filter's keys have ifindex 0, an interface filter's never
        assertThrows(IllegalArgumentException.class, () -> DropPrograms.Filter.interfaces(
                java.util.List.of(new DropPrograms.Filter.Key(5, 0))));
        assertThrows(IllegalArgumentException.class, () -> new DropPrograms.Filter(DropPrograms.Filter.By.NETNS,
                new java.util.TreeSet<>(java.util.List.of(new DropPrograms.Filter.Key(5, 2)))));
        assertThrows(IllegalArgumentException.class, () -> new DropPrograms.Filter(DropPrograms.Filter.By.ALL,
                new java.util.TreeSet<>(java.util.List.of(new DropPrograms.Filter.Key(5, 0)))));
        assertEquals(128, DropPrograms.Filter.CAPACITY);
        long[] many = new long[DropPrograms.Filter.CAPACITY + 1];
        for (int i = 0; i < many.length; i++) {
            many[i] = i + 1;
        }
        assertThrows(IllegalArgumentException.class, () -> DropPrograms.Filter.netns(many));
        assertTrue(DropPrograms.Filter.NONE.keepsAll());
        assertTrue(DropPrograms.Filter.netns().keys().isEmpty() && !DropPrograms.Filter.netns().keepsAll(),
                "an empty namespace filter keeps nothing, not everything");
        assertEquals("Filter[netns=[4026532000]]", DropPrograms.Filter.netns(4026532000L).toString());
    }

    @Test
    void theFilterReadsTheKeysInForceBeforeTheCount() {
        var args = new dev.dropscope.btf.SkbBtf.KfreeSkbArgs(0, 1, 2, 3, "(...)");
        DropPrograms.Layout raw = DropPrograms.Layout.rawTracepoint(args);
        var id = new dev.dropscope.btf.SkbBtf.Identity(16, 224, 280, 160, 24, 48);
        var maps = new DropPrograms.FilterMaps(5, 6, 7);
        // no filter: the unfiltered program, instruction for instruction, and no filter map
        String all = hex(DropPrograms.summary(raw, id, 3, 4));
        assertEquals(all, hex(DropPrograms.summary(raw, id, DropPrograms.Filter.By.ALL, DropPrograms.FilterMaps.NONE,
                3, 4)));
        String n = hex(DropPrograms.summary(raw, id, DropPrograms.Filter.By.NETNS, maps, 3, 4));
        // r0 = &index's value (BPF_PSEUDO_MAP_VALUE: src 2); r1 = *(u32 *)r0; if r1 == 2 r0 = &second's value,
        // else &first's; then n (r1), the drop's netns (r2, fp-8) and ifindex (r3, fp-12); if n == 0 drop
        String head = "18 20 00 00 05 00 00 00 00 00 00 00 00 00 00 00 61 01 00 00 00 00 00 00 "
                + "15 01 03 00 02 00 00 00 18 20 00 00 06 00 00 00 00 00 00 00 00 00 00 00 05 00 02 00 00 00 00 00 "
                + "18 20 00 00 07 00 00 00 00 00 00 00 00 00 00 00 61 01 00 00 00 00 00 00 61 a2 f8 ff 00 00 00 00 "
                + "61 a3 f4 ff 00 00 00 00 15 01";
        int at = n.indexOf(head);
        assertTrue(at > 0, "the filter's head");
        assertTrue(at < n.indexOf("18 11 00 00 03 00 00 00"), "before the count map's lookup");
        // key 0: r4 = its netns (value + 8 + 4); if r4 != r2 next key
        assertTrue(n.contains("61 04 0c 00 00 00 00 00 5d 24 01 00"), "key 0");
        int last = DropPrograms.FILTER_KEYS + 8 * (DropPrograms.Filter.CAPACITY - 1) + 4;
        assertTrue(n.contains(String.format("61 04 %02x %02x 00 00 00 00 5d 24", last & 0xff, last >> 8)), "last key");
        // by interface: also the ifindex (value + 8) against r3
        String i = hex(DropPrograms.summary(raw, id, DropPrograms.Filter.By.INTERFACE, maps, 3, 4));
        assertTrue(i.contains("61 04 0c 00 00 00 00 00 5d 24 03 00 00 00 00 00 61 04 08 00 00 00 00 00 5d 34 01 00"),
                "interface key 0");
        assertEquals((all.length() + 1) / 24 + 13 + 4 * DropPrograms.Filter.CAPACITY, (n.length() + 1) / 24);
        assertEquals((n.length() + 1) / 24 + 2 * DropPrograms.Filter.CAPACITY, (i.length() + 1) / 24);
    }

    @Test
    void aJumpOverAWideLoadCountsBothSlots() {
        BpfProgram p = new BpfProgram().jeqImm(R0, 0, "x").ldMapFd(R1, 3).label("x").exit();
        assertEquals("15 00 02 00", hex(p).substring(0, 11));
    }

    @Test
    void mistakesAreCaughtBeforeTheKernelSeesThem() {
        assertThrows(IllegalStateException.class, () -> new BpfProgram().ja("nowhere").exit().assemble());
        assertThrows(IllegalArgumentException.class, () -> new BpfProgram().label("a").label("a"));
        assertThrows(IllegalArgumentException.class, () -> new BpfProgram().mov64(11, R1));
        assertThrows(IllegalArgumentException.class, () -> new BpfProgram().ldx(8, R1, R6, 40000));
    }

    @Test
    void theDropProgramsReturnOneAndEndWithExit() {
        DropPrograms.Layout l = new DropPrograms.Layout(16, 28, 4, 24);
        for (BpfProgram p : new BpfProgram[] {DropPrograms.summary(l, 3, 4), DropPrograms.packet(l, 3, 4)}) {
            String h = hex(p);
            // r0 = 1; exit: a 0 would hide the event from every other perf reader of the tracepoint
            assertEquals("b7 00 00 00 01 00 00 00 95 00 00 00 00 00 00 00", h.substring(h.length() - 47));
        }
        // the summary key: location at ctx+16 to fp-16, the u32 reason at ctx+28 to fp-8
        String s = hex(DropPrograms.summary(l, 3, 4));
        assertEquals("bf 16 00 00 00 00 00 00 79 61 10 00 00 00 00 00 7b 1a f0 ff 00 00 00 00 "
                + "61 61 1c 00 00 00 00 00 63 1a f8 ff 00 00 00 00", s.substring(0, 5 * 24 - 1));
        // a kernel without the reason field: the key's reason is a constant 0
        String noReason = hex(DropPrograms.summary(new DropPrograms.Layout(16, -1, 0, 24), 3, 4));
        assertEquals("62 0a f8 ff 00 00 00 00", noReason.substring(3 * 24, 4 * 24 - 1));
    }

    @Test
    void theIdentityProgramReadsTheRawTracepointsArgumentsAndTheBtfOffsets() {
        var args = new dev.dropscope.btf.SkbBtf.KfreeSkbArgs(0, 1, 2, 3, "(...)");
        DropPrograms.Layout raw = DropPrograms.Layout.rawTracepoint(args);
        assertEquals(new DropPrograms.Layout(8, 16, 4, -1, 0), raw);
        var id = new dev.dropscope.btf.SkbBtf.Identity(16, 224, 280, 160, 24, 48);
        String h = hex(DropPrograms.summary(raw, id, 3, 4));
        // r6 = ctx; r1 = ctx[1] (location) to fp-24; the u32 at ctx+16 (reason) to fp-16
        assertEquals("bf 16 00 00 00 00 00 00 79 61 08 00 00 00 00 00 7b 1a e8 ff 00 00 00 00 "
                + "61 61 10 00 00 00 00 00 63 1a f0 ff 00 00 00 00", h.substring(0, 5 * 24 - 1));
        // r7 = ctx[0] (the skb)
        assertTrue(h.contains("79 67 00 00 00 00 00 00"), h);
        // six bpf_probe_read_kernel calls (helper 113): dev, ifindex, net; or sk, sk's net; then ns.inum
        assertEquals(6, count(h, "85 00 00 00 71 00 00 00"));
        // r3 = base + offset for each: dev at +16, ifindex +224, nd_net.net +280, sk +24, skc_net +48, inum +160
        for (int off : new int[] {16, 224, 280, 24, 48, 160}) {
            String add = String.format("07 03 00 00 %02x %02x 00 00", off & 0xff, off >> 8);
            assertTrue(h.contains(add), "no r3 += " + off + " in " + h);
        }
        String t = hex(DropPrograms.summary(new DropPrograms.Layout(16, 28, 4, 24, 8), id, 3, 4));
        assertEquals("b7 00 00 00 01 00 00 00 95 00 00 00 00 00 00 00", t.substring(t.length() - 47));
        assertThrows(IllegalArgumentException.class, () -> DropPrograms.summary(new DropPrograms.Layout(16, 28, 4, 24), id, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> DropPrograms.packet(raw, 3, 4));
    }

    private static int count(String h, String needle) {
        int n = 0;
        for (int i = 0; i + needle.length() <= h.length(); i += 24) {
            if (h.startsWith(needle, i)) {
                n++;
            }
        }
        return n;
    }
}
