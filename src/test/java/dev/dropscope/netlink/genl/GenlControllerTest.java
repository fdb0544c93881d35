package dev.dropscope.netlink.genl;

import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.netlink.MalformedMessageException;
import dev.dropscope.netlink.MessageBuilder;
import dev.dropscope.netlink.NlMsg;
import dev.dropscope.testutil.HexFixture;
import dev.dropscope.testutil.HexFixture.Entry;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class GenlControllerTest {
    private static final Entry REPLY = HexFixture.load("fixtures/netdm/ctrl-getfamily.hex").entry(1);

    /** include/uapi/linux/net_dropmon.h, enum net_dm_command: the op names the comment uses. */
    private static final Map<String, Integer> NET_DM_CMD = Map.of(
            "CONFIG", 2, "START", 3, "STOP", 4, "CONFIG_GET", 6, "STATS_GET", 8);

    private static GenlFamily parse(ByteBuffer b) throws MalformedMessageException {
        return GenlController.parseFamily(b, 0, NlMsg.checkedLength(b, 0, b.limit()));
    }

    @Test
    void netDmFamilyAsTheCommentDecodesIt() throws Exception {
        // "FAMILY_NAME='NET_DM', FAMILY_ID=0x23, VERSION=2, HDRSIZE=0, MAXATTR=23,
        //  OPS=[CONFIG(flags=0xb), START(flags=0xb), STOP(flags=0xb), CONFIG_GET(flags=0xa), STATS_GET(flags=0xa)],
        //  MCAST_GROUPS=[events:1]"
        GenlFamily f = parse(REPLY.buffer());
        assertEquals("NET_DM", f.name());
        assertEquals(0x23, f.id());
        assertEquals(2, f.version());
        assertEquals(0, f.headerSize());
        assertEquals(23, f.maxAttribute());
        assertEquals(List.of(new GenlFamily.Operation(2, 0xb), new GenlFamily.Operation(3, 0xb),
                new GenlFamily.Operation(4, 0xb), new GenlFamily.Operation(6, 0xa), new GenlFamily.Operation(8, 0xa)),
                f.operations());
        assertEquals(Map.of("events", 1), f.multicastGroups());
        assertEquals(1, f.multicastGroup("events").orElseThrow());
        assertTrue(f.multicastGroup("nope").isEmpty());
        assertTrue(f.supports(3));
        assertFalse(f.supports(1), "ALERT is sent by the kernel, not an op (errors.hex [9] gives EOPNOTSUPP)");
        // 0xb = GENL_ADMIN_PERM | GENL_CMD_CAP_DO | GENL_CMD_CAP_HASPOL: CONFIG needs CAP_NET_ADMIN
        assertEquals(GenlConstants.GENL_ADMIN_PERM, f.operations().get(0).flags() & GenlConstants.GENL_ADMIN_PERM);
    }

    @Test
    void sameValuesReadFromTheCommentText() throws Exception {
        // the same expectations, parsed out of the comment rather than typed in
        GenlFamily f = parse(REPLY.buffer());
        assertEquals(REPLY.field("FAMILY_NAME").orElseThrow(), f.name());
        assertEquals(REPLY.number("FAMILY_ID"), f.id());
        assertEquals(REPLY.number("VERSION"), f.version());
        assertEquals(REPLY.number("HDRSIZE"), f.headerSize());
        assertEquals(REPLY.number("MAXATTR"), f.maxAttribute());
        List<GenlFamily.Operation> ops = new ArrayList<>();
        Matcher m = Pattern.compile("(\\w+)\\(flags=(0x[0-9a-f]+)\\)").matcher(REPLY.field("OPS").orElseThrow());
        while (m.find()) {
            ops.add(new GenlFamily.Operation(NET_DM_CMD.get(m.group(1)), (int) HexFixture.parseNumber(m.group(2))));
        }
        assertEquals(5, ops.size());
        assertEquals(ops, f.operations());
        Map<String, Integer> groups = new LinkedHashMap<>();
        String g = REPLY.field("MCAST_GROUPS").orElseThrow();
        for (String pair : g.substring(1, g.length() - 1).split(", ")) {
            String[] kv = pair.split(":");
            groups.put(kv[0], Integer.parseInt(kv[1]));
        }
        assertEquals(groups, f.multicastGroups());
    }

    @Test
    void familyWithoutNameOrIdIsMalformed() {
        MessageBuilder noId = new MessageBuilder(64).begin(0x10, 0).genl(1, 2).string(2, "x");
        int len = noId.finish();
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
                () -> GenlController.parseFamily(noId.buffer(), 0, len));
        assertEquals("controller message without family name or id", e.getMessage());
        MessageBuilder noName = new MessageBuilder(64).begin(0x10, 0).genl(1, 2).u16(1, 0x20);
        int len2 = noName.finish();
        assertThrows(MalformedMessageException.class, () -> GenlController.parseFamily(noName.buffer(), 0, len2));
    }

    @Test
    void messageWithoutGenlHeaderIsMalformed() {
        ByteBuffer b = REPLY.buffer();
        for (int len = 0; len < 20; len++) {
            int l = len;
            assertThrows(MalformedMessageException.class, () -> GenlController.parseFamily(b, 0, l), "len " + len);
        }
    }

    @Test
    void malformedNestedListIsMalformed() {
        // OPS whose single op entry claims more bytes than the OPS nest holds
        MessageBuilder m = new MessageBuilder(128).begin(0x10, 0).genl(1, 2).u16(1, 0x30).string(2, "fam");
        int ops = m.beginNested(6);
        int op = m.beginNested(1);
        m.u32(1, 7);
        m.endNested(op);
        m.endNested(ops);
        int len = m.finish();
        ByteBuffer b = m.buffer();
        b.putShort(op, (short) 40);
        assertThrows(MalformedMessageException.class, () -> GenlController.parseFamily(b, 0, len));
    }
}
