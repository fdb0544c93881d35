package dev.dropscope.netlink.genl;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A generic netlink family as the controller describes it. Ids are dynamic (NET_DM was 0x23 in the lab,
 * something else elsewhere): always resolve, never hard-code.
 */
public record GenlFamily(String name, int id, int version, int headerSize, int maxAttribute,
                         List<Operation> operations, Map<String, Integer> multicastGroups) {

    /** One command the family accepts, with its GENL_* flags. */
    public record Operation(int id, int flags) {
    }

    public Optional<Integer> multicastGroup(String groupName) {
        return Optional.ofNullable(multicastGroups.get(groupName));
    }

    public boolean supports(int command) {
        return operations.stream().anyMatch(o -> o.id() == command);
    }
}
