package dev.dropscope.model;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A generic netlink family as this kernel resolved it. Ids are assigned at registration, so they differ
 * between machines and boots.
 */
public record GenlFamilyInfo(String name, int id, int version, Map<String, Integer> multicastGroups) {
    public GenlFamilyInfo {
        multicastGroups = Collections.unmodifiableMap(new TreeMap<>(multicastGroups));
    }
}
