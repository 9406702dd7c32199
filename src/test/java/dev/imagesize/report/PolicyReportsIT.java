package dev.imagesize.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.admission.AdmissionHandler;
import dev.imagesize.assessment.Assessments;
import dev.imagesize.assessment.CredentialSource;
import dev.imagesize.testing.Fixtures;
import dev.imagesize.testing.InProcessOperator;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.Namespaces;
import dev.imagesize.testing.ReportCrds;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Policy reports written by the audit running in the test JVM into the real API server, with the real report CRDs of
 * Kyverno (wgpolicyk8s.io) and openreports.io installed, so the API server validates every report against their
 * schemas: the content of each result, writes only on change (also across a new leader), updates, cleanup with the
 * workload and the policy, the cluster report of an unusable ClusterImageSizePolicy, a namespace split into parts,
 * and auto mode following the CRDs the cluster serves.
 */
class PolicyReportsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger REPLICAS = new AtomicInteger();

    private static TestCluster cluster;
    private static KubernetesClient client;
    private static LocalRegistry registry;
    private static Pushed small;
    private static Pushed big;

    private final List<String> namespaces = new ArrayList<>();
    private InProcessOperator operator;
    private PolicyReporter reporter;

    @BeforeAll
    static void start() {
        cluster = TestCluster.get().withCrds();
        client = cluster.client();
        registry = LocalRegistry.sharedPlain();
        small = TestImages.push(registry, "reports/small", "1.0", Format.OCI, 200_000);
        big = TestImages.push(registry, "reports/big", "1.0", Format.OCI, 1_500_000, 600_000);
        ReportCrds.install(cluster, ReportCrds.WGPOLICYK8S);
        ReportCrds.install(cluster, ReportCrds.OPENREPORTS);
    }

    @AfterEach
    void stop() {
        stopReplica();
        namespaces.forEach(ns -> client.namespaces().withName(ns).delete());
    }

    private String namespace(String prefix) {
        String ns = Namespaces.create(client, prefix);
        namespaces.add(ns);
        return ns;
    }

    /** A leader: the in-process audit and a reporter of {@code mode}, both started as winning the Lease does. */
    private void startReplica(ReportMode mode, int maxReportBytes, Duration resync) {
        operator = new InProcessOperator(
                client,
                "reports-it-" + REPLICAS.incrementAndGet(),
                Set.of(registry.hostPort()),
                InProcessOperator.Audit.fast());
        reporter = PolicyReporter.create(
                new PolicyReporter.Settings(mode, Duration.ofMillis(300), maxReportBytes, 16, resync, true),
                client,
                operator.identity,
                operator.cluster,
                operator.store,
                operator.audit,
                operator.meters);
        operator.lead();
        reporter.startLeading();
    }

    private void stopReplica() {
        if (reporter != null) {
            reporter.stopLeading();
            reporter = null;
        }
        if (operator != null) {
            operator.close();
            operator = null;
        }
    }

    private double applies() {
        Counter counter = operator.meters
                .find("imagesize.reports.writes")
                .tags("operation", "apply", "outcome", "ok")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private static ReportMode mode(ReportApi api) {
        return api == ReportApi.WGPOLICYK8S ? ReportMode.WGPOLICYK8S : ReportMode.OPENREPORTS;
    }

    private static List<GenericKubernetesResource> reports(ReportApi api, String ns) {
        var resources = client.genericKubernetesResources(api.resource(ns == null));
        return (ns == null ? resources.list() : resources.inNamespace(ns).list())
                .getItems().stream()
                        .filter(r -> ReportDocuments.MANAGED_BY.equals(
                                r.getMetadata().getLabels().get(ReportDocuments.MANAGED_BY_LABEL)))
                        .toList();
    }

    private static GenericKubernetesResource awaitReport(
            ReportApi api, String ns, String what, Predicate<GenericKubernetesResource> condition) {
        return await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(200))
                .alias(api.kind(ns == null) + " of " + (ns == null ? "the cluster" : ns) + ": " + what)
                .until(
                        () -> {
                            List<GenericKubernetesResource> found = reports(api, ns);
                            return found.size() == 1 ? found.get(0) : null;
                        },
                        report -> report != null && condition.test(report));
    }

    private static JsonNode json(GenericKubernetesResource report) {
        return JSON.valueToTree(report);
    }

    private static JsonNode result(GenericKubernetesResource report, String workload, String policy) {
        for (JsonNode result : json(report).path("results")) {
            if (result.at("/resources/0/name").asText().equals(workload)
                    && result.path("policy").asText().equals(policy)) {
                return result;
            }
        }
        throw new AssertionError("no result for " + workload + " and " + policy + " in " + json(report));
    }

    private static Predicate<GenericKubernetesResource> summary(int pass, int fail, int warn, int error) {
        return report -> {
            JsonNode summary = json(report).path("summary");
            return summary.path("pass").asInt() == pass
                    && summary.path("fail").asInt() == fail
                    && summary.path("warn").asInt() == warn
                    && summary.path("error").asInt() == error
                    && json(report).path("results").size() == pass + fail + warn + error;
        };
    }

    private void policy(String ns, String name, String action, String max, String selector) {
        cluster.kubectl()
                .runWithInput(
                        """
                        apiVersion: imagesize.dev/v1alpha1
                        kind: ImageSizePolicy
                        metadata: {name: %s, namespace: %s}
                        spec: {action: %s, maxImageSize: %s, onResolveError: Warn%s}
                        """.formatted(
                                        name,
                                        ns,
                                        action,
                                        max,
                                        selector == null ? "" : ", selector: {matchLabels: {app: " + selector + "}}"),
                        "apply",
                        "-f",
                        "-")
                .assertSuccess();
    }

    private static Deployment deployment(String ns, String name, String image) {
        return client.apps()
                .deployments()
                .resource(Fixtures.deployment(ns, name, "app", image))
                .create();
    }

    private static Pod pod(String ns, String name, String image) {
        return client.pods()
                .inNamespace(ns)
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .addToLabels("app", name)
                        .endMetadata()
                        .withNewSpec()
                        .addNewContainer()
                        .withName("main")
                        .withImage(image)
                        .endContainer()
                        .endSpec()
                        .build())
                .create();
    }

    /** What the webhook answers for this Deployment now (the same cluster view, resolver and evaluator). */
    private String webhookDenial(Deployment deployment) throws Exception {
        AdmissionHandler handler = new AdmissionHandler(
                operator.cluster,
                new Assessments(operator.resolver, 100),
                CredentialSource.ANONYMOUS,
                Duration.ofSeconds(10));
        String review = """
                {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"r1",
                 "kind":{"group":"apps","version":"v1","kind":"Deployment"},"operation":"CREATE",
                 "namespace":"%s","name":"%s","object":%s}}
                """.formatted(
                        deployment.getMetadata().getNamespace(),
                        deployment.getMetadata().getName(),
                        JSON.writeValueAsString(deployment));
        AdmissionHandler.Reply reply = handler.handle(review.getBytes(StandardCharsets.UTF_8));
        JsonNode response = JSON.readTree(reply.body()).path("response");
        assertThat(response.path("allowed").asBoolean()).as(reply.body()).isFalse();
        return response.at("/status/message").asText();
    }

    @ParameterizedTest
    @EnumSource(ReportApi.class)
    void aResultPerWorkloadAndPolicyThatFollowsChangesAndGoesWithItsWorkloadAndPolicy(ReportApi api) throws Exception {
        String ns = namespace("reports-" + api.settingName());
        startReplica(mode(api), 1_000_000, Duration.ofMinutes(10));
        Deployment smallDeployment = deployment(ns, "small", small.reference());
        Deployment bigDeployment = deployment(ns, "big", big.reference());
        Pod ghost = pod(ns, "ghost", registry.hostPort() + "/reports/missing:1");
        policy(ns, "budget", "Enforce", "1Mi", null);
        policy(ns, "advice", "Warn", "1Mi", "big");

        GenericKubernetesResource report = awaitReport(api, ns, "pass 1, fail 1, warn 1, error 1", summary(1, 1, 1, 1));
        assertThat(report.getApiVersion()).isEqualTo(api.apiVersion());
        assertThat(report.getKind()).isEqualTo(api.kind(false));
        assertThat(report.getMetadata().getName()).isEqualTo("image-size-operator");
        assertThat(report.getMetadata().getAnnotations()).containsEntry(ReportDocuments.OMITTED_RESULTS, "0");
        assertThat(json(report).path("source").asText(""))
                .isEqualTo(api.hasReportSource() ? "image-size-operator" : "");
        assertThat(report.getMetadata().getManagedFields())
                .extracting(f -> f.getManager())
                .containsExactly(operator.identity.fieldManager());

        JsonNode failed = result(report, "big", ns + "/budget");
        assertThat(failed.path("result").asText()).isEqualTo("fail");
        assertThat(failed.path("rule").asText()).isEqualTo("maxImageSize");
        assertThat(failed.path("severity").asText()).isEqualTo("high");
        assertThat(failed.path("scored").asBoolean()).isTrue();
        assertThat(failed.path("source").asText()).isEqualTo("image-size-operator");
        assertThat(failed.path("category").asText()).isEqualTo("Image size");
        assertThat(failed.path("message").asText())
                .as("the sentence the webhook gives")
                .isEqualTo(webhookDenial(bigDeployment));
        assertThat(failed.at("/resources/0")).isEqualTo(JSON.readTree("""
                        {"apiVersion":"apps/v1","kind":"Deployment","namespace":"%s","name":"big","uid":"%s"}
                        """.formatted(
                        ns, bigDeployment.getMetadata().getUid())));
        assertThat(failed.at("/properties/size").asText()).isEqualTo(Long.toString(big.compressedSize()));
        assertThat(failed.at("/properties/limit").asText()).isEqualTo("1048576");
        assertThat(failed.at("/properties/digest").asText()).isEqualTo(big.digest());
        assertThat(failed.at("/properties/platform").asText()).isEqualTo("linux/amd64");
        assertThat(failed.at("/timestamp/seconds").asLong()).isPositive();

        JsonNode warned = result(report, "big", ns + "/advice");
        assertThat(warned.path("result").asText()).isEqualTo("warn");
        assertThat(warned.path("severity").asText()).isEqualTo("medium");
        assertThat(warned.path("scored").asBoolean()).isFalse();

        JsonNode passed = result(report, "small", ns + "/budget");
        assertThat(passed.path("result").asText()).isEqualTo("pass");
        assertThat(passed.path("message").asText())
                .contains(small.reference(), "within the limits of ImageSizePolicy " + ns + "/budget");
        assertThat(passed.at("/resources/0/uid").asText())
                .isEqualTo(smallDeployment.getMetadata().getUid());

        JsonNode error = result(report, "ghost", ns + "/budget");
        assertThat(error.path("result").asText()).isEqualTo("error");
        assertThat(error.path("message").asText()).contains("size unknown", "onResolveError Warn");
        assertThat(error.at("/properties/reason").asText()).isEqualTo("NOT_FOUND");
        assertThat(error.at("/resources/0/kind").asText()).isEqualTo("Pod");
        assertThat(error.at("/resources/0/uid").asText())
                .isEqualTo(ghost.getMetadata().getUid());

        String table = cluster.kubectl()
                .run("get", api.plural(false), "-n", ns)
                .assertSuccess()
                .stdout();
        assertThat(table.lines().skip(1).findFirst().orElseThrow().split("\\s+"))
                .as("kubectl's columns PASS FAIL WARN ERROR SKIP: %s", table)
                .contains("image-size-operator", "1", "0");

        // nothing changed: a new leader compares every report and writes none
        String version = report.getMetadata().getResourceVersion();
        stopReplica();
        startReplica(mode(api), 1_000_000, Duration.ofMillis(500));
        await().atMost(WAIT).until(() -> reporter.completedSyncs() >= 2);
        assertThat(applies()).as("writes by the new leader").isZero();
        assertThat(reports(api, ns))
                .singleElement()
                .satisfies(r -> assertThat(r.getMetadata().getResourceVersion()).isEqualTo(version));

        // a larger budget: big passes it (small's limit property moves too); the Warn policy's result on big did not
        // change and keeps its time
        long warnedAt = warned.at("/timestamp/seconds").asLong();
        policy(ns, "budget", "Enforce", "10Mi", null);
        report = awaitReport(api, ns, "big within 10Mi", summary(2, 0, 1, 1));
        assertThat(result(report, "big", ns + "/advice")
                        .at("/timestamp/seconds")
                        .asLong())
                .isEqualTo(warnedAt);
        assertThat(result(report, "small", ns + "/budget")
                        .at("/properties/limit")
                        .asText())
                .isEqualTo("10485760");
        assertThat(result(report, "big", ns + "/budget").path("rule").asText()).isEqualTo("maxImageSize");
        assertThat(applies()).isEqualTo(1);

        // results go with their workload, and the report with the last of them
        client.pods().inNamespace(ns).withName("ghost").delete();
        awaitReport(api, ns, "ghost gone", summary(2, 0, 1, 0));
        client.apps().deployments().inNamespace(ns).withName("big").delete();
        awaitReport(api, ns, "big gone", summary(1, 0, 0, 0));
        cluster.kubectl().run("delete", "isp", "budget", "advice", "-n", ns).assertSuccess();
        await().atMost(WAIT).alias("the report is deleted with the last policy").until(() -> reports(api, ns)
                .isEmpty());

        // the cluster report exists only while a ClusterImageSizePolicy cannot be used
        String name = "reports-it-unusable-" + api.settingName();
        try {
            unusableClusterPolicy(name);
            GenericKubernetesResource clusterReport =
                    awaitReport(api, null, "the unusable policy", r -> problemOf(r, name) != null);
            assertThat(clusterReport.getKind()).isEqualTo(api.kind(true));
            JsonNode problem = problemOf(clusterReport, name);
            assertThat(problem.path("result").asText()).isEqualTo("error");
            assertThat(problem.path("policy").asText()).isEqualTo(name);
            assertThat(problem.path("message").asText())
                    .startsWith("ClusterImageSizePolicy " + name + " cannot be used (")
                    .contains("maxLayers");
            assertThat(problem.at("/resources/0/kind").asText()).isEqualTo("ClusterImageSizePolicy");
            assertThat(problem.at("/resources/0/apiVersion").asText()).isEqualTo("imagesize.dev/v1alpha1");
        } finally {
            cluster.kubectl().run("delete", "cisp", name, "--ignore-not-found").assertSuccess();
        }
        // gone with the problem (the whole report, unless another test left an unusable cluster policy behind)
        await().atMost(WAIT).alias("the cluster report goes with the problem").until(() -> reports(api, null).stream()
                .allMatch(r -> problemOf(r, name) == null));
    }

    /** The result of a cluster report about {@code policy}, or null. */
    private static JsonNode problemOf(GenericKubernetesResource clusterReport, String policy) {
        for (JsonNode result : json(clusterReport).path("results")) {
            if (result.path("policy").asText().equals(policy)) {
                return result;
            }
        }
        return null;
    }

    /**
     * A ClusterImageSizePolicy the operator cannot decode (maxLayers beyond int32), stored through a copy of its CRD
     * without maxima that is restored at once; action Audit, so it fails nothing closed in the shared API server.
     */
    private static void unusableClusterPolicy(String name) throws Exception {
        Path crd = TestCluster.projectDir().resolve("crds/clusterimagesizepolicies.imagesize.dev-v1.yml");
        String unbounded = Files.readString(crd)
                .lines()
                .filter(line -> !line.trim().startsWith("maximum:"))
                .reduce("", (all, line) -> all + line + "\n");
        try {
            cluster.kubectl()
                    .runWithInput(unbounded, "apply", "--server-side", "--force-conflicts", "-f", "-")
                    .assertSuccess();
            String policy = """
                    apiVersion: imagesize.dev/v1alpha1
                    kind: ClusterImageSizePolicy
                    metadata: {name: %s}
                    spec: {action: Audit, maxLayers: 3000000000}
                    """.formatted(name);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> cluster.kubectl()
                                    .runWithInput(policy, "apply", "-f", "-")
                                    .exitCode()
                            == 0);
        } finally {
            cluster.kubectl()
                    .run("apply", "--server-side", "--force-conflicts", "-f", crd.toString())
                    .assertSuccess();
        }
    }

    @Test
    void theApiServerHoldsEveryReportToTheRealSchema() {
        String ns = namespace("reports-schema");
        ReportClient writer =
                new ReportClient(client, new dev.imagesize.operator.Identity("schema-test"), Duration.ofSeconds(10));
        ReportResult result = new ReportResult(
                ns + "/budget",
                "maxImageSize",
                ReportResult.Outcome.FAIL,
                ReportResult.Severity.HIGH,
                "too large",
                new ReportResult.Resource("apps/v1", "Deployment", ns, "api", null),
                Map.of("size", "2"));
        for (ReportApi api : ReportApi.values()) {
            ReportParts.Part part = new ReportParts.Part("image-size-operator", 1, 1, List.of(result), 0);
            writer.apply(api, ReportDocuments.document(api, ns, part, r -> java.time.Instant.EPOCH));
            assertThat(reports(api, ns)).hasSize(1);

            GenericKubernetesResource wrongValue =
                    ReportDocuments.document(api, ns, part, r -> java.time.Instant.EPOCH);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> results = (List<Map<String, Object>>)
                    wrongValue.getAdditionalProperties().get("results");
            results.get(0).put("result", "too-big");
            assertThatThrownBy(() -> writer.apply(api, wrongValue))
                    .isInstanceOf(KubernetesClientException.class)
                    .hasMessageContaining("Unsupported value: \"too-big\"");

            GenericKubernetesResource unknownField =
                    ReportDocuments.document(api, ns, part, r -> java.time.Instant.EPOCH);
            unknownField.setAdditionalProperty("sizeBytes", 2);
            assertThatThrownBy(() -> writer.apply(api, unknownField))
                    .isInstanceOf(KubernetesClientException.class)
                    .hasMessageContaining("sizeBytes");

            writer.delete(api, ns, "image-size-operator");
            writer.delete(api, ns, "image-size-operator"); // already gone: fine
            assertThat(reports(api, ns)).isEmpty();
        }
    }

    @Test
    void aNamespaceTooLargeForOneReportIsSplitIntoPartsTheApiServerAccepts() {
        String ns = namespace("reports-split");
        int budget = 16 * 1024;
        startReplica(ReportMode.OPENREPORTS, budget, Duration.ofMinutes(10));
        policy(ns, "budget", "Audit", "1Mi", null);
        int pods = 60;
        for (int i = 0; i < pods; i++) {
            pod(ns, "pod-" + i, small.reference());
        }

        List<GenericKubernetesResource> parts = await().atMost(WAIT)
                .alias("every pod in some part")
                .until(() -> reports(ReportApi.OPENREPORTS, ns), found -> resultCount(found) == pods);
        assertThat(parts.size()).isGreaterThan(1);
        Set<String> seen = new HashSet<>();
        for (GenericKubernetesResource part : parts) {
            assertThat(part.getMetadata().getName()).matches("image-size-operator-\\d+-of-\\d+");
            assertThat(client.getKubernetesSerialization().asJson(part).getBytes(StandardCharsets.UTF_8).length)
                    .as("%s within the budget", part.getMetadata().getName())
                    .isLessThanOrEqualTo(budget);
            for (JsonNode result : json(part).path("results")) {
                assertThat(seen.add(result.at("/resources/0/name").asText()))
                        .as("each pod once")
                        .isTrue();
            }
        }
        assertThat(seen).hasSize(pods);

        for (int i = 5; i < pods; i++) {
            client.pods().inNamespace(ns).withName("pod-" + i).delete();
        }
        GenericKubernetesResource one = await().atMost(WAIT)
                .alias("one report again")
                .until(() -> reports(ReportApi.OPENREPORTS, ns), found -> found.size() == 1 && resultCount(found) == 5)
                .get(0);
        assertThat(one.getMetadata().getName()).isEqualTo("image-size-operator");
    }

    private static int resultCount(List<GenericKubernetesResource> reports) {
        return reports.stream().mapToInt(r -> json(r).path("results").size()).sum();
    }

    @Test
    void autoWritesWhicheverApiTheClusterServesAndMovesToOpenReports() {
        String ns = namespace("reports-auto");
        try {
            ReportCrds.uninstall(cluster, ReportCrds.OPENREPORTS);
            ReportCrds.uninstall(cluster, ReportCrds.WGPOLICYK8S);
            startReplica(ReportMode.AUTO, 1_000_000, Duration.ofMinutes(10));
            deployment(ns, "big", big.reference());
            policy(ns, "budget", "Audit", "1Mi", null);
            await().atMost(WAIT).until(() -> operator.store.firstPassDone() && operator.store.size() > 0);
            assertThat(reporter.api()).as("no report CRD yet").isNull();

            ReportCrds.install(cluster, ReportCrds.WGPOLICYK8S);
            awaitReport(ReportApi.WGPOLICYK8S, ns, "written once its CRDs appear", summary(0, 1, 0, 0));
            assertThat(reporter.api()).isEqualTo(ReportApi.WGPOLICYK8S);

            ReportCrds.install(cluster, ReportCrds.OPENREPORTS);
            awaitReport(ReportApi.OPENREPORTS, ns, "moved to the successor", summary(0, 1, 0, 0));
            await().atMost(WAIT).alias("its PolicyReports deleted").until(() -> reports(ReportApi.WGPOLICYK8S, ns)
                    .isEmpty());
            assertThat(reporter.api()).isEqualTo(ReportApi.OPENREPORTS);
        } finally {
            ReportCrds.install(cluster, ReportCrds.WGPOLICYK8S);
            ReportCrds.install(cluster, ReportCrds.OPENREPORTS);
        }
    }
}
