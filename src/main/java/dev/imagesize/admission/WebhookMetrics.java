package dev.imagesize.admission;

import dev.imagesize.monitoring.TimerFamily;
import dev.imagesize.workload.Workloads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.LongStream;

/**
 * The webhook's meters. Every label value comes from a closed set (a value a request sends is never a label): kinds
 * are the checked workload kinds or {@code other}, so no caller can grow the number of series.
 */
final class WebhookMetrics {

    /** Why the webhook refused a connection or request, or answered it without the full review. */
    enum Shed {
        /** A connection refused at the connection cap (every open connection was mid-request). */
        CONNECTION_LIMIT("connection-limit"),
        /** An idle connection closed to make room for a new one at the cap. */
        IDLE_EVICTED("idle-evicted"),
        /** No complete request head within the header timeout. */
        HEADER_TIMEOUT("header-timeout"),
        /** The body did not arrive by the review's deadline. */
        BODY_TIMEOUT("body-timeout"),
        /** The body would have gone over the in-flight body budget: 503. */
        BODY_BUDGET("body-budget"),
        /** The body is over the size limit: 400. */
        TOO_LARGE("too-large"),
        /** Every worker busy and the queue full: answered without registry lookups. */
        QUEUE_FULL("queue-full"),
        /** The handler had not answered by the deadline: the server answered 503 itself. */
        DEADLINE("deadline");

        final String label;

        Shed(String label) {
            this.label = label;
        }
    }

    static final String OTHER = "other";
    private static final Set<String> ACTIONS = Set.of("Enforce", "Warn", "Audit", "none");
    private static final Set<String> VERDICTS =
            Set.of("allowed", "warned", "denied", "skipped", "malformed", "error", "overloaded");

    /** Histogram buckets fine enough for sub-millisecond answers and up to the webhook timeout. */
    private static final Duration[] SLOS = LongStream.of(
                    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
                    2_500_000, 5_000_000)
            .mapToObj(micros -> Duration.ofNanos(micros * 1_000))
            .toArray(Duration[]::new);

    private final MeterRegistry meters;
    /** When the served certificate expires, in seconds since the epoch; NaN before one is served. */
    private volatile double certificateExpiry = Double.NaN;

    /** One counter per reason, registered at start so that every series exists (at 0) before the first shed. */
    private final Map<Shed, Counter> shed = new EnumMap<>(Shed.class);

    private final Counter connectionsOpened;
    private final TimerFamily reviews;

    WebhookMetrics(MeterRegistry meters) {
        this.meters = meters;
        reviews = new TimerFamily(
                meters,
                "imagesize.admission.reviews",
                "Admission reviews answered, by kind (the checked workload kinds, else other), strictest governing"
                        + " action and verdict (allowed, warned, denied, skipped, malformed, error, overloaded)",
                SLOS,
                "kind",
                "action",
                "verdict");
        connectionsOpened = Counter.builder("imagesize.webhook.connections.opened")
                .description("Connections accepted by the admission webhook, each with its own TLS handshake; API"
                        + " servers keep theirs, so a steady rate means a caller that does not")
                .register(meters);
        for (Shed reason : Shed.values()) {
            shed.put(
                    reason,
                    Counter.builder("imagesize.webhook.shed")
                            .description("Connections and requests the webhook refused or cut short to protect"
                                    + " itself, and reviews answered without registry lookups because every worker"
                                    + " was busy, by reason")
                            .tag("reason", reason.label)
                            .register(meters));
        }
        Gauge.builder("imagesize.webhook.certificate.expiry.timestamp", this, m -> m.certificateExpiry)
                .description("When the webhook's serving certificate expires (notAfter), in seconds since the epoch")
                .baseUnit("seconds")
                .register(meters);
    }

    /** The webhook serves this certificate (PEM) now. */
    void certificateServed(String certificatePem) {
        certificateExpiry = Certificates.parse(certificatePem).getNotAfter().getTime() / 1000.0;
    }

    /** Gauges read from the webhook's own state. */
    void gauges(Supplier<Number> connections, Supplier<Number> inflightBodyBytes, Supplier<Number> queueDepth) {
        Gauge.builder("imagesize.webhook.connections", connections)
                .description("Open connections to the admission webhook")
                .register(meters);
        Gauge.builder("imagesize.webhook.inflight.body.bytes", inflightBodyBytes)
                .description("Bytes of request bodies held in memory across all requests")
                .baseUnit("bytes")
                .register(meters);
        Gauge.builder("imagesize.webhook.queue.depth", queueDepth)
                .description("Reviews waiting for a worker")
                .register(meters);
    }

    void review(AdmissionHandler.Decision decision, long nanos) {
        reviews.record(
                nanos, kind(decision.kind()), oneOf(ACTIONS, decision.action()), oneOf(VERDICTS, decision.verdict()));
    }

    void connectionOpened() {
        connectionsOpened.increment();
    }

    void shed(Shed reason) {
        shed.get(reason).increment();
    }

    /** A workload kind the webhook checks, else {@code other}. */
    static String kind(String kind) {
        return kind != null && Workloads.KINDS.contains(kind) ? kind : OTHER;
    }

    private static String oneOf(Set<String> known, String value) {
        return value != null && known.contains(value) ? value : OTHER;
    }
}
