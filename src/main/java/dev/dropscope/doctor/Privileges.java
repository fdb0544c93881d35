package dev.dropscope.doctor;

import dev.dropscope.procfs.Capability;
import dev.dropscope.procfs.ProcessStatus;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a process without some capabilities cannot collect, and which capability would give it: the text an
 * unprivileged {@code snapshot} prints about what it left out, and the hint a command that needs a drop source
 * adds to its one-line refusal. Pure over a {@link ProcessStatus}; {@link #current()} reads our own.
 */
public final class Privileges {
    private Privileges() {
    }

    /** One part of the output that needs a capability this process lacks. */
    public record Missing(String part, String needs) {
        public String text() {
            return part + " (" + needs + ")";
        }
    }

    /** What a process with {@code status}'s effective capabilities cannot read; empty for root. */
    public static List<Missing> missing(ProcessStatus status) {
        boolean netAdmin = status.has(Capability.CAP_NET_ADMIN);
        boolean perf = status.has(Capability.CAP_PERFMON) || status.has(Capability.CAP_SYS_ADMIN);
        List<Missing> out = new ArrayList<>();
        if (!netAdmin && !perf) {
            out.add(new Missing("drop sites", dropSourceNeeds()));
        }
        if (!netAdmin) {
            out.add(new Missing("conntrack statistics", "ctnetlink needs CAP_NET_ADMIN"));
            out.add(new Missing("firewall rules", "nf_tables dumps need CAP_NET_ADMIN"));
        }
        if ((netAdmin || perf) && !status.has(Capability.CAP_SYSLOG)) {
            out.add(new Missing("drop site names when kernel.kptr_restrict hides addresses", "needs CAP_SYSLOG"));
        }
        return out;
    }

    /** Which capabilities a drop source needs, for a refusal that ends in EPERM or EACCES. */
    public static String dropSourceNeeds() {
        return "the skb:kfree_skb tracepoint needs CAP_PERFMON or CAP_SYS_ADMIN (and CAP_SYS_ADMIN to mount tracefs"
                + " when it is not mounted), the eBPF source CAP_BPF as well, NET_DM needs CAP_NET_ADMIN";
    }

    /** The one-line summary of {@link #missing}: "" when nothing is missing. */
    public static String leftOut(List<Missing> missing) {
        if (missing.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (Missing m : missing) {
            parts.add(m.text());
        }
        return "left out for lack of privileges: " + String.join("; ", parts) + ". Run as root (sudo) for all of it";
    }

    /** Our own status, from /proc/self/status. */
    public static ProcessStatus current() throws IOException {
        return ProcessStatus.query(Path.of("/"));
    }
}
