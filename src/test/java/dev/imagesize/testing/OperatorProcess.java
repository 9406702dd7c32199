package dev.imagesize.testing;

import dev.imagesize.admission.Certificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator as users run it: {@code java -jar target/quarkus-app/quarkus-run.jar} in its own process, against
 * the test API server, with the webhook on a free port and a serving certificate for 127.0.0.1 made by the test.
 */
public final class OperatorProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final Path tlsDir;
    private final int httpPort;
    private final int webhookPort;
    private volatile String caBundlePem;

    private OperatorProcess(Process process, Path log, Path tlsDir, int httpPort, int webhookPort, String caBundlePem) {
        this.process = process;
        this.log = log;
        this.tlsDir = tlsDir;
        this.httpPort = httpPort;
        this.webhookPort = webhookPort;
        this.caBundlePem = caBundlePem;
    }

    /** Starts the operator with extra {@code imagesize.*} (or any Quarkus) properties and waits until it is ready. */
    public static OperatorProcess start(TestCluster cluster, Map<String, String> properties) {
        return start(cluster, properties, Map.of(), cluster.kubeconfig());
    }

    /**
     * Starts the operator with these JVM options instead of the default {@code -Xmx512m}, e.g. {@code -Xmx128m} and
     * {@code -XX:+ExitOnOutOfMemoryError} for the heap the chart's 512Mi limit gives and its behaviour on exhaustion.
     */
    public static OperatorProcess start(TestCluster cluster, Map<String, String> properties, List<String> jvmOptions) {
        return start(cluster, properties, Map.of(), cluster.kubeconfig(), jvmOptions);
    }

    /**
     * Starts the operator with extra properties, extra environment variables (e.g. {@code POD_NAME}, its identity)
     * and a kubeconfig of its own (e.g. one pointing at a proxy in front of the API server); waits until it is ready.
     * It exits at once when its memory runs out, as the chart runs it.
     */
    public static OperatorProcess start(
            TestCluster cluster, Map<String, String> properties, Map<String, String> env, Path kubeconfig) {
        return start(cluster, properties, env, kubeconfig, List.of("-Xmx512m", "-XX:+ExitOnOutOfMemoryError"));
    }

    /**
     * The {@code java} that runs the operator: the tests' own, or {@code IMAGESIZE_OPERATOR_JAVA} (e.g. the jlink-ed
     * runtime of the operator image, to check that its modules suffice).
     */
    private static String javaCommand() {
        String java = System.getenv("IMAGESIZE_OPERATOR_JAVA");
        if (java != null && !java.isBlank()) {
            return java;
        }
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** As {@link #start(TestCluster, Map, Map, Path)}, with these JVM options (e.g. the chart's memory settings). */
    public static OperatorProcess start(
            TestCluster cluster,
            Map<String, String> properties,
            Map<String, String> env,
            Path kubeconfig,
            List<String> jvmOptions) {
        try {
            Path jar = TestCluster.projectDir().resolve("target/quarkus-app/quarkus-run.jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("operator jar missing at " + jar + ": run ./mvnw package first");
            }
            Path tlsDir = Files.createTempDirectory("imagesize-webhook-tls-");
            Certificates.ServingCertificate tls =
                    Certificates.generate(List.of("127.0.0.1", "localhost"), Duration.ofDays(1));
            Files.writeString(tlsDir.resolve("tls.crt"), tls.certPem());
            Files.writeString(tlsDir.resolve("tls.key"), tls.keyPem());
            int httpPort = freePort();
            int webhookPort = freePort();
            Map<String, String> all = new LinkedHashMap<>();
            all.put("quarkus.http.port", Integer.toString(httpPort));
            all.put("quarkus.http.host", "127.0.0.1");
            all.put("imagesize.webhook.port", Integer.toString(webhookPort));
            all.put("imagesize.webhook.host", "127.0.0.1");
            all.put("imagesize.webhook.tls.cert-file", tlsDir.resolve("tls.crt").toString());
            all.put("imagesize.webhook.tls.key-file", tlsDir.resolve("tls.key").toString());
            all.put("imagesize.leader-election.lease-namespace", "default");
            all.putAll(properties);
            List<String> command = new ArrayList<>();
            command.add(javaCommand());
            command.addAll(jvmOptions);
            all.forEach((key, value) -> command.add("-D" + key + "=" + value));
            command.addAll(List.of("-jar", jar.toString()));
            Path log = Files.createTempFile("imagesize-operator-", ".log");
            ProcessBuilder builder =
                    new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("KUBECONFIG", kubeconfig.toString());
            builder.environment().putAll(env);
            OperatorProcess operator = new OperatorProcess(
                    ChildProcesses.track(builder.start()), log, tlsDir, httpPort, webhookPort, tls.caCertPem());
            try {
                operator.awaitReady(Duration.ofSeconds(90));
            } catch (RuntimeException | AssertionError notReady) {
                operator.close();
                throw notReady;
            }
            return operator;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until /q/health/ready answers 200, or fails with the operator's log. */
    public void awaitReady(Duration timeout) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            org.awaitility.Awaitility.await()
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(250))
                    .ignoreExceptionsInstanceOf(IOException.class)
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new AssertionError("operator exited with " + process.exitValue() + ":\n" + log());
                        }
                        return http.send(
                                                HttpRequest.newBuilder(URI.create(url("/q/health/ready")))
                                                        .build(),
                                                HttpResponse.BodyHandlers.ofString())
                                        .statusCode()
                                == 200;
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("operator not ready within " + timeout + ":\n" + log());
        }
    }

    /** The Prometheus text of /q/metrics. */
    public String metrics() {
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(url("/q/metrics")))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The value of one sample of /q/metrics ({@code name{labels}} exactly as printed), 0 when absent. */
    public double metric(String sample) {
        return metrics()
                .lines()
                .filter(line -> line.startsWith(sample + " "))
                .mapToDouble(line ->
                        Double.parseDouble(line.substring(sample.length() + 1).trim()))
                .findFirst()
                .orElse(0);
    }

    /** A URL of the plain-HTTP port (health, metrics). */
    public String url(String path) {
        return "http://127.0.0.1:" + httpPort + path;
    }

    /** The webhook's URL, as the API server is given it. */
    public String webhookUrl() {
        return "https://127.0.0.1:" + webhookPort + "/validate";
    }

    public int webhookPort() {
        return webhookPort;
    }

    /** An HTTPS client that trusts the webhook's CA, as the API server does through the caBundle. */
    public HttpClient webhookClient() {
        try {
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", Certificates.parse(caBundlePem));
            javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(null, factory.getTrustManagers(), null);
            return HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .sslContext(tls)
                    .build();
        } catch (java.security.GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot trust the webhook CA: " + e.getMessage(), e);
        }
    }

    /**
     * Sends {@code request} as written over a TLS connection to the webhook (trusting its CA) and returns everything
     * the server sends until it closes the connection or 10 s pass.
     */
    public String webhookExchange(String request) {
        try {
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", Certificates.parse(caBundlePem));
            javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(null, factory.getTrustManagers(), null);
            try (java.net.Socket socket = tls.getSocketFactory().createSocket("127.0.0.1", webhookPort)) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
                byte[] buffer = new byte[8192];
                try {
                    for (int read; (read = socket.getInputStream().read(buffer)) >= 0; ) {
                        answer.write(buffer, 0, read);
                    }
                } catch (java.net.SocketTimeoutException e) {
                    // the server kept the connection open: return what it sent
                }
                return answer.toString(java.nio.charset.StandardCharsets.UTF_8);
            }
        } catch (java.security.GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot talk to the webhook: " + e.getMessage(), e);
        }
    }

    /** Writes a new serving certificate (from a new CA) over the files the operator serves; returns the new CA. */
    public String rotateCertificate() {
        Certificates.ServingCertificate tls =
                Certificates.generate(List.of("127.0.0.1", "localhost"), Duration.ofDays(1));
        try {
            Files.writeString(tlsDir.resolve("tls.key.new"), tls.keyPem());
            Files.writeString(tlsDir.resolve("tls.crt.new"), tls.certPem());
            Files.move(
                    tlsDir.resolve("tls.key.new"),
                    tlsDir.resolve("tls.key"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.move(
                    tlsDir.resolve("tls.crt.new"),
                    tlsDir.resolve("tls.crt"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        caBundlePem = tls.caCertPem();
        return caBundlePem;
    }

    /** The CA that signed the webhook's serving certificate, PEM. */
    public String caBundlePem() {
        return caBundlePem;
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The operator's process id, for jcmd and /proc. */
    public long pid() {
        return process.pid();
    }

    /**
     * The heap in use after a full collection, in bytes, from {@code jcmd <pid> GC.run} and {@code GC.heap_info} of
     * the JDK that runs the tests.
     */
    public long heapAfterGc() {
        String info = jcmd("GC.run", "GC.heap_info");
        java.util.regex.Matcher used =
                java.util.regex.Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
        long usedKb = 0;
        while (used.find()) { // one line per heap (G1: one; others: young and old)
            usedKb += Long.parseLong(used.group(1));
        }
        if (usedKb == 0) {
            throw new AssertionError("no heap figures in jcmd GC.heap_info:\n" + info);
        }
        return usedKb * 1024;
    }

    /** Runs jcmd diagnostic commands against the operator in one attach. */
    private String jcmd(String... commands) {
        try {
            Path file = Files.createTempFile("imagesize-jcmd-", ".txt");
            Files.writeString(file, String.join("\n", commands) + "\n");
            Process jcmd = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                    .toString(),
                            Long.toString(process.pid()),
                            "-f",
                            file.toString())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            boolean exited = jcmd.waitFor(60, TimeUnit.SECONDS);
            Files.deleteIfExists(file);
            if (!exited || jcmd.exitValue() != 0) {
                throw new AssertionError("jcmd " + String.join(", ", commands) + " failed:\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Stops the process as Kubernetes would (SIGTERM, then SIGKILL after 30 s); returns how long it took to exit. */
    public Duration stop() {
        long start = System.nanoTime();
        ChildProcesses.stop(process, Duration.ofSeconds(30));
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Override
    public void close() {
        stop();
        try {
            Files.deleteIfExists(tlsDir.resolve("tls.crt"));
            Files.deleteIfExists(tlsDir.resolve("tls.key"));
            Files.deleteIfExists(tlsDir);
        } catch (IOException ignored) {
            // temp files
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
