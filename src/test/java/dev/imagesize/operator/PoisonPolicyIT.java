package dev.imagesize.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.Namespaces;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.OutOfRangePolicy;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import dev.imagesize.testing.WebhookRegistration;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A policy the operator cannot decode (maxLayers beyond int32, stored while the CRD had no bound) in one namespace,
 * with two replicas running: both stay up and keep enforcing the other policies, the bad policy's status and an
 * Event say why it is not used, the namespace it would govern fails closed (it asks for Enforce), and a restarted
 * replica becomes ready.
 */
class PoisonPolicyIT {

    @Test
    void oneUndecodablePolicyBlindsNothingElse() throws Exception {
        TestCluster cluster = TestCluster.get().withCrds();
        KubernetesClient client = cluster.client();
        Kubectl kubectl = cluster.kubectl();
        LocalRegistry registry = LocalRegistry.sharedPlain();
        Pushed big = TestImages.push(registry, "poison/big", "1.0", Format.OCI, 1_500_000);
        String good = Namespaces.create(client, "poison-good");
        String bad = Namespaces.create(client, "poison-bad");
        Map<String, String> properties = Map.of(
                "imagesize.registry.insecure-registries",
                registry.hostPort(),
                "imagesize.leader-election.lease-name",
                "imagesize-" + good);
        OperatorProcess a =
                OperatorProcess.start(cluster, properties, Map.of("POD_NAME", good + "-a"), cluster.kubeconfig());
        OperatorProcess b =
                OperatorProcess.start(cluster, properties, Map.of("POD_NAME", good + "-b"), cluster.kubeconfig());
        try {
            // policies other tests left unusable in the shared cluster count too
            double before = a.metric("imagesize_policies_unusable");
            kubectl.runWithInput(WebhookRegistration.of(a, good, "imagesize-" + good), "apply", "-f", "-")
                    .assertSuccess();
            kubectl.runWithInput(WebhookRegistration.of(a, bad, "imagesize-" + bad), "apply", "-f", "-")
                    .assertSuccess();
            kubectl.runWithInput("""
                            apiVersion: imagesize.dev/v1alpha1
                            kind: ImageSizePolicy
                            metadata: {name: fine, namespace: %s}
                            spec: {action: Enforce, maxImageSize: 1Mi}
                            """.formatted(good), "apply", "-f", "-").assertSuccess();
            OutOfRangePolicy.create(kubectl, bad, "poison");

            for (OperatorProcess replica : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> replica.metric("imagesize_policies_unusable") == before + 1);
                assertThat(replica.isAlive()).isTrue();
            }
            String denied = await().atMost(Duration.ofSeconds(30))
                    .until(() -> dryRun(kubectl, good, big.reference()).stderr(), e -> e.contains("/fine"));
            assertThat(denied).contains("over the 1.0 MiB maxImageSize of ImageSizePolicy " + good + "/fine");

            Kubectl.Result failedClosed = dryRun(kubectl, bad, big.reference());
            assertThat(failedClosed.exitCode()).isNotZero();
            assertThat(failedClosed.stderr())
                    .contains("ImageSizePolicy " + bad + "/poison cannot be used (spec.maxLayers")
                    .contains("denied until it is fixed");

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                Map<?, ?> ready = readyCondition(client, bad);
                assertThat(ready.get("status")).isEqualTo("False");
                assertThat(ready.get("reason")).isEqualTo(PolicyStatuses.INVALID_POLICY);
                assertThat((String) ready.get("message"))
                        .startsWith("the operator cannot use this policy: spec.maxLayers:")
                        .contains("3000000000");
            });
            List<Event> events = client.v1().events().inNamespace(bad).list().getItems();
            assertThat(events).anySatisfy(e -> {
                assertThat(e.getReason()).isEqualTo(PolicyStatusReconciler.INVALID_REASON);
                assertThat(e.getInvolvedObject().getName()).isEqualTo("poison");
            });

            b.stop();
            try (OperatorProcess restarted =
                    OperatorProcess.start(cluster, properties, Map.of("POD_NAME", good + "-c"), cluster.kubeconfig())) {
                assertThat(restarted.isAlive())
                        .as("a restarted replica becomes ready")
                        .isTrue();
                assertThat(restarted.metric("imagesize_policies_unusable")).isEqualTo(before + 1);
            }
            assertThat(a.isAlive()).isTrue();
        } finally {
            kubectl.run(
                    "delete",
                    "validatingwebhookconfiguration",
                    "imagesize-" + good,
                    "imagesize-" + bad,
                    "--ignore-not-found");
            a.close();
            b.close();
            kubectl.run("delete", "namespace", good, bad, "--wait=false");
        }
    }

    private static Kubectl.Result dryRun(Kubectl kubectl, String namespace, String image) {
        return kubectl.run("run", "probe", "-n", namespace, "--image=" + image, "--dry-run=server");
    }

    @SuppressWarnings("unchecked")
    private static Map<?, ?> readyCondition(KubernetesClient client, String namespace) {
        GenericKubernetesResource policy = client.genericKubernetesResources(
                        "imagesize.dev/v1alpha1", "ImageSizePolicy")
                .inNamespace(namespace)
                .withName("poison")
                .get();
        Map<String, Object> status =
                (Map<String, Object>) policy.getAdditionalProperties().get("status");
        assertThat(status).as("the poison policy has a status").isNotNull();
        return ((List<Map<String, Object>>) status.get("conditions")).get(0);
    }
}
