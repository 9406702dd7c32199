package dev.imagesize.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.imagesize.assessment.Assessments;
import dev.imagesize.assessment.CredentialSource;
import dev.imagesize.image.Platform;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.PolicySource;
import dev.imagesize.policy.Rule;
import dev.imagesize.policy.Selector;
import dev.imagesize.registry.ImageSizeResolver;
import dev.imagesize.registry.Manifest;
import dev.imagesize.registry.ManifestSource;
import dev.imagesize.registry.ResolverConfig;
import dev.imagesize.testing.ClientCertificates;
import dev.imagesize.testing.Openssl;
import dev.imagesize.testing.RawHttps;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The webhook server in process with the real admission handler, against raw TLS sockets: every limit it promises
 * (timeouts, connection cap, body budget, bounded queue, deadline from arrival, TLS settings, client certificates,
 * closed metric labels, every Throwable answered).
 */
class WebhookServerTest {
    private static final Duration READ = Duration.ofSeconds(10);

    private final CountDownLatch registryOpen = new CountDownLatch(1);
    private final ManifestSource hangingRegistry = new ManifestSource() {
        @Override
        public Manifest fetchManifest(Repository repository, String qualifier) {
            awaitOpen(registryOpen);
            throw new IllegalStateException("the registry stays down in these tests");
        }

        @Override
        public Platform fetchConfigPlatform(Repository repository, Manifest.Image image) {
            return Platform.LINUX_AMD64;
        }
    };
    private final ImageSizeResolver resolver = new ImageSizeResolver(hangingRegistry, ResolverConfig.defaults());
    private volatile Supplier<List<Rule>> rules = List::of;

    private Vertx vertx;
    private SimpleMeterRegistry meters;
    private WebhookServer server;
    private Path tlsDir;
    private String caPem;
    private final WebhookSettings settings = new WebhookSettings();

    @BeforeEach
    void certificates() throws IOException {
        vertx = Vertx.vertx();
        meters = new SimpleMeterRegistry();
        tlsDir = Files.createTempDirectory("webhook-server-test-");
        var tls = Certificates.generate(List.of("127.0.0.1"), Duration.ofDays(1));
        Files.writeString(tlsDir.resolve("tls.crt"), tls.certPem());
        Files.writeString(tlsDir.resolve("tls.key"), tls.keyPem());
        caPem = tls.caCertPem();
        settings.certFile = tlsDir.resolve("tls.crt").toString();
        settings.keyFile = tlsDir.resolve("tls.key").toString();
    }

