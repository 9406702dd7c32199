package dev.imagesize.admission;

import dev.imagesize.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SSLOptions;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The HTTPS endpoint {@code POST /validate} on its own port; there is no plain-HTTP listener. The certificate comes
 * from PEM files (reloaded when they change) or from the self-managed Secret, and is swapped without a restart.
 */
@Singleton
public class WebhookServer {
    private static final Logger LOG = Logger.getLogger(WebhookServer.class);

    private final Vertx vertx;
    private final Config.Webhook config;
    private final AdmissionHandler handler;
    private final KubernetesClient client;
    private final ExecutorService workers;
    private final MeterRegistry meters;
    private volatile HttpServer server;
    private volatile String loadedCertificate;
    private volatile long reloadTimer = -1;

    WebhookServer(Vertx vertx, Config config, AdmissionHandler handler, KubernetesClient client, MeterRegistry meters) {
        this.meters = meters;
        this.vertx = vertx;
        this.config = config.webhook();
        this.handler = handler;
        this.client = client;
        AtomicInteger threads = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(64, task -> {
            Thread thread = new Thread(task, "admission-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts serving; called once the cluster is known to be reachable. */
    public void start() {
        if (!config.enabled()) {
            LOG.info("admission webhook disabled (imagesize.webhook.enabled=false)");
            return;
        }
        reloadCertificate();
        reloadTimer = vertx.setPeriodic(
                config.tls().reloadInterval().toMillis(), id -> workers.execute(this::reloadCertificate));
    }

    /** True once the server listens with a certificate. */
    public boolean isServing() {
        return !config.enabled() || server != null;
    }

    private synchronized void reloadCertificate() {
        String[] material;
        try {
            material = currentCertificate();
        } catch (RuntimeException | IOException e) {
            LOG.errorf(
                    "webhook certificate unavailable (%s mode): %s",
                    config.tls().mode(), e.getMessage());
            return;
        }
        String fingerprint = material[0] + material[1];
        if (fingerprint.equals(loadedCertificate)) {
            return;
        }
        PemKeyCertOptions pem = new PemKeyCertOptions()
                .setCertValue(Buffer.buffer(material[0]))
                .setKeyValue(Buffer.buffer(material[1]));
        try {
            if (server == null) {
                HttpServerOptions options = new HttpServerOptions()
                        .setSsl(true)
                        .setKeyCertOptions(pem)
                        .setHost(config.host())
                        .setPort(config.port());
                server = vertx.createHttpServer(options)
                        .requestHandler(this::serve)
                        .listen()
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                LOG.infof("admission webhook listening on https://%s:%d/validate", config.host(), server.actualPort());
            } else {
                server.updateSSLOptions(new SSLOptions().setKeyCertOptions(pem))
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                LOG.info("admission webhook certificate reloaded");
            }
            loadedCertificate = fingerprint;
        } catch (Exception e) {
            LOG.errorf("cannot serve the admission webhook on port %d: %s", config.port(), e.getMessage());
        }
    }

    /** {certificate PEM, key PEM} from the configured source. */
    private String[] currentCertificate() throws IOException {
        Config.Webhook.Tls tls = config.tls();
        if ("self-managed".equals(tls.mode())) {
            String namespace = tls.secretNamespace()
                    .orElseGet(() -> System.getenv().getOrDefault("POD_NAMESPACE", client.getNamespace()));
            Certificates.ServingCertificate material = new SelfManagedCertificates(
                            client, namespace, tls.secretName(), tls.dnsNames(), tls.webhookConfiguration())
                    .ensure();
            return new String[] {material.certPem(), material.keyPem()};
        }
        if (!"files".equals(tls.mode())) {
            throw new IllegalArgumentException(
                    "imagesize.webhook.tls.mode must be files or self-managed, not " + tls.mode());
        }
        return new String[] {Files.readString(Path.of(tls.certFile())), Files.readString(Path.of(tls.keyFile()))};
    }

    private void serve(HttpServerRequest request) {
        if (!"/validate".equals(request.path())) {
            reply(request, 404, "{\"error\":\"not found: the webhook serves POST /validate\"}");
            return;
        }
        if (request.method() != HttpMethod.POST) {
            reply(request, 405, "{\"error\":\"method not allowed: use POST\"}");
            return;
        }
        int limit = config.maxBodyBytes();
        String declared = request.getHeader("Content-Length");
        if (declared != null && parseLong(declared) > limit) {
            reply(request, 400, tooLarge(limit));
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        request.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + chunk.length() > limit) {
                refused[0] = true;
                reply(request, 400, tooLarge(limit));
                return;
            }
            body.appendBuffer(chunk);
        });
        request.endHandler(done -> {
            if (refused[0]) {
                return;
            }
            byte[] bytes = body.getBytes();
            workers.execute(() -> {
                long start = System.nanoTime();
                AdmissionHandler.Reply answer;
                try {
                    answer = handler.handle(bytes);
                } catch (RuntimeException e) {
                    LOG.errorf(e, "admission review failed");
                    answer = new AdmissionHandler.Reply(
                            500,
                            "{\"error\":\"internal error: " + e.getClass().getSimpleName() + "\"}",
                            new AdmissionHandler.Decision("", "error"));
                }
                reply(request, answer.status(), answer.body());
                record(answer.decision(), System.nanoTime() - start);
            });
        });
    }

    private void record(AdmissionHandler.Decision decision, long nanos) {
        Timer.builder("imagesize.admission.reviews")
                .description(
                        "Admission reviews answered, by kind, strictest governing action and verdict (allowed, warned,"
                                + " denied, skipped, malformed)")
                .tag("kind", decision.kind())
                .tag("action", decision.action())
                .tag("verdict", decision.verdict())
                .serviceLevelObjectives(SLOS)
                .register(meters)
                .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Histogram buckets fine enough for sub-millisecond answers and up to the webhook timeout. */
    private static final java.time.Duration[] SLOS = java.util.stream.LongStream.of(
                    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
                    2_500_000, 5_000_000)
            .mapToObj(micros -> java.time.Duration.ofNanos(micros * 1_000))
            .toArray(java.time.Duration[]::new);

    private static String tooLarge(int limit) {
        return "{\"error\":\"malformed AdmissionReview: request body is over the " + limit + "-byte limit\"}";
    }

    private static long parseLong(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void reply(HttpServerRequest request, int status, String body) {
        if (request.response().ended()) {
            return;
        }
        request.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(body);
    }

    void stop(@Observes ShutdownEvent event) {
        if (reloadTimer >= 0) {
            vertx.cancelTimer(reloadTimer);
        }
        HttpServer running = server;
        if (running != null) {
            running.close();
        }
        workers.shutdownNow();
    }
}
