package dev.dropscope.btf;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer target for the BTF reader: a blob from /sys/kernel/btf is the kernel's, but a file given to us,
 * a damaged one or a future kernel's can hold anything. Property: parsing and every query on every type
 * id (name, size, description, resolution, the skb offsets, the kfree_skb prototype) return or throw
 * {@link BtfException}; no other exception, no stack overflow, no hang (the walks are bounded).
 *
 * <p>Regression corpus: {@code src/test/resources/dev/dropscope/btf/BtfFuzzTestInputs/parse/}: the running
 * kernel's first 40 and 300 types (references past the cut pointed at void, strings kept), and the
 * hand-built kernel-like blob of {@link BtfTest} in both byte orders. This kernel has no modules, so no
 * module (split) BTF seed.
 */
class BtfFuzzTest {
    @FuzzTest
    void parse(byte[] input) {
        try {
            BtfTest.everything(input);
        } catch (BtfException expected) {
            if (expected.getMessage() == null || expected.getMessage().contains("\n")) {
                throw new AssertionError("not a one-line message: " + expected.getMessage());
            }
        }
    }
}
