package dev.dropscope.model;

import java.util.Objects;

/**
 * A value that a device or kernel may not offer: either {@code value}, or the reason it is unavailable
 * ({@link #NOT_SUPPORTED} when the driver or kernel does not support it, which is a state, not an error;
 * anything else is a failure worth showing).
 */
public record Reading<T>(T value, String unavailable) {
    public static final String NOT_SUPPORTED = "not supported";

    public Reading {
        if ((value == null) == (unavailable == null)) {
            throw new IllegalArgumentException("a reading has either a value or a reason, not both or neither");
        }
    }

    public static <T> Reading<T> of(T value) {
        return new Reading<>(Objects.requireNonNull(value, "value"), null);
    }

    public static <T> Reading<T> notSupported() {
        return new Reading<>(null, NOT_SUPPORTED);
    }

    public static <T> Reading<T> unavailable(String reason) {
        return new Reading<>(null, Objects.requireNonNull(reason, "reason"));
    }

    public boolean isPresent() {
        return value != null;
    }

    public boolean isNotSupported() {
        return NOT_SUPPORTED.equals(unavailable);
    }
}
