package dev.dropscope.netlink;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Loads the stack-health fixtures under {@code src/test/resources/netlink/}: the {@code *.hex} format of
 * {@code fixtures/netdm/README.md} ({@code #} comment lines, one message in hex per other line, the
 * comment before it reading {@code [n] tx|rx label: summary}), so the shared HexFixture reads them too
 * once it is merged. Also loads the kernel tools' output recorded next to each capture.
 */
public final class RecordedReplies {

    /** One recorded message; {@link #buffer()} is a native-order buffer whose limit is the message. */
    public record Message(String file, int index, String direction, String label, byte[] bytes) {
        public ByteBuffer buffer() {
            return ByteBuffer.wrap(bytes.clone()).order(ByteOrder.nativeOrder());
        }

        @Override
        public String toString() {
            return file + " [" + index + "] " + direction + " " + label;
        }
    }

    private RecordedReplies() {
    }

    public static List<Message> load(String resource) {
        String text = text(resource);
        List<Message> out = new ArrayList<>();
        String comment = null;
        for (String raw : text.split("\r?\n")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                comment = line.substring(1).strip();
                continue;
            }
            String direction = "?";
            String label = "";
            if (comment != null && comment.matches("\\[\\d+] (tx|rx) .*")) {
                String rest = comment.substring(comment.indexOf(']') + 2);
                direction = rest.substring(0, 2);
                label = rest.substring(3);
                int colon = label.indexOf(": ");
                label = colon < 0 ? label : label.substring(0, colon);
            }
            out.add(new Message(resource, out.size(), direction, label, hex(line)));
            comment = null;
        }
        return out;
    }

    /** The kernel's replies only. */
    public static List<Message> replies(String resource) {
        return load(resource).stream().filter(m -> m.direction().equals("rx")).collect(Collectors.toList());
    }

    public static String text(String resource) {
        try (InputStream in = RecordedReplies.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture '" + resource + "' on the test class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] hex(String s) {
        if (s.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits");
        }
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    public static String hex(byte[] b, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            sb.append(String.format("%02x", b[i]));
        }
        return sb.toString();
    }

    /** Two recordings hold the same replies but for their sequence numbers and port ids (a re-recording that changed nothing). */
    public static boolean sameIgnoringSeq(java.util.List<byte[]> a, java.util.List<byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            byte[] x = a.get(i).clone();
            byte[] y = b.get(i).clone();
            if (x.length != y.length) {
                return false;
            }
            java.util.Arrays.fill(x, NetlinkConstants.NLMSG_SEQ_OFFSET, NetlinkConstants.NLMSG_HDRLEN, (byte) 0);
            java.util.Arrays.fill(y, NetlinkConstants.NLMSG_SEQ_OFFSET, NetlinkConstants.NLMSG_HDRLEN, (byte) 0);
            if (!java.util.Arrays.equals(x, y)) {
                return false;
            }
        }
        return true;
    }
}
