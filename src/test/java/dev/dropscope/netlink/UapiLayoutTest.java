package dev.dropscope.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dropscope.netlink.ethtool.EthtoolConstants;
import dev.dropscope.netlink.genl.GenlConstants;
import dev.dropscope.netlink.genl.netdm.NetDmConstants;
import dev.dropscope.netlink.nfct.NfctConstants;
import dev.dropscope.netlink.route.RtnlConstants;
import dev.dropscope.sys.Errno;
import dev.dropscope.sys.MsgHdr;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Compares the numbers the Java side hard-codes with the system's kernel headers, as printed by
 * native/uapi_probe.c ("CLASS NAME VALUE" lines), in both directions: every probed value must match its
 * Java constant, and every public constant of the checked classes must be probed.
 */
class UapiLayoutTest {

    /** The probe's CLASS column -> the class it checks. */
    private static final Map<String, Class<?>> CLASSES = Map.ofEntries(
            Map.entry("BpfConstants", dev.dropscope.bpf.BpfConstants.class),
            Map.entry("NetlinkConstants", NetlinkConstants.class),
            Map.entry("GenlConstants", GenlConstants.class),
            Map.entry("MsgHdr", MsgHdr.class),
            Map.entry("Errno", Errno.class),
            Map.entry("NetDmConstants", NetDmConstants.class),
            Map.entry("RtnlConstants", RtnlConstants.class),
            Map.entry("EthtoolConstants", EthtoolConstants.class),
            Map.entry("NfctConstants", NfctConstants.class),
            Map.entry("SockDiagConstants", dev.dropscope.netlink.sockdiag.SockDiagConstants.class),
            Map.entry("NftConstants", dev.dropscope.netlink.nftables.NftConstants.class));

    /** Public constants that no UAPI header defines, so the probe cannot print them. Keep it short. */
    private static final Set<String> NOT_IN_UAPI = Set.of(
            // registered by net/core/drop_monitor.c; userspace only ever sees them as strings on the wire
            "NetDmConstants.NET_DM_GENL_NAME",
            "NetDmConstants.NET_DM_MCGRP_EVENTS_NAME",
            // nlctrl's family version, set in net/netlink/genetlink.c (genl_ctrl.version), not a UAPI value
            "GenlConstants.CTRL_VERSION");

    private static final Pattern LINE = Pattern.compile("(\\w+) (\\w+) (-?\\d+|\\?|\"[^\"]*\")");
    private static final String PROBE = "native/build/uapi_probe";

    private static List<String> probeOutput;

    @Test
    void everyProbedValueMatchesItsJavaConstant() throws Exception {
        List<String> lines = probe();
        List<String> problems = compare(lines, CLASSES);
        if (!problems.isEmpty()) {
            fail(problems.size() + " of " + lines.size() + " probed values disagree with the Java side:\n  "
                    + String.join("\n  ", problems));
        }
        long unknown = lines.stream().filter(l -> l.endsWith(" ?")).count();
        System.out.printf("uapi_probe: %d values checked, %d not in this system's headers%n",
                lines.size() - unknown, unknown);
    }

    @Test
    void everyJavaConstantIsProbed() throws Exception {
        List<String> uncovered = unprobed(probe(), CLASSES, NOT_IN_UAPI);
        if (!uncovered.isEmpty()) {
            fail("public constants with no line in native/uapi_probe.c (add one, or a reasoned exemption):\n  "
                    + String.join("\n  ", uncovered));
        }
    }

    /** The stats64 field list is what the snapshot keys counters by: field i must be the u64 at 8 * i. */
    @Test
    void stats64FieldListAgreesWithTheOffsets() throws Exception {
        List<String> fields = RtnlConstants.RTNL_LINK_STATS64_FIELDS;
        assertEquals(RtnlConstants.RTNL_LINK_STATS64_SIZE, fields.size() * Long.BYTES, "one u64 per field");
        for (int i = 0; i < fields.size(); i++) {
            String name = "RTNL_LINK_STATS64_" + fields.get(i).toUpperCase(Locale.ROOT) + "_OFFSET";
            assertEquals(i * Long.BYTES, RtnlConstants.class.getField(name).getInt(null), name);
        }
    }

