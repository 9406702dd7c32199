package dev.imagesize.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.Namespaces;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The audit of running workloads end to end: the operator jar against the real API server and registry, policies and
 * workloads applied with the real kubectl, results read back the way a user reads them.
 */
class AuditIT {
    private static String NS;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestCluster cluster;
    private static Kubectl kubectl;
    private static LocalRegistry registry;
    private static Pushed small;
    private static Pushed big;
    private static OperatorProcess operator;

    @BeforeAll
    static void start() {
        cluster = TestCluster.get().withCrds();
        kubectl = cluster.kubectl();
        registry = LocalRegistry.sharedPlain();
        small = TestImages.push(registry, "audit/small", "1.0", Format.OCI, 200_000, 100_000);
        big = TestImages.push(registry, "audit/big", "1.0", Format.DOCKER, 2_000_000, 600_000);
        NS = Namespaces.create(cluster.client(), "audit-it");
        operator = startOperator();
    }

    @AfterAll
    static void stop() {
        if (operator != null) {
            operator.close();
        }
        kubectl.run("delete", "namespace", NS, "--wait=false");
    }

    private static OperatorProcess startOperator() {
        return OperatorProcess.start(
                cluster,
                Map.of(
                        "imagesize.registry.insecure-registries",
                        registry.hostPort(),
                        "imagesize.audit.interval",
                        "20s"));
    }

    private static void apply(String yaml) {
        kubectl.runWithInput(yaml, "apply", "-f", "-").assertSuccess();
    }

