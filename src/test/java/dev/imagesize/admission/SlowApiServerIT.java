package dev.imagesize.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.Namespaces;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.SlowApiProxy;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import dev.imagesize.testing.WebhookRegistration;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The review's deadline covers credential reads: with an API server that takes 3 s to answer Secret GETs (a proxy in
 * front of it, for the operator only) and a Deny policy, kubectl gets the operator's own answer within the deadline
 * plus half a second, never the API server's webhook timeout.
 */
class SlowApiServerIT {
    private static final Duration DEADLINE = Duration.ofSeconds(2);

    @Test
    void aSlowSecretReadNeverMakesTheAnswerLate() {
        TestCluster cluster = TestCluster.get().withCrds();
        Kubectl kubectl = cluster.kubectl();
        LocalRegistry registry = LocalRegistry.sharedPlain();
        Pushed big = TestImages.push(registry, "slow-api/big", "1.0", Format.OCI, 1_500_000);
        String ns = Namespaces.create(cluster.client(), "slow-api");
        String webhook = "imagesize-" + ns;
        try (SlowApiProxy proxy = SlowApiProxy.start(cluster, SlowApiProxy.SECRET_GETS, Duration.ofSeconds(3));
                OperatorProcess operator = OperatorProcess.start(
                        cluster,
                        Map.of(
                                "imagesize.registry.insecure-registries",
                                registry.hostPort(),
                                "imagesize.webhook.deadline",
                                DEADLINE.toMillis() + "ms",
                                "imagesize.leader-election.enabled",
                                "false"),
                        Map.of(),
                        proxy.kubeconfig())) {
            kubectl.runWithInput("""
                            apiVersion: v1
                            kind: Secret
                            metadata: {name: regcred, namespace: %s}
                            type: kubernetes.io/dockerconfigjson
                            stringData: {.dockerconfigjson: '{"auths":{}}'}
                            ---
                            apiVersion: imagesize.dev/v1alpha1
                            kind: ImageSizePolicy
                            metadata: {name: strict, namespace: %s}
                            spec: {action: Enforce, maxImageSize: 1Mi, onResolveError: Deny}
                            """.formatted(ns, ns), "apply", "-f", "-").assertSuccess();
            kubectl.runWithInput(WebhookRegistration.of(operator, ns, webhook), "apply", "-f", "-")
                    .assertSuccess();
            String deployment = """
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: private, namespace: %s}
                    spec:
                      selector: {matchLabels: {app: private}}
                      template:
                        metadata: {labels: {app: private}}
                        spec:
                          imagePullSecrets: [{name: regcred}]
                          containers: [{name: app, image: "%s"}]
                    """.formatted(ns, big.reference());
            // the policy reaches the webhook through an informer: wait for its answer before timing one
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> kubectl.runWithInput(
                            deployment, "apply", "--dry-run=server", "-f", "-")
                    .stderr()
                    .contains("ImageSizePolicy " + ns + "/strict"));
            int delayedBefore = proxy.delayed();
            kubectl.runWithInput(
                            "apiVersion: v1\nkind: Secret\nmetadata: {name: regcred2, namespace: " + ns
                                    + "}\ntype: kubernetes.io/dockerconfigjson\nstringData: {.dockerconfigjson: '{\"auths\":{}}'}\n",
                            "apply",
                            "-f",
                            "-")
                    .assertSuccess();
            String uncached = deployment.replace("name: regcred}", "name: regcred2}");

            long baselineStart = System.nanoTime();
            kubectl.run("get", "namespace", ns).assertSuccess();
            Duration kubectlItself = Duration.ofNanos(System.nanoTime() - baselineStart);
            long start = System.nanoTime();
            Kubectl.Result denied = kubectl.runWithInput(uncached, "apply", "-f", "-");
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(proxy.delayed()).as("the Secret GET was held").isGreaterThan(delayedBefore);
            assertThat(denied.exitCode()).isNotZero();
            assertThat(denied.stderr())
                    .contains("denied the request")
                    .contains("over the 1.0 MiB maxImageSize of ImageSizePolicy " + ns + "/strict")
                    .contains("pull secret " + ns + "/regcred2 was not read in time")
                    .doesNotContain("context deadline exceeded")
                    .doesNotContain("failed calling webhook");
            assertThat(took.minus(kubectlItself))
                    .as("answered within the deadline plus 0.5 s (kubectl's own time taken off)")
                    .isLessThan(DEADLINE.plusMillis(500));
        } finally {
            kubectl.run("delete", "validatingwebhookconfiguration", webhook, "--ignore-not-found");
            kubectl.run("delete", "namespace", ns, "--wait=false");
        }
    }
}
