package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * serve under abuse from loopback (a real serve process, no drop source): 1 000 requests at once, twice,
 * neither grow its memory without bound nor stop its sampling, and slow clients (one that never finishes its
 * request, one that never reads the answer) hold neither the sampler nor the other scrapes.
 */
class ServeFloodTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://(127\\.0\\.0\\.1):(\\d+)/metrics");
    private static final Pattern SAMPLES = Pattern.compile("\ndropscope_samples_total (\\S+)");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();

    private static final class Serve implements AutoCloseable {
        final Process p;
        final int port;

        Serve() throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            // the heap the launcher gives serve
            p = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xmx48m", "-cp", cp, "dev.dropscope.cli.Main", "serve",
                    "--source", "none", "--listen", "127.0.0.1:0", "--interval", "200ms")
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            while (line != null && line.contains("warning")) {
                line = out.readLine();
            }
            assertNotNull(line);
            Matcher m = LISTENING.matcher(line);
            assertTrue(m.find(), line);
            port = Integer.parseInt(m.group(2));
            Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
            drain.setDaemon(true);
            drain.start();
        }

        long rssKib() throws IOException {
            for (String l : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("\\D", ""));
                }
            }
            throw new IOException("no VmRSS");
        }

        @Override
        public void close() throws InterruptedException {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }

    private long samples(int port) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        Matcher m = SAMPLES.matcher(r.body());
        assertTrue(m.find(), r.body());
        return (long) Double.parseDouble(m.group(1));
    }

    private static void waitForSamples(ServeFloodTest t, Serve s, long atLeast) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (t.samples(s.port) < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    /**
     * 1 000 non-blocking connections opened at once, each sending its request as soon as it is connected;
     * returns the dropscope_samples_total values in the answers (one per 200 answer).
     */
    private static List<Long> flood(int port, int n) throws IOException {
        byte[] req = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        List<Long> seen = new ArrayList<>();
        try (java.nio.channels.Selector sel = java.nio.channels.Selector.open()) {
            java.util.Map<java.nio.channels.SocketChannel, java.io.ByteArrayOutputStream> bodies = new java.util.HashMap<>();
            for (int i = 0; i < n; i++) {
                java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open();
                c.configureBlocking(false);
                c.connect(new InetSocketAddress("127.0.0.1", port));
                c.register(sel, java.nio.channels.SelectionKey.OP_CONNECT);
                bodies.put(c, new java.io.ByteArrayOutputStream());
            }
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64 * 1024);
            long deadline = System.nanoTime() + 60_000_000_000L; // then the rest are given up
            int open = n;
            while (open > 0 && System.nanoTime() < deadline) {
                sel.select(1000);
                for (java.nio.channels.SelectionKey k : sel.selectedKeys()) {
                    java.nio.channels.SocketChannel c = (java.nio.channels.SocketChannel) k.channel();
                    try {
                        if (k.isConnectable()) {
                            c.finishConnect();
                            c.write(java.nio.ByteBuffer.wrap(req)); // 60 bytes: one write
                            k.interestOps(java.nio.channels.SelectionKey.OP_READ);
                        } else if (k.isReadable()) {
                            buf.clear();
                            int r = c.read(buf);
                            if (r < 0) {
                                k.cancel();
                                c.close();
                                open--;
                                String text = bodies.get(c).toString(StandardCharsets.UTF_8);
                                Matcher m = SAMPLES.matcher(text);
                                if (text.startsWith("HTTP/1.1 200") && m.find()) {
                                    seen.add((long) Double.parseDouble(m.group(1)));
                                }
                            } else {
                                bodies.get(c).write(buf.array(), 0, r);
                            }
                        }
                    } catch (IOException e) {
                        k.cancel();
                        c.close();
                        open--;
                    }
                }
                sel.selectedKeys().clear();
            }
            for (java.nio.channels.SocketChannel c : bodies.keySet()) {
                c.close();
            }
        }
        return seen;
    }

    @Test
    void aThousandRequestsAtOnceNeitherGrowMemoryWithoutBoundNorStopSampling() throws Exception {
        try (Serve s = new Serve()) {
            waitForSamples(this, s, 3);
            for (int i = 0; i < 20; i++) {
                samples(s.port); // warm: the classes and buffers of a scrape exist before the baseline
            }
            long rssBefore = s.rssKib();
            long samplesBefore = samples(s.port);
            List<Long> first = flood(s.port, 1000);
            long rssAfterFirst = s.rssKib();
            List<Long> second = flood(s.port, 1000);
            long rssAfterSecond = s.rssKib();
            // the official client listens with an accept backlog of 3: most of a flood waits in SYN retries, and
            // what is not answered within a minute is given up; the server stays up and keeps answering
            assertTrue(first.size() >= 100 && second.size() >= 100,
                    "the floods were answered: " + first.size() + " and " + second.size() + " of 1000");
            long during = java.util.Collections.max(second);
            assertTrue(during > samplesBefore + 2, "sampling went on during the floods: " + samplesBefore + " -> " + during);
            assertTrue(samples(s.port) >= during, "and after");
            // bounded: the heap is capped (48 MiB) and at most two requests are in hand at once. The heap may
            // still grow toward its cap during the second flood (9.4 MiB seen once), but a leak of even 16 KiB per
            // request would add 16 MiB there
            assertTrue(rssAfterFirst - rssBefore < 32 * 1024, "RSS grew by " + (rssAfterFirst - rssBefore) + " KiB");
            assertTrue(rssAfterSecond - rssAfterFirst < 16 * 1024,
                    "the second flood grew RSS by " + (rssAfterSecond - rssAfterFirst) + " KiB more");
        }
    }

    @Test
    void slowClientsHoldNeitherTheSamplerNorOtherScrapes() throws Exception {
        try (Serve s = new Serve()) {
            waitForSamples(this, s, 2);
            // one that never finishes its request line, one that asks and never reads, with a small receive window
            Socket dribble = new Socket("127.0.0.1", s.port);
            dribble.getOutputStream().write("GET /metr".getBytes(StandardCharsets.US_ASCII));
            Socket deaf = new Socket();
            deaf.setReceiveBufferSize(1024);
            deaf.connect(new InetSocketAddress("127.0.0.1", s.port));
            for (int i = 0; i < 50; i++) {
                deaf.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            try {
                long before = samples(s.port);
                Thread.sleep(2_000);
                long after = samples(s.port);
                // 200 ms interval: about 10 samples in 2 s; a sampler held by a client would show none
                assertTrue(after >= before + 4, "sampling went on while slow clients held connections: "
                        + before + " -> " + after);
                for (int i = 0; i < 5; i++) {
                    samples(s.port); // other scrapes are still answered
                }
            } finally {
                dribble.close();
                deaf.close();
            }
        }
    }
}
