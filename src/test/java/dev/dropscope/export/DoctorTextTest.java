package dev.dropscope.export;

import static org.junit.jupiter.api.Assertions.*;

import dev.dropscope.model.Check;
import dev.dropscope.model.CheckStatus;
import dev.dropscope.model.DoctorReport;
import dev.dropscope.model.DropSource;
import dev.dropscope.perf.Tracefs;
import dev.dropscope.perf.TracepointFormat;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

class DoctorTextTest {

    /** The lab kernel's 102 drop-reason names, from its recorded format. */
    private static List<String> labReasons() throws IOException, URISyntaxException {
        Path dir = Path.of(DoctorTextTest.class.getClassLoader().getResource("tracefs/6.12.117+deb12-amd64").toURI());
        try (Tracefs t = Tracefs.at(dir)) {
            TracepointFormat f = t.readFormat("skb", "kfree_skb");
            return f.symbols("reason").values().stream().filter(n -> !n.equals("MAX")).toList();
        }
    }

    private static DoctorReport report(List<String> reasons, DropSource source) {
        String longFix = "rebuild the kernel with CONFIG_NET_DROP_MONITOR=y (it has no module support: "
                + "CONFIG_MODULES is not set); until then dropscope uses the skb:kfree_skb tracepoint instead";
        return new DoctorReport("6.12.117+deb12-amd64", List.of(
                Check.of("kernel", CheckStatus.OK, "kernel", "Linux 6.12.117+deb12-amd64"),
                new Check("source.netdm", CheckStatus.MISSING, "NET_DM", "not built into this kernel",
                        "# CONFIG_NET_DROP_MONITOR is not set in /proc/config.gz", longFix),
                Check.of("privileges.perf_event_paranoid", CheckStatus.OK, "perf_event_paranoid",
                        "3, overridden by our CAP_PERFMON")),
                Map.of(), reasons, source, source == null ? "nothing works" : "the tracepoint works");
    }

    @Test
    void everyLineFitsEightyColumnsAndFixesHangUnderTheirCheck() throws Exception {
        String text = DoctorText.render(report(labReasons(), DropSource.TRACEPOINT), true);
        List<String> lines = text.lines().toList();
        for (String l : lines) {
            assertTrue(l.length() <= 80, "too long (" + l.length() + "): " + l);
        }
        int netDm = lines.indexOf("missing  NET_DM               not built into this kernel");
        assertTrue(netDm > 0, text);
        assertTrue(lines.get(netDm + 1).startsWith("         detail: # CONFIG_NET_DROP_MONITOR"), text);
        assertTrue(lines.get(netDm + 2).startsWith("         fix: rebuild the kernel"), text);
        assertTrue(lines.get(netDm + 3).startsWith("              "), "the fix wraps under itself: " + text);
        assertTrue(text.contains("\ndrop source: auto uses the skb:kfree_skb tracepoint\n"), text);
        assertTrue(text.contains("drop reasons of this kernel (102, from the skb:kfree_skb format):"), text);
        // every name appears, whole
        for (String reason : labReasons()) {
            assertTrue(text.contains(" " + reason + " ") || text.contains(" " + reason + "\n"), reason);
        }
    }

    @Test
    void detailOnlyWhenVerboseAndNoSourceSaysSo() throws Exception {
        String text = DoctorText.render(report(List.of(), null), false);
        assertFalse(text.contains("detail:"), text);
        assertTrue(text.contains("drop source: none works on this machine; see the fixes above"), text);
        assertFalse(text.contains("drop reasons"), text);
    }

    @Test
    void wrapKeepsWordsWhole() {
        assertEquals(List.of("aaa bbb", "ccc"), DoctorText.wrap("aaa bbb ccc", 7, 7));
        assertEquals(List.of("a", "verylongword", "b"), DoctorText.wrap("a verylongword b", 5, 5));
        assertEquals(List.of(""), DoctorText.wrap("", 10, 10));
    }
}
