package dev.dropscope.export;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Headings, paragraphs and tables written either as plain text (aligned columns, for a terminal or a
 * ticket without markup) or as GitHub-flavoured Markdown (pipe tables). {@link SnapshotReport} and
 * {@link SnapshotDiff} write through it, so both formats always hold the same facts.
 */
final class ReportWriter {
    /** Output flavour. */
    enum Style { TEXT, MARKDOWN }

    private final Style style;
    private final StringBuilder out = new StringBuilder();

    ReportWriter(Style style) {
        this.style = style;
    }

    boolean markdown() {
        return style == Style.MARKDOWN;
    }

    void title(String text) {
        if (markdown()) {
            out.append("# ").append(md(text)).append("\n\n");
        } else {
            out.append(text).append('\n').append("=".repeat(text.length())).append("\n\n");
        }
    }

    void heading(String text) {
        if (markdown()) {
            out.append("## ").append(md(text)).append("\n\n");
        } else {
            out.append(text).append('\n').append("-".repeat(text.length())).append("\n\n");
        }
    }

    void subheading(String text) {
        if (markdown()) {
            out.append("### ").append(md(text)).append("\n\n");
        } else {
            out.append(text).append('\n');
        }
    }

    /** A line of text (wrapped in text mode at 100 columns, after {@code indent} spaces). */
    void line(String text) {
        if (markdown()) {
            out.append(md(text)).append("\n\n");
        } else {
            DoctorText.appendWrapped(out, "", "", text);
        }
    }

    /** "label: value" item; in Markdown a bullet. */
    void item(String label, String value) {
        if (markdown()) {
            out.append("- **").append(md(label)).append("**: ").append(md(value)).append('\n');
        } else {
            DoctorText.appendWrapped(out, "  " + label + ": ", "  " + " ".repeat(label.length() + 2), value);
        }
    }

    /** An item under the previous one: a nested bullet in Markdown, indented further in text. */
    void subitem(String label, String value) {
        if (markdown()) {
            out.append("  - ").append(md(label)).append(": ").append(md(value)).append('\n');
        } else {
            DoctorText.appendWrapped(out, "    " + label + ": ", "    " + " ".repeat(label.length() + 2), value);
        }
    }

    /** A command under the previous item. */
    void subcommand(String label, String command) {
        if (markdown()) {
            out.append("  - ").append(md(label)).append(": `").append(command.replace("`", "'")).append("`\n");
        } else {
            out.append("    ").append(label).append(": ").append(command).append('\n');
        }
    }

    /** A command to type: a code span in Markdown, indented in text. */
    void command(String label, String command) {
        if (markdown()) {
            out.append("- ").append(md(label)).append(": `").append(command.replace("`", "'")).append("`\n");
        } else {
            out.append("  ").append(label).append(": ").append(command).append('\n');
        }
    }

    void blank() {
        out.append('\n');
    }

    /** Ends a list of items in Markdown (a blank line), nothing extra in text. */
    void endItems() {
        out.append('\n');
    }

    /**
     * A table. {@code right} marks the numeric columns (right-aligned in text). An empty table prints
     * {@code empty} instead.
     */
    void table(List<String> headers, List<List<String>> table, boolean[] right, String empty) {
        // sysctl values such as tcp_rmem hold tabs: one space each, so columns stay aligned
        List<List<String>> rows = table.stream().map(r -> r.stream().map(v -> v.replace('\t', ' ')).toList()).toList();
        if (rows.isEmpty()) {
            line(empty);
            if (!markdown()) {
                out.append('\n');
            }
            return;
        }
        if (markdown()) {
            out.append('|');
            for (String h : headers) {
                out.append(' ').append(cell(h)).append(" |");
            }
            out.append("\n|");
            for (int c = 0; c < headers.size(); c++) {
                out.append(right[c] ? " ---: |" : " --- |");
            }
            out.append('\n');
            for (List<String> r : rows) {
                out.append('|');
                for (String v : r) {
                    out.append(' ').append(cell(v)).append(" |");
                }
                out.append('\n');
            }
            out.append('\n');
            return;
        }
        int[] w = new int[headers.size()];
        for (int c = 0; c < w.length; c++) {
            w[c] = headers.get(c).length();
            for (List<String> r : rows) {
                w[c] = Math.max(w[c], r.get(c).length());
            }
        }
        List<List<String>> all = new ArrayList<>();
        all.add(headers);
        all.addAll(rows);
        for (List<String> r : all) {
            StringBuilder line = new StringBuilder("  ");
            for (int c = 0; c < w.length; c++) {
                String v = r.get(c);
                String pad = " ".repeat(w[c] - v.length());
                line.append(right[c] ? pad + v : v + pad);
                if (c < w.length - 1) {
                    line.append("  ");
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        out.append('\n');
    }

    @Override
    public String toString() {
        String s = out.toString();
        while (s.endsWith("\n\n")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    /** Markdown text: characters that would start markup are escaped. */
    static String md(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if ("\\`*_[]<>|#".indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    private static String cell(String s) {
        return md(s.replace('\t', ' ')).replace("\n", " ");
    }

    /** A counter as its unsigned decimal value. */
    static String count(long v) {
        return Long.toUnsignedString(v);
    }

    static String count(Long v) {
        return v == null ? "-" : Long.toUnsignedString(v);
    }

    /** A rate per second: no decimals from 100 up, one below, "0" for none. */
    static String rate(Double r) {
        if (r == null) {
            return "-";
        }
        if (r == 0) {
            return "0";
        }
        if (Math.abs(r) >= 100) {
            return String.format(Locale.ROOT, "%.0f", r);
        }
        return String.format(Locale.ROOT, "%.1f", r);
    }
}
