package dev.dropscope.cli;

import dev.dropscope.doctor.DropMonitors;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * {@code --source} of watch, top, snapshot and serve: the drop source to open. {@code none} opens none and
 * is only for snapshot and serve, which have counters to show without one; watch and top take
 * {@link Live}'s values.
 */
enum Source {
    auto, netdm, tracepoint, ebpf, none;

    /** What {@link DropMonitors#open} is asked for; {@code none} asks for nothing. */
    DropMonitors.Requested requested() {
        switch (this) {
            case netdm:
                return DropMonitors.Requested.NETDM;
            case tracepoint:
                return DropMonitors.Requested.TRACEPOINT;
            case ebpf:
                return DropMonitors.Requested.EBPF;
            case auto:
                return DropMonitors.Requested.AUTO;
            default:
                throw new IllegalStateException("--source none opens no drop source");
        }
    }

    /**
     * The values for commands that always watch drops (all but {@code none}): converter and completion
     * candidates, with picocli's own words for a value that is not one of them.
     */
    static final class Live implements ITypeConverter<Source>, Iterable<String> {
        private static final List<String> NAMES = Arrays.stream(values()).filter(s -> s != none).map(Enum::name).toList();

        @Override
        public Source convert(String value) {
            if (NAMES.contains(value)) {
                return valueOf(value);
            }
            throw new TypeConversionException("expected one of " + NAMES + " (case-sensitive) but was '" + value + "'");
        }

        @Override
        public Iterator<String> iterator() {
            return NAMES.iterator();
        }
    }
}
