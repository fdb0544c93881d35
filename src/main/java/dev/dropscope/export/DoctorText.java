package dev.dropscope.export;

import dev.dropscope.model.Check;
import dev.dropscope.model.DoctorReport;

import java.util.ArrayList;
import java.util.List;

/**
 * The doctor report for a terminal: one line per check (status, what, finding), the fix indented
 * below anything that is not ok, the source {@code auto} would pick and the kernel's drop reasons.
 * Lines fit 80 columns; longer text wraps under its own column.
 */
public final class DoctorText {
    static final int WIDTH = 80;
    private static final int STATUS_COLUMN = 9;
    private static final int TITLE_COLUMN = 21;
    private static final String INDENT = " ".repeat(STATUS_COLUMN);

    private DoctorText() {
    }

    /** Renders {@code report}; {@code verbose} adds each check's detail line. */
    public static String render(DoctorReport report, boolean verbose) {
        StringBuilder out = new StringBuilder();
        out.append("dropscope doctor: Linux ").append(report.kernelRelease()).append("\n\n");
        for (Check c : report.checks()) {
            String head = pad(c.status().label(), STATUS_COLUMN) + pad(c.title(), TITLE_COLUMN);
            if (head.length() > STATUS_COLUMN + TITLE_COLUMN) {
                head += " ";
            }
            appendWrapped(out, head, " ".repeat(STATUS_COLUMN + TITLE_COLUMN), c.summary());
            if (verbose && c.detail() != null) {
                appendWrapped(out, INDENT + "detail: ", INDENT + "        ", c.detail());
            }
            if (c.fix() != null && !c.isOk()) {
                appendWrapped(out, INDENT + "fix: ", INDENT + "     ", c.fix());
            }
        }
        out.append('\n');
        if (report.hasWorkingDropSource()) {
            out.append("drop source: auto uses ").append(report.autoSource().description()).append('\n');
        } else {
            out.append("drop source: none works on this machine; see the fixes above\n");
        }
        appendWrapped(out, "  because ", "  ", report.autoSourceReason());
        if (!report.dropReasons().isEmpty()) {
            out.append('\n').append("drop reasons of this kernel (").append(report.dropReasons().size())
                    .append(", from the skb:kfree_skb format):\n");
            appendWrapped(out, "  ", "  ", String.join(" ", report.dropReasons()));
        }
        return out.toString();
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    /** Appends {@code text} after {@code first}, wrapping at word boundaries to {@link #WIDTH}. */
    static void appendWrapped(StringBuilder out, String first, String rest, String text) {
        for (String line : wrap(text, WIDTH - first.length(), WIDTH - rest.length())) {
            out.append(first).append(line).append('\n');
            first = rest;
        }
    }

    static List<String> wrap(String text, int firstWidth, int restWidth) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        int width = firstWidth;
        for (String word : text.split(" ")) {
            if (word.isEmpty()) {
                continue;
            }
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
                width = restWidth;
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word); // a word longer than the width stays whole rather than being cut
        }
        lines.add(line.toString());
        return lines;
    }
}
