package dev.dropscope.testutil;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A recorded fixture in the {@code *.hex} format of {@code fixtures/netdm/README.md}: {@code #} comment
 * lines, and one complete message per other non-empty line in hex. The comment line right before a
 * message describes it: {@code # [index] tx|rx label: decoded summary}. Comments before the first
 * message form the file header ({@code # key: value} lines).
 *
 * <p>Bytes are kept exactly as recorded (host byte order of the capture machine); {@link Entry#buffer()}
 * hands them out in a buffer whose limit is exactly the message, so a decoder that reads past the end
 * fails with {@link IndexOutOfBoundsException} instead of reading neighbouring bytes.
 */
public final class HexFixture {

    /** Who sent a message: {@code tx} = the capturing program, {@code rx} = the kernel. */
    public enum Direction { TX, RX, UNKNOWN }

    /**
     * One message.
     *
     * @param index     the {@code [n]} of its comment (its position when the comment has none)
     * @param comment   the whole comment line before it, without the leading {@code #}, or "" if none
     * @param direction from the comment
     * @param label     the comment's text between the direction and the first ": " (e.g. "reply to CONFIG")
     * @param summary   the comment's text after the label: the independent decoder's expected values
     * @param line      1-based line number of the hex in the file, for error messages
     */
    public record Entry(String file, int index, String comment, Direction direction, String label,
                        String summary, byte[] bytes, int line) {

        public Entry {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        public int length() {
            return bytes.length;
        }

        /** A fresh native-order heap buffer holding exactly this message (position 0, limit = length). */
        public ByteBuffer buffer() {
            return ByteBuffer.wrap(bytes.clone()).order(ByteOrder.nativeOrder());
        }

        /** Value of {@code key=value} in the summary (see {@link HexFixture#field}). */
        public Optional<String> field(String key) {
            return HexFixture.field(summary, key);
        }

        /** A numeric {@code key=value} of the summary, decimal or 0x-hex; fails if absent. */
        public long number(String key) {
            return parseNumber(field(key).orElseThrow(
                    () -> new IllegalArgumentException(this + ": summary has no '" + key + "='")));
        }

        @Override
        public String toString() {
            return file + " [" + index + "] (line " + line + ")";
        }
    }

    private static final Pattern DESCRIBED = Pattern.compile("^\\s*\\[(\\d+)]\\s+(tx|rx)\\s+(.*)$");

    private final String name;
    private final List<String> header;
    private final List<Entry> entries;

    private HexFixture(String name, List<String> header, List<Entry> entries) {
        this.name = name;
        this.header = List.copyOf(header);
        this.entries = List.copyOf(entries);
    }

    /** Loads a fixture from the test class path, e.g. {@code "fixtures/netdm/acks.hex"}. */
    public static HexFixture load(String resource) {
        try (InputStream in = HexFixture.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture '" + resource + "' on the test class path");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return parse(resource.substring(resource.lastIndexOf('/') + 1), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every {@code *.hex} in a class path directory such as {@code "fixtures/netdm"}, sorted by name. */
    public static List<HexFixture> loadAll(String resourceDirectory) {
        URL url = HexFixture.class.getClassLoader().getResource(resourceDirectory);
        if (url == null || !"file".equals(url.getProtocol())) {
            throw new IllegalArgumentException("fixture directory '" + resourceDirectory + "' is not a directory on the class path");
        }
        try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".hex")).sorted()
                    .map(n -> load(resourceDirectory + "/" + n)).collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Parses fixture text; {@code name} appears in error messages. */
    public static HexFixture parse(String name, String text) {
        List<String> header = new ArrayList<>();
        List<Entry> entries = new ArrayList<>();
        String pending = null;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                String comment = line.substring(1).strip();
                if (entries.isEmpty() && pending != null && !DESCRIBED.matcher(pending).matches()) {
                    header.add(pending);
                }
                pending = comment;
                continue;
            }
            entries.add(entry(name, entries.size(), pending, line, i + 1));
            pending = null;
        }
        if (entries.isEmpty() && pending != null) {
            header.add(pending);
        }
        return new HexFixture(name, header, entries);
    }

    private static Entry entry(String file, int position, String comment, String hex, int line) {
        byte[] bytes = decodeHex(file, hex, line);
        if (comment == null) {
            return new Entry(file, position, "", Direction.UNKNOWN, "", "", bytes, line);
        }
        Matcher m = DESCRIBED.matcher(comment);
        if (!m.matches()) {
            return new Entry(file, position, comment, Direction.UNKNOWN, "", comment, bytes, line);
        }
        int index = Integer.parseInt(m.group(1));
        if (index != position) {
            throw new IllegalArgumentException(file + ":" + line + ": message numbered [" + index
                    + "] but it is message " + position + " of the file");
        }
        String rest = m.group(3);
        int colon = rest.indexOf(": ");
        String label = colon < 0 ? rest : rest.substring(0, colon);
        String summary = colon < 0 ? "" : rest.substring(colon + 2);
        Direction d = m.group(2).equals("tx") ? Direction.TX : Direction.RX;
        return new Entry(file, index, comment, d, label.strip(), summary.strip(), bytes, line);
    }

    private static byte[] decodeHex(String file, String hex, int line) {
        String s = hex.replaceAll("\\s+", "");
        if (s.length() % 2 != 0) {
            throw new IllegalArgumentException(file + ":" + line + ": odd number of hex digits (" + s.length() + ")");
        }
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            int hi = Character.digit(s.charAt(2 * i), 16);
            int lo = Character.digit(s.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException(file + ":" + line + ": not a hex digit near column " + (2 * i + 1));
            }
            out[i] = (byte) (hi << 4 | lo);
        }
        return out;
    }

    /**
     * The value of {@code key=value} in a decoded summary. The key must start a word (after a space,
     * ',', ';', '(', '{' or '['); the value is a quoted string ('...' without the quotes), a bracketed
     * group ([...], {...}, (...) with the brackets), or a bare token ending at space, ',', ';' or a
     * closing bracket.
     */
    public static Optional<String> field(String summary, String key) {
        String needle = key + "=";
        int from = 0;
        while (true) {
            int k = summary.indexOf(needle, from);
            if (k < 0) {
                return Optional.empty();
            }
            from = k + 1;
            if (k > 0 && " ,;({[".indexOf(summary.charAt(k - 1)) < 0) {
                continue;
            }
            int v = k + needle.length();
            if (v < summary.length() && summary.charAt(v) == '\'') {
                int close = summary.indexOf('\'', v + 1);
                return Optional.of(close < 0 ? summary.substring(v + 1) : summary.substring(v + 1, close));
            }
            int depth = 0;
            int e = v;
            while (e < summary.length()) {
                char c = summary.charAt(e);
                if (c == '[' || c == '{' || c == '(') {
                    depth++;
                } else if (c == ']' || c == '}' || c == ')') {
                    if (depth == 0) {
                        break;
                    }
                    depth--;
                } else if (depth == 0 && (c == ' ' || c == ',' || c == ';')) {
                    break;
                }
                e++;
            }
            return Optional.of(summary.substring(v, e));
        }
    }

    /** Decimal, negative decimal or 0x-hex. */
    public static long parseNumber(String s) {
        String t = s.strip();
        if (t.startsWith("0x") || t.startsWith("0X")) {
            return Long.parseUnsignedLong(t.substring(2), 16);
        }
        return Long.parseLong(t);
    }

    public String name() {
        return name;
    }

    /** The file header's comment lines (without '#'). */
    public List<String> header() {
        return header;
    }

    /** The value of a {@code # key: value} header line, e.g. {@code header("family")}. */
    public Optional<String> header(String key) {
        String prefix = key + ":";
        return header.stream().filter(h -> h.startsWith(prefix)).map(h -> h.substring(prefix.length()).strip())
                .findFirst();
    }

    public List<Entry> entries() {
        return entries;
    }

    public Entry entry(int index) {
        return entries.get(index);
    }

    public List<Entry> tx() {
        return entries.stream().filter(e -> e.direction() == Direction.TX).collect(Collectors.toUnmodifiableList());
    }

    public List<Entry> rx() {
        return entries.stream().filter(e -> e.direction() == Direction.RX).collect(Collectors.toUnmodifiableList());
    }

    /** All messages of the file back to back, each padded to 4 bytes: one multi-message datagram. */
    public byte[] concatenated() {
        int total = 0;
        for (Entry e : entries) {
            total += (e.length() + 3) & ~3;
        }
        byte[] out = new byte[total];
        int at = 0;
        for (Entry e : entries) {
            System.arraycopy(e.bytes, 0, out, at, e.length());
            at += (e.length() + 3) & ~3;
        }
        return out;
    }

    @Override
    public String toString() {
        return name + " (" + entries.size() + " messages)";
    }

    /** For tests that need an unmodifiable view of all entries of several fixtures. */
    public static List<Entry> allEntries(List<HexFixture> fixtures) {
        List<Entry> all = new ArrayList<>();
        fixtures.forEach(f -> all.addAll(f.entries()));
        return Collections.unmodifiableList(all);
    }
}
