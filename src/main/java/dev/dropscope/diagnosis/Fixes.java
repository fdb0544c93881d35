package dev.dropscope.diagnosis;

import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.NetnsIdentity;

/**
 * Builds fix commands from current values. Commands are what the operator types: for a snapshot taken in a
 * named namespace, or a finding about drops in another namespace, settings that live in the namespace get
 * {@code ip netns exec NAME} (or {@code nsenter -t PID -n} for a container), machine-wide ones do not (a
 * namespace cannot change them).
 */
final class Fixes {
    private Fixes() {
    }

    /**
     * Sysctls each network namespace has its own copy of, writable there. Everything else we suggest
     * (netdev_max_backlog, netdev_budget, tcp_mem, udp_mem, neigh.default.*, nf_conntrack_max and buckets,
     * rmem/wmem on most kernels) is set in the initial namespace only.
     */
    static boolean perNamespace(String sysctl) {
        if (sysctl.startsWith("net.ipv4.conf.") || sysctl.startsWith("net.ipv6.conf.")) {
            return true;
        }
        // a namespace has each interface's neighbour settings, but no "default" of its own
        if ((sysctl.startsWith("net.ipv4.neigh.") || sysctl.startsWith("net.ipv6.neigh."))
                && !sysctl.contains(".neigh.default.")) {
            return true;
        }
        return sysctl.equals("net.core.somaxconn") || sysctl.equals("net.ipv4.tcp_max_syn_backlog")
                || sysctl.equals("net.ipv4.tcp_rmem") || sysctl.equals("net.ipv4.tcp_wmem")
                || sysctl.equals("net.ipv4.udp_rmem_min");
    }

    /**
     * {@code command} run inside the namespace the finding is about: the foreign one its drop sites are in
     * ({@link #enter}), else the snapshot's named namespace, else as it is. The one place commands get
     * their namespace.
     */
    static String inNetns(Observation o, String command) {
        if (o.foreign != null) {
            return enter(o.foreign) + command;
        }
        return o.netns() == null ? command : "ip netns exec " + o.netns() + " " + command;
    }

    /** True when {@link #inNetns} prefixes commands. */
    static boolean entersNetns(Observation o) {
        return o.foreign != null || o.netns() != null;
    }

    /**
     * What runs a command in namespace {@code n}: {@code ip netns exec NAME} for a named one, {@code nsenter
     * -t PID -n} through a container's process, else nsenter with a placeholder for a process in it (found
     * with {@code ls -l /proc/[0-9]*}{@code /ns/net}).
     */
    static String enter(NetnsIdentity n) {
        if (n.name() != null) {
            return "ip netns exec " + n.name() + " ";
        }
        if (n.container() != null) {
            return "nsenter -t " + n.container().pid() + " -n ";
        }
        return "nsenter -t <pid in netns:" + n.inode() + "> -n ";
    }

    /** {@code sysctl -w NAME=VALUE}, with its /etc/sysctl.d/ line. */
    static Fix sysctl(Observation o, String name, String value, String risk) {
        String v = value.contains(" ") ? "\"" + value + "\"" : value;
        String cmd = "sysctl -w " + name + "=" + v;
        return new Fix(perNamespace(name) ? inNetns(o, cmd) : cmd, name + " = " + value, risk);
    }

    static Fix sysctl(Observation o, String name, long value, String risk) {
        return sysctl(o, name, Long.toString(value), risk);
    }

    /** A command with nothing to persist in sysctl.d (ethtool, ip, tc: persisted by the network manager). */
    static Fix command(String command, String risk) {
        return new Fix(command, null, risk);
    }

    /** The smallest power of two at or above {@code n} (n at least 1). */
    static long powerOfTwoAtLeast(long n) {
        if (n <= 1) {
            return 1;
        }
        long p = Long.highestOneBit(n);
        return p == n ? n : p << 1;
    }

    /**
     * A new limit for a setting that is too small: at least double the current value and at least
     * {@code need}, rounded up to a power of two, never above {@code cap} (but never below the current
     * value either: a limit already at the cap stays).
     */
    static long grow(long current, long need, long cap) {
        long target = powerOfTwoAtLeast(Math.max(Math.max(current, 1) * 2, need));
        return Math.max(current, Math.min(target, cap));
    }

    /**
     * How to spread {@code i}'s receive load over more RSS queues, from its ethtool channels: the exact
     * {@code ethtool -L} to the device's maximum when it uses fewer, "already at the maximum" when not,
     * and the command that shows the maximum when the channels are unknown.
     */
    static String moreRssQueues(Observation o, InterfaceStats i) {
        Long max = null;
        Long now = null;
        if (i.channels().isPresent()) {
            max = i.channels().value().get("combined_max");
            now = i.channels().value().get("combined_count");
            if (max == null || max == 0) {
                // devices with separate rx and tx channels
                max = i.channels().value().get("rx_max");
                now = i.channels().value().get("rx_count");
                if (max != null && now != null && max > now) {
                    return inNetns(o, "ethtool -L " + i.name() + " rx " + max) + " (from " + now + " RX queues)";
                }
            }
        }
        if (max != null && now != null && max > now) {
            return inNetns(o, "ethtool -L " + i.name() + " combined " + max) + " (from " + now + " queues)";
        }
        if (max != null && now != null && max > 0) {
            return i.name() + " already uses its maximum of " + max + " RSS queues";
        }
        return "the RSS queues " + i.name() + " supports: " + inNetns(o, "ethtool -l " + i.name())
                + " (" + (i.channels().isPresent() ? "no queue counts reported" : i.channels().unavailable()) + ")";
    }
}