    /** The checker itself: each kind of disagreement must be reported, and all of them at once. */
    @Test
    void comparisonReportsEveryProblemAtOnce() {
        List<String> lines = List.of(
                "Fixture A 1",
                "Fixture NEG 4294967295",          // a u32 macro, held as a negative int
                "Fixture S \"x\"",
                "Fixture L \"a b\"",
                "Fixture LATER ?",                 // header too old: Java only has to declare it
                "Fixture A 2",                     // wrong value (and a duplicate line)
                "Fixture GONE 3",                  // probed but not declared in Java
                "Fixture GONE_TOO ?",              // even an unknown value must be declared
                "Nope A 1",                        // class the test does not know
                "Fixture T 3",                     // number for a String constant
                "Fixture A 4294967297",            // does not fit 32 bits
                "not a probe line");
        assertEquals(List.of(
                "Fixture.A: printed twice by the probe",
                "Fixture.A: Java 1, header 2",
                "Fixture.GONE: in the header (3) but no public static final field in Java",
                "Fixture.GONE_TOO: in the header (?) but no public static final field in Java",
                "Nope.A: unknown class Nope (map it in UapiLayoutTest.CLASSES)",
                "Fixture.T: Java \"t\" (String), header 3",
                "Fixture.A: printed twice by the probe",
                "Fixture.A: header value 4294967297 does not fit the 32 bits of a Java int",
                "malformed probe line: not a probe line"),
                compare(lines, Map.of("Fixture", Fixture.class)));
    }

    @Test
    void coverageReportsUnprobedConstantsButNotExemptOnes() {
        List<String> lines = List.of("Fixture A 1", "Fixture NEG -1", "Fixture S \"x\"", "Fixture T \"t\"",
                "Fixture L \"a b\"", "Fixture LATER ?");
        assertEquals(List.of("Fixture.UNPROBED"),
                unprobed(lines, Map.of("Fixture", Fixture.class), Set.of("Fixture.EXEMPT")));
        assertTrue(unprobed(lines, Map.of("Fixture", Fixture.class),
                Set.of("Fixture.EXEMPT", "Fixture.UNPROBED")).isEmpty());
    }

    /** Stand-in constants class for the checker's own tests. */
    public static final class Fixture {
        public static final int A = 1;
        public static final int NEG = 0xFFFFFFFF;
        public static final String S = "x";
        public static final String T = "t";
        public static final List<String> L = List.of("a", "b");
        public static final int LATER = 7;
        public static final int UNPROBED = 5;
        public static final int EXEMPT = 6;
        static final int PACKAGE_PRIVATE = 8;  // not public API: not required
        public static int mutable = 9;         // not a constant: not required

        private Fixture() {
        }
    }

