package dev.dropscope.cli.serve;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.IllegalBCryptFormatException;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * {@code serve --web.config.file}: the Prometheus exporter-toolkit's web configuration
 * (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md), the file
 * node_exporter takes, so one file serves both:
 *
 * <pre>
 * tls_server_config:
 *   cert_file: server.crt      # PEM, the leaf first; relative paths are relative to this file
 *   key_file: server.key       # PEM, PKCS#8 ("BEGIN PRIVATE KEY", what openssl 3 writes)
 *   min_version: TLS12         # TLS12 (default) or TLS13; max_version likewise
 * basic_auth_users:
 *   prometheus: $2y$10$...     # bcrypt hashes (htpasswd -nBC 10 "" | tr -d ':')
 * </pre>
 *
 * <p>Everything is checked at load, before the port is opened: a key the toolkit knows but dropscope does
 * not implement (client certificates, cipher suites, extra headers...) is refused like an unknown one, so a
 * file never yields a server weaker than the file asks for. Errors are one line ({@link Invalid}).
 */
public final class WebConfig {

    /** A web config file that cannot be used: one line, saying which file and what. */
    public static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    /** No file: plain HTTP, no authentication. */
    public static final WebConfig NONE = new WebConfig(null, Map.of(), null);

    private static final Set<String> TOP = Set.of("tls_server_config", "http_server_config", "basic_auth_users");
    private static final Set<String> TLS = Set.of("cert_file", "key_file", "min_version", "max_version");
    /** exporter-toolkit keys dropscope does not implement: refused by name rather than ignored. */
    private static final Set<String> TLS_UNSUPPORTED = Set.of("cert", "key", "client_auth_type", "client_ca_file",
            "client_ca", "cipher_suites", "curve_preferences", "prefer_server_cipher_suites", "client_allowed_sans");
    private static final Map<String, String> VERSIONS = Map.of("TLS12", "TLSv1.2", "TLS13", "TLSv1.3");
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

    private final SSLContext tls;
    private final List<String> protocols;
    /** user -> bcrypt hash. */
    private final Map<String, String> users;
    private final BasicAuthenticator auth;

    private WebConfig(SSLContext tls, Map<String, String> users, List<String> protocols) {
        this.tls = tls;
        this.users = users;
        this.protocols = protocols;
        this.auth = users.isEmpty() ? null : new Bcrypt(users);
    }

    /** True when the server speaks TLS. */
    public boolean tls() {
        return tls != null;
    }

    /** The users allowed in (name to bcrypt hash); empty: no authentication. */
    public Set<String> users() {
        return users.keySet();
    }

