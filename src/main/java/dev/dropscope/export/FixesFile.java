package dev.dropscope.export;

import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The sysctl lines of the findings' fixes as a file for the operator to review (and copy to
 * /etc/sysctl.d/): each line under a comment naming its finding and its risk. Nothing in it has been
 * applied; dropscope never applies a fix.
 */
public final class FixesFile {
    /** A sysctl.d line: "net.core.rmem_max = 8388608" (values may hold spaces: tcp_mem). */
    private static final Pattern SYSCTL_LINE = Pattern.compile("[a-z0-9_]+(\\.[A-Za-z0-9_\\-]+)+ = [^\\n\\r]+");

    private FixesFile() {
    }

    /**
     * The file's text.
     *
     * @param host   the host the snapshot was taken on (for the header), may be null
     * @param netns  the snapshot's namespace, or null
     */
    public static String render(List<Finding> findings, String host, String netns) {
        StringBuilder out = new StringBuilder();
        out.append("# dropscope: suggested sysctl settings, for review. Nothing here has been applied.\n");
        out.append("# From a snapshot of ").append(host == null ? "this host" : host)
                .append(netns == null ? "" : ", network namespace " + netns).append(".\n");
        out.append("# Keep the lines you agree with in /etc/sysctl.d/90-dropscope.conf, then run 'sysctl --system'.\n");
        if (netns != null) {
            out.append("# /etc/sysctl.d applies to the initial namespace: per-namespace settings (net.ipv4.conf.*,\n");
            out.append("# somaxconn, tcp_rmem, ...) belong where ").append(netns)
                    .append(" is created ('ip netns exec ").append(netns).append(" sysctl -p FILE').\n");
        }
        Set<String> written = new LinkedHashSet<>();
        int n = 0;
        for (Finding f : findings) {
            StringBuilder block = new StringBuilder();
            for (Fix x : f.fixes()) {
                String line = x.persist();
                if (line == null || !SYSCTL_LINE.matcher(line).matches() || !written.add(line)) {
                    continue;
                }
                block.append("# risk: ").append(oneLine(x.risk())).append('\n').append(line).append('\n');
                n++;
            }
            if (block.length() > 0) {
                out.append('\n').append("# ").append(f.id()).append(" (").append(f.severity().label()).append("): ")
                        .append(oneLine(f.title())).append('\n').append(block);
            }
        }
        if (n == 0) {
            out.append("\n# No sysctl changes suggested");
            out.append(findings.isEmpty() ? ": no findings.\n" : " (the findings' fixes are commands, not sysctls).\n");
        }
        return out.toString();
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }
}