    /** Compares probe lines with the classes' fields; returns every problem found, in line order. */
    static List<String> compare(List<String> lines, Map<String, Class<?>> classes) {
        List<String> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                problems.add("malformed probe line: " + line);
                continue;
            }
            String key = m.group(1) + "." + m.group(2);
            String value = m.group(3);
            Class<?> cls = classes.get(m.group(1));
            if (cls == null) {
                problems.add(key + ": unknown class " + m.group(1) + " (map it in UapiLayoutTest.CLASSES)");
                continue;
            }
            if (!seen.add(key)) {
                problems.add(key + ": printed twice by the probe");
            }
            Field field = constant(cls, m.group(2));
            if (field == null) {
                problems.add(key + ": in the header (" + value + ") but no public static final field in Java");
                continue;
            }
            String problem = check(field, value);
            if (problem != null) {
                problems.add(key + ": " + problem);
            }
        }
        return problems;
    }

    /** Null when the field holds the header's value (or the header lacks it: "?"). */
    private static String check(Field field, String value) {
        try {
            Object java = field.get(null);
            if (value.equals("?")) {
                return null;
            }
            if (value.startsWith("\"")) {
                String header = value.substring(1, value.length() - 1);
                // a List constant (RTNL_LINK_STATS64_FIELDS) is printed as its items joined by spaces
                Object text = java instanceof List<?> list
                        ? String.join(" ", list.stream().map(String::valueOf).toList()) : java;
                return header.equals(text) ? null : "Java " + describe(text) + ", header \"" + header + "\"";
            }
            long header = Long.parseLong(value);
            if (header < Integer.MIN_VALUE || header > 0xFFFF_FFFFL) {
                return "header value " + header + " does not fit the 32 bits of a Java int";
            }
            if (field.getType() != int.class) {
                return "Java " + describe(java) + " (" + field.getType().getSimpleName() + "), header " + header;
            }
            // Unsigned u32 values (TC_H_ROOT) are held as the int with the same bits.
            int javaInt = field.getInt(null);
            return javaInt == (int) header ? null : "Java " + javaInt + ", header " + header;
        } catch (IllegalAccessException | NumberFormatException e) {
            return "cannot compare: " + e;
        }
    }

    private static String describe(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    /** Every public static final field of the classes that no probe line names, minus the exemptions. */
    static List<String> unprobed(List<String> lines, Map<String, Class<?>> classes, Set<String> exempt) {
        Set<String> probed = new HashSet<>();
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                probed.add(m.group(1) + "." + m.group(2));
            }
        }
        List<String> missing = new ArrayList<>();
        for (var e : new TreeMap<>(classes).entrySet()) {
            for (Field f : e.getValue().getDeclaredFields()) {
                String key = e.getKey() + "." + f.getName();
                if (isConstant(f) && !probed.contains(key) && !exempt.contains(key)) {
                    missing.add(key);
                }
            }
        }
        return missing;
    }

    private static Field constant(Class<?> cls, String name) {
        try {
            Field f = cls.getDeclaredField(name);
            return isConstant(f) ? f : null;
        } catch (NoSuchFieldException e) {
            return null;
        }
    }

    private static boolean isConstant(Field f) {
        int mod = f.getModifiers();
        return Modifier.isPublic(mod) && Modifier.isStatic(mod) && Modifier.isFinal(mod) && !f.isSynthetic();
    }

    /** The probe's output, built first when the binary is missing or older than its source. */
    private static synchronized List<String> probe() throws IOException, InterruptedException {
        if (probeOutput != null) {
            return probeOutput;
        }
        Path repo = Path.of(System.getProperty("dropscope.repo", "")).toAbsolutePath();
        Path source = repo.resolve("native/uapi_probe.c");
        Path binary = repo.resolve(PROBE);
        assertTrue(Files.isRegularFile(source), "no probe source at " + source + " (is dropscope.repo right?)");
        if (!Files.isExecutable(binary)
                || Files.getLastModifiedTime(binary).compareTo(Files.getLastModifiedTime(source)) < 0) {
            String out = run(repo, List.of("make", "-C", repo.toString(), PROBE), "building " + PROBE);
            assertTrue(Files.isExecutable(binary), "make ran but did not produce " + binary + ":\n" + out);
        }
        String out = run(repo, List.of(binary.toString()), "running " + PROBE);
        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.size() > 100, "the probe printed only " + lines.size() + " lines:\n" + out);
        probeOutput = lines;
        return lines;
    }

    private static String run(Path dir, List<String> command, String what) throws IOException, InterruptedException {
        Path log = Files.createTempFile("uapi-probe", ".out");
        try {
            Process p;
            try {
                p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                throw new AssertionError(what + " failed: cannot start " + command.get(0)
                        + " (needs make, gcc and the kernel headers: apt-get install make gcc linux-libc-dev)", e);
            }
            p.getOutputStream().close();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(what + " timed out after 120 s");
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError(what + " failed with exit code " + p.exitValue() + ":\n" + out);
            }
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
