package dev.imagesize.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.Namespaces;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import dev.imagesize.testing.WebhookRegistration;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admission webhook end to end: the real API server calls the operator's /validate over TLS with the real
 * caBundle, and the real kubectl shows the user what happened.
 */
class WebhookIT {
    private static final String WEBHOOK = "image-size-operator-webhook-it";
    private static String NS;
    private static TestCluster cluster;
    private static Kubectl kubectl;
    private static LocalRegistry registry;
    private static LocalRegistry flaky;
    private static ServerSocket blackhole;
    private static final List<Socket> held = new ArrayList<>();
    private static Pushed small;
    private static Pushed big;
    private static OperatorProcess operator;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.get().withCrds();
        kubectl = cluster.kubectl();
        registry = LocalRegistry.sharedPlain();
        flaky = LocalRegistry.plain();
        blackhole = new ServerSocket(0); // accepts connections and never answers: a registry that hangs
        Thread accept = new Thread(() -> {
            while (!blackhole.isClosed()) {
                try {
                    held.add(blackhole.accept());
                } catch (IOException e) {
                    return;
                }
            }
        });
        accept.setDaemon(true);
        accept.start();
        small = TestImages.push(registry, "webhook/small", "1.0", Format.OCI, 100_000);
        big = TestImages.push(registry, "webhook/big", "1.0", Format.OCI, 2_000_000, 600_000);
        String insecure = registry.hostPort() + "," + flaky.hostPort() + ",127.0.0.1:" + blackhole.getLocalPort();
        operator = OperatorProcess.start(
                cluster,
                Map.of("imagesize.registry.insecure-registries", insecure, "imagesize.webhook.deadline", "2s"));
        NS = Namespaces.create(cluster.client(), "webhook-it");
        kubectl.runWithInput(WebhookRegistration.of(operator, NS, WEBHOOK), "apply", "-f", "-")
                .assertSuccess();
    }

    @AfterAll
    static void stop() throws IOException {
        kubectl.run("delete", "validatingwebhookconfiguration", WEBHOOK, "--ignore-not-found");
        kubectl.run("delete", "namespace", NS, "--wait=false");
        if (operator != null) {
            operator.close();
        }
        flaky.close();
        blackhole.close();
        for (Socket socket : held) {
            socket.close();
        }
    }

    /** The webhook registration of deploy/ for {@code url} (kept for the certificate tests). */
    static String webhookConfiguration(String url, String caBundle, String namespace, String name) {
        return WebhookRegistration.of(url, caBundle, namespace, name);
    }

    private static void policy(String name, String action, String max, String onResolveError, String selectorTier) {
        kubectl.runWithInput("""
                apiVersion: imagesize.dev/v1alpha1
                kind: ImageSizePolicy
                metadata: {name: %s, namespace: %s}
                spec:
                  action: %s
                  maxImageSize: %s
                  onResolveError: %s
                  selector: {matchLabels: {tier: %s}}
                """.formatted(name, NS, action, max, onResolveError, selectorTier), "apply", "-f", "-")
                .assertSuccess();
        boolean fits = max.equals("10Mi");
        awaitInWebhook(
                selectorTier,
                result -> fits
                        ? result.exitCode() == 0 && !result.stderr().contains("Warning:")
                        : action.equals("Warn")
                                ? result.stderr().contains("Warning:")
                                        && result.stderr().contains("/" + name)
                                : result.exitCode() != 0
                                        && result.stderr().contains("ImageSizePolicy " + NS + "/" + name));
    }

    /**
     * Policies reach the webhook through an informer, a moment after kubectl returns: probe with server-side dry
     * runs (which store nothing) until the webhook answers as the new policy says.
     */
    private static void awaitInWebhook(String tier, java.util.function.Predicate<Kubectl.Result> inForce) {
        String probe = deployment("probe-" + tier, tier, big.reference());
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .alias("the webhook applies the policy for tier " + tier)
                .until(() -> kubectl.runWithInput(probe, "apply", "--dry-run=server", "-f", "-"), inForce::test);
    }

    private static String deployment(String name, String tier, String image) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %s, namespace: %s}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: %s}}
                  template:
                    metadata: {labels: {app: %s, tier: %s}}
                    spec:
                      containers:
                      - {name: app, image: "%s"}
                      - {name: sidecar, image: "%s"}
                """.formatted(name, NS, name, name, tier, image, small.reference());
    }

    @Test
    void enforceRejectsAtApplyTimeWithTheWholeStory() {
        policy("enforce", "Enforce", "1Mi", "Warn", "enforced");

        Kubectl.Result denied =
                kubectl.runWithInput(deployment("too-big", "enforced", big.reference()), "apply", "-f", "-");
        assertThat(denied.exitCode()).isNotZero();
        assertThat(denied.stderr())
                .contains("denied the request")
                .contains("container \"app\" image \"" + big.reference() + "\"")
                .contains(big.digest())
                .contains("linux/amd64")
                .contains("2.5 MiB compressed")
                .contains("over the 1.0 MiB maxImageSize of ImageSizePolicy " + NS + "/enforce")
                .contains("largest layer 1.9 MiB")
                .doesNotContain("sidecar"); // within budget: not in the message
        assertThat(kubectl.run("get", "deployment", "too-big", "-n", NS).exitCode())
                .as("nothing was stored")
                .isNotZero();

        Kubectl.Result dryRun = kubectl.runWithInput(
                deployment("too-big", "enforced", big.reference()), "apply", "--dry-run=server", "-f", "-");
        assertThat(dryRun.exitCode()).isNotZero();
        assertThat(dryRun.stderr()).contains("over the 1.0 MiB maxImageSize");

        kubectl.runWithInput(deployment("fits", "enforced", small.reference()), "apply", "-f", "-")
                .assertSuccess();

        Kubectl.Result cronJob =
                kubectl.runWithInput("""
                apiVersion: batch/v1
                kind: CronJob
                metadata: {name: nightly, namespace: %s}
                spec:
                  schedule: "0 3 * * *"
                  jobTemplate:
                    spec:
                      template:
                        metadata: {labels: {tier: enforced}}
                        spec:
                          restartPolicy: OnFailure
                          initContainers: [{name: migrate, image: "%s"}]
                          containers: [{name: report, image: "%s"}]
                """.formatted(NS, big.reference(), big.reference()), "apply", "-f", "-");
        assertThat(cronJob.exitCode()).isNotZero();
        assertThat(cronJob.stderr()).contains("init container \"migrate\"").contains("container \"report\"");

        Kubectl.Result pod =
                kubectl.run("run", "bare", "-n", NS, "--image=" + big.reference(), "--labels=tier=enforced");
        assertThat(pod.exitCode()).isNotZero();
        assertThat(pod.stderr()).contains("ImageSizePolicy " + NS + "/enforce");
    }

    @Test
    void warnAdmitsAndKubectlPrintsTheWarning() {
        policy("warn", "Warn", "1Mi", "Warn", "warned");
        Kubectl.Result warned =
                kubectl.runWithInput(deployment("warned", "warned", big.reference()), "apply", "-f", "-");
        warned.assertSuccess();
        assertThat(warned.stderr())
                .contains("Warning:")
                .contains("over the 1.0 MiB maxImageSize of ImageSizePolicy " + NS + "/warn");
        assertThat(kubectl.run("get", "deployment", "warned", "-n", NS).exitCode())
                .isZero();
    }

    @Test
    void aPolicyChangeTakesEffectWithoutARestart() {
        policy("changing", "Enforce", "1Mi", "Warn", "changing");
        assertThat(kubectl.runWithInput(deployment("grows", "changing", big.reference()), "apply", "-f", "-")
                        .exitCode())
                .isNotZero();
        policy("changing", "Enforce", "10Mi", "Warn", "changing");
        kubectl.runWithInput(deployment("grows", "changing", big.reference()), "apply", "-f", "-")
                .assertSuccess();
    }

    @Test
    void updatesThatKeepTheImagesNeedNoRegistry() {
        Pushed flakyBig = TestImages.push(flaky, "webhook/flaky", "1.0", Format.OCI, 3_000_000);
        kubectl.runWithInput(deployment("legacy", "legacy", flakyBig.reference()), "apply", "-f", "-")
                .assertSuccess();
        policy("legacy", "Enforce", "1Mi", "Deny", "legacy");
        String skipped =
                "imagesize_admission_reviews_seconds_count{action=\"none\",kind=\"Deployment\",verdict=\"skipped\"}";
        double before = settled(skipped); // earlier reviews (the probes) are counted just after they are answered
        flaky.stop();
        try {
            // an UPDATE of the Deployment itself (not the scale subresource, which the webhook never sees)
            kubectl.run("patch", "deployment", "legacy", "-n", NS, "--type=merge", "-p", "{\"spec\":{\"replicas\":3}}")
                    .assertSuccess();
            kubectl.run("label", "deployment", "legacy", "-n", NS, "owner=shop").assertSuccess();
            assertThat(settled(skipped) - before)
                    .as("both updates reached the webhook, which allowed them without a registry")
                    .isEqualTo(2.0);
            Kubectl.Result changed = kubectl.run(
                    "set", "image", "deployment/legacy", "app=" + flaky.hostPort() + "/webhook/flaky:2.0", "-n", NS);
            assertThat(changed.exitCode())
                    .as("a new image does need the registry: Deny")
                    .isNotZero();
        } finally {
            flaky.start();
        }
    }

    /** A metric's value once it has stopped moving (two reads half a second apart agree). */
    private static double settled(String sample) {
        double[] last = {Double.NaN};
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    double now = operator.metric(sample);
                    boolean same = now == last[0];
                    last[0] = now;
                    return same;
                });
        return last[0];
    }

    @Test
    void unreachableOrHangingRegistriesAreDecidedByOnResolveErrorWithinTheDeadline() {
        String hanging = "127.0.0.1:" + blackhole.getLocalPort() + "/webhook/hangs:1.0";
        policy("strict", "Enforce", "1Mi", "Deny", "strict");
        long start = System.nanoTime();
        Kubectl.Result denied = kubectl.runWithInput(deployment("hangs", "strict", hanging), "apply", "-f", "-");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(denied.exitCode()).isNotZero();
        assertThat(denied.stderr())
                .contains("size unknown")
                .contains("did not answer")
                .contains("onResolveError Deny");
        assertThat(took)
                .as("answered within the 2 s deadline plus kubectl's own time")
                .isLessThan(Duration.ofSeconds(5));

        policy("lenient", "Enforce", "1Mi", "Allow", "lenient");
        kubectl.runWithInput(deployment("hangs-ok", "lenient", hanging), "apply", "-f", "-")
                .assertSuccess();

        flaky.stop();
        try {
            policy("warns", "Enforce", "1Mi", "Warn", "warns");
            Kubectl.Result warned = kubectl.runWithInput(
                    deployment("down", "warns", flaky.hostPort() + "/webhook/none:1.0"), "apply", "-f", "-");
            warned.assertSuccess();
            assertThat(warned.stderr()).contains("Warning:").contains("size unknown");
        } finally {
            flaky.start();
        }
    }

    @Test
    void malformedReviewsGetA400AndNothingLeaks() throws Exception {
        HttpClient http = operator.webhookClient();

        for (String body : List.of(
                "not json",
                "{\"kind\":\"AdmissionReview\"}",
                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}")) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(operator.webhookUrl()))
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body())
                    .startsWith("{\"error\":\"malformed AdmissionReview: ")
                    .doesNotContain("Exception")
                    .doesNotContain("\tat ");
        }
        // a 9 MiB body is refused from its Content-Length, before it is read, and the connection is closed: send the
        // head only and read the answer, instead of racing that close while writing 9 MiB
        String tooLarge = operator.webhookExchange("POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + 9 * 1024 * 1024 + "\r\n\r\n");
        assertThat(tooLarge).startsWith("HTTP/1.1 400").contains("over the 8388608-byte limit");

        // TLS only: plain HTTP on the webhook port is not served
        HttpClient plain =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            HttpResponse<String> response = plain.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operator.webhookPort() + "/validate"))
                            .timeout(Duration.ofSeconds(3))
                            .POST(HttpRequest.BodyPublishers.ofString("{}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode())
                    .as("plain HTTP must not reach the handler")
                    .isNotEqualTo(200)
                    .isNotEqualTo(400);
        } catch (IOException expected) {
            // the TLS server drops a plain-HTTP request: expected
        }
    }

    @Test
    void metricsCountReviewsLookupsAndLatency() throws Exception {
        policy("metered", "Warn", "1Mi", "Warn", "metered");
        kubectl.runWithInput(deployment("metered", "metered", big.reference()), "apply", "-f", "-")
                .assertSuccess();
        HttpClient http = HttpClient.newHttpClient();
        String metrics = http.send(
                        HttpRequest.newBuilder(URI.create(operator.url("/q/metrics")))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics)
                .contains(
                        "imagesize_admission_reviews_seconds_count{action=\"Warn\",kind=\"Deployment\",verdict=\"warned\"}")
                .contains(
                        "imagesize_admission_reviews_seconds_bucket{action=\"Warn\",kind=\"Deployment\",verdict=\"warned\",le=\"1.0E-4\"}")
                .contains("imagesize_resolver_lookups_seconds_count{outcome=\"SIZED\",registry=\"" + registry.hostPort()
                        + "\"}")
                .contains("imagesize_resolver_manifest_fetches_total")
                .contains("imagesize_registry_requests_seconds_count{call=\"manifest\",outcome=\"ok\",registry=\""
                        + registry.hostPort() + "\"}")
                .contains("imagesize_resolver_manifest_cache_size");
    }

    @Test
    void clusterPoliciesReachTheNamespacesTheirSelectorPicks() {
        String cisp = """
                apiVersion: imagesize.dev/v1alpha1
                kind: ClusterImageSizePolicy
                metadata: {name: webhook-it-cluster}
                spec:
                  action: Enforce
                  maxImageSize: 1Mi
                  selector: {matchLabels: {tier: cluster-only}}
                  namespaceSelector:
                    matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [%s]}]
                """;
        try {
            kubectl.runWithInput(cisp.formatted(NS), "apply", "-f", "-").assertSuccess();
            awaitInWebhook("cluster-only", r -> r.stderr().contains("ClusterImageSizePolicy webhook-it-cluster"));
            Kubectl.Result denied =
                    kubectl.runWithInput(deployment("clustered", "cluster-only", big.reference()), "apply", "-f", "-");
            assertThat(denied.exitCode()).isNotZero();
            assertThat(denied.stderr())
                    .contains("over the 1.0 MiB maxImageSize of ClusterImageSizePolicy webhook-it-cluster");

            kubectl.runWithInput(cisp.formatted("some-other-namespace"), "apply", "-f", "-")
                    .assertSuccess();
            awaitInWebhook("cluster-only", r -> r.exitCode() == 0);
            kubectl.runWithInput(deployment("clustered", "cluster-only", big.reference()), "apply", "-f", "-")
                    .assertSuccess();
        } finally {
            kubectl.run("delete", "cisp", "webhook-it-cluster", "--ignore-not-found");
        }
    }
}
