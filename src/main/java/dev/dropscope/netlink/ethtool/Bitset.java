package dev.dropscope.netlink.ethtool;

import java.util.BitSet;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * An ethtool netlink bit set, from either form the kernel sends: compact (ETHTOOL_A_BITSET_VALUE and
 * _MASK as u32 arrays) or verbose (one ETHTOOL_A_BITSET_BITS_BIT nest per bit, with its name).
 *
 * @param size  ETHTOOL_A_BITSET_SIZE, the number of bits the kernel knows
 * @param value the bits that are set
 * @param mask  the bits that were reported, or null for a list (ETHTOOL_A_BITSET_NOMASK)
 * @param names bit names given by a verbose set (empty for a compact one: use the string set)
 */
public record Bitset(int size, BitSet value, BitSet mask, Map<Integer, String> names) {

    public Bitset {
        value = (BitSet) value.clone();
        mask = mask == null ? null : (BitSet) mask.clone();
        names = Collections.unmodifiableMap(new TreeMap<>(names));
    }

    public boolean get(int bit) {
        return value.get(bit);
    }

    @Override
    public BitSet value() {
        return (BitSet) value.clone();
    }

    @Override
    public BitSet mask() {
        return mask == null ? null : (BitSet) mask.clone();
    }
}
