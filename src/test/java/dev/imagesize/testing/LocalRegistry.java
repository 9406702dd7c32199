package dev.imagesize.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The real CNCF Distribution registry ({@code docker-registry}, Debian) on a free loopback port: plain HTTP, or TLS
 * with a test CA and htpasswd users. Counts the requests it served from its access log. Can be stopped and started
 * again on the same port and storage.
 */
public final class LocalRegistry implements AutoCloseable {
    private static final Pattern ACCESS =
            Pattern.compile("\"(GET|HEAD|PUT|POST|PATCH|DELETE) (\\S+) HTTP/[0-9.]+\" (\\d{3})");
    private static final String BINARY = "/usr/bin/docker-registry";

    private final Path dir;
    private final int port;
    private final boolean tls;
    private final String user;
    private final String password;
    private final Custom custom;
    private Process process;
    private Path log;
    private int logGeneration;

    private LocalRegistry(boolean tls, String user, String password) {
        this(tls, user, password, null);
    }

    private LocalRegistry(boolean tls, String user, String password, Custom custom) {
        try {
            this.dir = Files.createTempDirectory("imagesize-registry-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.port = OperatorProcess.freePort();
        this.tls = tls;
        this.user = user;
        this.password = password;
        this.custom = custom;
        writeConfig();
        start();
    }

    /**
     * How a {@link #custom} registry differs from a plain one.
     *
     * @param storage another registry's {@link #storage()}, to serve what was pushed there, or null for its own
     * @param extraConfig YAML appended to the configuration (top-level sections such as {@code auth:}), or ""
     * @param certificateChain PEM certificate chain for TLS, or null for plain HTTP
     * @param key PEM key of the certificate, or null
     * @param caCertificate PEM of the CA that signed it (the trust store of {@link #httpClient()}), or null
     */
    public record Custom(Path storage, String extraConfig, Path certificateChain, Path key, Path caCertificate) {}

    /** A registry set up as {@code custom} says (token auth, a certificate of another CA, another's storage). */
    public static LocalRegistry custom(Custom custom) {
        return new LocalRegistry(custom.certificateChain() != null, null, null, custom);
    }

    /** Where this registry keeps its content, for a {@link #custom} registry to serve it too. */
    public Path storage() {
        return custom != null && custom.storage() != null ? custom.storage() : dir.resolve("data");
    }

    private static LocalRegistry sharedPlain;
    private static LocalRegistry sharedTls;

    /** The plain registry shared by the tests of this JVM (stopped when the JVM exits). */
    public static synchronized LocalRegistry sharedPlain() {
        if (sharedPlain == null) {
            sharedPlain = plain();
            Runtime.getRuntime().addShutdownHook(new Thread(sharedPlain::close));
        }
        return sharedPlain;
    }

    /**
     * The TLS + htpasswd registry shared by the tests of this JVM. Its certificate comes from {@link TestTls}, whose
     * CA this JVM trusts from the start, as a user's JVM trusts a real CA.
     */
    public static synchronized LocalRegistry sharedTls() {
        if (sharedTls == null) {
            sharedTls = tlsWithAuth("ci-bot", "s3cret-pa55");
            System.setProperty(
                    "javax.net.ssl.trustStore", sharedTls.trustStore().toString());
            System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
            System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
            Runtime.getRuntime().addShutdownHook(new Thread(sharedTls::close));
        }
        return sharedTls;
    }

    /** A plain-HTTP registry without authentication. */
    public static LocalRegistry plain() {
        return new LocalRegistry(false, null, null);
    }

    /** A TLS registry (certificate from a test CA this JVM trusts) that requires {@code user}/{@code password}. */
    public static LocalRegistry tlsWithAuth(String user, String password) {
        return new LocalRegistry(true, user, password);
    }

    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    public boolean isTls() {
        return tls;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** The test CA's certificate (PEM file), for clients outside this JVM. */
    public Path caCertificate() {
        return dir.resolve("ca.crt");
    }

    /** A PKCS#12 trust store holding the test CA (password {@code changeit}), for JVMs started by tests. */
    public Path trustStore() {
        return dir.resolve("truststore.p12");
    }

    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            log = dir.resolve("registry-" + (++logGeneration) + ".log");
            process = ChildProcesses.track(new ProcessBuilder(
                            BINARY, "serve", dir.resolve("config.yml").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + BINARY + " (run hack/test-env.sh): " + e.getMessage(), e);
        }
        HttpClient http = httpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited: " + readLog());
            }
            try {
                int status = http.send(
                                HttpRequest.newBuilder(URI.create(baseUrl() + "/v2/"))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                if (status == 200 || status == 401) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(100);
        }
        stop();
        throw new IllegalStateException("docker-registry did not answer on " + hostPort() + ": " + readLog());
    }

    /** Stops the registry process; storage and port stay for {@link #start()}. */
    public synchronized void stop() {
        if (process != null) {
            ChildProcesses.stop(process, Duration.ofSeconds(10));
        }
    }

    /** How many requests with this method and a path matching {@code pathRegex} were served since (re)start. */
    public long requestCount(String method, String pathRegex) {
        Pattern path = Pattern.compile(pathRegex);
        return readLog()
                .lines()
                .map(ACCESS::matcher)
                .filter(Matcher::find)
                .filter(m ->
                        m.group(1).equals(method) && path.matcher(m.group(2)).matches())
                .count();
    }

    public String baseUrl() {
        return (tls ? "https://" : "http://") + hostPort();
    }

    /** An HTTP client that trusts the test CA: test code may speak HTTP to the registry directly. */
    public HttpClient httpClient() {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (tls) {
            builder.sslContext(sslContext());
        }
        return builder.build();
    }

    /** The {@code Authorization} header value for the htpasswd user, or null for the plain registry. */
    public String basicAuth() {
        return user == null
                ? null
                : "Basic "
                        + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private SSLContext sslContext() {
        try (InputStream in = Files.newInputStream(trustStore())) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, "changeit".toCharArray());
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load the test trust store: " + e.getMessage(), e);
        }
    }

    private void writeConfig() {
        try {
            StringBuilder config = new StringBuilder()
                    .append("version: 0.1\n")
                    .append("log:\n  level: info\n  formatter: text\n  accesslog:\n    disabled: false\n")
                    .append("storage:\n  filesystem:\n    rootdirectory: ")
                    .append(storage())
                    .append('\n')
                    .append("  delete:\n    enabled: true\n")
                    .append("http:\n  addr: 127.0.0.1:")
                    .append(port)
                    .append('\n');
            if (custom != null) {
                if (tls) {
                    Files.copy(custom.caCertificate(), dir.resolve("ca.crt"));
                    Files.copy(custom.certificateChain(), dir.resolve("tls.crt"));
                    Files.copy(custom.key(), dir.resolve("tls.key"));
                    writeTrustStore(custom.caCertificate(), trustStore());
                    config.append("  tls:\n    certificate: ")
                            .append(dir.resolve("tls.crt"))
                            .append('\n')
                            .append("    key: ")
                            .append(dir.resolve("tls.key"))
                            .append('\n');
                }
                config.append(custom.extraConfig());
            } else if (tls) {
                Files.copy(TestTls.caCertificate(), dir.resolve("ca.crt"));
                Files.copy(TestTls.certificateChain(), dir.resolve("tls.crt"));
                Files.copy(TestTls.key(), dir.resolve("tls.key"));
                Files.copy(TestTls.trustStore(), trustStore());
                Files.writeString(dir.resolve("htpasswd"), htpasswd(user, password));
                config.append("  tls:\n    certificate: ")
                        .append(dir.resolve("tls.crt"))
                        .append('\n')
                        .append("    key: ")
                        .append(dir.resolve("tls.key"))
                        .append('\n')
                        .append("auth:\n  htpasswd:\n    realm: imagesize-test\n    path: ")
                        .append(dir.resolve("htpasswd"))
                        .append('\n');
            }
            Files.writeString(dir.resolve("config.yml"), config.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeTrustStore(Path caCertificate, Path trustStore) throws IOException {
        try (InputStream in = Files.newInputStream(caCertificate);
                var out = Files.newOutputStream(trustStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry(
                    "ca",
                    java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
            store.store(out, "changeit".toCharArray());
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot write a trust store for " + caCertificate + ": " + e.getMessage(), e);
        }
    }

    /** A bcrypt htpasswd line, from the real htpasswd tool (apache2-utils). */
    private static String htpasswd(String user, String password) throws IOException {
        Process process = new ProcessBuilder("htpasswd", "-Bbn", user, password).start();
        try {
            String line = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (process.waitFor() != 0 || line.isEmpty()) {
                throw new IOException("htpasswd failed: "
                        + new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            return line + "\n";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private String readLog() {
        try {
            return log == null ? "" : Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp files
        }
    }
}
