package dev.dropscope.perf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The kernel's CPU list syntax ({@code 0-1,3,8-11}), as in {@code /sys/devices/system/cpu/online}. */
public final class CpuList {
    private CpuList() {
    }

    /** Online CPUs from {@code <sysRoot>/devices/system/cpu/online} (sysRoot is normally {@code /sys}). */
    public static int[] queryOnline(Path sysRoot) throws IOException {
        Path p = sysRoot.resolve("devices/system/cpu/online");
        return parse(new String(Files.readAllBytes(p), StandardCharsets.US_ASCII));
    }

    /** Possible CPUs from {@code <sysRoot>/devices/system/cpu/possible}: per-CPU BPF maps hold one value for each. */
    public static int[] queryPossible(Path sysRoot) throws IOException {
        Path p = sysRoot.resolve("devices/system/cpu/possible");
        return parse(new String(Files.readAllBytes(p), StandardCharsets.US_ASCII));
    }

    /** Sorted CPU numbers; {@code IllegalArgumentException} on anything but the kernel's syntax. */
    public static int[] parse(String list) {
        String s = list.strip();
        if (s.isEmpty()) {
            return new int[0];
        }
        int[] out = new int[8];
        int n = 0;
        for (String part : s.split(",")) {
            int dash = part.indexOf('-');
            int lo;
            int hi;
            try {
                lo = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
                hi = dash < 0 ? lo : Integer.parseInt(part.substring(dash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad CPU list '" + s + "'", e);
            }
            if (lo < 0 || hi < lo || hi > 65535) {
                throw new IllegalArgumentException("bad CPU range '" + part + "' in '" + s + "'");
            }
            for (int c = lo; c <= hi; c++) {
                if (n == out.length) {
                    out = Arrays.copyOf(out, n * 2);
                }
                out[n++] = c;
            }
        }
        int[] r = Arrays.copyOf(out, n);
        Arrays.sort(r);
        for (int i = 1; i < r.length; i++) {
            if (r[i] == r[i - 1]) {
                throw new IllegalArgumentException("CPU " + r[i] + " listed twice in '" + s + "'");
            }
        }
        return r;
    }
}
