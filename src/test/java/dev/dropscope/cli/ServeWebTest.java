package dev.dropscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

import dev.dropscope.cli.serve.WebConfig;

/**
 * {@code serve --web.config.file} on a real server (a serve process with {@code --source none} on a loopback
 * port): HTTPS with a certificate made here by openssl, basic auth against a bcrypt hash, gzip, the landing
 * page; and every kind of bad file is one line and exit 2 before anything listens.
 */
class ServeWebTest {
    private static final Pattern LISTENING = Pattern.compile("listening on (https?)://(127\\.0\\.0\\.1:\\d+)/metrics");
    private static Path dir;

    @BeforeAll
    static void certificates() throws Exception {
        dir = Files.createTempDirectory("dropscope-web");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-key.pem", "-out", "other.pem",
                "-days", "2", "-subj", "/CN=other");
        openssl("pkcs8", "-topk8", "-in", "key.pem", "-out", "encrypted-key.pem", "-passout", "pass:secret");
        openssl("rsa", "-in", "key.pem", "-traditional", "-out", "pkcs1-key.pem");
        // expired: keytool can date a certificate in the past; its key and certificate written out as PEM
        run(dir, "keytool", "-genkeypair", "-keyalg", "RSA", "-keysize", "2048", "-alias", "old", "-keystore",
                "old.p12", "-storetype", "PKCS12", "-storepass", "changeit", "-dname", "CN=127.0.0.1",
                "-startdate", "2001/01/01 00:00:00", "-validity", "2");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("old.p12"))) {
            ks.load(in, "changeit".toCharArray());
        }
        Files.writeString(dir.resolve("old.pem"), pem("CERTIFICATE", ks.getCertificate("old").getEncoded()));
        Files.writeString(dir.resolve("old-key.pem"),
                pem("PRIVATE KEY", ks.getKey("old", "changeit".toCharArray()).getEncoded()));
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        run(dir, cmd.toArray(new String[0]));
    }

    private static void run(Path cwd, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
    }

    private static Path config(String name, String yaml) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, yaml);
        return f;
    }

    private static String hash(String password) {
        return BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(4, password.toCharArray());
    }

    /** A serve process (no drop source, so no privileges needed); its stdout+stderr; the first line read. */
    private static final class Serve implements AutoCloseable {
        final Process p;
        final String scheme;
        final String hostPort;

        Serve(Path webConfig) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            p = new ProcessBuilder(java, "-cp", cp, "dev.dropscope.cli.Main", "serve", "--source", "none",
                    "--web.listen-address", "127.0.0.1:0", "--interval", "1s", "--web.config.file", webConfig.toString())
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            while (line != null && line.contains("warning")) {
                line = out.readLine();
            }
            assertNotNull(line, "serve printed nothing");
            Matcher m = LISTENING.matcher(line);
            assertTrue(m.find(), line);
            scheme = m.group(1);
            hostPort = m.group(2);
        }

        URI uri(String path) {
            return URI.create(scheme + "://" + hostPort + path);
        }

        @Override
        public void close() throws InterruptedException {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }

    private static HttpClient trusting(Path certPem) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certPem)) {
            trust.setCertificateEntry("serve", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(30)).build();
    }

    private static HttpRequest.Builder get(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void httpsWithBasicAuthServesMetricsGzipAndTheLandingPage() throws Exception {
        Path cfg = config("web.yml", "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
                + "basic_auth_users:\n  prometheus: " + hash("s3cret") + "\n");
        try (Serve s = new Serve(cfg)) {
            assertEquals("https", s.scheme);
            HttpClient https = trusting(dir.resolve("cert.pem"));

            HttpResponse<String> anonymous = https.send(get(s.uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode());
            assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"),
                    anonymous.headers().map().toString());
            HttpResponse<String> wrong = https.send(get(s.uri("/metrics"))
                    .header("Authorization", basic("prometheus", "guess")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, wrong.statusCode());
            HttpResponse<String> unknown = https.send(get(s.uri("/metrics"))
                    .header("Authorization", basic("nobody", "s3cret")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, unknown.statusCode());
            assertEquals(401, https.send(get(s.uri("/healthz")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode(), "every path is behind the password");

            String auth = basic("prometheus", "s3cret");
            HttpResponse<String> plain = https.send(get(s.uri("/metrics")).header("Authorization", auth).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, plain.statusCode(), plain.body());
            assertTrue(plain.body().contains("dropscope_drop_source{source=\"none\"} 1"), plain.body());
            assertTrue(plain.body().contains("\nprocess_resident_memory_bytes "), "process metrics");
            assertTrue(plain.body().contains("\nprocess_cpu_seconds_total "), "process metrics");

            HttpResponse<byte[]> gz = https.send(get(s.uri("/metrics")).header("Authorization", auth)
                    .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, gz.statusCode());
            assertEquals("gzip", gz.headers().firstValue("Content-Encoding").orElse(""), gz.headers().map().toString());
            String unzipped;
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz.body()))) {
                unzipped = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(unzipped.contains("# TYPE dropscope_samples_total counter"), unzipped);
            assertTrue(gz.body().length < unzipped.length() / 2, gz.body().length + " of " + unzipped.length());

            HttpResponse<String> landing = https.send(get(s.uri("/")).header("Authorization", auth).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, landing.statusCode());
            assertTrue(landing.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
            assertTrue(landing.body().contains("<a href=\"metrics\">"), landing.body());
            assertTrue(landing.body().contains("<a href=\"healthz\">"), landing.body());

            // plain HTTP to the TLS port gets no metrics
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(IOException.class, () -> http.send(get(URI.create("http://" + s.hostPort + "/metrics"))
                    .header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString()));
            // a client that does not trust the certificate does not get through either
            assertThrows(SSLHandshakeException.class, () -> HttpClient.newHttpClient().send(
                    get(s.uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void basicAuthWithoutTlsAndGzipOverHttp() throws Exception {
        Path cfg = config("auth-only.yml", "basic_auth_users:\n  alice: " + hash("pw") + "\n");
        try (Serve s = new Serve(cfg)) {
            assertEquals("http", s.scheme);
            HttpClient http = HttpClient.newHttpClient();
            assertEquals(401, http.send(get(s.uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> ok = http.send(get(s.uri("/metrics")).header("Authorization", basic("alice", "pw"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            assertTrue(ok.body().contains("dropscope_samples_total"), ok.body());
        }
    }

    @Test
    void eachBadConfigIsOneLineAndExitTwo() throws Exception {
        String good = "  cert_file: cert.pem\n  key_file: key.pem\n";
        String[][] bad = {
            {"tls_server_config: [unclosed\n", "not valid YAML"},
            {"tls_server_config:\n" + good + "  color: blue\n", "unknown key tls_server_config.color"},
            {"web_server_config: {}\n", "unknown key web_server_config"},
            {"tls_server_config:\n  cert_file: missing.pem\n  key_file: key.pem\n", "cert_file " + dir.resolve("missing.pem") + ": no such file"},
            {"tls_server_config:\n  cert_file: cert.pem\n", "needs both cert_file and key_file"},
            {"tls_server_config:\n  cert_file: cert.pem\n  key_file: encrypted-key.pem\n", "is encrypted"},
            {"tls_server_config:\n  cert_file: cert.pem\n  key_file: pkcs1-key.pem\n", "convert it to PKCS#8"},
            {"tls_server_config:\n  cert_file: cert.pem\n  key_file: other-key.pem\n", "is not the key of the certificate"},
            {"tls_server_config:\n  cert_file: old.pem\n  key_file: old-key.pem\n", "the certificate expired on 2001-01-03"},
            {"tls_server_config:\n  cert_file: key.pem\n  key_file: key.pem\n", "not a PEM certificate"},
            {"tls_server_config:\n" + good + "  min_version: TLS10\n", "min_version TLS10 is not one of TLS12, TLS13"},
            {"tls_server_config:\n" + good + "  client_auth_type: RequireAndVerifyClientCert\n", "client_auth_type is not supported"},
            {"basic_auth_users:\n  bob: hunter2\n", "basic_auth_users.bob is not a bcrypt hash"},
            {"basic_auth_users:\n  bob: $1$abc$defghijklmnopqrstuvwxy\n", "basic_auth_users.bob is not a bcrypt hash"},
            {"basic_auth_users: [bob]\n", "basic_auth_users must map user names to bcrypt hashes"},
        };
        int i = 0;
        for (String[] b : bad) {
            Path f = config("bad" + i++ + ".yml", b[0]);
            DoctorCommandTest.Result r = DoctorCommandTest.run("serve", "--source", "none", "--listen", "127.0.0.1:0",
                    "--web.config.file", f.toString());
            assertEquals(ExitCodes.USAGE, r.exit(), b[0] + " -> " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertTrue(r.err().startsWith("dropscope serve: --web.config.file " + f + ": "), r.err());
            assertTrue(r.err().contains(b[1]), b[1] + " in: " + r.err());
            assertFalse(r.err().contains("listening"), r.err());
        }
        DoctorCommandTest.Result none = DoctorCommandTest.run("serve", "--source", "none", "--listen", "127.0.0.1:0",
                "--web.config.file", dir.resolve("nothing.yml").toString());
        assertEquals(ExitCodes.USAGE, none.exit());
        assertTrue(none.err().endsWith("nothing.yml: no such file\n"), none.err());
    }

    @Test
    void aGoodConfigLoadsAndSaysWhatItEnables() throws Exception {
        WebConfig w = WebConfig.load(config("ok.yml", "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
                + "  min_version: TLS13\nhttp_server_config:\n  http2: false\nbasic_auth_users:\n  a: " + hash("x") + "\n"),
                new java.util.Date());
        assertTrue(w.tls());
        assertEquals(java.util.Set.of("a"), w.users());
        com.sun.net.httpserver.BasicAuthenticator auth = w.authenticator();
        assertTrue(auth.checkCredentials("a", "x"));
        assertTrue(auth.checkCredentials("a", "x"), "the remembered success");
        assertFalse(auth.checkCredentials("a", "y"), "a wrong password after a remembered success");
        assertFalse(auth.checkCredentials("b", "x"));
        WebConfig empty = WebConfig.load(config("empty.yml", ""), new java.util.Date());
        assertFalse(empty.tls());
        assertEquals(null, empty.authenticator());
    }
}
