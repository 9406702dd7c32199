package dev.imagesize.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Two operator processes against one API server: one holds the Lease and keeps statuses, both serve the webhook;
 * when the leader stops, the other takes over and keeps statuses current.
 */
class HighAvailabilityIT {
    private static final String NS = "ha-it";
    private static final String LEASE = "image-size-operator-ha-it";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void oneLeaderReconcilesEveryReplicaServesAndAFollowerTakesOver() throws Exception {
        TestCluster cluster = TestCluster.get().withCrds();
        Kubectl kubectl = cluster.kubectl();
        LocalRegistry registry = LocalRegistry.sharedPlain();
        Pushed big = TestImages.push(registry, "ha/big", "1.0", Format.OCI, 1_500_000);
        kubectl.run("create", "namespace", NS).assertSuccess();
        Map<String, String> properties = Map.of(
                "imagesize.registry.insecure-registries",
                registry.hostPort(),
                "imagesize.leader-election.lease-name",
                LEASE);
        OperatorProcess first = OperatorProcess.start(cluster, properties);
        OperatorProcess second = OperatorProcess.start(cluster, properties);
        try {
            kubectl.runWithInput("""
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: big, namespace: %s}
                    spec:
                      selector: {matchLabels: {app: big}}
                      template:
                        metadata: {labels: {app: big}}
                        spec: {containers: [{name: main, image: "%s"}]}
                    """.formatted(NS, big.reference()), "apply", "-f", "-")
                    .assertSuccess();
            policy(kubectl, "1Mi");
            awaitStatus(kubectl, s -> s.path("violations").asInt() == 1, "1 violation");

            String holder = leaseHolder(kubectl);
            OperatorProcess leader =
                    first.log().contains("Started event processing for controller: imagesizepolicy") ? first : second;
            OperatorProcess follower = leader == first ? second : first;
            assertThat(holder).isNotEmpty();
            assertThat(leader.log()).contains("Started event processing for controller: imagesizepolicy");
            assertThat(follower.log()).doesNotContain("Started event processing for controller: imagesizepolicy");
            for (OperatorProcess replica : new OperatorProcess[] {leader, follower}) {
                assertThat(replica.log())
                        .contains("admission webhook listening on https://127.0.0.1:" + replica.webhookPort());
            }

            assertThat(leader.stop())
                    .as("the leader exits promptly on SIGTERM, releasing its Lease")
                    .isLessThan(Duration.ofSeconds(10));
            policy(kubectl, "10Mi");
            JsonNode status = awaitStatus(
                    kubectl,
                    s -> s.path("observedGeneration").asLong() == 2
                            && s.path("violations").asInt() == 0,
                    "the follower's status for generation 2");
            assertThat(status.path("workloads").asInt()).isEqualTo(1);
            assertThat(leaseHolder(kubectl)).isNotEqualTo(holder);
            assertThat(follower.log()).contains("Started event processing for controller: imagesizepolicy");
        } finally {
            first.close();
            second.close();
            kubectl.run("delete", "isp", "--all", "-n", NS, "--wait=false");
        }
    }

    private static void policy(Kubectl kubectl, String max) {
        kubectl.runWithInput("""
                apiVersion: imagesize.dev/v1alpha1
                kind: ImageSizePolicy
                metadata: {name: ha, namespace: %s}
                spec: {action: Audit, maxImageSize: %s}
                """.formatted(NS, max), "apply", "-f", "-").assertSuccess();
    }

    private static String leaseHolder(Kubectl kubectl) {
        return kubectl.run("get", "lease", LEASE, "-n", "default", "-o", "jsonpath={.spec.holderIdentity}")
                .assertSuccess()
                .stdout()
                .trim();
    }

    private static JsonNode awaitStatus(Kubectl kubectl, Predicate<JsonNode> condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = JSON.readTree(kubectl.run("get", "isp", "ha", "-n", NS, "-o", "json")
                            .assertSuccess()
                            .stdout())
                    .path("status");
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("status never showed " + what + "; last: " + last);
    }
}
