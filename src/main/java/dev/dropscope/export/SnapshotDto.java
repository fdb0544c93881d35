package dev.dropscope.export;

import static com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL;
import static dev.dropscope.export.Json.req;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.type.TypeFactory;

import dev.dropscope.model.FeatureState;
import dev.dropscope.model.Reading;
import dev.dropscope.model.Severity;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code dropscope.snapshot/1} as records, one per JSON object of {@code docs/snapshot-schema.json}, in its
 * key order (Jackson writes record components in order, snake_case). {@link SnapshotJson} fills them from
 * the model, {@link SnapshotReader} turns them back. Required fields fail in the constructors with the
 * field's name; Jackson adds the path around it.
 */
final class SnapshotDto {
    private SnapshotDto() {
    }

    record Root(String schema, String host, String kernel, String netns, String takenAt, Long takenAtMs,
                @JsonAlias("interval_seconds") Double durationS, Map<String, SnapshotJson.Source> sources,
                List<FindingDto> findings, Drops drops, List<Iface> interfaces, List<Cpu> softnet,
                @JsonSerialize(contentUsing = Json.Signed.class) Map<String, Long> snmp, Rp rpFilter,
                Conntrack conntrack, Map<String, String> sysctl, Map<String, Long> sockstat, List<Neigh> neighbour,
                List<Qdisc> qdiscs, @JsonInclude(NON_NULL) Rates rates, Monitor monitor,
                /* read only: where files before "monitor" kept them */ @JsonInclude(NON_NULL) List<Err> errors) {
    }

    record Rates(Map<String, Double> snmp) {
    }

    record FindingDto(String id, String severity, String title, List<Ev> evidence, String explanation,
                      List<FixDto> fixes) {
        FindingDto {
            req(id, "id");
            req(title, "title");
            severity(req(severity, "severity"));
        }

        Severity severity(String s) {
            try {
                return Severity.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new Json.Invalid("severity: '" + SnapshotReader.oneLine(s) + "' is not info, warning or critical");
            }
        }
    }

    record Ev(String name, String value) {
        Ev {
            req(name, "name");
            req(value, "value");
        }
    }

    record FixDto(String command, String persist, String risk) {
        FixDto {
            req(command, "command");
        }
    }

    /**
     * The window's drops; without a report only source, why and sites. {@code symbolsNote} is a node so that
     * a report without a note writes {@code null} while no report writes no key.
     */
    record Drops(String source, String why, @JsonInclude(NON_NULL) String scope, @JsonInclude(NON_NULL) Double seconds,
                 @JsonInclude(NON_NULL) Long total, @JsonInclude(NON_NULL) Long lost,
                 @JsonInclude(NON_NULL) JsonNode symbolsNote, List<Site> sites,
                 /* read only: the counters before "monitor" */ @JsonInclude(NON_NULL) Map<String, Long> monitor) {
    }

    record Site(String location, String symbol, Long offset, Long size, String address, String module, String reason,
                String origin, Integer ifindex, @JsonProperty("interface") String iface, Long count,
                @JsonAlias("per_second") Double ratePerS, Boolean benign, Boolean other) {
        Site {
            req(count, "count");
        }
    }

    record Iface(String name, Integer ifindex, String kind, Reading<String> driver, String operstate, Integer mtu,
                 Integer txqueuelen, String master, Map<String, Long> stats64, Reading<Map<String, Long>> ring,
                 Reading<Map<String, Long>> channels, Reading<Map<String, Feature>> features,
                 Reading<Map<String, Long>> nicStats, Reading<Map<String, Map<String, Long>>> standardStats,
                 @JsonInclude(NON_NULL) IfaceRp rpFilter, @JsonInclude(NON_NULL) IfaceRates rates) {
        Iface {
            req(name, "name");
            req(ifindex, "ifindex");
            req(mtu, "mtu");
            req(txqueuelen, "txqueuelen");
        }
    }

    record Feature(Boolean active, Boolean fixed, Boolean wanted) {
        Feature {
            req(active, "active");
            req(fixed, "fixed");
            req(wanted, "wanted");
        }

