package dev.dropscope.model;

/**
 * Which network namespace a drop happened in.
 *
 * @param inode     the namespace's inode ({@code ns.inum}; {@code ls -i /run/netns}, {@code /proc/PID/ns/net})
 * @param name      its {@code ip netns} name, or null
 * @param container the container that owns it, or null
 * @param host      the machine's own namespace (the initial one, where dropscope runs): labelled "host"
 */
public record NetnsIdentity(long inode, String name, Container container, boolean host) {

    /** Another namespace than the host's. */
    public NetnsIdentity(long inode, String name, Container container) {
        this(inode, name, container, false);
    }

    /** Only the inode is known. */
    public static NetnsIdentity of(long inode) {
        return new NetnsIdentity(inode, null, null);
    }

    /** The same namespace, known to be the host's. */
    public NetnsIdentity asHost() {
        return new NetnsIdentity(inode, name, container, true);
    }

    /** The {@code ip netns} name, else {@code RUNTIME:ID12}, else "host", else {@code netns:INODE}. */
    public String label() {
        if (name != null) {
            return name;
        }
        if (container != null && container.id() != null) {
            return container.runtime() + ":" + container.id().substring(0, Math.min(12, container.id().length()));
        }
        return host ? "host" : "netns:" + inode;
    }

    /**
     * The container whose process was found in the namespace.
     *
     * @param runtime docker, podman, containerd, cri-o
     * @param id      the container id (64 hex digits)
     * @param pid     the process found (the lowest pid in the namespace)
     * @param command its command name
     */
    public record Container(String runtime, String id, int pid, String command) {
    }
}
