package dev.dropscope.testutil;

import java.io.File;
import java.lang.reflect.AnnotatedElement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.AssertionFailedError;

/**
 * {@link Needs}: with everything there, the test runs. Something missing: under make test the class (or
 * method) fails before it starts, naming what is missing; in partial mode (make test-unprivileged) it is
 * disabled with that reason, which the end-of-run summary lists.
 */
public final class NeedsExtension implements ExecutionCondition, BeforeAllCallback, BeforeEachCallback {
    /** The Debian package of each program, for the message. */
    private static final Map<String, String> PACKAGE = Map.ofEntries(Map.entry("nft", "nftables"),
            Map.entry("conntrack", "conntrack"), Map.entry("ethtool", "ethtool"), Map.entry("ip", "iproute2"),
            Map.entry("tc", "iproute2"), Map.entry("nstat", "iproute2"), Map.entry("genl", "iproute2"),
            Map.entry("sysctl", "procps"), Map.entry("tmux", "tmux"), Map.entry("setpriv", "util-linux"),
            Map.entry("dpkg-deb", "dpkg"), Map.entry("apt-get", "apt"), Map.entry("promtool", "prometheus"),
            Map.entry("groff", "groff-base"), Map.entry("qemu-system-x86_64", "qemu-system-x86"),
            Map.entry("tshark", "tshark"));

    /** make test-unprivileged: tests whose needs are not met are left out (reported) instead of failing. */
    public static boolean partial() {
        return Boolean.getBoolean("dropscope.tests.partial");
    }

    /** For needs found inside a test: fails, or in partial mode aborts, naming each missing program. */
    public static void requireTools(String... tools) {
        List<String> missing = new ArrayList<>();
        for (String t : tools) {
            if (!hasTool(t)) {
                missing.add(t + " (" + PACKAGE.getOrDefault(t, t) + ")");
            }
        }
        if (!missing.isEmpty()) {
            String why = "needs " + String.join(", ", missing);
            if (partial()) {
                Assumptions.abort(why);
            }
            throw new AssertionFailedError(why + HINT);
        }
    }

    private static final String HINT = ": make test installs the programs and runs as root (scripts/setup);"
            + " make test-unprivileged leaves such tests out";

    public static boolean hasTool(String tool) {
        Set<String> dirs = new LinkedHashSet<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
        return dirs.stream().filter(d -> !d.isEmpty()).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    static List<String> missing(Needs n) {
        List<String> m = new ArrayList<>();
        if (n.root() && !Root.isRoot()) {
            m.add("root");
        }
        for (String t : n.tools()) {
            if (!hasTool(t)) {
                m.add(t + " (" + PACKAGE.getOrDefault(t, t) + ")");
            }
        }
        for (String f : n.files()) {
            if (!Files.exists(Path.of(f))) {
                m.add(f);
            }
        }
        return m;
    }

    /** The element's own @Needs (a class's, or a method's without its class's: that one is checked once). */
    private static List<String> missingOn(Optional<AnnotatedElement> element) {
        return element.flatMap(e -> AnnotationSupport.findAnnotation(e, Needs.class)).map(NeedsExtension::missing)
                .orElse(List.of());
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        List<String> m = missingOn(context.getElement());
        if (!m.isEmpty() && partial()) {
            return ConditionEvaluationResult.disabled("needs " + String.join(", ", m) + " (make test-unprivileged)");
        }
        return ConditionEvaluationResult.enabled("needs met, or make test: a need not met fails the test");
    }

    private static void failIfMissing(Optional<AnnotatedElement> element) {
        List<String> m = missingOn(element);
        if (!m.isEmpty()) {
            throw new AssertionFailedError("needs " + String.join(", ", m) + HINT);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        failIfMissing(context.getElement());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        failIfMissing(context.getTestMethod().map(AnnotatedElement.class::cast));
    }
}