        static Feature of(FeatureState f) {
            return new Feature(f.active(), f.fixed(), f.wanted());
        }

        FeatureState model() {
            return new FeatureState(active, wanted, fixed);
        }
    }

    record IfaceRp(@JsonProperty("interface") Integer iface, Integer all, Integer effective) {
    }

    record IfaceRates(Map<String, Double> stats64, Map<String, Double> nicStats) {
    }

    /** A CPU of softnet or of conntrack's per_cpu: its number, then its counters as keys of the same object. */
    @JsonSerialize(using = CpuOut.class)
    @JsonDeserialize(using = CpuIn.class)
    record Cpu(int cpu, Map<String, Long> counters, Map<String, Double> rates) {
    }

    static final class CpuOut extends StdSerializer<Cpu> {
        CpuOut() {
            super(Cpu.class);
        }

        @Override
        public void serialize(Cpu c, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeStartObject();
            g.writeNumberField("cpu", c.cpu());
            for (Map.Entry<String, Long> e : c.counters().entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            if (c.rates() != null) {
                g.writeFieldName("rates");
                p.defaultSerializeValue(c.rates(), g);
            }
            g.writeEndObject();
        }
    }

    static final class CpuIn extends StdDeserializer<Cpu> {
        private static final JavaType RATES = TypeFactory.defaultInstance()
                .constructMapType(LinkedHashMap.class, String.class, Double.class);

        CpuIn() {
            super(Cpu.class);
        }

        @Override
        public Cpu deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode n = ctxt.readTree(p);
            if (!n.isObject()) {
                return (Cpu) ctxt.handleUnexpectedToken(Cpu.class, p);
            }
            Map<String, Long> counters = new LinkedHashMap<>();
            Integer cpu = null;
            Map<String, Double> rates = null;
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                try {
                    if (e.getKey().equals("cpu")) {
                        cpu = ctxt.readTreeAsValue(e.getValue(), Integer.class);
                    } else if (e.getKey().equals("rates")) {
                        rates = ctxt.readTreeAsValue(e.getValue(), RATES);
                    } else {
                        counters.put(e.getKey(), ctxt.readTreeAsValue(e.getValue(), Long.class));
                    }
                } catch (JsonMappingException | Json.Invalid x) {
                    throw JsonMappingException.wrapWithPath(x, counters, e.getKey());
                }
            }
            return new Cpu(req(cpu, "cpu"), counters, rates);
        }
    }

    record Rp(Integer all, @JsonProperty("default") Integer dflt, Map<String, Integer> interfaces,
              Map<String, Integer> effective) {
    }

    record Conntrack(Boolean loaded, Long count, Long max, Long buckets, String statsSource, Map<String, Long> stats,
                     List<Cpu> perCpu, @JsonInclude(NON_NULL) Rates rates) {
        Conntrack {
            req(loaded, "loaded");
        }

        record Rates(Map<String, Double> stats) {
        }
    }

    record Neigh(String family, String name, Long gcThresh1, Long gcThresh2, Long gcThresh3, Long gcIntervalMs,
                 Long entries, Map<String, Long> stats, Map<String, Long> parms,
                 @JsonInclude(NON_NULL) Map<String, Double> rates) {
        Neigh {
            req(gcThresh1, "gc_thresh1");
            req(gcThresh2, "gc_thresh2");
            req(gcThresh3, "gc_thresh3");
            req(gcIntervalMs, "gc_interval_ms");
        }
    }

    record Qdisc(String dev, Integer ifindex, String kind, String handle, String parent, Map<String, Long> stats,
                 @JsonInclude(NON_NULL) Map<String, Double> rates) {
        Qdisc {
            req(ifindex, "ifindex");
        }
    }

    record Monitor(String source, long lostEvents, long overruns, Map<String, Long> counters, List<Err> collectorErrors) {
    }

    record Err(String collector, String message) {
        Err {
            req(collector, "collector");
            req(message, "message");
        }
    }
}
