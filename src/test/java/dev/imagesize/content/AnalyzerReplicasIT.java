package dev.imagesize.content;

import static dev.imagesize.testing.TestLayers.layer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import dev.imagesize.api.v1alpha1.AnalysisPhase;
import dev.imagesize.api.v1alpha1.AnalysisRequester;
import dev.imagesize.api.v1alpha1.AnalysisSource;
import dev.imagesize.api.v1alpha1.ImageAnalysis;
import dev.imagesize.api.v1alpha1.ImageAnalysisSpec;
import dev.imagesize.testing.FakeRegistry;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.OciImages;
import dev.imagesize.testing.OciImages.Spec;
import dev.imagesize.testing.OciImages.Step;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.TestCluster;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two real analyzer processes (the operator's jar, {@code imagesize.role=analyzer}) against a real API server and a
 * real registry, with no leader between them: they share the queue, each image is analysed exactly once, an analyzer
 * stopped in the middle of an analysis gives its claim back, and the claim of one killed there is taken over by the
 * other once it expires.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AnalyzerReplicasIT {
    private static final int IMAGES = 6;
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    private static TestCluster cluster;
    private static KubernetesClient client;
    private static LocalRegistry registry;
    /** The registry behind a front that holds the blob GETs of some repositories until the test lets them through. */
    private static FakeRegistry stalling;

    /** Per stalled repository: what lets its blob GETs through, and how many wait. */
    private static final Map<String, CountDownLatch> RELEASE = new java.util.concurrent.ConcurrentHashMap<>();

    private static final Map<String, AtomicInteger> STALLED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final List<OperatorProcess> ANALYZERS = new ArrayList<>();
    private static final List<String> NAMES = List.of("replicas-it-a", "replicas-it-b");
    private static String prefix;
    private static final List<String> analyses = new ArrayList<>();
    private static final List<String> layers = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        cluster = TestCluster.get().withCrds();
        client = cluster.client();
        registry = LocalRegistry.sharedPlain();
        long run = new SecureRandom().nextLong() & Long.MAX_VALUE;
        prefix = "replicas-it-" + Long.toHexString(run).substring(0, 8);
        stalling = FakeRegistry.plainHttp(AnalyzerReplicasIT::forward);
        for (int i = 0; i < IMAGES; i++) {
            OciImages.Layout image = OciImages.write(
                    Spec.of(Step.layer(
                            "/bin/sh -c make " + i, layer().dir("app").file("app/blob-" + i, 400_000, run + i))),
                    "1.0");
            layers.add(image.layerDigests().get(0));
            OciImages.push(image, registry, prefix + "/image-" + i);
        }
        for (String stalled : List.of("stopped", "killed")) {
            OciImages.push(
                    OciImages.write(
                            Spec.of(Step.layer(
                                    "/bin/sh -c make " + stalled,
                                    layer().dir("app").file("app/" + stalled, 300_000, ~run + stalled.length()))),
                            "1.0"),
                    registry,
                    prefix + "/" + stalled);
            RELEASE.put(stalled, new CountDownLatch(1));
            STALLED.put(stalled, new AtomicInteger());
        }
        for (String name : NAMES) {
            ANALYZERS.add(analyzer(name));
        }
    }

    private static OperatorProcess analyzer(String name) {
        return OperatorProcess.start(
                cluster,
                Map.of(
                        "imagesize.role", "analyzer",
                        "imagesize.analysis.enabled", "true",
                        "imagesize.analysis.claim-duration", "3s",
                        "imagesize.registry.insecure-registries", registry.hostPort() + "," + stalling.address()),
                Map.of("POD_NAME", name),
                cluster.kubeconfig());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        RELEASE.values().forEach(CountDownLatch::countDown);
        for (OperatorProcess analyzer : ANALYZERS) {
            analyzer.close();
        }
        for (String name : analyses) {
            client.resources(ImageAnalysis.class).withName(name).delete();
        }
        if (stalling != null) {
            stalling.close();
        }
    }

    @Test
    @Order(1)
    void twoAnalyzersShareTheQueueAndAnalyseEachImageOnce() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            names.add(queue(registry.hostPort(), prefix + "/image-" + i));
        }

        Set<String> analyzers = new HashSet<>();
        for (String name : names) {
            ImageAnalysis done = awaitPhase(name, AnalysisPhase.COMPLETE);
            assertThat(done.getStatus().attempts())
                    .as(name + ": claimed and analysed once")
                    .isEqualTo(1);
            assertThat(done.getStatus().analyzer()).isIn(NAMES);
            analyzers.add(done.getStatus().analyzer());
        }
        assertThat(analyzers).as("both replicas took images from the queue").hasSize(2);
        for (String layer : layers) {
            assertThat(registry.requestCount("GET", "/v2/" + prefix + "/image-\\d/blobs/" + layer))
                    .as("GETs of layer " + layer + " by the two analyzers together")
                    .isEqualTo(1);
        }
        double won = 0;
        for (OperatorProcess analyzer : ANALYZERS) {
            won += analyzer.metric("imagesize_analysis_claims_total{outcome=\"won\"}");
        }
        assertThat(won).as("claims won by the two analyzers together").isGreaterThanOrEqualTo(IMAGES);
    }

    @Test
    @Order(2)
    void anAnalyzerThatStopsGivesItsClaimBackAndTheOtherAnalysesTheImageWithoutALostTry() throws Exception {
        ImageAnalysis claimed = claimedAndReading("stopped");
        String name = claimed.getMetadata().getName();
        String holder = claimed.getStatus().analyzer();
        int index = NAMES.indexOf(holder);
        OperatorProcess stopped = ANALYZERS.get(index);

        stopped.stop(); // SIGTERM, as Kubernetes stops a pod
        RELEASE.get("stopped").countDown();

        ImageAnalysis done = awaitPhase(name, AnalysisPhase.COMPLETE);
        assertThat(done.getStatus().analyzer()).isEqualTo(NAMES.get(1 - index));
        assertThat(done.getStatus().attempts())
                .as("the try cut short by the stop is not counted")
                .isEqualTo(1);
        assertThat(stopped.log()).contains("gave back the claim on " + name);
        ANALYZERS.set(index, analyzer(holder));
    }

    @Test
    @Order(3)
    void theClaimOfAKilledAnalyzerIsTakenOverByTheOtherOnceItExpires() throws Exception {
        ImageAnalysis claimed = claimedAndReading("killed");
        String name = claimed.getMetadata().getName();
        String holder = claimed.getStatus().analyzer();
        OperatorProcess victim = ANALYZERS.get(NAMES.indexOf(holder));
        OperatorProcess survivor = ANALYZERS.get(1 - NAMES.indexOf(holder));
        assertThat(claimed.getStatus().claimedUntil()).isNotNull();

        ProcessHandle.of(victim.pid()).ifPresent(ProcessHandle::destroyForcibly);
        await().atMost(Duration.ofSeconds(10)).alias("the holder is killed").until(() -> !victim.isAlive());
        Instant lastClaim = Instant.parse(client.resources(ImageAnalysis.class)
                .withName(name)
                .get()
                .getStatus()
                .claimedUntil());
        RELEASE.get("killed").countDown();

        ImageAnalysis done = awaitPhase(name, AnalysisPhase.COMPLETE);
        assertThat(done.getStatus().analyzer()).isEqualTo(NAMES.get(ANALYZERS.indexOf(survivor)));
        assertThat(done.getStatus().attempts())
                .as("the killed holder's try, then the survivor's")
                .isEqualTo(2);
        assertThat(Instant.parse(done.getStatus().observedAt()))
                .as("taken over only after the killed holder's claim expired")
                .isAfter(lastClaim);
    }

    @Test
    @Order(4)
    void anAnalyzerWithTheAnalysisOffRefusesToStart() {
        assertThatThrownBy(() -> OperatorProcess.start(
                        cluster,
                        Map.of("imagesize.role", "analyzer", "imagesize.analysis.enabled", "false"),
                        Map.of("POD_NAME", prefix + "-off"),
                        cluster.kubeconfig()))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("operator exited with 1")
                .hasMessageContaining("imagesize.role=analyzer needs imagesize.analysis.enabled=true");
    }

    /** Creates the Pending analysis of {@code repository}:1.0 read from {@code host}; returns its name. */
    /**
     * Queues the stalling registry's image {@code key} and waits until an analyzer holds its claim and is reading its
     * layer (which stalls until {@code RELEASE.get(key)} counts down).
     */
    private static ImageAnalysis claimedAndReading(String key) throws Exception {
        ImageAnalysis claimed = awaitPhase(queue(stalling.address(), prefix + "/" + key), AnalysisPhase.ANALYZING);
        await().atMost(Duration.ofSeconds(30))
                .alias("the holder is reading the layer")
                .until(() -> STALLED.get(key).get() > 0);
        return claimed;
    }

    private static String queue(String host, String repository) throws Exception {
        String digest = digestOf(repository);
        ImageAnalysis analysis = new ImageAnalysis();
        analysis.setMetadata(
                new ObjectMetaBuilder().withName(ImageAnalysis.nameFor(digest)).build());
        analysis.setSpec(new ImageAnalysisSpec(
                digest,
                "linux/amd64",
                host + "/" + repository,
                AnalysisRequester.AUDIT,
                List.of(new AnalysisSource(host, repository, null, null, List.of()))));
        client.resource(analysis).create();
        analyses.add(analysis.getMetadata().getName());
        return analysis.getMetadata().getName();
    }

    private static ImageAnalysis awaitPhase(String name, AnalysisPhase phase) {
        return await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .alias(name + " reaches " + phase.apiName())
                .until(
                        () -> client.resources(ImageAnalysis.class)
                                .withName(name)
                                .get(),
                        found -> found != null
                                && found.getStatus() != null
                                && found.getStatus().phase() == phase);
    }

    private static String digestOf(String repository) throws Exception {
        HttpResponse<Void> head = registry.httpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(registry.baseUrl() + "/v2/" + repository + "/manifests/1.0"))
                                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                                .header("Accept", OCI_MANIFEST)
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).isEqualTo(200);
        return head.headers().firstValue("Docker-Content-Digest").orElseThrow();
    }

    /** Forwards a request to the real registry; the blob GETs of the stalled repository wait for {@link #RELEASE}. */
    private static void forward(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        for (Map.Entry<String, CountDownLatch> stall : RELEASE.entrySet()) {
            if (path.contains("/" + stall.getKey() + "/blobs/")
                    && stall.getValue().getCount() > 0) {
                STALLED.get(stall.getKey()).incrementAndGet();
                try {
                    stall.getValue().await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(registry.baseUrl() + exchange.getRequestURI()))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        if (accept != null) {
            request.header("Accept", accept);
        }
        HttpResponse<byte[]> response;
        try {
            response = HttpClient.newBuilder()
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        for (String header : List.of("Content-Type", "Docker-Content-Digest", "Docker-Distribution-Api-Version")) {
            response.headers().firstValue(header).ifPresent(v -> exchange.getResponseHeaders()
                    .set(header, v));
        }
        byte[] body = response.body();
        boolean head = exchange.getRequestMethod().equals("HEAD");
        if (head) {
            response.headers().firstValue("Content-Length").ifPresent(v -> exchange.getResponseHeaders()
                    .set("Content-Length", v));
        }
        exchange.sendResponseHeaders(response.statusCode(), head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
        exchange.close();
    }
}
