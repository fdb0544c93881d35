package dev.dropscope.procfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who this process is to the kernel, from {@code /proc/self/status}: the real and effective uid and the
 * effective and permitted capability sets. The effective set is what the kernel checks; the permitted set
 * says whether a capability could be raised.
 */
public record ProcessStatus(int realUid, int effectiveUid, long capEff, long capPrm) {

    /**
     * Parses the text of a {@code /proc/<pid>/status} file.
     *
     * @throws IllegalArgumentException when the Uid, CapEff or CapPrm line is missing or malformed
     */
    public static ProcessStatus parse(String text) {
        String uid = null;
        String capEff = null;
        String capPrm = null;
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String value = line.substring(colon + 1).strip();
            switch (line.substring(0, colon)) {
                case "Uid":
                    uid = value;
                    break;
                case "CapEff":
                    capEff = value;
                    break;
                case "CapPrm":
                    capPrm = value;
                    break;
                default:
                    break;
            }
        }
        if (uid == null || capEff == null || capPrm == null) {
            throw new IllegalArgumentException("status file lacks a " + (uid == null ? "Uid" : capEff == null
                    ? "CapEff" : "CapPrm") + " line");
        }
        // Uid: real, effective, saved set, filesystem
        String[] uids = uid.split("\\s+");
        if (uids.length != 4) {
            throw new IllegalArgumentException("status Uid line has " + uids.length + " fields, expected 4: '"
                    + uid + "'");
        }
        return new ProcessStatus(parseUid(uids[0]), parseUid(uids[1]), parseMask("CapEff", capEff),
                parseMask("CapPrm", capPrm));
    }

    private static int parseUid(String s) {
        try {
            return (int) Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("status Uid '" + s + "' is not a number");
        }
    }

    private static long parseMask(String name, String hex) {
        if (hex.isEmpty() || hex.length() > 16) {
            throw new IllegalArgumentException("status " + name + " '" + hex + "' is not a 64-bit hex mask");
        }
        try {
            return Long.parseUnsignedLong(hex, 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("status " + name + " '" + hex + "' is not a 64-bit hex mask");
        }
    }

    /** Reads {@code <root>/proc/self/status}. */
    public static ProcessStatus query(Path root) throws IOException {
        return parse(ProcFiles.readString(root.resolve("proc/self/status")));
    }

    public boolean isRoot() {
        return effectiveUid == 0;
    }

    /** True when {@code cap} is in the effective set, the one the kernel checks. */
    public boolean has(Capability cap) {
        return (capEff & (1L << cap.bit())) != 0;
    }

    /** True when {@code cap} is permitted (could be made effective) but is not effective now. */
    public boolean permittedOnly(Capability cap) {
        return (capPrm & (1L << cap.bit())) != 0 && !has(cap);
    }
}
