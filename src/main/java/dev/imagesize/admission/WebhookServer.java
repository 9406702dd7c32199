package dev.imagesize.admission;

import dev.imagesize.Config;
import dev.imagesize.Deadline;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SSLOptions;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The HTTPS endpoint {@code POST /validate} on its own port; there is no plain-HTTP listener. The certificate comes
 * from PEM files (reloaded when they change) or from the self-managed Secret, and is swapped without a restart; TLS
 * 1.2 and 1.3 with AEAD ciphers only, and, when configured, only for callers with a client certificate of a given CA.
 *
 * <p>Every request is answered, and nothing a peer sends grows without bound: connections are capped (idle ones make
 * room for new ones) and must send a request head in time; bodies are capped per request and in total; the answer is
 * due a deadline after arrival (shortened by the API server's own timeout); workers sit behind a bounded queue, past
 * which reviews are answered without registry lookups; any Throwable becomes a short 500.
 */
@Singleton
public class WebhookServer {
    private static final Logger LOG = Logger.getLogger(WebhookServer.class);

    private final Vertx vertx;
    private final Config.Webhook config;
    private final AdmissionHandler handler;
    private final KubernetesClient client;
    private final WebhookMetrics metrics;
    private final AdmissionWorkers workers;
    private final BodyBudget bodies;
    private final ConnectionGuard connections;
    private volatile HttpServer server;
    private volatile String loadedCertificate;
    private volatile long reloadTimer = -1;

    /** How long after a review's deadline the server answers it itself when the handler has not. */
    static final Duration WATCHDOG_GRACE = Duration.ofMillis(250);

    static final String NOT_REVIEWED_IN_TIME =
            "{\"error\":\"not reviewed by its deadline: the webhook's failurePolicy decides\"}";

    static final String BODY_NOT_RECEIVED_IN_TIME =
            "{\"error\":\"request body not received by the review's deadline: the webhook's failurePolicy decides\"}";

    /**
     * How long a connection answered before its body ended stays open after the answer (a 408 for a body too late,
     * whose rest is read and dropped meanwhile; a 503 over the body budget): closing it with input unread resets it,
     * and a reset can destroy the answer before the caller has read it.
     */
    static final Duration LATE_BODY_LINGER = Duration.ofSeconds(1);

    @Inject
    WebhookServer(Vertx vertx, Config config, AdmissionHandler handler, KubernetesClient client, MeterRegistry meters) {
        this(vertx, config.webhook(), handler, client, meters);
    }

    WebhookServer(
            Vertx vertx,
            Config.Webhook config,
            AdmissionHandler handler,
            KubernetesClient client,
            MeterRegistry meters) {
        this.vertx = vertx;
        this.config = config;
        this.handler = handler;
        this.client = client;
        this.metrics = new WebhookMetrics(meters);
        Config.Webhook.Limits limits = config.limits();
        this.workers = new AdmissionWorkers(limits.workers(), limits.queueCapacity());
        this.bodies = new BodyBudget(
                limits.maxInflightBodyBytes().orElse(Runtime.getRuntime().maxMemory() / 8));
        this.connections = new ConnectionGuard(vertx, limits.maxConnections(), limits.headerTimeout(), metrics);
        metrics.gauges(connections::openConnections, bodies::inFlight, workers::queueDepth);
    }

    /** Starts serving; called once the cluster is known to be reachable. */
    public void start() {
        if (!config.enabled()) {
            LOG.info("admission webhook disabled (imagesize.webhook.enabled=false)");
            return;
        }
        reloadCertificate();
        reloadTimer = vertx.setPeriodic(
                config.tls().reloadInterval().toMillis(),
                id -> vertx.executeBlocking(
                        () -> {
                            reloadCertificate();
                            return null;
                        },
                        false));
    }

    /** True once the server listens with a certificate. */
    public boolean isServing() {
        return !config.enabled() || server != null;
    }

    /** The port the server listens on (the configured one, or the one chosen for port 0), or -1 before it listens. */
    int actualPort() {
        HttpServer running = server;
        return running == null ? -1 : running.actualPort();
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
        String fingerprint = String.join("\n", material);
        if (fingerprint.equals(loadedCertificate)) {
            return;
        }
        SSLOptions ssl = sslOptions(material);
        try {
            if (server == null) {
                HttpServerOptions options = new HttpServerOptions()
                        .setSsl(true)
                        .setKeyCertOptions(ssl.getKeyCertOptions())
                        .setTrustOptions(ssl.getTrustOptions())
                        .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols())
                        .setSslHandshakeTimeout(ssl.getSslHandshakeTimeout())
                        .setSslHandshakeTimeoutUnit(ssl.getSslHandshakeTimeoutUnit())
                        .setClientAuth(material[2] == null ? ClientAuth.NONE : ClientAuth.REQUIRED)
                        // The JDK's TLS engine writes each answer's record into a buffer of its largest record size
                        // (16 KiB); from a pool, not new per answer: a quarter less allocated per review, a
                        // third fewer GC pauses (bench/kyverno.sh).
                        .setSslEngineOptions(new JdkSSLEngineOptions().setPooledHeapBuffers(true))
                        .setHost(config.host())
                        .setPort(config.port())
                        .setIdleTimeout(
                                (int) Math.max(1, config.limits().idleTimeout().toMillis()))
                        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
                ssl.getEnabledCipherSuites().forEach(options::addEnabledCipherSuite);
                server = vertx.createHttpServer(options)
                        .connectionHandler(connections::opened)
                        .requestHandler(this::serve)
                        .listen()
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                LOG.infof(
                        "admission webhook listening on https://%s:%d/validate (%s%s)",
                        config.host(),
                        server.actualPort(),
                        String.join(", ", ssl.getEnabledSecureTransportProtocols()),
                        material[2] == null ? "" : ", client certificates required");
            } else {
                server.updateSSLOptions(ssl)
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                LOG.info("admission webhook certificate reloaded");
            }
            loadedCertificate = fingerprint;
            metrics.certificateServed(material[0]);
        } catch (Exception e) {
            LOG.errorf("cannot serve the admission webhook on port %d: %s", config.port(), e.getMessage());
        }
    }

    /** TLS as configured: explicit versions and ciphers, the serving certificate, and the client CA if any. */
    private SSLOptions sslOptions(String[] material) {
        Config.Webhook.Tls tls = config.tls();
        SSLOptions ssl = new SSLOptions()
                .setKeyCertOptions(new PemKeyCertOptions()
                        .setCertValue(Buffer.buffer(material[0]))
                        .setKeyValue(Buffer.buffer(material[1])))
                .setEnabledSecureTransportProtocols(new LinkedHashSet<>(tls.protocols()))
                .setSslHandshakeTimeout(Math.max(1, tls.handshakeTimeout().toMillis()))
                .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
        tls.cipherSuites().forEach(ssl::addEnabledCipherSuite);
        if (material[2] != null) {
            ssl.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(material[2])));
        }
        return ssl;
    }

    /** {certificate PEM, key PEM, client CA PEM or null} from the configured sources. */
    private String[] currentCertificate() throws IOException {
        Config.Webhook.Tls tls = config.tls();
        String clientCa = tls.clientCaFile().isPresent()
                ? Files.readString(Path.of(tls.clientCaFile().get()))
                : null;
        if ("self-managed".equals(tls.mode())) {
            String namespace = tls.secretNamespace()
                    .orElseGet(() -> System.getenv().getOrDefault("POD_NAMESPACE", client.getNamespace()));
            Certificates.ServingCertificate material = new SelfManagedCertificates(
                            client, namespace, tls.secretName(), tls.dnsNames(), tls.webhookConfiguration())
                    .ensure();
            return new String[] {material.certPem(), material.keyPem(), clientCa};
        }
        if (!"files".equals(tls.mode())) {
            throw new IllegalArgumentException(
                    "imagesize.webhook.tls.mode must be files or self-managed, not " + tls.mode());
        }
        return new String[] {
            Files.readString(Path.of(tls.certFile())), Files.readString(Path.of(tls.keyFile())), clientCa
        };
    }

    private void serve(HttpServerRequest request) {
        long arrival = System.nanoTime();
        HttpConnection connection = request.connection();
        connections.requestStarted(connection);
        request.response().endHandler(ended -> connections.requestFinished(connection));
        try {
            route(request, arrival);
        } catch (Throwable t) {
            LOG.errorf(t, "admission request failed before review");
            reply(request, 500, "{\"error\":\"internal error\"}", true);
        }
    }

    private void route(HttpServerRequest request, long arrival) {
        if (!"/validate".equals(request.path())) {
            reply(request, 404, "{\"error\":\"not found: the webhook serves POST /validate\"}", false);
            return;
        }
        if (request.method() != HttpMethod.POST) {
            reply(request, 405, "{\"error\":\"method not allowed: use POST\"}", false);
            return;
        }
        int limit = config.maxBodyBytes();
        long declared = parseLength(request.getHeader("Content-Length"));
        if (declared > limit) {
            metrics.shed(WebhookMetrics.Shed.TOO_LARGE);
            reply(request, 400, tooLarge(limit), true);
            return;
        }
        Deadline due =
                ReviewDeadline.of(arrival, config.deadline(), request.getParam("timeout"), config.timeoutMargin());
        new Exchange(request, arrival, due, limit).begin(declared);
    }

    /**
     * One review from its head to its answer. The body must arrive by the deadline (else the connection is closed),
     * and an answer goes out by the deadline plus {@link #WATCHDOG_GRACE}: the handler's, or else a 503 that leaves the
     * decision to the API server's failurePolicy before its own timeout does.
     */
    private final class Exchange {
        private final HttpServerRequest request;
        private final long arrival;
        private final Deadline due;
        private final int limit;
        private final List<Buffer> chunks = new ArrayList<>();
        private final AtomicLong reserved = new AtomicLong();
        private long received;
        private boolean refused;
        private Future<Void> lateAnswer;
        private long bodyTimer = -1;
        private long watchdog = -1;

        Exchange(HttpServerRequest request, long arrival, Deadline due, int limit) {
            this.request = request;
            this.arrival = arrival;
            this.due = due;
            this.limit = limit;
        }

        void begin(long declaredLength) {
            long untilDue = Math.max(1, due.remaining().toMillis());
            bodyTimer = vertx.setTimer(untilDue, fired -> bodyLate());
            watchdog = vertx.setTimer(untilDue + WATCHDOG_GRACE.toMillis(), fired -> notAnsweredInTime());
            request.response().endHandler(ended -> {
                connections.requestFinished(request.connection());
                vertx.cancelTimer(watchdog);
            });
            request.exceptionHandler(failure -> release());
            if (declaredLength > 0 && !reserve(declaredLength)) {
                overBudget();
            }
            request.handler(this::chunk);
            request.endHandler(ended -> {
                vertx.cancelTimer(bodyTimer);
                if (lateAnswer != null) {
                    lateAnswer.onComplete(sent -> request.connection().close());
                } else if (!refused) {
                    review();
                }
            });
        }

        private void chunk(Buffer chunk) {
            if (refused) {
                return; // answered already: the rest of the body is read and dropped, never held
            }
            if (received + chunk.length() > limit) {
                refused = true;
                release();
                metrics.shed(WebhookMetrics.Shed.TOO_LARGE);
                reply(request, 400, tooLarge(limit), true);
                return;
            }
            if (!reserve(received + chunk.length())) {
                overBudget();
                return;
            }
            chunks.add(chunk);
            received += chunk.length();
        }

        /**
         * The body is not complete by the deadline, so it cannot be reviewed: the caller gets a 408 (its failurePolicy
         * decides) rather than a bare close. The rest of the body is read and dropped until it ends or
         * {@link #LATE_BODY_LINGER} has passed, then the connection is closed.
         */
        private void bodyLate() {
            if (request.isEnded()) {
                return;
            }
            release();
            chunks.clear();
            if (refused || request.response().ended() || request.response().closed()) {
                refused = true; // answered before its body ended: whoever answered closes the connection
                return;
            }
            refused = true;
            metrics.shed(WebhookMetrics.Shed.BODY_TIMEOUT);
            lateAnswer = request.response()
                    .setStatusCode(408)
                    .putHeader("Content-Type", "application/json")
                    .putHeader("Connection", "close")
                    .end(BODY_NOT_RECEIVED_IN_TIME);
            HttpConnection connection = request.connection();
            lateAnswer.onComplete(sent -> vertx.setTimer(LATE_BODY_LINGER.toMillis(), fired -> connection.close()));
        }

        private void notAnsweredInTime() {
            if (!request.response().ended() && !request.response().closed()) {
                metrics.shed(WebhookMetrics.Shed.DEADLINE);
                reply(request, 503, NOT_REVIEWED_IN_TIME, false);
                metrics.review(
                        new AdmissionHandler.Decision("", "none", "error"), System.nanoTime() - (due.atNanos() - 1));
            }
        }

        /**
         * No room for this body: it is answered 503 at once and no more of it is read (reading only to drop it would
         * spend the CPU every other review needs while many large bodies arrive). The connection is closed
         * {@link #LATE_BODY_LINGER} after the answer, so that a caller that reads while it writes (as the API server
         * does) has the answer before the close resets the connection.
         */
        private void overBudget() {
            refused = true;
            release();
            chunks.clear();
            metrics.shed(WebhookMetrics.Shed.BODY_BUDGET);
            request.pause();
            HttpConnection connection = request.connection();
            if (request.response().ended() || request.response().closed()) {
                return;
            }
            request.response()
                    .setStatusCode(503)
                    .putHeader("Content-Type", "application/json")
                    .putHeader("Connection", "close")
                    .end("{\"error\":\"overloaded: request bodies in memory are at the " + bodies.capacity()
                            + "-byte limit\"}")
                    .onComplete(sent -> vertx.setTimer(LATE_BODY_LINGER.toMillis(), fired -> connection.close()));
        }

        /** Hands the complete body to a worker, or to the overload pool, or answers it here when both are full. */
        private void review() {
            byte[] bytes = bytes();
            AdmissionWorkers.Placement placement =
                    workers.submit(() -> answer(bytes, due), () -> answer(bytes, Deadline.in(Duration.ZERO)));
            if (placement != AdmissionWorkers.Placement.QUEUED) {
                metrics.shed(WebhookMetrics.Shed.QUEUE_FULL);
            }
            if (placement == AdmissionWorkers.Placement.REFUSED) {
                long start = System.nanoTime();
                AdmissionHandler.Reply answer = OverloadAnswer.of(bytes);
                release();
                reply(request, answer.status(), answer.body(), false);
                metrics.review(answer.decision(), System.nanoTime() - start);
            }
        }

        /** Runs the review on a worker thread; always replies, whatever is thrown. */
        private void answer(byte[] bytes, Deadline reviewDue) {
            if (request.response().ended() || request.response().closed()) {
                release(); // answered by the watchdog, or the caller left: no work for nobody
                return;
            }
            long start = System.nanoTime();
            AdmissionHandler.Reply answer;
            try {
                answer = handler.handle(bytes, reviewDue);
            } catch (Throwable t) {
                LOG.errorf(t, "admission review failed");
                answer = new AdmissionHandler.Reply(
                        500, "{\"error\":\"internal error\"}", new AdmissionHandler.Decision("", "none", "error"));
            } finally {
                release();
            }
            reply(request, answer.status(), answer.body(), false);
            metrics.review(answer.decision(), System.nanoTime() - start);
        }

        /** Makes sure {@code total} bytes are reserved for this body; false when the budget has no room. */
        private boolean reserve(long total) {
            long more = total - reserved.get();
            if (more <= 0) {
                return true;
            }
            if (!bodies.tryReserve(more)) {
                return false;
            }
            reserved.addAndGet(more);
            return true;
        }

        /** Gives the reserved bytes back, once. */
        private void release() {
            bodies.release(reserved.getAndSet(0));
        }

        /** The whole body in one array of its exact size; the chunks are let go. */
        private byte[] bytes() {
            byte[] all = new byte[(int) received];
            int at = 0;
            for (Buffer chunk : chunks) {
                chunk.getBytes(all, at);
                at += chunk.length();
            }
            chunks.clear();
            return all;
        }
    }

    private static String tooLarge(int limit) {
        return "{\"error\":\"malformed AdmissionReview: request body is over the " + limit + "-byte limit\"}";
    }

    /** The declared Content-Length, or -1 when there is none or it is not a number. */
    private static long parseLength(String text) {
        if (text == null) {
            return -1;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Sends the answer unless one was sent; {@code close} ends the connection after it (the rest is not read). */
    private static void reply(HttpServerRequest request, int status, String body, boolean close) {
        if (request.response().ended() || request.response().closed()) {
            return;
        }
        if (close) {
            request.response().putHeader("Connection", "close");
        }
        request.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(body)
                .onComplete(sent -> {
                    if (close) {
                        request.connection().close();
                    }
                });
    }

    /** Stops listening and lets queued reviews finish within one deadline (the operator role calls it at shutdown). */
    public void stop() {
        if (reloadTimer >= 0) {
            vertx.cancelTimer(reloadTimer);
        }
        HttpServer running = server;
        if (running != null) {
            running.close();
        }
        workers.shutdown(config.deadline());
    }
}
