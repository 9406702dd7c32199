package dev.imagesize.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagesize.testing.ClientCertificates;
import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.RawHttps;
import dev.imagesize.testing.TestCluster;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Client-certificate authentication of the API server to the webhook, with real API servers: one configured as the
 * chart's README says (an AdmissionConfiguration whose kubeconfig gives it a client certificate) gets answers; the
 * shared test API server, which presents none, and any other TLS client do not get past the handshake.
 */
class WebhookClientAuthIT {
    private static final String NS =
            "client-auth-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String WEBHOOK = NS + "-webhook";

    private static ClientCertificates apiServerIdentity;
    private static OperatorProcess operator;
    private static KubeAPIServer authenticatedApiServer;
    private static Kubectl authenticated;
    private static Kubectl anonymous;
    private static Path configDir;

    @BeforeAll
    static void start() throws IOException {
        TestCluster shared = TestCluster.get().withCrds();
        anonymous = shared.kubectl();
        apiServerIdentity = ClientCertificates.generate("kube-apiserver");
        operator = OperatorProcess.start(
                shared,
                Map.of(
                        "imagesize.webhook.tls.client-ca-file",
                        apiServerIdentity.writeCa().toString(),
                        "imagesize.leader-election.lease-name",
                        NS));

        configDir = Files.createTempDirectory("imagesize-admission-config-");
        Path kubeconfig = configDir.resolve("webhook-clients.kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                users:
                - name: "127.0.0.1:%d"
                  user:
                    client-certificate-data: %s
                    client-key-data: %s
                """.formatted(
                operator.webhookPort(), base64(apiServerIdentity.certPem()), base64(apiServerIdentity.keyPem())));
        Path admission = configDir.resolve("admission.yaml");
        Files.writeString(admission, """
                apiVersion: apiserver.config.k8s.io/v1
                kind: AdmissionConfiguration
                plugins:
                - name: ValidatingAdmissionWebhook
                  configuration:
                    apiVersion: apiserver.config.k8s.io/v1
                    kind: WebhookAdmissionConfiguration
                    kubeConfigFile: %s
                """.formatted(kubeconfig));
        authenticatedApiServer = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withApiServerVersion(TestCluster.VERSION)
                .withOfflineMode(Files.isExecutable(TestCluster.binaryDir().resolve("kube-apiserver")))
                .withUpdateKubeConfig(false)
                .withApiServerFlags(
                        List.of("--advertise-address=127.0.0.1", "--admission-control-config-file=" + admission))
                .withStartupTimeout(120_000)
                .build());
        try {
            authenticatedApiServer.start();
        } finally {
            TestCluster.trackControlPlane();
        }
        Path authenticatedKubeconfig = configDir.resolve("kubeconfig.yaml");
        Files.writeString(authenticatedKubeconfig, authenticatedApiServer.getKubeConfigYaml());
        authenticated = new Kubectl(TestCluster.binaryDir().resolve("kubectl"), authenticatedKubeconfig);

        for (Kubectl kubectl : List.of(authenticated, anonymous)) {
            kubectl.run("create", "namespace", NS).assertSuccess();
            kubectl.runWithInput(webhookConfiguration(), "apply", "-f", "-").assertSuccess();
        }
    }

    @AfterAll
    static void stop() throws IOException {
        if (anonymous != null) {
            anonymous.run("delete", "validatingwebhookconfiguration", WEBHOOK, "--ignore-not-found");
            anonymous.run("delete", "namespace", NS, "--wait=false", "--ignore-not-found");
        }
        if (authenticatedApiServer != null) {
            authenticatedApiServer.stop();
        }
        if (operator != null) {
            operator.close();
        }
        if (configDir != null) {
            try (var files = Files.list(configDir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(configDir);
        }
    }

    private static String webhookConfiguration() {
        return """
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingWebhookConfiguration
                metadata: {name: %s}
                webhooks:
                - name: validate.imagesize.dev
                  admissionReviewVersions: [v1]
                  sideEffects: None
                  timeoutSeconds: 5
                  failurePolicy: Fail
                  clientConfig: {url: "%s", caBundle: "%s"}
                  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: %s}}
                  rules:
                  - {apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}
                """.formatted(WEBHOOK, operator.webhookUrl(), base64(operator.caBundlePem()), NS);
    }

    private static String pod(String name) {
        return """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, namespace: %s}
                spec:
                  containers:
                  - {name: app, image: "nginx:1.27"}
                """.formatted(name, NS);
    }

    @Test
    void theApiServerWithAClientCertificateIsAnswered() throws Exception {
        double before = podReviews();

        Kubectl.Result result =
                authenticated.runWithInput(pod("authenticated"), "apply", "--dry-run=server", "-f", "-");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(podReviews()).as("the operator answered the review").isEqualTo(before + 1);
    }

    @Test
    void anApiServerWithoutOneIsRefusedAtTheHandshake() {
        Kubectl.Result result = anonymous.runWithInput(pod("anonymous"), "apply", "--dry-run=server", "-f", "-");

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("failed calling webhook").containsIgnoringCase("certificate");
    }

    @Test
    void anyOtherTlsClientIsRefusedAtTheHandshake() {
        RawHttps stranger = RawHttps.trusting(operator.caBundlePem(), operator.webhookPort());
        ClientCertificates otherCa = ClientCertificates.generate("kube-apiserver");
        RawHttps impostor = RawHttps.withClientCertificate(
                operator.caBundlePem(), otherCa.certPem(), otherCa.keyPem(), operator.webhookPort());
        byte[] review = "{}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> stranger.post("/validate", review, Duration.ofSeconds(5)))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> impostor.post("/validate", review, Duration.ofSeconds(5)))
                .isInstanceOf(IOException.class);
    }

    /** Pod reviews the operator has answered, from its metrics. */
    private static double podReviews() throws Exception {
        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(operator.url("/q/metrics")))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher count = Pattern.compile("imagesize_admission_reviews_seconds_count\\{[^}]*kind=\"Pod\"[^}]*} (\\S+)")
                .matcher(metrics);
        double total = 0;
        while (count.find()) {
            total += Double.parseDouble(count.group(1));
        }
        return total;
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
