package dev.dropscope.testutil;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a test class or method needs from the machine: root, programs, files. Under {@code make test} a test
 * whose needs are not met FAILS with what is missing (the set-up step installs the programs, and make test
 * runs as root), so no suite passes by skipping; only {@code make test-unprivileged}
 * ({@code -Ddropscope.tests.partial=true}) leaves such tests out, each with its reason in the report.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Inherited
@ExtendWith(NeedsExtension.class)
public @interface Needs {
    /** Effective uid 0. */
    boolean root() default false;

    /** Programs, found on PATH or in the sbin and bin directories. */
    String[] tools() default {};

    /** Files that must exist (a header, ...). */
    String[] files() default {};
}
