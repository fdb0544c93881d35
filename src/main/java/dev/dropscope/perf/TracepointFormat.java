package dev.dropscope.perf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A tracepoint's {@code events/<system>/<event>/format} file: its id (the perf_event_attr config), the
 * layout of its raw record, and the {@code __print_symbolic} tables of its print format. The layout is
 * read, never assumed: offsets move between kernels (kfree_skb gained rx_sk in 6.11, reason in 5.17),
 * and so do the numbers of the drop reasons.
 *
 * @param name         the event name, e.g. "kfree_skb"
 * @param id           the tracepoint id, the perf_event_attr config for PERF_TYPE_TRACEPOINT
 * @param fields       every field in record order, the common_* ones first
 * @param printFormat  the text after "print fmt: "
 * @param symbolTables for each field printed with {@code __print_symbolic(REC->field, ...)}, its values'
 *                     names in ascending order of value
 */
public record TracepointFormat(String name, long id, List<Field> fields, String printFormat,
                               Map<String, Map<Long, String>> symbolTables) {

    /**
     * One field of the raw record.
     *
     * @param type        the C type as declared, e.g. "void *", "enum skb_drop_reason", "__data_loc char[]"
     * @param name        the field name, without any array suffix
     * @param offset      byte offset in the raw record
     * @param size        size in bytes
     * @param signed      whether the kernel declares it signed
     * @param arrayLength element count for a fixed array ("char comm[16]" gives 16), else 0
     */
    public record Field(String type, String name, int offset, int size, boolean signed, int arrayLength) {
        /** The fields every event starts with (common_type, common_pid...). */
        public boolean isCommon() {
            return name.startsWith("common_");
        }

        /** A {@code __data_loc} field holds a u32 (length << 16 | offset) pointing elsewhere in the record. */
        public boolean isDynamic() {
            return type.startsWith("__data_loc");
        }
    }

    public TracepointFormat {
        fields = List.copyOf(fields);
        Map<String, Map<Long, String>> copy = new LinkedHashMap<>();
        symbolTables.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new TreeMap<>(v))));
        symbolTables = Collections.unmodifiableMap(copy);
    }

    /** The field named {@code fieldName}. */
    public Optional<Field> field(String fieldName) {
        return fields.stream().filter(f -> f.name().equals(fieldName)).findFirst();
    }

    /** The {@code __print_symbolic} table of {@code fieldName}, value to name; empty when it has none. */
    public Map<Long, String> symbols(String fieldName) {
        return symbolTables.getOrDefault(fieldName, Map.of());
    }

    /**
     * Parses the text of a format file.
     *
     * @throws IllegalArgumentException when the name, ID or format section is missing or a line is malformed
     */
    public static TracepointFormat parse(String text) {
        String name = null;
        Long id = null;
        String printFormat = null;
        List<Field> fields = new ArrayList<>();
        boolean sawFormat = false;
        int lineNumber = 0;
        String[] lines = text.split("\n");
        for (String line : lines) {
            lineNumber++;
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            if (l.startsWith("name:")) {
                name = l.substring("name:".length()).strip();
            } else if (l.startsWith("ID:")) {
                String v = l.substring("ID:".length()).strip();
                try {
                    id = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("line " + lineNumber + ": ID '" + v + "' is not a number");
                }
            } else if (l.equals("format:")) {
                sawFormat = true;
            } else if (l.startsWith("field:")) {
                fields.add(parseField(l, lineNumber));
            } else if (l.startsWith("print fmt:")) {
                // the last section; its string may hold real newlines (ext4:ext4_fc_stats), so it runs to the end
                int at = text.indexOf("print fmt:");
                printFormat = text.substring(at + "print fmt:".length()).strip();
                break;
            } else {
                throw new IllegalArgumentException("line " + lineNumber + ": unexpected '" + abbreviate(l) + "'");
            }
        }
        if (name == null || id == null || !sawFormat) {
            throw new IllegalArgumentException("not a tracepoint format file: no "
                    + (name == null ? "name" : id == null ? "ID" : "format") + " line");
        }
        if (printFormat == null) {
            printFormat = "";
        }
        return new TracepointFormat(name, id, fields, printFormat, parseSymbolTables(printFormat));
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** "field:unsigned short common_type;	offset:0;	size:2;	signed:0;" */
    static Field parseField(String line, int lineNumber) {
        String[] parts = line.split(";");
        String decl = parts[0].substring("field:".length()).strip();
        Integer offset = null;
        Integer size = null;
        Boolean signed = null;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip();
            if (p.isEmpty()) {
                continue;
            }
            int colon = p.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("line " + lineNumber + ": malformed field attribute '" + p + "'");
            }
            String key = p.substring(0, colon);
            int value = parseInt(p.substring(colon + 1).strip(), lineNumber);
            switch (key) {
                case "offset":
                    offset = value;
                    break;
                case "size":
                    size = value;
                    break;
                case "signed":
                    signed = value != 0;
                    break;
                default:
                    break; // newer kernels may add attributes; the three above are what a reader needs
            }
        }
        if (offset == null || size == null || signed == null) {
            throw new IllegalArgumentException("line " + lineNumber + ": field without offset, size or signed: '"
                    + abbreviate(line) + "'");
        }
        // the name is the last identifier of the declaration; "[N]" after it makes a fixed array
        String d = decl;
        int arrayLength = 0;
        if (d.endsWith("]")) {
            int open = d.lastIndexOf('[');
            String n = d.substring(open + 1, d.length() - 1).strip();
            arrayLength = n.isEmpty() ? 0 : parseInt(n, lineNumber);
            d = d.substring(0, open).strip();
        }
        int cut = d.length();
        while (cut > 0 && (Character.isLetterOrDigit(d.charAt(cut - 1)) || d.charAt(cut - 1) == '_')) {
            cut--;
        }
        String fieldName = d.substring(cut);
        String type = d.substring(0, cut).strip();
        if (fieldName.isEmpty() || type.isEmpty()) {
            throw new IllegalArgumentException("line " + lineNumber + ": cannot split '" + decl + "' into type and name");
        }
        return new Field(type, fieldName, offset, size, signed, arrayLength);
    }

    private static int parseInt(String s, int lineNumber) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("line " + lineNumber + ": '" + s + "' is not a number");
        }
    }

    /**
     * Finds every {@code __print_symbolic(REC->field, { value, "NAME" }, ...)} in a print format. Values
     * are integers (decimal, or hex with 0x) once the kernel has resolved enum names (TRACE_DEFINE_ENUM);
     * entries it left unresolved are skipped.
     */
    static Map<String, Map<Long, String>> parseSymbolTables(String printFormat) {
        Map<String, Map<Long, String>> tables = new LinkedHashMap<>();
        String marker = "__print_symbolic(";
        int at = printFormat.indexOf(marker);
        while (at >= 0) {
            SymbolScanner s = new SymbolScanner(printFormat, at + marker.length());
            String expression = s.untilTopLevelComma().strip();
            String field = expression.startsWith("REC->") ? expression.substring(5).strip() : expression;
            tables.put(field, s.pairs());
            at = printFormat.indexOf(marker, s.position());
        }
        return tables;
    }

    /** Walks "{ 2, "NOT_SPECIFIED" }, { 3, ... })" one character at a time, honouring quotes and nesting. */
    private static final class SymbolScanner {
        private final String text;
        private int pos;

        SymbolScanner(String text, int pos) {
            this.text = text;
            this.pos = pos;
        }

        int position() {
            return pos;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("__print_symbolic at character " + pos + ": " + what);
        }

        private char peek() {
            if (pos >= text.length()) {
                throw error("the format ends inside __print_symbolic");
            }
            return text.charAt(pos);
        }

        private void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        /** The text up to the next ',' outside parentheses, braces and string literals; consumes the ','. */
        String untilTopLevelComma() {
            int depth = 0;
            int start = pos;
            while (true) {
                char c = peek();
                if (c == '"') {
                    quoted();
                    continue;
                }
                if (c == '(' || c == '{') {
                    depth++;
                } else if (c == ')' || c == '}') {
                    if (depth == 0) {
                        throw error("expected ',' before '" + c + "'");
                    }
                    depth--;
                } else if (c == ',' && depth == 0) {
                    String s = text.substring(start, pos);
                    pos++;
                    return s;
                }
                pos++;
            }
        }

        Map<Long, String> pairs() {
            Map<Long, String> table = new TreeMap<>();
            while (true) {
                skipSpace();
                char c = peek();
                if (c == ')') {
                    pos++;
                    return table;
                }
                if (c == ',') {
                    pos++;
                    continue;
                }
                if (c != '{') {
                    throw error("expected '{' or ')', found '" + c + "'");
                }
                pos++;
                skipSpace();
                if (peek() == '}') { // "__print_symbolic(REC->error_code, { })" in kvm:kvm_inj_exception
                    pos++;
                    continue;
                }
                String valueText = untilTopLevelComma().strip();
                skipSpace();
                if (peek() != '"') { // "{ -1, 0 }": a NULL-named end marker, as in xdp:mem_connect
                    skipPast('}');
                    continue;
                }
                StringBuilder name = new StringBuilder(quoted());
                skipSpace();
                while (peek() == '"') { // C concatenation: { 0, "KVM_EXIT_" "UNKNOWN" }
                    name.append(quoted());
                    skipSpace();
                }
                if (peek() != '}') {
                    throw error("expected '}' after \"" + name + "\"");
                }
                pos++;
                Long value = parseValue(valueText);
                if (value != null) {
                    table.put(value, name.toString());
                }
            }
        }

        /**
         * An integer literal (decimal or 0x hex, optional U/L suffixes, optional parentheses), or null for
         * anything else: an enum the kernel left unresolved (no TRACE_DEFINE_ENUM, as in
         * kvm:kvm_nested_vmenter_failed) can never match a record's number, so it is left out.
         */
        private Long parseValue(String v) {
            String n = v;
            while (n.startsWith("(") && n.endsWith(")")) {
                n = n.substring(1, n.length() - 1).strip();
            }
            while (!n.isEmpty() && "UuLl".indexOf(n.charAt(n.length() - 1)) >= 0) { // no hex digit is U or L
                n = n.substring(0, n.length() - 1);
            }
            try {
                return Long.decode(n);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        private void skipPast(char end) {
            while (peek() != end) {
                pos++;
            }
            pos++;
        }

        private String quoted() {
            if (peek() != '"') {
                throw error("expected a quoted name");
            }
            pos++;
            StringBuilder s = new StringBuilder();
            while (true) {
                char c = peek();
                pos++;
                if (c == '"') {
                    return s.toString();
                }
                if (c == '\\') {
                    c = peek();
                    pos++;
                }
                s.append(c);
            }
        }
    }
}
