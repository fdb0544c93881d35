package dev.dropscope.export;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Wireshark's reader, to check our pcapng files with the tool users open them in. */
public final class Tshark {
    private Tshark() {
    }

    /** {@code tshark -r FILE -T fields -e F...}: one tab-separated line per packet; fails on any error. */
    public static List<String> fields(Path file, String... fields) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-n", "-r", file.toString(), "-T", "fields"));
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("tshark did not finish");
        }
        if (p.exitValue() != 0 || !err.isBlank() && !err.contains("Running as user \"root\"")) {
            throw new IOException("tshark exited " + p.exitValue() + ": " + err);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }
}
