package dev.dropscope.diagnosis;

import dev.dropscope.model.Fix;

/**
 * Builds fix commands from current values. Commands are what the operator types: for a snapshot taken in a
 * named namespace, settings that live in the namespace get {@code ip netns exec NAME}, machine-wide ones
 * do not (a namespace cannot change them).
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

    /** {@code command} run inside the snapshot's namespace, when it has one. */
    static String inNetns(Observation o, String command) {
        return o.netns() == null ? command : "ip netns exec " + o.netns() + " " + command;
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
}
