package dev.dropscope.cli;

import picocli.CommandLine;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** "500ms", "1s", "2.5s", "10m", "1h", or a bare number of seconds, to milliseconds. */
final class DurationConverter implements CommandLine.ITypeConverter<Long> {
    private static final Pattern P = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");
    static final long MAX_MILLIS = 365L * 24 * 3600 * 1000;

    @Override
    public Long convert(String value) {
        Matcher m = P.matcher(value.trim());
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (examples: 500ms, 1s, 2.5s, 10m, 1h)");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double ms = switch (unit) {
            case "ms" -> n;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            default -> n * 1000;
        };
        if (ms > MAX_MILLIS) {
            throw new CommandLine.TypeConversionException("'" + value + "' is longer than a year");
        }
        return Math.round(ms);
    }
}
