package dev.imagesize.content;

import static dev.imagesize.testing.TestLayers.layer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.Namespaces;
import dev.imagesize.testing.OciImages;
import dev.imagesize.testing.OciImages.Spec;
import dev.imagesize.testing.OciImages.Step;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.WebhookRegistration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The content analysis in a cluster: the real operator (role operator: webhook, audit, reports; it queues analyses)
 * and a separate real analyzer process (the same jar, role analyzer; it analyses) against a real API server and a real
 * registry, with
 * images whose content is known (apt lists left in a layer, a pip cache), both on one base layer. A refused
 * Deployment is queued, analysed, and refused again with the top finding and the advice on its base (known to the
 * operator's configured base catalog by its layer); an audited one gets its ImageSizeReport, which its annotations and
 * its policy's status name; the shared base layer is downloaded once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContentAnalysisIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APT = "/bin/sh -c apt-get update && apt-get install -y curl";
    private static final String PIP = "/bin/sh -c pip install requests";
    private static final String BUILD = "/bin/sh -c curl -o /tmp/build.tar https://example.test/build.tar";
    private static final String CLEAN = "/bin/sh -c rm /tmp/build.tar";
    private static final String BASE = "test.example/base/python:3.11";
    private static final String SLIM = "test.example/base/python:3.11-slim";

    private static TestCluster cluster;
    private static Kubectl kubectl;
    private static LocalRegistry registry;
    private static final String ANALYZER = "content-it-analyzer";

    private static OperatorProcess operator;
    private static OperatorProcess analyzer;
    private static java.util.List<String> aptLayerDigests;
    private static String ns;
    private static String webhook;
    private static String aptImage;
    private static String pipImage;
    private static String wastefulImage;
    private static String baseLayerDigest;
    private static Path catalog;

    @BeforeAll
    static void start() throws IOException {
        cluster = TestCluster.get().withCrds();
        kubectl = cluster.kubectl();
        registry = LocalRegistry.sharedPlain();
        ns = Namespaces.create(cluster.client(), "content-it");
        webhook = ns + "-webhook";
        // fresh content on every run: a second run against the same API server finds no analysis of these digests
        long run = new SecureRandom().nextLong() & Long.MAX_VALUE;
        Step base = Step.layer(
                "ADD rootfs.tar.gz / # test base",
                layer().dir("etc")
                        .file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
                        .dir("bin")
                        .file("bin/sh", 40_000, run)
                        .dir("lib")
                        .file("lib/libc.so.6", 60_000, run + 1));
        OciImages.Layout apt = OciImages.write(
                Spec.of(
                        base,
                        Step.layer(
                                APT,
                                layer().dir("var/lib/apt/lists")
                                        .file(
                                                "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
                                                200_000,
                                                run + 2)
                                        .dir("usr/bin")
                                        .file("usr/bin/curl", 30_000, run + 3))),
                "1.0");
        OciImages.Layout pip = OciImages.write(
                Spec.of(
                        base,
                        Step.layer(
                                PIP,
                                layer().dir("root/.cache/pip/http/a/b")
                                        .file("root/.cache/pip/http/a/b/c0ffee", 150_000, run + 4)
                                        .file(
                                                "usr/local/lib/python3.11/site-packages/requests/__init__.py",
                                                5_000,
                                                run + 5))),
                "1.0");
        // 120,000 bytes shipped in layer 1 and deleted in layer 2: hidden, so wasted
        OciImages.Layout wasteful = OciImages.write(
                Spec.of(
                        base,
                        Step.layer(BUILD, layer().dir("tmp").file("tmp/build.tar", 120_000, run + 6)),
                        Step.layer(CLEAN, layer().dir("tmp").whiteout("tmp/build.tar"))),
                "1.0");
        wastefulImage = OciImages.push(wasteful, registry, ns + "/wasteful");
        baseLayerDigest = apt.layerDigests().get(0);
        aptLayerDigests = apt.layerDigests();
        assertThat(pip.layerDigests().get(0)).isEqualTo(baseLayerDigest);
        aptImage = OciImages.push(apt, registry, ns + "/apt");
        pipImage = OciImages.push(pip, registry, ns + "/pip");
        // the operator's own catalog knows the shared base by its layer, and a smaller alternative to it
        catalog = Files.createTempFile("content-it-catalog-", ".yaml");
        Files.writeString(
                catalog,
                "generated: test\nimages:\n"
                        + "  - ref: " + BASE + "\n"
                        + "    family: test-python\n    variant: full\n    platforms:\n"
                        + "      linux/amd64: {compressed: 409120197, uncompressed: 1100000000, diffIDs: ["
                        + apt.diffIds().get(0) + "]}\n"
                        + "    alternatives:\n"
                        + "      - {ref: " + SLIM + ", caveat: \"no compiler\"}\n"
                        + "  - ref: " + SLIM + "\n"
                        + "    family: test-python\n    variant: slim\n    platforms:\n"
                        + "      linux/amd64: {compressed: 45520747, uncompressed: 124800000}\n");
        operator = OperatorProcess.start(
                cluster,
                Map.of(
                        "imagesize.registry.insecure-registries", registry.hostPort(),
                        "imagesize.analysis.enabled", "true",
                        "imagesize.analysis.sweep-interval", "2s",
                        "imagesize.audit.interval", "10m"));
        kubectl.runWithInput(WebhookRegistration.of(operator, ns, webhook), "apply", "-f", "-")
                .assertSuccess();
        policy("enforce", "Enforce", "enforced");
        policy("audit", "Audit", "audited");
    }

    @AfterAll
    static void stop() throws IOException {
        if (kubectl != null) {
            kubectl.run("delete", "validatingwebhookconfiguration", webhook, "--ignore-not-found");
            kubectl.run("delete", "namespace", ns, "--wait=false");
        }
        if (analyzer != null) {
            analyzer.close();
        }
        if (operator != null) {
            operator.close();
        }
        if (catalog != null) {
            Files.deleteIfExists(catalog);
        }
    }

    @Test
    @Order(1)
    void aRefusedImageIsAnalysedAndTheNextRefusalNamesItsTopFinding() throws Exception {
        String bloated = deployment("bloated", "enforced", aptImage);
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .alias("the webhook enforces the policy")
                .until(
                        () -> kubectl.runWithInput(bloated, "apply", "--dry-run=server", "-f", "-"),
                        result -> result.stderr().contains("ImageSizePolicy " + ns + "/enforce"));

        Kubectl.Result first = kubectl.runWithInput(bloated, "apply", "-f", "-");
        assertThat(first.exitCode()).isNotZero();
        assertThat(first.stderr())
                .contains("over the 100.0 KiB maxImageSize")
                .contains("content analysis: queued; the next attempt names what to fix first");

        // the operator queues the image but analyses nothing: no analyzer runs yet, and no layer of it is read
        JsonNode queued = awaitQueued(registry.hostPort() + "/" + ns + "/apt");
        assertThat(queued.path("status").path("phase").asText("Pending")).isEqualTo("Pending");
        for (String layer : aptLayerDigests) {
            assertThat(registry.requestCount("GET", "/v2/" + ns + "/[^/]+/blobs/" + layer))
                    .as("GETs of layer " + layer + " before an analyzer runs")
                    .isZero();
        }
        startAnalyzer();

        JsonNode analysis = awaitAnalysis(registry.hostPort() + "/" + ns + "/apt");
        assertThat(analysis.path("spec").path("requestedBy").asText()).isEqualTo("Admission");
        assertThat(analysis.path("status").path("analyzer").asText())
                .as("the analyzer process, never the webhook's replica, analysed it")
                .isEqualTo(ANALYZER);
        assertThat(analysis.path("status").path("attempts").asInt()).isEqualTo(1);
        assertThat(analysis.path("spec").path("platform").asText()).isEqualTo("linux/amd64");
        JsonNode status = analysis.path("status");
        assertThat(status.path("analyzerVersion").asText()).isEqualTo("1");
        assertThat(status.path("manifestDigest").asText())
                .isEqualTo(analysis.path("spec").path("digest").asText());
        assertThat(status.path("layers")).hasSize(2);
        assertThat(status.path("layers").get(1).path("createdBy").asText()).isEqualTo(APT);
        assertThat(status.path("findings")).hasSize(1);
        JsonNode apt = status.path("findings").get(0);
        assertThat(apt.path("id").asText()).isEqualTo("apt-lists");
        assertThat(apt.path("bytes").asLong()).isEqualTo(200_000);
        assertThat(apt.path("layer").asInt()).isEqualTo(1);
        assertThat(apt.path("createdBy").asText()).isEqualTo(APT);
        assertThat(apt.path("fix").asText()).contains("rm -rf /var/lib/apt/lists/*");
        assertThat(status.path("sizes").path("uncompressedBytes").asLong()).isGreaterThanOrEqualTo(330_000);
        assertThat(JSON.writeValueAsBytes(analysis).length).isLessThan(64 * 1024);

        String name = analysis.path("metadata").path("name").asText();
        String columns =
                kubectl.run("get", "imageanalyses", name).assertSuccess().stdout();
        assertThat(columns.lines().findFirst().orElseThrow())
                .contains("PHASE")
                .contains("BASE")
                .contains("SIZE");
        assertThat(columns).contains(name).contains("Complete").contains("linux/amd64");

        // the webhook's projection sees the result a moment after the API server has it
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .alias("the refusal names the top finding")
                .until(
                        () -> kubectl.runWithInput(bloated, "apply", "-f", "-"),
                        result -> result.exitCode() != 0 && result.stderr().contains("fix first:"));
        Kubectl.Result again = kubectl.runWithInput(bloated, "apply", "-f", "-");
        assertThat(again.exitCode()).isNotZero();
        assertThat(again.stderr())
                .contains("over the 100.0 KiB maxImageSize")
                .contains("content analysis: ")
                .contains("- APT package lists, 195.3 KiB in layer 1 (" + APT + "): add `rm -rf /var/lib/apt/lists/*`")
                .contains("rm -rf /var/lib/apt/lists/*")
                .contains("- base image: " + BASE + ", 390.2 MiB compressed, 1.0 GiB uncompressed; " + SLIM
                        + " is 43.4 MiB compressed")
                .doesNotContain("queued");
        assertThat(again.stderr().indexOf("- base image: "))
                .as("the base advice saves more than the apt lists: it comes first")
                .isLessThan(again.stderr().indexOf("- APT package lists"));
        assertThat(kubectl.run("get", "deployment", "bloated", "-n", ns).exitCode())
                .isNotZero();
    }

    @Test
    @Order(2)
    void anAuditedWorkloadGetsItsReportAndTheSharedBaseLayerIsReadOnce() throws Exception {
        startAnalyzer();
        kubectl.runWithInput(deployment("audited", "audited", pipImage), "apply", "-f", "-")
                .assertSuccess();
        String uid = kubectl.run("get", "deployment", "audited", "-n", ns, "-o", "jsonpath={.metadata.uid}")
                .assertSuccess()
                .stdout();

        JsonNode analysis = awaitAnalysis(registry.hostPort() + "/" + ns + "/pip");
        assertThat(analysis.path("status").path("findings").get(0).path("id").asText())
                .isEqualTo("pip-cache");

        JsonNode report = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .alias("the report of the audited Deployment shows its analysis")
                .until(
                        () -> json(
                                kubectl.run("get", "imagesizereports", "deployment-audited", "-n", ns, "-o", "json")),
                        found -> found != null
                                && found.path("report")
                                        .path("summary")
                                        .path("topFinding")
                                        .asText()
                                        .startsWith("pip-cache"));
        JsonNode owner = report.path("metadata").path("ownerReferences").get(0);
        assertThat(owner.path("kind").asText()).isEqualTo("Deployment");
        assertThat(owner.path("name").asText()).isEqualTo("audited");
        assertThat(owner.path("uid").asText()).isEqualTo(uid);
        assertThat(owner.path("controller").asBoolean()).isTrue();
        JsonNode body = report.path("report");
        assertThat(body.path("kind").asText()).isEqualTo("Deployment");
        assertThat(body.path("summary").path("image").asText()).isEqualTo("main=" + pipImage);
        assertThat(body.path("summary").path("topFinding").asText()).startsWith("pip-cache in layer 1 (saves ~");
        JsonNode image = body.path("containers").get(0).path("images").get(0);
        assertThat(image.path("phase").asText()).isEqualTo("Complete");
        assertThat(image.path("analysis").asText())
                .isEqualTo(analysis.path("metadata").path("name").asText());
        assertThat(image.path("base").asText()).isEqualTo(BASE);
        assertThat(image.path("advice").get(0).asText()).startsWith("base image: " + BASE + ", 390.2 MiB compressed");
        assertThat(image.path("findings").get(0).path("bytes").asLong()).isEqualTo(150_000);
        assertThat(image.path("findings").get(0).path("createdBy").asText()).isEqualTo(PIP);
        JsonNode verdict = body.path("containers").get(0).path("verdicts").get(0);
        assertThat(verdict.path("policy").asText()).isEqualTo("ImageSizePolicy " + ns + "/audit");
        assertThat(verdict.path("outcome").asText()).isEqualTo("Over");

        String columns = kubectl.run("get", "isr", "-n", ns).assertSuccess().stdout();
        assertThat(columns.lines().findFirst().orElseThrow())
                .contains("IMAGE")
                .contains("SIZE")
                .contains("TOP-FINDING")
                .contains("WASTED");
        assertThat(columns).contains("deployment-audited").contains("pip-cache in layer 1");

        // where people already look: the workload's audit annotations and the policy's status name the report
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .alias("the audit annotations of the Deployment name its report")
                .until(
                        () -> kubectl.run(
                                        "get",
                                        "deployment",
                                        "audited",
                                        "-n",
                                        ns,
                                        "-o",
                                        "jsonpath={.metadata.annotations.imagesize\\.dev/report}")
                                .stdout(),
                        "deployment-audited"::equals);
        JsonNode violation = await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .alias("the audit policy's status lists the violation with its report")
                .until(
                        () -> {
                            JsonNode policy = json(kubectl.run("get", "isp", "audit", "-n", ns, "-o", "json"));
                            return policy == null
                                    ? null
                                    : policy.path("status")
                                            .path("topViolations")
                                            .path(0);
                        },
                        found -> found != null && found.path("name").asText().equals("audited"));
        assertThat(violation.path("report").asText()).isEqualTo("deployment-audited");
        assertThat(violation.path("namespace").asText()).isEqualTo(ns);
        assertThat(kubectl.run("get", "isr", "-n", ns, violation.path("report").asText())
                        .assertSuccess()
                        .stdout())
                .as("the status says where the report is: kubectl get isr -n NAMESPACE REPORT")
                .contains("deployment-audited");

        // both analyses are done by now (this one, and the refused image's, which the first test waited for)
        awaitAnalysis(registry.hostPort() + "/" + ns + "/apt");
        assertThat(registry.requestCount("GET", "/v2/" + ns + "/[^/]+/blobs/" + baseLayerDigest))
                .as("GETs of the shared base layer's blob")
                .isEqualTo(1);
    }

    @Test
    @Order(3)
    void theSweeperMarksWhatRunsAndDeletesWhatNothingReferencedPastItsTtl() {
        startAnalyzer();
        String running = awaitAnalysis(registry.hostPort() + "/" + ns + "/pip")
                .path("metadata")
                .path("name")
                .asText();
        String refused = awaitAnalysis(registry.hostPort() + "/" + ns + "/apt")
                .path("metadata")
                .path("name")
                .asText();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .alias("the analysis a running workload uses is marked referenced")
                .until(() -> kubectl.run(
                                "get",
                                "imageanalyses",
                                running,
                                "-o",
                                "jsonpath={.metadata.annotations.imagesize\\.dev/last-referenced-at}")
                        .stdout()
                        .matches("\\d{4}-\\d\\d-\\d\\dT.*Z"));

        kubectl.run("annotate", "imageanalyses", refused, "imagesize.dev/ttl=1s")
                .assertSuccess();

        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .alias("the analysis of the refused image, referenced by nothing, is deleted past its TTL")
                .until(() ->
                        kubectl.run("get", "imageanalyses", refused).stderr().contains("NotFound"));
        assertThat(kubectl.run("get", "imageanalyses", running).exitCode()).isZero();
    }

    @Test
    @Order(4)
    void contentLimitsAreCheckedOnceTheAnalysisIsKnownNeverBefore() throws Exception {
        startAnalyzer();
        kubectl.runWithInput("""
                        apiVersion: imagesize.dev/v1alpha1
                        kind: ImageSizePolicy
                        metadata: {name: content, namespace: %s}
                        spec:
                          action: Enforce
                          maxImageSize: 10Mi
                          minEfficiency: 0.9
                          maxWastedBytes: 100Ki
                          selector: {matchLabels: {tier: lean}}
                        """.formatted(ns), "apply", "-f", "-").assertSuccess();
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .alias("the webhook knows the content policy")
                .until(
                        () -> kubectl.runWithInput(
                                deployment("probe", "lean", "registry.invalid/none:1"),
                                "apply",
                                "--dry-run=server",
                                "-f",
                                "-"),
                        result -> result.output().contains("ImageSizePolicy " + ns + "/content"));

        Kubectl.Result first = kubectl.runWithInput(deployment("lean", "lean", wastefulImage), "apply", "-f", "-");
        assertThat(first.exitCode())
                .as("not analysed yet: never refused for the content limits\n" + first.output())
                .isZero();
        assertThat(first.output())
                .as("admitted with a word that the content limits wait for the analysis")
                .contains("Warning: ")
                .contains("the minEfficiency and maxWastedBytes of ImageSizePolicy " + ns
                        + "/content are not checked yet: the image's content is not analysed; the audit checks them"
                        + " once it is")
                .doesNotContain("over the 100.0 KiB maxWastedBytes");

        JsonNode analysis = awaitAnalysis(registry.hostPort() + "/" + ns + "/wasteful");
        assertThat(analysis.path("spec").path("requestedBy").asText())
                .as("queued by the admission that could not check the limits, or by the audit, whichever came first")
                .isIn("Admission", "Audit");
        assertThat(analysis.path("status").path("overlay").path("hiddenBytes").asLong())
                .isEqualTo(120_000);

        // the analysis settled: the audit looks at the Deployment again, without waiting for its interval
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .alias("the audit finds the Deployment over the content limits")
                .until(
                        () -> kubectl.run(
                                        "get",
                                        "deployment",
                                        "lean",
                                        "-n",
                                        ns,
                                        "-o",
                                        "jsonpath={.metadata.annotations.imagesize\\.dev/violations}")
                                .stdout(),
                        text -> text.contains("hidden by later layers, over the 100.0 KiB maxWastedBytes"));
        JsonNode violations = await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .alias("the content policy's status lists both content violations")
                .until(
                        () -> {
                            JsonNode policy = json(kubectl.run("get", "isp", "content", "-n", ns, "-o", "json"));
                            return policy == null ? null : policy.path("status").path("topViolations");
                        },
                        found -> found != null && found.size() == 2);
        JsonNode wasted = null;
        JsonNode efficiency = null;
        for (JsonNode v : violations) {
            if (v.path("limit").asText().equals("maxWastedBytes")) {
                wasted = v;
            } else if (v.path("limit").asText().equals("minEfficiency")) {
                efficiency = v;
            }
        }
        assertThat(wasted).as(violations.toString()).isNotNull();
        assertThat(wasted.path("sizeBytes").asLong()).isEqualTo(120_000);
        assertThat(wasted.path("limitBytes").asLong()).isEqualTo(100 * 1024);
        assertThat(wasted.path("report").asText()).isEqualTo("deployment-lean");
        assertThat(efficiency).as(violations.toString()).isNotNull();
        assertThat(efficiency.path("efficiency").asDouble())
                .isEqualTo(
                        analysis.path("status")
                                .path("overlay")
                                .path("efficiency")
                                .asDouble(),
                        within(1e-6));
        assertThat(efficiency.path("minEfficiency").asDouble()).isEqualTo(0.9);

        Kubectl.Result again =
                kubectl.runWithInput(deployment("lean-again", "lean", wastefulImage), "apply", "-f", "-");
        assertThat(again.exitCode()).as(again.output()).isNotZero();
        assertThat(again.stderr())
                .contains("ImageSizePolicy " + ns + "/content")
                .contains("efficiency, under the 90.0% minEfficiency")
                .contains("KiB hidden by later layers, over the 100.0 KiB maxWastedBytes")
                .contains("content analysis: ");
    }

    @Test
    @Order(5)
    void theWebhooksReplicaAnalysedNothingTheAnalyzerEverything() throws Exception {
        startAnalyzer();
        JsonNode list = json(kubectl.run("get", "imageanalyses", "-o", "json"));
        int ours = 0;
        for (JsonNode item : list.path("items")) {
            if (item.path("spec").path("image").asText().startsWith(registry.hostPort() + "/" + ns + "/")
                    && item.path("status").path("phase").asText().equals("Complete")) {
                ours++;
                assertThat(item.path("status").path("analyzer").asText())
                        .as(item.path("metadata").path("name").asText())
                        .isEqualTo(ANALYZER);
            }
        }
        assertThat(ours).as("complete analyses of this test's images").isGreaterThanOrEqualTo(2);

        String operatorMetrics = operator.metrics();
        assertThat(operatorMetrics)
                .as("the operator's metrics: no analysis worker, no claim, no analysed image")
                .contains("imagesize_")
                .doesNotContain("imagesize_analysis_images_seconds")
                .doesNotContain("imagesize_analysis_in_flight")
                .doesNotContain("imagesize_analysis_claims");
        assertThat(analyzer.metric("imagesize_analysis_images_seconds_count{outcome=\"complete\"}"))
                .isGreaterThanOrEqualTo(ours);
        assertThat(analyzer.metric("imagesize_analysis_claims_total{outcome=\"won\"}"))
                .isGreaterThanOrEqualTo(ours);
        assertThat(analyzer.metrics())
                .as("the analyzer serves no webhook: no admission metrics")
                .doesNotContain("imagesize_webhook_");
        assertThat(analyzer.log()).contains("analyzer " + ANALYZER + " started against");
    }

    /** Starts the analyzer process (once): the same jar, {@code imagesize.role=analyzer}. */
    private static synchronized void startAnalyzer() {
        if (analyzer == null) {
            analyzer = OperatorProcess.start(
                    cluster,
                    Map.of(
                            "imagesize.role",
                            "analyzer",
                            "imagesize.registry.insecure-registries",
                            registry.hostPort(),
                            "imagesize.analysis.enabled",
                            "true",
                            "imagesize.analysis.base-catalog",
                            catalog.toString()),
                    Map.of("POD_NAME", ANALYZER),
                    cluster.kubeconfig());
        }
    }

    /** The ImageAnalysis of the image first seen in {@code repository}, once it exists (in any phase). */
    private static JsonNode awaitQueued(String repository) {
        return await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .alias("the analysis of " + repository + " is queued")
                .until(() -> find(repository), found -> found != null);
    }

    private static JsonNode find(String repository) throws Exception {
        JsonNode list = json(kubectl.run("get", "imageanalyses", "-o", "json"));
        if (list == null) {
            return null;
        }
        for (JsonNode item : list.path("items")) {
            if (item.path("spec").path("image").asText().equals(repository)) {
                return item;
            }
        }
        return null;
    }

    /** The Complete analysis of the image first seen in {@code repository}, once there is one. */
    private static JsonNode awaitAnalysis(String repository) {
        return await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .alias("the analysis of " + repository + " completes")
                .until(
                        () -> find(repository),
                        found -> found != null
                                && found.path("status").path("phase").asText().equals("Complete"));
    }

    private static JsonNode json(Kubectl.Result result) throws Exception {
        return result.exitCode() == 0 ? JSON.readTree(result.stdout()) : null;
    }

    private static void policy(String name, String action, String tier) {
        kubectl.runWithInput("""
                        apiVersion: imagesize.dev/v1alpha1
                        kind: ImageSizePolicy
                        metadata: {name: %s, namespace: %s}
                        spec:
                          action: %s
                          maxImageSize: 100Ki
                          selector: {matchLabels: {tier: %s}}
                        """.formatted(name, ns, action, tier), "apply", "-f", "-")
                .assertSuccess();
    }

    private static String deployment(String name, String tier, String image) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %s, namespace: %s}
                spec:
                  selector: {matchLabels: {tier: %s}}
                  template:
                    metadata: {labels: {tier: %s}}
                    spec:
                      containers: [{name: main, image: "%s"}]
                """.formatted(name, ns, tier, tier, image);
    }
}
