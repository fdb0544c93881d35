package dev.dropscope.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropscope.model.Check;
import dev.dropscope.model.DoctorReport;

/**
 * The doctor report as JSON, schema "dropscope.doctor/1". Field names are written out here rather than
 * derived from the records, so renaming a Java accessor can never change what scripts read.
 */
public final class DoctorJson {
    public static final String SCHEMA = "dropscope.doctor/1";
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private DoctorJson() {
    }

    public static ObjectNode tree(DoctorReport r) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("schema", SCHEMA);
        root.put("kernel_release", r.kernelRelease());
        ObjectNode source = root.putObject("drop_source");
        source.put("auto", r.hasWorkingDropSource() ? r.autoSource().id() : null);
        source.put("reason", r.autoSourceReason());
        ArrayNode checks = root.putArray("checks");
        for (Check c : r.checks()) {
            ObjectNode o = checks.addObject();
            o.put("id", c.id());
            o.put("status", c.status().label());
            o.put("title", c.title());
            o.put("summary", c.summary());
            o.put("detail", c.detail());
            o.put("fix", c.fix());
        }
        ObjectNode families = root.putObject("genl_families");
        r.genlFamilies().values().stream().sorted((a, b) -> a.name().compareTo(b.name())).forEach(f -> {
            ObjectNode o = families.putObject(f.name());
            o.put("id", f.id());
            o.put("version", f.version());
            ObjectNode groups = o.putObject("multicast_groups");
            f.multicastGroups().forEach(groups::put);
        });
        ArrayNode reasons = root.putArray("drop_reasons");
        r.dropReasons().forEach(reasons::add);
        return root;
    }

    /** Pretty-printed, with a final newline. */
    public static String render(DoctorReport r) {
        try {
            return MAPPER.writeValueAsString(tree(r)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree of strings and numbers cannot fail to serialize", e);
        }
    }
}
