package dev.dropscope.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code dropscope doctor} found on this machine.
 *
 * @param kernelRelease    {@code uname -r}
 * @param checks           every check, in the order they are shown
 * @param genlFamilies     the generic netlink families that resolved (NET_DM, ethtool), by name
 * @param dropReasons      this kernel's drop-reason names, in order of their numbers, as the
 *                         skb:kfree_skb format lists them; empty when it could not be read
 * @param autoSource       the source {@code --source auto} would use, or null when none works
 * @param autoSourceReason why that source (or why none)
 */
public record DoctorReport(String kernelRelease, List<Check> checks, Map<String, GenlFamilyInfo> genlFamilies,
                           List<String> dropReasons, DropSource autoSource, String autoSourceReason) {
    public DoctorReport {
        checks = List.copyOf(checks);
        genlFamilies = Map.copyOf(genlFamilies);
        dropReasons = List.copyOf(dropReasons);
    }

    public Optional<Check> check(String id) {
        return checks.stream().filter(c -> c.id().equals(id)).findFirst();
    }

    public Optional<DropSource> autoSourceIfAny() {
        return Optional.ofNullable(autoSource);
    }

    /** True when at least one drop source works here. */
    public boolean hasWorkingDropSource() {
        return autoSource != null;
    }
}
