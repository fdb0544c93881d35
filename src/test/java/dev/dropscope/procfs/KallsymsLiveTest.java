package dev.dropscope.procfs;

import dev.dropscope.testutil.Needs;
import dev.dropscope.perf.LabSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kallsyms on this machine against the running kernel's own %pS. A private tracing instance (own
 * buffer and options, nothing global touched) records skb:kfree_skb for drops we cause in our own
 * namespace; its {@code fields} output prints each location both as the kernel symbolizes it and as a
 * number.
 */
@Needs(root = true)
class KallsymsLiveTest {
    private static Kallsyms table;

    @BeforeAll
    static void load() throws IOException {
        table = Kallsyms.query(Path.of("/proc"));
    }

    private static final String DROPS = String.join("\n",
            "import socket",
            "for fam, host in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):",
            "    s = socket.socket(fam, socket.SOCK_DGRAM)",
            "    for _ in range(3): s.sendto(b'x', (host, 9))",
            "    s.close()",
            "    t = socket.socket(fam, socket.SOCK_STREAM)",
            "    try: t.connect((host, 9))",
            "    except OSError: pass",
            "    t.close()");

    @Test
    void symbolizesDropLocationsExactlyAsTheKernelPrintsThem() throws Exception {
        assertEquals(Kallsyms.State.OK, table.state(), "root must see kallsyms addresses");
        String trace;
        try (LabSupport.NetNs ns = LabSupport.NetNs.create();
             LabSupport.PrivateTracefs tracefs = LabSupport.PrivateTracefs.mount()) {
            Path instance = tracefs.root.resolve("instances").resolve(ns.name);
            Files.createDirectory(instance);
            Path enable = instance.resolve("events/skb/kfree_skb/enable");
            try {
                Files.writeString(enable, "1");
                try {
                    LabSupport.run("ip", "netns", "exec", ns.name, "/usr/bin/python3", "-c", DROPS);
                } finally {
                    Files.writeString(enable, "0");
                }
                Files.writeString(instance.resolve("trace_options"), "fields");
                trace = Files.readString(instance.resolve("trace"), StandardCharsets.UTF_8);
            } finally {
                Files.delete(instance);
            }
        }
        // "... location=__udp4_lib_rcv+0x4bc/0xd00 (-2113640628) rx_sk=0x0 (0) ..."
        Matcher m = Pattern.compile("location=(.+?) \\((-?\\d+)\\) ").matcher(trace);
        Map<String, String> seen = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        while (m.find()) {
            long address = Long.parseLong(m.group(2));
            String kernel = m.group(1);
            String ours = table.format(address);
            seen.put(kernel, ours);
            if (!kernel.equals(ours)) {
                wrong.add(Long.toHexString(address) + " kernel=" + kernel + " ours=" + ours);
            }
        }
        assertTrue(seen.keySet().stream().anyMatch(k -> k.startsWith("__udp4_lib_rcv+")), "seen: " + seen.keySet());
        assertTrue(seen.keySet().stream().anyMatch(k -> k.startsWith("__udp6_lib_rcv+")), "seen: " + seen.keySet());
        assertTrue(seen.size() >= 3, "distinct locations: " + seen.keySet());
        assertEquals(List.of(), wrong);
        System.out.println("kernel %pS = ours for " + seen.keySet());
    }

    private static int sysctl(String name) throws IOException {
        return Integer.parseInt(Files.readString(Path.of("/proc/sys/kernel", name)).trim());
    }

    /** What an unprivileged reader sees; kallsyms_show_value() decides from these two sysctls. */
    @Test
    void readerWithoutCapSyslogGetsAStateNotNonsense() throws IOException {
        String text = LabSupport.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "cat", "/proc/kallsyms");
        Kallsyms k = Kallsyms.parse(text.getBytes(StandardCharsets.US_ASCII));
        boolean visible = sysctl("kptr_restrict") == 0 && sysctl("perf_event_paranoid") <= 1;
        assertEquals(visible ? Kallsyms.State.OK : Kallsyms.State.ADDRESSES_HIDDEN, k.state());
        if (!visible) {
            long udp = table.addressOf("__udp4_lib_rcv").orElseThrow();
            assertNull(k.symbolize(udp));
        }
    }
}
