package dev.dropscope.netlink;

import static dev.dropscope.netlink.NetlinkConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.testutil.HexFixture;
import dev.dropscope.testutil.HexFixture.Direction;
import dev.dropscope.testutil.HexFixture.Entry;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The attribute cursor on every real NET_DM message the kernel sent (alerts, CONFIG_NEW, STATS_NEW),
 * checked attribute by attribute against the capture's independent decoder, whose summary lists them
 * in order: {@code NAME=value}, {@code 'string'}, {@code N bytes HEX...}, {@code NAME(flags 0x8000)={...}}.
 */
class AttributeCursorFixtureTest {

    private record Kind(int type, String width) {
    }

    /** include/uapi/linux/net_dropmon.h, enum net_dm_attr, with the width the kernel puts. */
    private static final Map<String, Kind> TOP = Map.ofEntries(
            Map.entry("UNSPEC", new Kind(0, "alert_msg")), Map.entry("ALERT_MODE", new Kind(1, "u8")),
            Map.entry("PC", new Kind(2, "u64")), Map.entry("SYMBOL", new Kind(3, "string")),
            Map.entry("IN_PORT", new Kind(4, "nest")), Map.entry("TIMESTAMP", new Kind(5, "u64")),
            Map.entry("PROTO", new Kind(6, "u16")), Map.entry("PAYLOAD", new Kind(7, "bytes")),
            Map.entry("TRUNC_LEN", new Kind(9, "u32")), Map.entry("ORIG_LEN", new Kind(10, "u32")),
            Map.entry("QUEUE_LEN", new Kind(11, "u32")), Map.entry("STATS", new Kind(12, "nest")),
            Map.entry("HW_STATS", new Kind(13, "nest")), Map.entry("ORIGIN", new Kind(14, "u16")),
            Map.entry("REASON", new Kind(23, "string")));

    /** enum net_dm_attr_port and enum net_dm_attr_stats: both start at 0. */
    private static final Map<String, Kind> NESTED = Map.of(
            "PORT_NETDEV_IFINDEX", new Kind(0, "u32"), "STATS_DROPPED", new Kind(0, "u64"));

    private static final Pattern ITEM = Pattern.compile("^(\\w+)(?:\\(([^)]*)\\))?=(.*)$", Pattern.DOTALL);

