package dev.dropscope.export;

import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@link SnapshotJson} file back into model objects, so {@code report}, {@code diff} and the
 * read-only TUI render the same records the live commands do. Every way a file can be wrong ends in a
 * {@link BadSnapshotException} with one line saying what and where; nothing else escapes.
 */
public final class SnapshotReader {
    /** The schema versions this build reads: {@code dropscope.snapshot/1}. */
    public static final int VERSION = 1;
    private static final Pattern SCHEMA = Pattern.compile("dropscope\\.snapshot/(\\d{1,9})");
    /** Snapshots are a few hundred kB; a file far above that is not one (and would only exhaust memory). */
    static final long MAX_BYTES = 256L << 20;

    private SnapshotReader() {
    }

    /** The file cannot be used as a snapshot; the message is one line, naming the file. */
    public static final class BadSnapshotException extends IOException {
        private static final long serialVersionUID = 1L;

        public BadSnapshotException(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** Reads and checks {@code file}. */
    public static SnapshotDocument read(Path file) throws BadSnapshotException {
        String text;
        try {
            if (Files.isDirectory(file)) {
                throw new BadSnapshotException("cannot read " + file + ": it is a directory");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new BadSnapshotException("cannot read " + file + ": " + Files.size(file)
                        + " bytes is too large for a snapshot (at most " + MAX_BYTES + ")");
            }
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (BadSnapshotException e) {
            throw e;
        } catch (NoSuchFileException e) {
            throw new BadSnapshotException("cannot read " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new BadSnapshotException("cannot read " + file + ": permission denied");
        } catch (CharacterCodingException e) {
            throw new BadSnapshotException(file + " is not a dropscope snapshot: not UTF-8 text");
        } catch (IOException e) {
            throw new BadSnapshotException("cannot read " + file + ": " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    /** Parses snapshot JSON text; {@code name} names it in messages. */
    public static SnapshotDocument parse(String text, String name) throws BadSnapshotException {
        JsonNode root;
        try {
            root = Json.SNAPSHOT.readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            // failing at the very end of the text: it stopped early (a copy cut short, a full disk)
            boolean atEnd = e.getLocation() != null && e.getLocation().getCharOffset() >= text.stripTrailing().length() - 1;
            String what = atEnd || e instanceof JsonEOFException
                    ? "truncated" : "corrupt";
            throw new BadSnapshotException(name + " is not a complete JSON document (" + what + where + ")");
        }
        if (root == null || root.isMissingNode()) {
            throw new BadSnapshotException(name + " is empty, not a dropscope snapshot");
        }
        if (!root.isObject() || !root.path("schema").isTextual()) {
            throw new BadSnapshotException(name + " is not a dropscope snapshot (no \"schema\": \"dropscope.snapshot/"
                    + VERSION + "\")");
        }
        String schema = root.get("schema").asText();
        Matcher m = SCHEMA.matcher(schema);
        if (!m.matches()) {
            throw new BadSnapshotException(name + " is not a dropscope snapshot (schema '" + oneLine(schema) + "')");
        }
        int version = Integer.parseInt(m.group(1));
        if (version > VERSION) {
            throw new BadSnapshotException(name + " is a " + schema + " snapshot, newer than this dropscope reads ("
                    + SnapshotJson.SCHEMA + "): use a newer dropscope");
        }
        if (version < 1) {
            throw new BadSnapshotException(name + " has an unknown schema version '" + schema + "'");
        }
        try {
            return SnapshotDto.document(Json.SNAPSHOT.readerFor(SnapshotDto.Root.class).readValue(root), schema);
        } catch (JsonMappingException e) {
            throw new BadSnapshotException(name + ": invalid snapshot: " + message(e));
        } catch (Json.Invalid e) {
            throw new BadSnapshotException(name + ": invalid snapshot: " + e.getMessage());
        } catch (IOException e) {
            throw new BadSnapshotException(name + ": invalid snapshot: " + oneLine(String.valueOf(e.getMessage())));
        }
    }

    /** The JSON path of the failure, then what the schema wanted there. */
    private static String message(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        String what;
        if (e.getCause() instanceof Json.Invalid i) {
            what = i.getMessage();
        } else if (e.getCause() instanceof InputCoercionException c) {
            what = "out of range for " + kind(c.getTargetType());
        } else if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            what = "expected " + kind(m.getTargetType());
        } else {
            what = "not what " + SnapshotJson.SCHEMA + " allows";
        }
        return path.length() == 0 ? what : path + (e.getCause() instanceof Json.Invalid ? "." : ": ") + what;
    }

    private static String kind(Class<?> t) {
        if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
            return "an integer";
        } else if (t == Double.class || t == double.class) {
            return "a number";
        } else if (t == Boolean.class || t == boolean.class) {
            return "true or false";
        } else if (t == String.class) {
            return "a string";
        } else if (Collection.class.isAssignableFrom(t)) {
            return "an array";
        }
        return "an object";
    }

    static String oneLine(String s) {
        String t = s.replaceAll("[\\p{Cntrl}]", "?");
        return t.length() > 60 ? t.substring(0, 60) + "..." : t;
    }

}
