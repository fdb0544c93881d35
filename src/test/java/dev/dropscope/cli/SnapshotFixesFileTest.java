package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code snapshot --fixes-file} never overwrites: a file already there is one line and exit 1, untouched. */
class SnapshotFixesFileTest {

    @Test
    void anExistingFixesFileIsRefusedBeforeAnythingIsSampled() throws Exception {
        Path f = Files.createTempFile("ds-diag-fixes", ".conf");
        try {
            Files.writeString(f, "net.core.rmem_max = 1\n");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = Main.run(new String[] {"snapshot", "--source", "none", "--fixes-file", f.toString()},
                    new PrintWriter(out, true), new PrintWriter(err, true));
            assertEquals(ExitCodes.FAILURE, exit);
            assertEquals("dropscope: --fixes-file " + f + " already exists; not overwriting it\n", err.toString());
            assertEquals("", out.toString());
            assertEquals("net.core.rmem_max = 1\n", Files.readString(f));
        } finally {
            Files.deleteIfExists(f);
        }
    }

    @Test
    void aBadSourceIsAUsageError() {
        StringWriter err = new StringWriter();
        int exit = Main.run(new String[] {"snapshot", "--source", "bpf"}, new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true));
        assertEquals(ExitCodes.USAGE, exit);
    }
}
