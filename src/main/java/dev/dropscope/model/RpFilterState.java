package dev.dropscope.model;

import java.util.Map;

/**
 * Reverse-path filter settings ({@code net.ipv4.conf.*.rp_filter}: 0 off, 1 strict, 2 loose). The
 * kernel applies max(all, interface), which is {@code effective}.
 *
 * @param all        conf/all, null when unreadable
 * @param defaultValue conf/default, null when unreadable
 * @param interfaces each interface's own value
 * @param effective  each interface's applied value
 */
public record RpFilterState(Integer all, Integer defaultValue, Map<String, Integer> interfaces,
                            Map<String, Integer> effective) {
    public RpFilterState {
        interfaces = Maps.copy(interfaces);
        effective = Maps.copy(effective);
    }
}