    @AfterEach
    void stop() throws IOException {
        registryOpen.countDown();
        if (server != null) {
            server.stop();
        }
        resolver.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
        try (var files = Files.list(tlsDir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(tlsDir);
    }

    private RawHttps start() {
        AdmissionHandler handler = new AdmissionHandler(
                new PolicySource() {
                    @Override
                    public List<Rule> rules() {
                        return rules.get();
                    }

                    @Override
                    public Map<String, String> namespaceLabels(String namespace) {
                        return Map.of();
                    }

                    @Override
                    public List<Platform> clusterPlatforms() {
                        return List.of();
                    }
                },
                new Assessments(resolver, 100),
                CredentialSource.ANONYMOUS,
                settings.deadline);
        server = new WebhookServer(vertx, settings, handler, null, meters);
        server.start();
        assertThat(server.isServing()).as("listening").isTrue();
        return RawHttps.trusting(caPem, server.actualPort());
    }

    private static Rule warnPolicy() {
        return new Rule(
                Rule.NAMESPACED_KIND,
                "shop",
                "budget",
                Rule.Action.ENFORCE,
                Selector.EVERYTHING,
                Selector.EVERYTHING,
                new Limits(1L, null, null),
                List.of(),
                List.of(),
                List.of(),
                Rule.OnResolveError.WARN);
    }

    static String podReview(String uid, String kind, String image) {
        return "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"" + uid
                + "\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"" + kind + "\"},\"namespace\":\"shop\","
                + "\"operation\":\"CREATE\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
                + "\"p\",\"namespace\":\"shop\"},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"" + image
                + "\"}]}}}}";
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void answersAReview() throws IOException {
        RawHttps client = start();

        RawHttps.Response response = client.post("/validate", bytes(podReview("u-1", "Pod", "nginx")), READ);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).contains("\"uid\":\"u-1\"", "\"allowed\":true");
    }

    @Test
    void everyThrowableIsAnsweredWithAShort500() throws IOException {
        RawHttps client = start();
        for (Throwable thrown : List.of(
                new AssertionError("boom"), new StackOverflowError(), new IllegalStateException("x"), new Error())) {
            rules = () -> {
                throw sneaky(thrown);
            };

            RawHttps.Response response = client.post("/validate", bytes(podReview("u", "Pod", "nginx")), READ);

            assertThat(response.status()).as(thrown.toString()).isEqualTo(500);
            assertThat(response.body()).isEqualTo("{\"error\":\"internal error\"}");
        }
        assertThat(tagValues("imagesize.admission.reviews", "verdict")).contains("error");
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
        throw (T) t;
    }

    @Test
    void metricLabelsComeFromAClosedSet() throws IOException {
        RawHttps client = start();
        for (int i = 0; i < 200; i++) {
            client.post("/validate", bytes(podReview("u-" + i, "K" + i, "nginx")), READ);
        }
        client.post("/validate", bytes(podReview("u-pod", "Pod", "nginx")), READ);
        client.post("/validate", bytes("{not json"), READ);

        assertThat(tagValues("imagesize.admission.reviews", "kind")).containsExactlyInAnyOrder("other", "Pod");
        assertThat(tagValues("imagesize.admission.reviews", "verdict"))
                .isSubsetOf("allowed", "warned", "denied", "skipped", "malformed", "error", "overloaded");
    }

    @Test
    void theDeadlineCountsFromArrivalAndHonoursTheApiServersTimeout() throws Exception {
        settings.deadline = Duration.ofSeconds(4);
        settings.workers = 1;
        rules = () -> List.of(warnPolicy());
        RawHttps client = start();

        // ?timeout=1s with a 1 s margin (at most half the timeout): each review has 0.5 s from its own arrival. The
        // second waits in the queue while the first spends its 0.5 s on the hanging registry, and is still answered
        // within its own 0.5 s (plus the time to answer), not 0.5 s after the first.
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            List<Future<Long>> elapsed = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String image = "reg.example/app:" + i;
                elapsed.add(callers.submit(() -> {
                    long start = System.nanoTime();
                    RawHttps.Response response =
                            client.post("/validate?timeout=1s", bytes(podReview("u", "Pod", image)), READ);
                    assertThat(response.status()).isEqualTo(200);
                    assertThat(response.body()).contains("\"allowed\":true", "size unknown");
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                }));
            }
            for (Future<Long> millis : elapsed) {
                assertThat(millis.get(10, TimeUnit.SECONDS))
                        .as("answered by the API server's timeout less the margin, not the 4 s deadline")
                        .isBetween(400L, 900L);
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aFullQueueIsAnsweredAtOnceWithoutRegistryLookups() throws Exception {
        settings.workers = 1;
        settings.queueCapacity = 1;
        CountDownLatch policiesReadable = new CountDownLatch(1);
        rules = () -> {
            awaitOpen(policiesReadable);
            return List.of();
        };
        RawHttps client = start();
        // 1 worker and 1 queued place hold 2 reviews, 2 overload threads and 64 overload places 66 more (each counted
        // as
        // queue-full); the 69th is answered at once
        ExecutorService callers = Executors.newFixedThreadPool(70);
        try {
            List<Future<RawHttps.Response>> held = new ArrayList<>();
            for (int i = 0; i < 68; i++) {
                held.add(
                        callers.submit(() -> client.post("/validate", bytes(podReview("held", "Pod", "nginx")), READ)));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> counter("imagesize.webhook.shed", "queue-full") == 66);

            RawHttps.Response overloaded = client.post("/validate", bytes(podReview("u-69", "Pod", "nginx")), READ);

            assertThat(overloaded.status()).isEqualTo(200);
            assertThat(overloaded.body()).contains("\"uid\":\"u-69\"", "\"allowed\":true", OverloadAnswer.WARNING);
            policiesReadable.countDown();
            for (Future<RawHttps.Response> response : held) {
                assertThat(response.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
            assertThat(counter("imagesize.webhook.shed", "queue-full")).isEqualTo(67);
        } finally {
            policiesReadable.countDown();
            callers.shutdownNow();
        }
    }

    @Test
    void aReviewTheHandlerHasNotFinishedByItsDeadlineIsAnsweredByTheServer() throws IOException {
        settings.deadline = Duration.ofMillis(500);
        CountDownLatch policiesReadable = new CountDownLatch(1);
        rules = () -> {
            awaitOpen(policiesReadable);
            return List.of();
        };
        RawHttps client = start();
        try {
            long start = System.nanoTime();
            RawHttps.Response response = client.post("/validate", bytes(podReview("u", "Pod", "nginx")), READ);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(response.status()).isEqualTo(503);
            assertThat(response.body()).isEqualTo(WebhookServer.NOT_REVIEWED_IN_TIME);
            assertThat(millis).as("deadline plus the watchdog's grace").isBetween(700L, 1500L);
            assertThat(counter("imagesize.webhook.shed", "deadline")).isEqualTo(1);
        } finally {
            policiesReadable.countDown();
        }
    }

    @Test
    void aBodyOverTheBudgetIsAnswered503AtOnceAndNotReadAndItsConnectionClosedAfterTheLinger() throws IOException {
        settings.maxInflightBodyBytes = 1000L;
        RawHttps client = start();
        try (SSLSocket socket = client.open(Duration.ofSeconds(5))) {
            RawHttps.send(
                    socket, "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n" + "a".repeat(100));
            long sent = System.nanoTime();

            RawHttps.Response response = RawHttps.read(socket.getInputStream());

            assertThat(response.status())
                    .as("answered before the body is complete")
                    .isEqualTo(503);
            assertThat(response.header("connection")).isEqualTo("close");
            assertThat(RawHttps.closedByPeer(socket)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - sent))
                    .as("closed after the linger, without waiting for the body")
                    .isGreaterThanOrEqualTo(WebhookServer.LATE_BODY_LINGER.minusMillis(50))
                    .isLessThan(Duration.ofSeconds(4));
        }
        assertThat(client.post("/validate", bytes(podReview("u-2", "Pod", "nginx")), READ)
                        .body())
                .as("the next connection is served")
                .contains("\"uid\":\"u-2\"");
    }

    @Test
    void bodiesBeyondTheBudgetGet503AtOnce() throws IOException {
        settings.maxInflightBodyBytes = 1000L;
        RawHttps client = start();

        RawHttps.Response response = client.post("/validate", new byte[2000], READ);

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.body()).contains("overloaded");
        assertThat(counter("imagesize.webhook.shed", "body-budget")).isEqualTo(1);
        assertThat(client.post("/validate", bytes(podReview("u", "Pod", "nginx")), READ)
                        .status())
                .as("the budget was given back")
                .isEqualTo(200);
    }

    @Test
    void aChunkedBodyOverTheLimitIsCutOffAndTheConnectionClosed() throws IOException {
        settings.maxBodyBytes = 4096;
        RawHttps client = start();
        try (SSLSocket socket = client.open(READ)) {
            RawHttps.send(socket, "POST /validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            String chunk = Integer.toHexString(1024) + "\r\n" + "a".repeat(1024) + "\r\n";
            for (int i = 0; i < 5; i++) {
                RawHttps.send(socket, chunk);
            }

            RawHttps.Response response = RawHttps.read(socket.getInputStream());

            assertThat(response.status()).isEqualTo(400);
            assertThat(response.body()).contains("over the 4096-byte limit");
            await().atMost(READ).until(() -> RawHttps.closedByPeer(socket));
        }
    }

    @Test
    void silentConnectionsAreClosedAfterTheHeaderTimeout() throws IOException {
        settings.headerTimeout = Duration.ofMillis(500);
        RawHttps client = start();
        try (SSLSocket silent = client.open(Duration.ofSeconds(5));
                SSLSocket partial = client.open(Duration.ofSeconds(5))) {
            RawHttps.send(partial, "POST /validate HTTP/1.1\r\nHost: x\r\n");

            assertThat(RawHttps.closedByPeer(silent)).isTrue();
            assertThat(RawHttps.closedByPeer(partial)).isTrue();
        }
        assertThat(counter("imagesize.webhook.shed", "header-timeout")).isEqualTo(2);
    }

    @Test
    void aBodyThatNeverArrivesIsAnswered408AtTheDeadlineAndItsConnectionClosed() throws IOException {
        settings.deadline = Duration.ofMillis(500);
        RawHttps client = start();
        try (SSLSocket socket = client.open(Duration.ofSeconds(5))) {
            RawHttps.send(socket, "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":");
            long sent = System.nanoTime();

            RawHttps.Response response = RawHttps.read(socket.getInputStream());

            assertThat(response.status()).isEqualTo(408);
            assertThat(response.header("connection")).isEqualTo("close");
            assertThat(response.body()).contains("request body not received by the review's deadline");
            assertThat(Duration.ofNanos(System.nanoTime() - sent))
                    .as("answered at the deadline, before the watchdog's 503")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(450))
                    .isLessThan(READ);
            assertThat(RawHttps.closedByPeer(socket))
                    .as("closed after the answer (the linger ends)")
                    .isTrue();
        }
        assertThat(counter("imagesize.webhook.shed", "body-timeout")).isEqualTo(1);
        assertThat(counter("imagesize.webhook.shed", "deadline"))
                .as("the watchdog had nothing left to answer")
                .isZero();
        assertThat(gauge("imagesize.webhook.inflight.body.bytes"))
                .as("the reservation was given back")
                .isZero();
    }

    @Test
    void theRestOfALateBodyIsReadAndDroppedAndTheConnectionClosedWhenItEnds() throws IOException {
        settings.deadline = Duration.ofMillis(500);
        RawHttps client = start();
        try (SSLSocket socket = client.open(Duration.ofSeconds(5))) {
            RawHttps.send(socket, "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"a\":");
            RawHttps.Response response = RawHttps.read(socket.getInputStream());
            assertThat(response.status()).isEqualTo(408);

            // the caller goes on writing (as a client does that sends its body before it reads): no reset, the
            // server reads the rest and closes once the body is complete
            RawHttps.write(socket, "a".repeat(100_000 - 5).getBytes(StandardCharsets.US_ASCII));

            assertThat(RawHttps.closedByPeer(socket)).isTrue();
        }
        assertThat(counter("imagesize.webhook.shed", "body-timeout")).isEqualTo(1);
        assertThat(gauge("imagesize.webhook.inflight.body.bytes")).isZero();
    }

    @Test
    void atTheConnectionCapNewConnectionsTakeThePlaceOfIdleOnes() throws IOException {
        settings.maxConnections = 3;
        RawHttps client = start();
        List<SSLSocket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                idle.add(client.open(Duration.ofSeconds(5)));
            }
            await().atMost(READ).until(() -> gauge("imagesize.webhook.connections") == 3);

            RawHttps.Response response = client.post("/validate", bytes(podReview("u", "Pod", "nginx")), READ);

            assertThat(response.status()).isEqualTo(200);
            assertThat(RawHttps.closedByPeer(idle.get(0)))
                    .as("the oldest idle one made room")
                    .isTrue();
            assertThat(counter("imagesize.webhook.shed", "idle-evicted")).isEqualTo(1);
            assertThat(meters.get("imagesize.webhook.connections.opened")
                            .counter()
                            .count())
                    .as("three idle connections and the one that took the place of the oldest")
                    .isEqualTo(4);
        } finally {
            for (SSLSocket socket : idle) {
                socket.close();
            }
        }
    }

    @Test
    void onlyTls12And13WithAeadCiphersAreServed() throws IOException {
        RawHttps client = start();

        for (String old : List.of("-tls1", "-tls1_1")) {
            Openssl.Handshake handshake = Openssl.handshake(server.actualPort(), old);
            assertThat(handshake.refusedByServer())
                    .as(handshake.result().output())
                    .isTrue();
        }
        assertThat(Openssl.handshake(server.actualPort(), "-tls1_2").protocol()).isEqualTo("TLSv1.2");
        assertThatThrownBy(() -> client.open(
                        READ, new String[] {"TLSv1.2"}, new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"}))
                .isInstanceOf(SSLException.class)
                .hasMessageContaining("Received fatal alert");
        try (SSLSocket tls12 =
                client.open(READ, new String[] {"TLSv1.2"}, new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"})) {
            assertThat(tls12.getSession().getProtocol()).isEqualTo("TLSv1.2");
        }
        try (SSLSocket tls13 = client.open(READ)) {
            assertThat(tls13.getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void withAClientCaOnlyCallersWithItsCertificatesGetAnAnswer() throws IOException {
        ClientCertificates apiServer = ClientCertificates.generate("kube-apiserver");
        ClientCertificates stranger = ClientCertificates.generate("kube-apiserver");
        settings.clientCaFile = apiServer.writeCa().toString();
        int port = start() == null ? -1 : server.actualPort();
        byte[] review = bytes(podReview("u", "Pod", "nginx"));

        RawHttps authenticated = RawHttps.withClientCertificate(caPem, apiServer.certPem(), apiServer.keyPem(), port);
        assertThat(authenticated.post("/validate", review, READ).status()).isEqualTo(200);

        for (RawHttps refused : List.of(
                RawHttps.trusting(caPem, port),
                RawHttps.withClientCertificate(caPem, stranger.certPem(), stranger.keyPem(), port))) {
            assertThatThrownBy(() -> refused.post("/validate", review, READ))
                    .as("no answer without a certificate of the client CA")
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void wrongPathsAndMethodsAreRefusedAndTheConnectionServesOn() throws IOException {
        RawHttps client = start();
        try (SSLSocket socket = client.open(READ)) {
            RawHttps.send(socket, "GET /validate HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(RawHttps.read(socket.getInputStream()).status()).isEqualTo(405);
            RawHttps.send(socket, "POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
            assertThat(RawHttps.read(socket.getInputStream()).status()).isEqualTo(404);
            byte[] review = bytes(podReview("u-3", "Pod", "nginx"));
            RawHttps.send(
                    socket, "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: " + review.length + "\r\n\r\n");
            socket.getOutputStream().write(review);
            assertThat(RawHttps.read(socket.getInputStream()).body()).contains("\"uid\":\"u-3\"");
        }
    }

    private Set<String> tagValues(String meter, String tag) {
        return meters.find(meter).meters().stream()
                .map(m -> m.getId().getTag(tag))
                .collect(Collectors.toSet());
    }

    private double counter(String name, String reason) {
        return meters.find(name).tag("reason", reason).counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    private double gauge(String name) {
        Meter meter = meters.find(name).meter();
        return meter == null ? -1 : meter.measure().iterator().next().getValue();
    }

    private static void awaitOpen(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
