package dev.dropscope.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.dropscope.model.DoctorReport;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The doctor report as JSON, schema "dropscope.doctor/1". Its own records rather than the model's, so
 * renaming a Java accessor can never change what scripts read.
 */
public final class DoctorJson {
    public static final String SCHEMA = "dropscope.doctor/1";

    private DoctorJson() {
    }

    record Doc(String schema, String kernelRelease, Source dropSource, List<Check> checks,
               Map<String, Family> genlFamilies, List<String> dropReasons) {
    }

    record Source(String auto, String reason) {
    }

    record Check(String id, String status, String title, String summary, String detail, String fix) {
    }

    record Family(int id, int version, Map<String, Integer> multicastGroups) {
    }

    static Doc doc(DoctorReport r) {
        Map<String, Family> families = new TreeMap<>();
        r.genlFamilies().values().forEach(f -> families.put(f.name(), new Family(f.id(), f.version(), f.multicastGroups())));
        return new Doc(SCHEMA, r.kernelRelease(),
                new Source(r.hasWorkingDropSource() ? r.autoSource().id() : null, r.autoSourceReason()),
                r.checks().stream().map(c -> new Check(c.id(), c.status().label(), c.title(), c.summary(), c.detail(),
                        c.fix())).toList(), families, r.dropReasons());
    }

    /** Pretty-printed, with a final newline. */
    public static String render(DoctorReport r) {
        try {
            return Json.SNAKE.writerWithDefaultPrettyPrinter().writeValueAsString(doc(r)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("records of strings and numbers cannot fail to serialize", e);
        }
    }
}