    /** Splits "a=1, b={c=2, d=3}, e='x, y'" at the top-level ", ". */
    private static List<String> items(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted && (c == '{' || c == '[')) {
                depth++;
            } else if (!quoted && (c == '}' || c == ']')) {
                depth--;
            } else if (!quoted && depth == 0 && c == ',' && i + 1 < s.length() && s.charAt(i + 1) == ' ') {
                out.add(s.substring(start, i));
                start = i + 2;
            }
        }
        out.add(s.substring(start));
        return out;
    }

    private static int check(AttributeCursor c, String expected, Map<String, Kind> table, String where) throws Exception {
        List<String> items = items(expected);
        int n = 0;
        for (String item : items) {
            Matcher m = ITEM.matcher(item);
            assertTrue(m.matches(), where + ": cannot read '" + item + "'");
            String name = m.group(1);
            String value = m.group(3);
            Kind k = table.get(name);
            assertNotNull(k, where + ": no type for " + name);
            assertTrue(c.next(), where + ": attribute " + name + " missing");
            n++;
            String at = where + " " + name;
            assertEquals(k.type(), c.type(), at);
            switch (k.width()) {
                case "u8":
                    assertEquals(HexFixture.parseNumber(value), c.u8(), at);
                    assertEquals(1, c.payloadLength(), at);
                    break;
                case "u16":
                    assertEquals(HexFixture.parseNumber(value), c.u16(), at);
                    assertEquals(2, c.payloadLength(), at);
                    break;
                case "u32":
                    assertEquals(HexFixture.parseNumber(value), Integer.toUnsignedLong(c.u32()), at);
                    assertEquals(4, c.payloadLength(), at);
                    break;
                case "u64":
                    assertEquals(HexFixture.parseNumber(value), c.u64(), at);
                    assertEquals(8, c.payloadLength(), at);
                    break;
                case "string":
                    assertTrue(value.startsWith("'") && value.endsWith("'"), at);
                    assertEquals(value.substring(1, value.length() - 1), c.string(), at);
                    break;
                case "bytes": {
                    Matcher p = Pattern.compile("^(\\d+) bytes ([0-9a-f]*)(?:\\.\\.\\.)?$").matcher(value);
                    assertTrue(p.matches(), at + ": " + value);
                    byte[] payload = c.bytes();
                    assertEquals(Integer.parseInt(p.group(1)), payload.length, at);
                    assertTrue(HexFormat.of().formatHex(payload).startsWith(p.group(2)), at);
                    break;
                }
                case "nest": {
                    assertEquals("flags 0x8000", m.group(2), at);
                    assertTrue(c.isNested(), at + ": NLA_F_NESTED");
                    assertTrue(value.startsWith("{") && value.endsWith("}"), at);
                    AttributeCursor inner = c.nested();
                    check(inner, value.substring(1, value.length() - 1), NESTED, at);
                    break;
                }
                case "alert_msg":
                    checkAlertMsg(c, value, at);
                    break;
                default:
                    fail(k.width());
            }
        }
        assertFalse(c.next(), where + ": more attributes than the comment lists");
        return n;
    }

    /** struct net_dm_alert_msg {u32 entries; struct net_dm_drop_point {u8 pc[8]; u32 count;} points[];}. */
    private static void checkAlertMsg(AttributeCursor c, String value, String at) {
        Matcher m = Pattern.compile("^\\{entries=(\\d+): (.*)}$").matcher(value);
        assertTrue(m.matches(), at + ": " + value);
        int entries = Integer.parseInt(m.group(1));
        ByteBuffer b = c.buffer();
        int p = c.payloadOffset();
        assertEquals(4 + 12 * entries, c.payloadLength(), at);
        assertEquals(entries, b.getInt(p), at);
        String[] points = m.group(2).split("; ");
        assertEquals(entries, points.length, at);
        for (int i = 0; i < entries; i++) {
            String[] pc = points[i].split(" x");
            assertEquals(HexFixture.parseNumber(pc[0]), b.getLong(p + 4 + 12 * i), at + " pc " + i);
            assertEquals(Integer.parseInt(pc[1]), b.getInt(p + 4 + 12 * i + 8), at + " count " + i);
        }
    }

    @Test
    void everyNetDmMessageFromTheKernelDecodesAsTheCommentSays() throws Exception {
        int messages = 0;
        int attributes = 0;
        for (HexFixture f : HexFixture.loadAll("fixtures/netdm")) {
            for (Entry e : f.rx()) {
                ByteBuffer b = e.buffer();
                if (NlMsg.type(b, 0) != 0x23) { // NET_DM's id in the lab; NLMSG_ERROR is NetlinkErrorTest's
                    continue;
                }
                assertEquals(Direction.RX, e.direction());
                int len = NlMsg.checkedLength(b, 0, b.limit());
                String summary = e.summary();
                // "NET_DM_CMD_X ver=2; len=.. type=.. flags=.. seq=.. pid=..; ATTRIBUTES"
                String attrs = summary.substring(summary.indexOf("; ", summary.indexOf(" pid=")) + 2);
                attributes += check(new AttributeCursor(b, NLMSG_HDRLEN + GENL_HDRLEN, len), attrs, TOP, e.toString());
                messages++;
            }
        }
        // 2 summary + 24 + 23 packet alerts, 2 + 2 CONFIG_NEW, 1 + 1 STATS_NEW (per the file headers)
        assertTrue(messages >= 50, "messages " + messages);
        assertTrue(attributes > 400, "attributes " + attributes);
    }
}
