package dev.dropscope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The layering of src/main, read from the sources: dependencies point one way,
 * {@code cli -> ui/export -> diagnosis -> model <- doctor -> collect -> netlink/bpf/perf/procfs -> sys}, and only
 * {@code sys} touches JNA or jnr-ffi. Imports (static ones too) and fully qualified names in code count;
 * comments and string literals do not. A package outside the table below fails: place it first.
 */
class ArchitectureTest {

    private static final String ROOT = "dev.dropscope";
    private static final String ANY = "*";

    /** Layer -> the other layers it may use. A layer may always use itself and its own subpackages. */
    static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("sys", Set.of()),
            Map.entry("netlink", Set.of("sys")),
            Map.entry("btf", Set.of()),
            Map.entry("perf", Set.of("sys")),
            Map.entry("bpf", Set.of("btf", "perf", "sys")),
            Map.entry("procfs", Set.of("sys")),
            Map.entry("model", Set.of()),
            Map.entry("collect", Set.of("bpf", "btf", "model", "netlink", "perf", "procfs", "sys")),
            Map.entry("doctor", Set.of("collect", "bpf", "btf", "model", "netlink", "perf", "procfs", "sys")),
            Map.entry("diagnosis", Set.of("model")),
            Map.entry("export", Set.of("model", "diagnosis")),
            Map.entry("ui", Set.of("model", "diagnosis")),
            Map.entry("cli", Set.of(ANY)));

    /** The one layer allowed to use a native binding. */
    static final String NATIVE_LAYER = "sys";

    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.\\s]+?)\\s*;", Pattern.MULTILINE);
    private static final Pattern NATIVE = Pattern.compile("(?<![\\w.])(com\\s*\\.\\s*sun\\s*\\.\\s*jna|jnr)\\s*\\.");
    private static final Pattern DROPSCOPE = Pattern.compile("(?<![\\w.])dev\\s*\\.\\s*dropscope\\s*\\.\\s*([A-Za-z_$][\\w$]*|\\*)");

    record Violation(String file, int line, String reason, String code) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + reason + ": " + code;
        }
    }

    // ---------------------------------------------------------------- the real sources

    static Path mainSources() {
        Path repo = Paths.get(System.getProperty("dropscope.repo", "")).toAbsolutePath();
        return repo.resolve("src/main/java/dev/dropscope");
    }

    static List<Path> javaFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void mainSourcesRespectTheLayersAndOnlySysUsesNativeBindings() throws IOException {
        Path dir = mainSources();
        assertTrue(Files.isDirectory(dir), dir + " is not a directory: is dropscope.repo set?");
        Path repo = dir.getParent().getParent().getParent().getParent().getParent();
        List<Path> files = javaFiles(dir);
        List<Violation> violations = new ArrayList<>();
        for (Path f : files) {
            violations.addAll(check(repo.relativize(f).toString(), Files.readString(f, StandardCharsets.UTF_8)));
        }
        assertTrue(violations.isEmpty(), violations.size() + " architecture violation(s):\n"
                + violations.stream().map(Violation::toString).collect(Collectors.joining("\n")));

        // not vacuous: the files were read and the checker sees the native binding where it is allowed
        assertTrue(files.size() >= 10, "only " + files.size() + " files under " + dir);
        Path jna = dir.resolve("sys/JnaSyscalls.java");
        assertTrue(files.contains(jna), "sys/JnaSyscalls.java not scanned");
        assertTrue(nativeReferenceLines(Files.readString(jna)).size() > 0, "the checker does not see JNA in JnaSyscalls");
    }

    // ---------------------------------------------------------------- the checker

    /** Every violation in one source file; {@code file} only labels the report. */
    static List<Violation> check(String file, String source) {
        String code = stripCommentsAndLiterals(source);
        String[] original = source.split("\n", -1);
        List<Violation> out = new ArrayList<>();
        Matcher pm = PACKAGE.matcher(code);
        if (!pm.find()) {
            out.add(new Violation(file, 1, "no package declaration", ""));
            return out;
        }
        String pkg = pm.group(1).replaceAll("\\s", "");
        String layer = layerOf(pkg);
        // the package declaration names the file's own package, not a dependency
        code = code.substring(0, pm.start()) + blank(code.substring(pm.start(), pm.end())) + code.substring(pm.end());

        if (layer == null || !ALLOWED.containsKey(layer)) {
            out.add(new Violation(file, lineOf(code, pm.start()), "package " + pkg + " is in no layer "
                    + ALLOWED.keySet().stream().sorted().collect(Collectors.toList()) + "; add it to ArchitectureTest",
                    original[lineOf(code, pm.start()) - 1].trim()));
            return out;
        }
        if (!NATIVE_LAYER.equals(layer)) {
            for (int line : nativeReferenceLines(code)) {
                out.add(new Violation(file, line, "only " + ROOT + "." + NATIVE_LAYER + " may use JNA or jnr-ffi",
                        original[line - 1].trim()));
            }
        }
        Set<String> allowed = ALLOWED.get(layer);
        Matcher m = DROPSCOPE.matcher(code);
        while (m.find()) {
            String segment = m.group(1);
            String target = Character.isLowerCase(segment.charAt(0)) ? segment : "(the root package)";
            if (target.equals(layer) || allowed.contains(ANY) || allowed.contains(target)) {
                continue;
            }
            int line = lineOf(code, m.start());
            out.add(new Violation(file, line, layer + " may not depend on " + target + " (allowed: "
                    + (allowed.isEmpty() ? "nothing" : new TreeSet<>(allowed)) + ")", original[line - 1].trim()));
        }
        out.sort((a, b) -> Integer.compare(a.line(), b.line()));
        return out;
    }

    /** "netlink" for dev.dropscope.netlink.genl; null outside dev.dropscope or for the root package. */
    static String layerOf(String pkg) {
        if (!pkg.startsWith(ROOT + ".")) {
            return null;
        }
        String rest = pkg.substring(ROOT.length() + 1);
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    /** Lines (1-based) of code that name com.sun.jna or jnr; {@code code} may still hold comments. */
    static List<Integer> nativeReferenceLines(String source) {
        String code = stripCommentsAndLiterals(source);
        List<Integer> lines = new ArrayList<>();
        Matcher m = NATIVE.matcher(code);
        while (m.find()) {
            int line = lineOf(code, m.start());
            if (!lines.contains(line)) {
                lines.add(line);
            }
        }
        return lines;
    }

    private static int lineOf(String text, int index) {
        int line = 1;
        for (int i = 0; i < index; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static String blank(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            b.append(s.charAt(i) == '\n' ? '\n' : ' ');
        }
        return b.toString();
    }

    /**
     * The source with comments, string and char literals and text blocks replaced by spaces, keeping
     * every newline so line numbers still match.
     */
    static String stripCommentsAndLiterals(String src) {
        StringBuilder out = new StringBuilder(src.length());
        int n = src.length();
        int i = 0;
        while (i < n) {
            char c = src.charAt(i);
            int end;
            if (src.startsWith("//", i)) {
                end = src.indexOf('\n', i);
                end = end < 0 ? n : end;
            } else if (src.startsWith("/*", i)) {
                end = src.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                end = i + 3;
                while (end < n && !src.startsWith("\"\"\"", end)) {
                    end += src.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(n, end + 3);
            } else if (c == '"' || c == '\'') {
                end = i + 1;
                while (end < n && src.charAt(end) != c && src.charAt(end) != '\n') {
                    end += src.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(n, end + 1);
            } else {
                out.append(c);
                i++;
                continue;
            }
            out.append(blank(src.substring(i, end)));
            i = end;
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- the checker checked

    private static List<String> reported(String file, String source) {
        return check(file, source).stream().map(Violation::toString).collect(Collectors.toList());
    }

    @Test
    void aModelImportOfSysIsReportedWithFileAndLine() {
        List<String> v = reported("src/main/java/dev/dropscope/model/Drop.java", String.join("\n",
                "package dev.dropscope.model;",
                "",
                "import java.util.List;",
                "import dev.dropscope.sys.Fd;",
                "",
                "public record Drop(int count) {}"));
        assertEquals(List.of("src/main/java/dev/dropscope/model/Drop.java:4: model may not depend on sys "
                + "(allowed: nothing): import dev.dropscope.sys.Fd;"), v);
    }

    @Test
    void nativeBindingsOutsideSysAreReportedAsImportsAndAsQualifiedNames() {
        List<String> v = reported("ui/Screen.java", String.join("\n",
                "package dev.dropscope.ui;",
                "import jnr.ffi.Pointer;",
                "class Screen {",
                "    int errno() { return com.sun.jna.Native.getLastError(); }",
                "    Object p = jnr . ffi . Runtime.getSystemRuntime();",
                "}"));
        assertEquals(List.of(
                "ui/Screen.java:2: only dev.dropscope.sys may use JNA or jnr-ffi: import jnr.ffi.Pointer;",
                "ui/Screen.java:4: only dev.dropscope.sys may use JNA or jnr-ffi: "
                        + "int errno() { return com.sun.jna.Native.getLastError(); }",
                "ui/Screen.java:5: only dev.dropscope.sys may use JNA or jnr-ffi: "
                        + "Object p = jnr . ffi . Runtime.getSystemRuntime();"), v);
    }

    @Test
    void staticImportsWildcardsAndQualifiedNamesAcrossLayersAreReported() {
        List<String> v = reported("netlink/X.java", String.join("\n",
                "package dev.dropscope.netlink;",
                "import static dev.dropscope.model.Units.*;",
                "import dev.dropscope.collect.*;",
                "import dev.dropscope.sys.Fd;",
                "class X { dev.dropscope.diagnosis.Finding f; dev.dropscope.Version v; }"));
        assertEquals(4, v.size(), String.join("\n", v));
        assertTrue(v.get(0).startsWith("netlink/X.java:2: netlink may not depend on model (allowed: [sys])"), v.get(0));
        assertTrue(v.get(1).startsWith("netlink/X.java:3: netlink may not depend on collect"), v.get(1));
        assertTrue(v.get(2).startsWith("netlink/X.java:5: netlink may not depend on diagnosis"), v.get(2));
        assertTrue(v.get(3).startsWith("netlink/X.java:5: netlink may not depend on (the root package)"), v.get(3));
        assertTrue(v.stream().noneMatch(s -> s.startsWith("netlink/X.java:4:")), "netlink may use sys: " + v);
    }

    @Test
    void everyRuleOfTheLayerTable() {
        // allowed
        assertEquals(List.of(), reported("a", "package dev.dropscope.sys;\nimport com.sun.jna.Native;\nimport jnr.ffi.Pointer;"));
        assertEquals(List.of(), reported("a", "package dev.dropscope.netlink.genl;\nimport dev.dropscope.netlink.NlMsg;\nimport dev.dropscope.sys.Errno;"));
        assertEquals(List.of(), reported("a", "package dev.dropscope.netlink;\nimport dev.dropscope.netlink.genl.GenlFamily;"));
        assertEquals(List.of(), reported("a", "package dev.dropscope.collect;\nimport dev.dropscope.model.A;\n"
                + "import dev.dropscope.netlink.B;\nimport dev.dropscope.perf.C;\nimport dev.dropscope.procfs.D;\nimport dev.dropscope.sys.E;"));
        assertEquals(List.of(), reported("a", "package dev.dropscope.diagnosis;\nimport dev.dropscope.model.A;"));
        assertEquals(List.of(), reported("a", "package dev.dropscope.export;\nimport dev.dropscope.model.A;\nimport dev.dropscope.diagnosis.B;"));
        assertEquals(List.of(), reported("a", "package dev.dropscope.ui;\nimport dev.dropscope.model.A;\nimport dev.dropscope.diagnosis.B;"));
        assertEquals(List.of(), reported("a", "package dev.dropscope.cli;\nimport dev.dropscope.collect.A;\n"
                + "import dev.dropscope.ui.B;\nimport dev.dropscope.export.C;\nimport dev.dropscope.sys.D;"));
        // refused: one line each
        String[][] refused = {
            {"sys", "netlink"}, {"netlink", "perf"}, {"perf", "procfs"}, {"procfs", "netlink"}, {"procfs", "model"},
            {"model", "diagnosis"}, {"diagnosis", "collect"}, {"diagnosis", "sys"}, {"collect", "diagnosis"},
            {"export", "collect"}, {"export", "sys"}, {"export", "netlink"}, {"export", "ui"}, {"ui", "export"},
            {"ui", "cli"}, {"model", "cli"}, {"collect", "cli"},
        };
        for (String[] r : refused) {
            List<String> v = reported("a", "package dev.dropscope." + r[0] + ";\nimport dev.dropscope." + r[1] + ".X;");
            assertEquals(1, v.size(), r[0] + " -> " + r[1] + ": " + v);
            assertTrue(v.get(0).startsWith("a:2: " + r[0] + " may not depend on " + r[1]), v.get(0));
        }
        for (String layer : new String[] {"netlink", "perf", "procfs", "collect", "model", "diagnosis", "export", "ui", "cli"}) {
            List<String> v = reported("a", "package dev.dropscope." + layer + ";\nimport com.sun.jna.Pointer;");
            assertEquals(List.of("a:2: only dev.dropscope.sys may use JNA or jnr-ffi: import com.sun.jna.Pointer;"), v, layer);
        }
    }

    @Test
    void commentsStringsAndTextBlocksDoNotCount() {
        String src = String.join("\n",
                "package dev.dropscope.model;",
                "// import com.sun.jna.Native;",
                "/* import dev.dropscope.sys.Fd;",
                "   jnr.ffi.Pointer */",
                "/** {@link dev.dropscope.collect.Collector} */",
                "class M {",
                "    String a = \"com.sun.jna.Native and dev.dropscope.sys.Fd\";",
                "    String b = \"escaped \\\" quote, then dev.dropscope.cli.Main\";",
                "    char c = '\"';",
                "    String d = \"\"\"",
                "        jnr.ffi.LibraryLoader dev.dropscope.netlink.NlMsg",
                "        \"\"\";",
                "    String e = \"with a // inside\"; int jnrCount; Object jnrish = this.jnr;",
                "}");
        assertEquals(List.of(), reported("m", src));
        String afterTricks = src.replace("int jnrCount;", "int jnrCount; dev.dropscope.sys.Fd leak;");
        assertEquals(List.of("m:13: model may not depend on sys (allowed: nothing): "
                + "String e = \"with a // inside\"; int jnrCount; dev.dropscope.sys.Fd leak; Object jnrish = this.jnr;"),
                reported("m", afterTricks));
    }

    @Test
    void aPackageOutsideTheTableIsReported() {
        assertEquals(List.of("u:1: package dev.dropscope.util is in no layer [bpf, btf, cli, collect, diagnosis, doctor, export, model, "
                + "netlink, perf, procfs, sys, ui]; add it to ArchitectureTest: package dev.dropscope.util;"),
                reported("u", "package dev.dropscope.util;\nclass U {}"));
        assertEquals(1, reported("r", "package dev.dropscope;\nclass R {}").size());
        assertEquals(List.of("n:1: no package declaration: "), reported("n", "class N {}"));
    }

    @Test
    void strippingKeepsLineNumbersAndLength() {
        String src = "a /* x\ny */ b // z\n\"s\\\"t\" 'c' \"\"\"\nq\n\"\"\" d";
        String code = stripCommentsAndLiterals(src);
        assertEquals(src.length(), code.length());
        assertEquals(src.chars().filter(ch -> ch == '\n').count(), code.chars().filter(ch -> ch == '\n').count());
        assertEquals(List.of("a", "b", "d"), List.of(code.trim().split("\\s+")));
    }
}
