package dev.imagesize.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Webhook certificates: mounted files are reloaded when they change; in the self-managed mode the operator makes its
 * CA and serving certificate in a Secret and fills in the webhook's caBundle, after which the real API server trusts
 * it. And the plain manifests in deploy/ are valid.
 */
class WebhookCertificatesIT {
    private static final String NS = "selfmanaged-it";
    private static final String WEBHOOK = "image-size-operator-selfmanaged-it";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void operatorIssuesItsCertificateAndKeepsTheCaBundleCurrent() throws Exception {
        TestCluster cluster = TestCluster.get().withCrds();
        Kubectl kubectl = cluster.kubectl();
        LocalRegistry registry = LocalRegistry.sharedPlain();
        Pushed big = TestImages.push(registry, "selfmanaged/big", "1.0", Format.OCI, 2_000_000);
        kubectl.run("create", "namespace", NS).assertSuccess();
        int port = OperatorProcess.freePort();
        // registered first with no caBundle: nothing can call it until the operator fills the bundle in
        kubectl.runWithInput(
                        WebhookIT.webhookConfiguration("https://127.0.0.1:" + port + "/validate", "", NS, WEBHOOK),
                        "apply",
                        "-f",
                        "-")
                .assertSuccess();
        try (OperatorProcess operator = OperatorProcess.start(
                cluster,
                Map.of(
                        "imagesize.webhook.port",
                        Integer.toString(port),
                        "imagesize.webhook.tls.mode",
                        "self-managed",
                        "imagesize.webhook.tls.secret-namespace",
                        NS,
                        "imagesize.webhook.tls.dns-names",
                        "127.0.0.1",
                        "imagesize.webhook.tls.webhook-configuration",
                        WEBHOOK,
                        "imagesize.registry.insecure-registries",
                        registry.hostPort()))) {
            JsonNode secret = JSON.readTree(
                    kubectl.run("get", "secret", "image-size-operator-webhook-tls", "-n", NS, "-o", "json")
                            .assertSuccess()
                            .stdout());
            assertThat(secret.path("type").asText()).isEqualTo("kubernetes.io/tls");
            String ca = new String(
                    Base64.getDecoder()
                            .decode(secret.path("data").path("ca.crt").asText()),
                    StandardCharsets.UTF_8);
            assertThat(Certificates.parse(ca).getSubjectX500Principal().getName())
                    .contains("image-size-operator webhook CA");

            String bundle = kubectl.run(
                            "get",
                            "validatingwebhookconfiguration",
                            WEBHOOK,
                            "-o",
                            "jsonpath={.webhooks[0].clientConfig.caBundle}")
                    .assertSuccess()
                    .stdout();
            assertThat(new String(Base64.getDecoder().decode(bundle), StandardCharsets.UTF_8))
                    .isEqualTo(ca);

            kubectl.runWithInput("""
                    apiVersion: imagesize.dev/v1alpha1
                    kind: ImageSizePolicy
                    metadata: {name: budget, namespace: %s}
                    spec: {maxImageSize: 1Mi}
                    """.formatted(NS), "apply", "-f", "-").assertSuccess();
            // the policy reaches the webhook through an informer: probe with dry runs until it is in force
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> kubectl.run("run", "probe", "-n", NS, "--dry-run=server", "--image=" + big.reference())
                                    .exitCode()
                            != 0);
            Kubectl.Result denied = kubectl.run("run", "big", "-n", NS, "--image=" + big.reference());
            assertThat(denied.exitCode()).as(denied.output()).isNotZero();
            assertThat(denied.stderr()).contains("over the 1.0 MiB maxImageSize of ImageSizePolicy " + NS + "/budget");
        } finally {
            kubectl.run("delete", "validatingwebhookconfiguration", WEBHOOK, "--ignore-not-found");
            kubectl.run("delete", "isp", "--all", "-n", NS, "--wait=false");
        }
    }

    @Test
    void deployManifestsAreAcceptedByTheApiServer() {
        Kubectl kubectl = TestCluster.get().withCrds().kubectl();
        // a server-side dry run creates nothing, so the namespaced objects need their namespace for real
        kubectl.run("create", "namespace", "image-size-operator");
        Kubectl.Result result = kubectl.run(
                "apply",
                "--dry-run=server",
                "-f",
                TestCluster.projectDir()
                        .resolve("deploy/image-size-operator.yaml")
                        .toString());
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.stdout())
                .contains(
                        "validatingwebhookconfiguration.admissionregistration.k8s.io/image-size-operator created (server dry run)",
                        "clusterrole.rbac.authorization.k8s.io/image-size-operator created (server dry run)",
                        "poddisruptionbudget.policy/image-size-operator created (server dry run)");
    }

    @Test
    void certificateFilesAreReloadedWhenTheyChange() throws Exception {
        TestCluster cluster = TestCluster.get().withCrds();
        try (OperatorProcess operator =
                OperatorProcess.start(cluster, Map.of("imagesize.webhook.tls.reload-interval", "1s"))) {
            java.net.http.HttpClient before = operator.webhookClient();
            assertThat(post(before, operator)).isEqualTo(400);

            operator.rotateCertificate();
            java.net.http.HttpClient after = operator.webhookClient();
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(post(after, operator))
                            .as("the new certificate is served without a restart")
                            .isEqualTo(400));
            // logged once the new certificate is served: a moment after the answer above, on a busy machine
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(operator.log()).contains("admission webhook certificate reloaded"));
            java.net.http.HttpClient trustingTheOldCa = java.net.http.HttpClient.newBuilder()
                    .sslContext(trusting(before))
                    .build();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> trustingTheOldCa.send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(operator.webhookUrl()))
                                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.discarding()))
                    .as("the old CA no longer verifies the server: the handshake fails, not the connection")
                    .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
        }
    }

    private static javax.net.ssl.SSLContext trusting(java.net.http.HttpClient client) {
        return client.sslContext();
    }

    /** POSTs an empty review; the status code, or -1 when TLS fails. */
    private static int post(java.net.http.HttpClient client, OperatorProcess operator) {
        try {
            return client.send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(operator.webhookUrl()))
                                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
