package dev.dropscope.model;

/** Where dropscope learns about drops. */
public enum DropSource {
    /** The NET_DM generic netlink drop monitor (drop_monitor.ko): software and hardware drops. */
    NET_DM("netdm", "the NET_DM drop monitor"),
    /** The skb:kfree_skb tracepoint read through perf: software drops, with reasons. */
    TRACEPOINT("tracepoint", "the skb:kfree_skb tracepoint"),
    /** An eBPF program on skb:kfree_skb counting in the kernel: software drops, with reasons. */
    EBPF("ebpf", "the eBPF drop counter");

    private final String id;
    private final String description;

    DropSource(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** Stable name for options and JSON: "netdm", "tracepoint" or "ebpf". */
    public String id() {
        return id;
    }

    /** For sentences: "the NET_DM drop monitor". */
    public String description() {
        return description;
    }
}