    private static String deployment(String name, String image) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %s, namespace: %s}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: %s}}
                  template:
                    metadata: {labels: {app: %s, tier: web}}
                    spec:
                      containers: [{name: main, image: "%s"}]
                """.formatted(name, NS, name, name, image);
    }

    private static String policy(String maxImageSize) {
        return """
                apiVersion: imagesize.dev/v1alpha1
                kind: ImageSizePolicy
                metadata: {name: web-budget, namespace: %s}
                spec:
                  action: Audit
                  maxImageSize: %s
                """.formatted(NS, maxImageSize);
    }

    private static JsonNode policyJson() throws Exception {
        return JSON.readTree(kubectl.run("get", "isp", "web-budget", "-n", NS, "-o", "json")
                .assertSuccess()
                .stdout());
    }

    private static JsonNode awaitStatus(Predicate<JsonNode> condition, String what) {
        return await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .alias("policy status shows " + what)
                .until(() -> policyJson().path("status"), condition::test);
    }

    @Test
    void auditsRunningWorkloadsIntoStatusAnnotationsAndEvents() throws Exception {
        apply(deployment("small", small.reference()));
        apply(deployment("big", big.reference()));
        apply("""
                apiVersion: batch/v1
                kind: CronJob
                metadata: {name: nightly, namespace: %s}
                spec:
                  schedule: "0 3 * * *"
                  jobTemplate:
                    spec:
                      template:
                        metadata: {labels: {tier: batch}}
                        spec:
                          restartPolicy: OnFailure
                          containers: [{name: report, image: "%s"}]
                """.formatted(NS, big.reference()));
        apply(policy("1Mi"));

        JsonNode status = awaitStatus(
                s -> s.path("workloads").asInt() == 3 && s.path("violations").asInt() == 2,
                "3 workloads, 2 violations");
        assertThat(status.path("observedGeneration").asLong()).isEqualTo(1);
        assertThat(status.path("conditions").get(0).path("type").asText()).isEqualTo("Ready");
        assertThat(status.path("conditions").get(0).path("status").asText()).isEqualTo("True");
        JsonNode top = status.path("topViolations");
        assertThat(top).hasSize(2);
        for (JsonNode violation : top) {
            assertThat(violation.path("namespace").asText()).isEqualTo(NS);
            assertThat(violation.path("image").asText()).isEqualTo(big.reference());
            assertThat(violation.path("digest").asText()).isEqualTo(big.digest());
            assertThat(violation.path("platform").asText()).isEqualTo("linux/amd64");
            assertThat(violation.path("sizeBytes").asLong()).isEqualTo(big.compressedSize());
            assertThat(violation.path("limitBytes").asLong()).isEqualTo(1024 * 1024);
            assertThat(violation.path("limit").asText()).isEqualTo("maxImageSize");
        }
        assertThat(top.findValuesAsText("kind")).containsExactlyInAnyOrder("Deployment", "CronJob");

        // kubectl get isp answers "is it working, and how bad is it"
        String table = kubectl.run("get", "isp", "-n", NS).assertSuccess().stdout();
        assertThat(table.lines().findFirst().orElseThrow())
                .contains("ACTION", "MAX-SIZE", "WORKLOADS", "VIOLATIONS", "READY", "AGE");
        assertThat(table.lines().skip(1).findFirst().orElseThrow().split("\\s+"))
                .contains("web-budget", "Audit", "1Mi", "3", "2", "True");

        // annotations on the workload, written by the operator's field manager
        JsonNode deployment =
                JSON.readTree(kubectl.run("get", "deployment", "big", "-n", NS, "-o", "json", "--show-managed-fields")
                        .assertSuccess()
                        .stdout());
        JsonNode annotations = deployment.path("metadata").path("annotations");
        assertThat(annotations.path("imagesize.dev/verdict").asText()).isEqualTo("Violation");
        assertThat(annotations.path("imagesize.dev/largest-image-bytes").asLong())
                .isEqualTo(big.compressedSize());
        assertThat(annotations.path("imagesize.dev/violations").asText())
                .contains(
                        "container \"main\"",
                        big.reference(),
                        "over the 1.0 MiB maxImageSize of ImageSizePolicy " + NS + "/web-budget");
        assertThat(deployment.path("metadata").path("managedFields").toString()).contains("image-size-operator");
        JsonNode smallAnnotations = JSON.readTree(kubectl.run("get", "deployment", "small", "-n", NS, "-o", "json")
                        .stdout())
                .path("metadata")
                .path("annotations");
        assertThat(smallAnnotations.path("imagesize.dev/verdict").asText()).isEqualTo("Compliant");

        // one Warning ImageTooLarge Event per violating workload, not repeated by later passes
        String events = kubectl.run("get", "events", "-n", NS, "--field-selector", "reason=ImageTooLarge", "-o", "json")
                .assertSuccess()
                .stdout();
        JsonNode items = JSON.readTree(events).path("items");
        assertThat(items.findValuesAsText("type")).containsOnly("Warning");
        assertThat(items)
                .extracting(item -> item.path("involvedObject").path("name").asText())
                .containsExactlyInAnyOrder("big", "nightly");
        String describe = kubectl.run("describe", "deployment", "big", "-n", NS)
                .assertSuccess()
                .stdout();
        assertThat(describe).contains("ImageTooLarge");

        // a larger limit clears the violations
        apply(policy("10Mi"));
        status = awaitStatus(
                s -> s.path("observedGeneration").asLong() == 2
                        && s.path("violations").asInt() == 0,
                "no violations at 10Mi");
        assertThat(status.path("workloads").asInt()).isEqualTo(3);
        assertThat(status.path("topViolations").isMissingNode()
                        || status.path("topViolations").isEmpty())
                .isTrue();

        // deleting a workload removes it from the counts
        apply(policy("1Mi"));
        awaitStatus(
                s -> s.path("observedGeneration").asLong() == 3
                        && s.path("violations").asInt() == 2,
                "2 violations again");
        kubectl.run("delete", "deployment", "small", "-n", NS).assertSuccess();
        awaitStatus(s -> s.path("workloads").asInt() == 2, "2 workloads after deleting one");
        assertThat(kubectl.run("get", "events", "-n", NS, "--field-selector", "reason=ImageTooLarge", "-o", "name")
                        .stdout()
                        .lines()
                        .count())
                .as("no new events for violations already reported")
                .isEqualTo(2);

        // a restart loses nothing: status is rebuilt from the cluster
        operator.close();
        kubectl.run(
                        "patch",
                        "isp",
                        "web-budget",
                        "-n",
                        NS,
                        "--subresource=status",
                        "--type=merge",
                        "-p",
                        "{\"status\":{\"workloads\":0,\"violations\":0,\"topViolations\":[]}}")
                .assertSuccess();
        operator = startOperator();
        status = awaitStatus(
                s -> s.path("workloads").asInt() == 2 && s.path("violations").asInt() == 2, "rebuilt after restart");
        assertThat(status.path("topViolations")).hasSize(2);

        // and Prometheus sees it
        String metrics = operator.metrics();
        assertThat(metrics)
                .contains("imagesize_policy_violations{kind=\"ImageSizePolicy\",namespace=\"" + NS
                        + "\",policy=\"web-budget\"} 2.0")
                .contains("imagesize_reconciliations_seconds_count{kind=\"ImageSizePolicy\",patched=\"true\"}")
                .contains("imagesize_resolver_lookups_seconds_count");

        // deleting the policy takes our annotations off the workloads it governed
        kubectl.run("delete", "isp", "web-budget", "-n", NS).assertSuccess();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                        kubectl.run("get", "deployment", "big", "-n", NS, "-o", "jsonpath={.metadata.annotations}")
                                .assertSuccess()
                                .stdout())
                .doesNotContain("imagesize.dev/"));
        assertThat(operator.metrics())
                .as("the deleted policy's gauge went with it")
                .doesNotContain("imagesize_policy_violations{kind=\"ImageSizePolicy\",namespace=\"" + NS + "\"");
    }
}