    /** Reads and checks {@code file}; {@code now} is when the certificate must be valid. */
    public static WebConfig load(Path file, Date now) throws Invalid {
        String where = "--web.config.file " + file;
        JsonNode root;
        try (InputStream in = Files.newInputStream(file)) {
            root = new ObjectMapper(new YAMLFactory()).readTree(in);
        } catch (NoSuchFileException e) {
            throw new Invalid(where + ": no such file");
        } catch (JacksonException e) {
            throw new Invalid(where + ": not valid YAML: " + oneLine(e.getOriginalMessage())
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        } catch (IOException e) {
            throw new Invalid(where + ": " + oneLine(e.getMessage()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return NONE; // an empty file: what the toolkit does too
        }
        if (!root.isObject()) {
            throw new Invalid(where + ": expected a mapping of tls_server_config, http_server_config, basic_auth_users");
        }
        checkKeys(root, TOP, Set.of(), where, "");
        Path dir = file.toAbsolutePath().getParent();
        SSLContext tls = null;
        List<String> protocols = null;
        JsonNode t = root.get("tls_server_config");
        if (t != null && !t.isNull()) {
            if (!t.isObject()) {
                throw new Invalid(where + ": tls_server_config must be a mapping");
            }
            checkKeys(t, TLS, TLS_UNSUPPORTED, where, "tls_server_config.");
            String cert = text(t, "cert_file", where);
            String key = text(t, "key_file", where);
            if (cert == null || key == null) {
                throw new Invalid(where + ": tls_server_config needs both cert_file and key_file");
            }
            protocols = protocols(text(t, "min_version", where), text(t, "max_version", where), where);
            tls = sslContext(dir.resolve(cert), dir.resolve(key), now, where);
        }
        JsonNode h = root.get("http_server_config");
        if (h != null && !h.isNull()) {
            if (!h.isObject()) {
                throw new Invalid(where + ": http_server_config must be a mapping");
            }
            // HTTP/1.1 only: http2: false is what we do anyway; true (the toolkit's default) cannot be had
            checkKeys(h, Set.of("http2"), Set.of("headers"), where, "http_server_config.");
            if (h.has("http2") && !h.get("http2").isBoolean()) {
                throw new Invalid(where + ": http_server_config.http2 must be true or false");
            }
        }
        Map<String, String> users = new LinkedHashMap<>();
        JsonNode u = root.get("basic_auth_users");
        if (u != null && !u.isNull()) {
            if (!u.isObject()) {
                throw new Invalid(where + ": basic_auth_users must map user names to bcrypt hashes");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = u.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new Invalid(where + ": basic_auth_users." + e.getKey() + " must be a bcrypt hash");
                }
                String hash = e.getValue().asText();
                try {
                    BCrypt.Version.VERSION_2A.parser.parse(hash.getBytes(StandardCharsets.UTF_8));
                } catch (IllegalBCryptFormatException | RuntimeException x) {
                    throw new Invalid(where + ": basic_auth_users." + e.getKey() + " is not a bcrypt hash ($2y$10$..., "
                            + "from htpasswd -nBC 10 USER): " + oneLine(x.getMessage()));
                }
                users.put(e.getKey(), hash);
            }
        }
        return new WebConfig(tls, Map.copyOf(users), protocols);
    }

    private static void checkKeys(JsonNode node, Set<String> known, Set<String> unsupported, String where,
                                  String prefix) throws Invalid {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (unsupported.contains(k)) {
                throw new Invalid(where + ": " + prefix + k + " is not supported by dropscope serve");
            }
            if (!known.contains(k)) {
                throw new Invalid(where + ": unknown key " + prefix + k + " (known: " + String.join(", ",
                        new TreeSet<>(known)) + ")");
            }
        }
    }

    private static String text(JsonNode node, String key, String where) throws Invalid {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw new Invalid(where + ": tls_server_config." + key + " must be a non-empty string");
        }
        return v.asText();
    }

    private static List<String> protocols(String min, String max, String where) throws Invalid {
        List<String> order = List.of("TLS12", "TLS13");
        int lo = index(order, min == null ? "TLS12" : min, "min_version", where);
        int hi = index(order, max == null ? "TLS13" : max, "max_version", where);
        if (lo > hi) {
            throw new Invalid(where + ": tls_server_config.min_version " + min + " is above max_version " + max);
        }
        List<String> out = new ArrayList<>();
        for (int i = lo; i <= hi; i++) {
            out.add(VERSIONS.get(order.get(i)));
        }
        return out;
    }

    private static int index(List<String> order, String v, String key, String where) throws Invalid {
        int i = order.indexOf(v);
        if (i < 0) {
            throw new Invalid(where + ": tls_server_config." + key + " " + v + " is not one of TLS12, TLS13");
        }
        return i;
    }

