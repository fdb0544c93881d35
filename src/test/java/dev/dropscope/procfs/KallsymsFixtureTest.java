package dev.dropscope.procfs;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kallsyms against one recorded lab VM boot: its /proc/kallsyms and the kernel's own %pS text for
 * addresses of that boot (see src/test/resources/kallsyms/README.md).
 */
class KallsymsFixtureTest {
    private static final String DIR = "/kallsyms/lab-6.12.117/";
    private static Kallsyms table;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = new GZIPInputStream(resource(DIR + "kallsyms.gz"))) {
            table = Kallsyms.parse(in.readAllBytes());
        }
    }

    private static InputStream resource(String name) {
        InputStream in = KallsymsFixtureTest.class.getResourceAsStream(name);
        assertNotNull(in, "missing test resource " + name);
        return in;
    }

    /** Non-comment lines split at tabs. */
    private static List<String[]> rows(String name) {
        try (InputStream in = resource(name)) {
            List<String[]> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line.split("\t"));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long address(String hex) {
        return Long.parseUnsignedLong(hex.substring(2), 16);
    }

    @Test
    void tableIsUsable() {
        assertEquals(Kallsyms.State.OK, table.state());
        assertTrue(table.size() > 100_000, "text symbols kept: " + table.size());
    }

    @Test
    void formatsEveryAddressExactlyLikeTheKernelsPercentPS() {
        List<String[]> rows = rows(DIR + "pS.txt");
        assertTrue(rows.size() > 800, "oracle rows: " + rows.size());
        List<String> wrong = new ArrayList<>();
        int modules = 0;
        int noSymbol = 0;
        for (String[] r : rows) {
            long a = address(r[0]);
            String kernel = r[1];
            String ours = table.format(a);
            if (!kernel.equals(ours) && !knownModuleTextEndGap(a, kernel)) {
                wrong.add(r[0] + " kernel=" + kernel + " ours=" + ours);
            }
            modules += kernel.endsWith("]") ? 1 : 0;
            noSymbol += kernel.startsWith("0x") ? 1 : 0;
        }
        assertTrue(modules > 100, "module rows: " + modules);
        assertTrue(noSymbol > 0, "rows without a symbol: " + noSymbol);
        assertEquals(List.of(), wrong, wrong.size() + " of " + rows.size() + " differ");
    }

    /**
     * The one documented divergence: the last function of a module, where the kernel's size runs to the
     * end of the module's text memory, which /proc/kallsyms does not show (sections without symbols,
     * e.g. .altinstr_replacement, can lie past our page-boundary guess). Name and offset must still
     * agree, and the kernel's size must be the larger.
     */
    private static boolean knownModuleTextEndGap(long address, String kernel) {
        Kallsyms.Symbol s = table.symbolize(address);
        if (s == null || s.module() == null || !kernel.endsWith(" [" + s.module() + "]")) {
            return false;
        }
        String prefix = s.name() + "+0x" + Long.toHexString(s.offset()) + "/0x";
        if (!kernel.startsWith(prefix)) {
            return false;
        }
        long kernelSize = Long.parseLong(kernel.substring(prefix.length(), kernel.indexOf(' ')), 16);
        // the last text symbol of its module: nothing of the module's text follows it in our table
        Kallsyms.Symbol after = table.symbolize(s.start() + s.size());
        boolean last = after == null || !s.module().equals(after.module());
        return last && kernelSize > s.size();
    }

    @Test
    void noSymbolMeansNull() {
        for (String[] r : rows(DIR + "pS.txt")) {
            if (r[1].startsWith("0x")) {
                assertNull(table.symbolize(address(r[0])), r[0]);
            }
        }
    }

    @Test
    void symbolPartsAreConsistent() {
        for (String[] r : rows(DIR + "pS.txt")) {
            long a = address(r[0]);
            Kallsyms.Symbol s = table.symbolize(a);
            if (s != null) {
                assertEquals(a, s.address());
                assertEquals(a, s.start() + s.offset());
                assertTrue(s.offset() < s.size(), s.format());
            }
        }
    }

    @Test
    void matchesTheKernelsNetDmSymbolAttribute() {
        List<String[]> rows = rows(DIR + "netdm-alert-packet-full.symbols.txt");
        assertTrue(rows.size() >= 3);
        for (String[] r : rows) {
            assertEquals(r[2], table.format(address(r[0])), "NET_DM_ATTR_SYMBOL for " + r[0]);
        }
        for (String[] r : rows(DIR + "netdm-alert-summary.symbols.txt")) {
            assertEquals(r[1], table.format(address(r[0])), "summary PC " + r[0]);
        }
    }

    @Test
    void zeroedAddressesAreReportedNotUsed() throws IOException {
        byte[] text;
        try (InputStream in = resource(DIR + "kallsyms-unprivileged.txt")) {
            text = in.readAllBytes();
        }
        Kallsyms hidden = Kallsyms.parse(text);
        assertEquals(Kallsyms.State.ADDRESSES_HIDDEN, hidden.state());
        assertEquals(300, hidden.lineCount());
        assertNull(hidden.symbolize(0));
        // any real address from the same boot: still no answer, and %pS-style raw hex
        long udp = address(rows(DIR + "netdm-alert-summary.symbols.txt").get(0)[0]);
        assertNull(hidden.symbolize(udp));
        assertEquals("0x" + Long.toHexString(udp), hidden.format(udp));
    }

    @Test
    void emptyInputIsEmptyState() {
        assertEquals(Kallsyms.State.EMPTY, Kallsyms.parse(new byte[0]).state());
        assertEquals(Kallsyms.State.EMPTY, Kallsyms.parse("garbage\n\n".getBytes(StandardCharsets.US_ASCII)).state());
    }
}
