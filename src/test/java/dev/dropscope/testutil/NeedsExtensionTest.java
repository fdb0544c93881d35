package dev.dropscope.testutil;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** @Needs under make test (a need not met fails, naming it) and make test-unprivileged (left out, with why). */
class NeedsExtensionTest {
    @Needs(tools = "dropscope-no-such-tool")
    static class Unmet {
        @Test
        void runs() {
        }
    }

    static class UnmetOnAMethod {
        @Test
        @Needs(tools = "sh", files = "/nonexistent/dropscope-header.h")
        void runs() {
        }
    }

    @Needs(tools = "sh", files = "/proc/self/status")
    static class Met {
        @Test
        void runs() {
        }
    }

    /** What happened to each test and container: "FAILED name: message", "SKIPPED name: reason", ... */
    static List<String> run(Class<?> c, boolean partial) {
        List<String> events = new ArrayList<>();
        String before = System.getProperty("dropscope.tests.partial");
        System.setProperty("dropscope.tests.partial", Boolean.toString(partial));
        try {
            LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(c)).build(),
                    new TestExecutionListener() {
                        @Override
                        public void executionSkipped(TestIdentifier id, String reason) {
                            events.add("SKIPPED " + id.getDisplayName() + ": " + reason);
                        }

                        @Override
                        public void executionFinished(TestIdentifier id, TestExecutionResult r) {
                            if (id.getSource().isPresent() && !id.getDisplayName().startsWith("JUnit")) {
                                events.add(r.getStatus() + " " + id.getDisplayName()
                                        + r.getThrowable().map(t -> ": " + t.getMessage()).orElse(""));
                            }
                        }
                    });
        } finally {
            if (before == null) {
                System.clearProperty("dropscope.tests.partial");
            } else {
                System.setProperty("dropscope.tests.partial", before);
            }
        }
        return events;
    }

    @Test
    void anUnmetNeedFailsTheClassNamingWhatIsMissing() {
        List<String> e = run(Unmet.class, false);
        assertTrue(e.stream().anyMatch(s -> s.startsWith("FAILED NeedsExtensionTest$Unmet: needs dropscope-no-such-tool (dropscope-no-such-tool)")
                && s.contains("make test-unprivileged")), e.toString());
        assertFalse(e.stream().anyMatch(s -> s.startsWith("SUCCESSFUL runs()")), e.toString());
    }

    @Test
    void anUnmetNeedOfAMethodFailsThatMethod() {
        List<String> e = run(UnmetOnAMethod.class, false);
        assertTrue(e.contains("FAILED runs(): needs /nonexistent/dropscope-header.h: make test installs the programs and "
                + "runs as root (scripts/setup); make test-unprivileged leaves such tests out"), e.toString());
    }

    @Test
    void partialModeLeavesItOutWithTheReason() {
        List<String> e = run(Unmet.class, true);
        assertEquals(List.of("SKIPPED NeedsExtensionTest$Unmet: needs dropscope-no-such-tool (dropscope-no-such-tool) (make test-unprivileged)"), e);
        assertEquals(List.of("SKIPPED runs(): needs /nonexistent/dropscope-header.h (make test-unprivileged)",
                "SUCCESSFUL NeedsExtensionTest$UnmetOnAMethod"), run(UnmetOnAMethod.class, true));
    }

    @Test
    void metNeedsRun() {
        assertEquals(List.of("SUCCESSFUL runs()", "SUCCESSFUL NeedsExtensionTest$Met"), run(Met.class, false));
    }
}
