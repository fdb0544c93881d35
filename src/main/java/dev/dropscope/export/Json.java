package dev.dropscope.export;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

import dev.dropscope.model.Reading;

import java.io.IOException;
import java.math.BigInteger;

/**
 * The JSON mappers of our documents: records and DTOs (de)serialized by Jackson databind, snake_case names
 * from the Java component names, in component order. The snapshot's mapper adds kernel counters as u64
 * ({@link U64}) and {@link Reading} as the value or {@code {"unavailable": "why"}}; the model stays free of
 * Jackson.
 */
final class Json {
    private Json() {
    }

    /** snake_case, nothing else: doctor and watch. */
    static final ObjectMapper SNAKE = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    /** The snapshot's: u64 counters, readings, strict types on input (no "12" for 12, no 1.5 for an int). */
    static final ObjectMapper SNAPSHOT = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .addModule(new SimpleModule("dropscope")
                    .addSerializer(Long.class, new U64())
                    .addSerializer(long.class, new U64())
                    .addDeserializer(Long.class, new U64In())
                    .addDeserializer(long.class, new U64In())
                    .addSerializer(new ReadingOut())
                    .addDeserializer(Reading.class, new ReadingIn(null)))
            .build();

    /** A value that is not what the schema says; the message names the field (the path is added around it). */
    static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code value}, or an {@link Invalid} saying {@code field} is missing. */
    static <T> T req(T value, String field) {
        if (value == null) {
            throw new Invalid(field + ": missing");
        }
        return value;
    }

    /** Kernel counters are unsigned: a u64 above 2^63 is written as its unsigned decimal value. */
    static final class U64 extends StdSerializer<Long> {
        U64() {
            super(Long.class);
        }

        @Override
        public void serialize(Long v, JsonGenerator g, SerializerProvider p) throws IOException {
            if (v >= 0) {
                g.writeNumber(v);
            } else {
                g.writeNumber(new BigInteger(Long.toUnsignedString(v)));
            }
        }
    }

    /** A signed long as it is (snmp: Tcp.MaxConn is -1 by design). */
    static final class Signed extends StdSerializer<Long> {
        Signed() {
            super(Long.class);
        }

        @Override
        public void serialize(Long v, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeNumber(v);
        }
    }

    /** Integers from -2^63 to 2^64-1: a u64 above 2^63 (written unsigned) keeps its bits. */
    static final class U64In extends StdDeserializer<Long> {
        U64In() {
            super(Long.class);
        }

        @Override
        public Long deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                return (Long) ctxt.handleUnexpectedToken(Long.class, p);
            }
            BigInteger v = p.getBigIntegerValue();
            if (v.bitLength() > 64 || (v.signum() < 0 && v.bitLength() > 63)) {
                throw new Invalid(v + " is out of range");
            }
            return v.longValue();
        }
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    static final class ReadingOut extends StdSerializer<Reading> {
        ReadingOut() {
            super(Reading.class);
        }

        @Override
        public void serialize(Reading r, JsonGenerator g, SerializerProvider p) throws IOException {
            if (r.isPresent()) {
                p.defaultSerializeValue(r.value(), g);
            } else {
                g.writeStartObject();
                g.writeStringField("unavailable", r.unavailable());
                g.writeEndObject();
            }
        }
    }

    /** {@code {"unavailable": "why"}} (that one key, a string), or the value as the field's type says. */
    static final class ReadingIn extends StdDeserializer<Reading<?>> implements ContextualDeserializer {
        private final JavaType value;

        ReadingIn(JavaType value) {
            super(Reading.class);
            this.value = value;
        }

        @Override
        public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property) {
            JavaType t = property != null ? property.getType() : ctxt.getContextualType();
            return new ReadingIn(t.containedTypeOrUnknown(0));
        }

        @Override
        public Reading<?> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode n = ctxt.readTree(p);
            if (n.isObject() && n.size() == 1 && n.path("unavailable").isTextual()) {
                return Reading.unavailable(n.get("unavailable").asText());
            }
            return Reading.of(ctxt.readTreeAsValue(n, value));
        }
    }
}
