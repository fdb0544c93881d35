package dev.dropscope.collect;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Drop-reason numbers and names of the running kernel. The tracepoint gives numbers (which change
 * between kernels), NET_DM packet alerts give names; both meet here. Names this kernel's table does not
 * know (NET_DM on a kernel without tracefs, hardware trap names) get stable synthetic codes from
 * {@link #SYNTHETIC_BASE} up, so the aggregator can key every site by an int.
 */
public final class DropReasons {
    /** Codes at or above this are ours, not the kernel's enum skb_drop_reason. */
    public static final int SYNTHETIC_BASE = 0x7f000000;
    /** "No reason known" (summary alerts carry none). */
    public static final int UNKNOWN = 0;

    private final Map<Integer, String> names = new ConcurrentHashMap<>();
    private final Map<String, Integer> codes = new ConcurrentHashMap<>();
    private int nextSynthetic = SYNTHETIC_BASE;

    /** An empty table: every name gets a synthetic code. */
    public DropReasons() {
    }

    /** The kernel's table, as the kfree_skb format file's __print_symbolic lists it. */
    public DropReasons(Map<Long, String> kernelTable) {
        kernelTable.forEach((code, name) -> {
            if (code >= 0 && code < SYNTHETIC_BASE) {
                names.put(code.intValue(), name);
                codes.putIfAbsent(name, code.intValue());
            }
        });
    }

    /** The name of {@code code}, or null for UNKNOWN; "reason N" for a number this kernel did not list. */
    public String name(int code) {
        if (code == UNKNOWN) {
            return null;
        }
        String n = names.get(code);
        return n != null ? n : "reason " + code;
    }

    /** The code of {@code name}, registering a synthetic one if the kernel's table lacks it. */
    public int code(String name) {
        if (name == null || name.isEmpty()) {
            return UNKNOWN;
        }
        Integer c = codes.get(name);
        if (c != null) {
            return c;
        }
        synchronized (this) {
            return codes.computeIfAbsent(name, n -> {
                int code = nextSynthetic++;
                names.put(code, n);
                return code;
            });
        }
    }

    /** Every name the kernel's table lists (empty when built without one). */
    public int kernelNames() {
        return (int) names.keySet().stream().filter(c -> c < SYNTHETIC_BASE).count();
    }
}
