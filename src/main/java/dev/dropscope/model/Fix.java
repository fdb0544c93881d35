package dev.dropscope.model;

/**
 * One thing the operator can do, computed from the current values. dropscope never runs it.
 *
 * @param command the exact command, e.g. "sysctl -w net.core.rmem_max=8388608", "ethtool -G eth0 rx 4096";
 *                or an instruction when no command fits ("raise the listen() backlog in the application")
 * @param persist a line that makes it last across reboots (for /etc/sysctl.d/), or null
 * @param risk    what could go wrong or what it costs (memory, latency), in one sentence
 */
public record Fix(String command, String persist, String risk) {
}