    private static SSLContext sslContext(Path certFile, Path keyFile, Date now, String where) throws Invalid {
        List<X509Certificate> chain = new ArrayList<>();
        try (InputStream in = Files.newInputStream(certFile)) {
            Collection<? extends Certificate> cs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            for (Certificate c : cs) {
                chain.add((X509Certificate) c);
            }
        } catch (NoSuchFileException e) {
            throw new Invalid(where + ": cert_file " + certFile + ": no such file");
        } catch (IOException | CertificateException e) {
            throw new Invalid(where + ": cert_file " + certFile + ": not a PEM certificate: " + oneLine(e.getMessage()));
        }
        if (chain.isEmpty()) {
            throw new Invalid(where + ": cert_file " + certFile + ": no certificate in it");
        }
        X509Certificate leaf = chain.get(0);
        try {
            leaf.checkValidity(now);
        } catch (CertificateExpiredException e) {
            throw new Invalid(where + ": cert_file " + certFile + ": the certificate expired on "
                    + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new Invalid(where + ": cert_file " + certFile + ": the certificate is not valid before "
                    + leaf.getNotBefore().toInstant());
        }
        PrivateKey key = privateKey(keyFile, where);
        if (!matches(leaf, key)) {
            throw new Invalid(where + ": key_file " + keyFile + " is not the key of the certificate in " + certFile);
        }
        try {
            char[] pw = new char[0];
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("dropscope", key, pw, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new Invalid(where + ": cannot use " + certFile + " and " + keyFile + ": " + oneLine(e.getMessage()));
        }
    }

    private static PrivateKey privateKey(Path keyFile, String where) throws Invalid {
        String pem;
        try {
            pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new Invalid(where + ": key_file " + keyFile + ": no such file");
        } catch (IOException e) {
            throw new Invalid(where + ": key_file " + keyFile + ": " + oneLine(e.getMessage()));
        }
        Matcher m = PEM.matcher(pem);
        while (m.find()) {
            String type = m.group(1);
            if (type.equals("ENCRYPTED PRIVATE KEY")) {
                throw new Invalid(where + ": key_file " + keyFile + " is encrypted, and the web config has no "
                        + "password for it: decrypt it (openssl pkcs8 -in KEY -out KEY.plain)");
            }
            if (type.equals("RSA PRIVATE KEY") || type.equals("EC PRIVATE KEY")) {
                throw new Invalid(where + ": key_file " + keyFile + " is a " + type + " (PKCS#1/SEC1): convert it "
                        + "to PKCS#8 with openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
            }
            if (!type.equals("PRIVATE KEY")) {
                continue;
            }
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            for (String alg : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
                try {
                    return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                } catch (GeneralSecurityException | RuntimeException e) {
                    // not this algorithm
                }
            }
            throw new Invalid(where + ": key_file " + keyFile + ": a private key of an unknown algorithm");
        }
        throw new Invalid(where + ": key_file " + keyFile + ": no PEM private key (BEGIN PRIVATE KEY) in it");
    }

    /** Whether the certificate carries the public half of {@code key}. */
    private static boolean matches(X509Certificate cert, PrivateKey key) {
        PublicKey pub = cert.getPublicKey();
        if (pub instanceof RSAPublicKey r && key instanceof RSAPrivateCrtKey k) {
            return r.getModulus().equals(k.getModulus()) && r.getPublicExponent().equals(k.getPublicExponent());
        }
        if (pub instanceof ECPublicKey && key instanceof ECPrivateKey) {
            // no public point in a PKCS#8 EC key without parsing it: prove it by signing
            return signs(key, pub, "SHA256withECDSA");
        }
        if (pub.getAlgorithm().equals(key.getAlgorithm())) {
            return signs(key, pub, key.getAlgorithm());
        }
        return false;
    }

    private static boolean signs(PrivateKey key, PublicKey pub, String alg) {
        try {
            byte[] data = "dropscope".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(data);
            byte[] sig = s.sign();
            s.initVerify(pub);
            s.update(data);
            return s.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The TLS set-up for the server: the protocols the file allows. Null for plain HTTP. */
    public HttpsConfigurator https() {
        if (tls == null) {
            return null;
        }
        return new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setProtocols(protocols.toArray(new String[0]));
                params.setSSLParameters(p);
            }
        };
    }

    /** HTTP basic authentication against the bcrypt hashes; null when no users are configured. */
    public BasicAuthenticator authenticator() {
        return auth;
    }

    /**
     * Checks user and password against the bcrypt hash. bcrypt is slow by design (tens of ms at cost 10),
     * so, as the exporter-toolkit does, a success is remembered as a SHA-256 of user and password: a
     * scraper sending the same credentials every 15 s pays the bcrypt once.
     */
    static final class Bcrypt extends BasicAuthenticator {
        private final Map<String, String> users;
        private final Map<String, byte[]> verified = new ConcurrentHashMap<>();
        /** Compared against when the user is unknown, so a wrong name costs as long as a wrong password. */
        private static final class Dummy {
            static final String HASH = BCrypt.withDefaults().hashToString(10, "dropscope".toCharArray());
        }

        Bcrypt(Map<String, String> users) {
            super("dropscope", StandardCharsets.UTF_8);
            this.users = users;
        }

        @Override
        public boolean checkCredentials(String user, String password) {
            String hash = users.get(user);
            byte[] digest = digest(user, password);
            byte[] seen = verified.get(user);
            if (hash != null && seen != null && MessageDigest.isEqual(seen, digest)) {
                return true;
            }
            boolean ok;
            try {
                ok = BCrypt.verifyer().verify(password.toCharArray(), hash != null ? hash : Dummy.HASH).verified
                        && hash != null;
            } catch (IllegalArgumentException e) {
                ok = false; // a password over bcrypt's 72 bytes
            }
            if (ok) {
                verified.put(user, digest);
            }
            return ok;
        }

        private static byte[] digest(String user, String password) {
            try {
                MessageDigest d = MessageDigest.getInstance("SHA-256");
                d.update(user.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
                d.update(password.getBytes(StandardCharsets.UTF_8));
                return d.digest();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\n\\s*", " ").trim();
    }
}
