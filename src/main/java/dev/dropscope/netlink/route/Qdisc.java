package dev.dropscope.netlink.route;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One RTM_NEWQDISC message of a qdisc dump.
 *
 * @param handle tcm_handle, a u32 (major in the upper 16 bits)
 * @param parent tcm_parent: {@link RtnlConstants#TC_H_ROOT}, {@link RtnlConstants#TC_H_INGRESS} or a class
 * @param stats  TCA_STATS2's counters: {@code bytes}, {@code packets} (from gnet_stats_basic, or the u64
 *               TCA_STATS_PKT64 when sent), {@code qlen}, {@code backlog}, {@code drops}, {@code requeues},
 *               {@code overlimits} (gnet_stats_queue); empty when the kernel sent no TCA_STATS2; and
 *               the settings {@link Qdiscs#options} decodes ({@code limit_packets}, {@code limit_bytes}, ...)
 */
public record Qdisc(int ifindex, int handle, int parent, String kind, Map<String, Long> stats) {

    public Qdisc {
        stats = Collections.unmodifiableMap(new LinkedHashMap<>(stats));
    }

    /** The handle as tc(8) prints it: {@code 8001:}. */
    public String handleName() {
        return Integer.toHexString(handle >>> 16) + ":";
    }

    /** The parent as tc(8) prints it: {@code root}, {@code ingress}, {@code 1:1}. */
    public String parentName() {
        return classId(parent);
    }

    /** tc's print_tc_classid: root, none, {@code :minor}, {@code major:}, {@code major:minor}. */
    public static String classId(int h) {
        if (h == RtnlConstants.TC_H_ROOT) {
            return "root";
        }
        if (h == RtnlConstants.TC_H_INGRESS) {
            return "ingress";
        }
        if (h == RtnlConstants.TC_H_UNSPEC) {
            return "none";
        }
        int maj = h >>> 16;
        int min = h & RtnlConstants.TC_H_MIN_MASK;
        if (maj == 0) {
            return ":" + Integer.toHexString(min);
        }
        if (min == 0) {
            return Integer.toHexString(maj) + ":";
        }
        return Integer.toHexString(maj) + ":" + Integer.toHexString(min);
    }
}
