package dev.imagesize;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.imagesize.testing.Helm;
import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.TestCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart with the real helm (hack/test-env.sh) and the real API server: it lints, renders each certificate
 * mode, rejects misspelt values through its schema, installs and uninstalls cleanly, and deploy/ is its default render.
 */
class HelmChartIT {
    private static final String CHART = "helm/image-size-operator";
    private static final String NS = "ns1";
    private static final String RELEASE = "image-size-operator-helm-it";
    private static final String INSTALL_NS = "image-size-operator-helm";
    private static final YAMLMapper YAML = new YAMLMapper();

    private static Helm helm;

    @BeforeAll
    static void helm() {
        helm = Helm.provided(TestCluster.get().kubeconfig());
    }

    @Test
    void chartPassesStrictLint() {
        Kubectl.Result lint = helm.run("lint", "--strict", CHART);
        assertThat(lint.exitCode()).as(lint.output()).isZero();
        assertThat(lint.stdout()).contains("1 chart(s) linted, 0 chart(s) failed");
    }

    @Test
    void operatorModeLetsTheOperatorManageItsCertificate() {
        List<JsonNode> objects = template();
        JsonNode container = operatorContainer(objects);
        assertThat(env(container, "IMAGESIZE_WEBHOOK_TLS_MODE")).isEqualTo("self-managed");
        assertThat(env(container, "IMAGESIZE_WEBHOOK_TLS_DNS_NAMES"))
                .isEqualTo("rel-image-size-operator-webhook.ns1.svc");
        assertThat(env(container, "IMAGESIZE_WEBHOOK_TLS_WEBHOOK_CONFIGURATION"))
                .isEqualTo("rel-image-size-operator");
        assertThat(env(container, "POD_NAMESPACE")).isNull(); // from the downward API, not a literal
        assertThat(container.at("/env/0/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("metadata.namespace");

        JsonNode webhook = one(objects, "ValidatingWebhookConfiguration").at("/webhooks/0");
        assertThat(webhook.at("/clientConfig/caBundle").isMissingNode())
                .as("the operator fills the caBundle in")
                .isTrue();
        assertThat(webhook.at("/failurePolicy").asText()).isEqualTo("Ignore");
        assertThat(webhook.at("/sideEffects").asText()).isEqualTo("None");
        assertThat(webhook.at("/namespaceSelector/matchExpressions/0/values").toString())
                .isEqualTo("[\"kube-system\",\"ns1\"]");
        assertThat(kinds(objects)).doesNotContain("Secret", "Certificate", "Issuer");
        assertThat(one(objects, "ClusterRole").toString())
                .as("only this mode patches the webhook configuration")
                .contains("validatingwebhookconfigurations");
    }

    @Test
    void helmModeGeneratesTheSecretAndTheMatchingCaBundle() {
        List<JsonNode> objects = template("--set", "webhook.certificates.mode=helm");
        JsonNode secret = one(objects, "Secret");
        assertThat(secret.at("/type").asText()).isEqualTo("kubernetes.io/tls");
        assertThat(secret.at("/metadata/name").asText()).isEqualTo("rel-image-size-operator-webhook-tls");
        assertThat(secret.at("/data/tls.key").asText()).isNotEmpty();
        String caBundle = one(objects, "ValidatingWebhookConfiguration")
                .at("/webhooks/0/clientConfig/caBundle")
                .asText();
        assertThat(caBundle).isNotEmpty().isEqualTo(secret.at("/data/ca.crt").asText());

        JsonNode deployment = one(objects, "Deployment");
        JsonNode container = operatorContainer(objects);
        assertThat(env(container, "IMAGESIZE_WEBHOOK_TLS_MODE")).isEqualTo("files");
        assertThat(container.at("/volumeMounts").toString()).contains("/etc/image-size-operator/tls");
        assertThat(deployment.at("/spec/template/spec/volumes").toString())
                .contains("rel-image-size-operator-webhook-tls");
        assertThat(one(objects, "ClusterRole").toString()).doesNotContain("validatingwebhookconfigurations");
    }

    @Test
    void certManagerModeAsksForACertificateAndTheCaInjection() {
        List<JsonNode> objects = template("--set", "webhook.certificates.mode=cert-manager");
        assertThat(one(objects, "Issuer").at("/spec/selfSigned").isObject()).isTrue();
        JsonNode certificate = one(objects, "Certificate");
        assertThat(certificate.at("/spec/secretName").asText()).isEqualTo("rel-image-size-operator-webhook-tls");
        assertThat(certificate.at("/spec/dnsNames").toString()).contains("rel-image-size-operator-webhook.ns1.svc");
        assertThat(certificate.at("/spec/issuerRef/name").asText()).isEqualTo("rel-image-size-operator-selfsigned");
        JsonNode webhookConfiguration = one(objects, "ValidatingWebhookConfiguration");
        assertThat(webhookConfiguration
                        .at("/metadata/annotations/cert-manager.io~1inject-ca-from")
                        .asText())
                .isEqualTo("ns1/" + certificate.at("/metadata/name").asText());
        assertThat(webhookConfiguration.at("/webhooks/0/clientConfig/caBundle").isMissingNode())
                .isTrue();
        assertThat(env(operatorContainer(objects), "IMAGESIZE_WEBHOOK_TLS_MODE"))
                .isEqualTo("files");
        assertThat(kinds(objects)).doesNotContain("Secret");
    }

    @Test
    void misspeltValuesFailWithTheSchemaMessage() {
        Kubectl.Result unknownKey = helm.run("template", "rel", CHART, "--set", "replicaz=3");
        assertThat(unknownKey.exitCode()).isNotZero();
        assertThat(unknownKey.stderr()).contains("additional properties 'replicaz' not allowed");

        Kubectl.Result nestedKey = helm.run("template", "rel", CHART, "--set", "webhook.failurPolicy=Fail");
        assertThat(nestedKey.exitCode()).isNotZero();
        assertThat(nestedKey.stderr()).contains("at '/webhook': additional properties 'failurPolicy' not allowed");

        Kubectl.Result unknownMode = helm.run("template", "rel", CHART, "--set", "webhook.certificates.mode=bogus");
        assertThat(unknownMode.exitCode()).isNotZero();
        assertThat(unknownMode.stderr())
                .contains("at '/webhook/certificates/mode'", "value must be one of 'operator', 'helm', 'cert-manager'");
    }

    @Test
    void deployIsTheChartRenderedWithItsDefaults() throws IOException {
        Path committed = TestCluster.projectDir().resolve("deploy/image-size-operator.yaml");
        Kubectl.Result render = helm.script("hack/render-deploy.sh", "-");
        assertThat(render.exitCode()).as(render.output()).isZero();
        assertThat(Files.readString(committed))
                .as("deploy/image-size-operator.yaml differs from the chart's default render: run hack/render-deploy.sh"
                        + " and commit the result (never edit deploy/ by hand)")
                .isEqualTo(render.stdout());
    }

    @Test
    void installsIntoARealApiServerAndUninstallsWithoutLeftovers() {
        TestCluster cluster = TestCluster.get().withCrds();
        Kubectl kubectl = cluster.kubectl();
        helm.run("uninstall", RELEASE, "--namespace", INSTALL_NS, "--ignore-not-found");
        try {
            // scoped to a namespace that does not exist, so that the webhook (which nothing serves: there are no
            // nodes to run the operator on) never sees the requests of the other tests sharing this API server
            Kubectl.Result install = helm.run(
                    "install",
                    RELEASE,
                    CHART,
                    "--namespace",
                    INSTALL_NS,
                    "--create-namespace",
                    "--set",
                    "webhook.onlyNamespaces={helm-it-no-such-namespace}");
            assertThat(install.exitCode()).as(install.output()).isZero();
            assertThat(install.stdout()).contains("STATUS: deployed", "kubectl get isp -A", "ImageTooLarge");

            assertThat(get(kubectl, "deployment/" + RELEASE, "{.spec.replicas}"))
                    .isEqualTo("2");
            assertThat(get(kubectl, "service/" + RELEASE + "-webhook", "{.spec.ports[*].port}"))
                    .isEqualTo("443 8080");
            for (String object : List.of("serviceaccount/", "role/", "rolebinding/", "poddisruptionbudget/")) {
                assertThat(get(kubectl, object + RELEASE, "{.metadata.name}")).isEqualTo(RELEASE);
            }
            assertThat(get(kubectl, "clusterrolebinding/" + RELEASE, "{.subjects[0].namespace}"))
                    .isEqualTo(INSTALL_NS);
            assertThat(get(
                            kubectl,
                            "validatingwebhookconfiguration/" + RELEASE,
                            "{.webhooks[0].namespaceSelector.matchExpressions[*].values}"))
                    .contains("kube-system", INSTALL_NS, "helm-it-no-such-namespace");
            assertThat(get(
                            kubectl,
                            "validatingwebhookconfiguration/" + RELEASE,
                            "{.webhooks[0].clientConfig.service.name}"))
                    .isEqualTo(RELEASE + "-webhook");

            // least privilege, as the API server's authorizer sees it
            String serviceAccount = "system:serviceaccount:" + INSTALL_NS + ":" + RELEASE;
            assertThat(canI(kubectl, serviceAccount, "patch", "validatingwebhookconfigurations/" + RELEASE))
                    .isEqualTo("yes");
            assertThat(canI(kubectl, serviceAccount, "patch", "validatingwebhookconfigurations/someone-else"))
                    .isEqualTo("no");
            assertThat(canI(kubectl, serviceAccount, "list", "secrets", "--all-namespaces"))
                    .isEqualTo("no");
            assertThat(canI(kubectl, serviceAccount, "patch", "deployments", "--all-namespaces"))
                    .isEqualTo("yes");
        } finally {
            Kubectl.Result uninstall = helm.run("uninstall", RELEASE, "--namespace", INSTALL_NS, "--ignore-not-found");
            kubectl.run("delete", "namespace", INSTALL_NS, "--wait=false", "--ignore-not-found");
            assertThat(uninstall.exitCode()).as(uninstall.output()).isZero();
        }
        for (String clusterScoped : List.of(
                "validatingwebhookconfiguration/" + RELEASE,
                "clusterrole/" + RELEASE,
                "clusterrolebinding/" + RELEASE)) {
            Kubectl.Result left = kubectl.run("get", clusterScoped, "--ignore-not-found", "-o", "name");
            assertThat(left.stdout()).as("%s left behind", clusterScoped).isEmpty();
        }
    }

    private static String get(Kubectl kubectl, String object, String jsonPath) {
        return kubectl.run("get", object, "--namespace", INSTALL_NS, "-o", "jsonpath=" + jsonPath)
                .assertSuccess()
                .stdout()
                .strip();
    }

    private static String canI(Kubectl kubectl, String user, String... question) {
        List<String> args = new ArrayList<>(List.of("auth", "can-i", "--as", user, "--namespace", INSTALL_NS));
        args.addAll(List.of(question));
        return kubectl.run(args.toArray(String[]::new)).stdout().strip();
    }

    /** {@code helm template rel CHART --namespace ns1 ARGS}, parsed into its objects. */
    private static List<JsonNode> template(String... args) {
        List<String> command = new ArrayList<>(List.of("template", "rel", CHART, "--namespace", NS));
        command.addAll(List.of(args));
        Kubectl.Result result = helm.run(command.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.output()).isZero();
        try (MappingIterator<JsonNode> documents =
                YAML.readerFor(JsonNode.class).readValues(result.stdout())) {
            return documents.readAll().stream()
                    .filter(document -> document != null && document.has("kind"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> kinds(List<JsonNode> objects) {
        return objects.stream().map(object -> object.get("kind").asText()).toList();
    }

    private static JsonNode one(List<JsonNode> objects, String kind) {
        List<JsonNode> ofKind = objects.stream()
                .filter(object -> kind.equals(object.get("kind").asText()))
                .toList();
        assertThat(ofKind)
                .as("objects of kind %s among %s", kind, kinds(objects))
                .hasSize(1);
        return ofKind.get(0);
    }

    private static JsonNode operatorContainer(List<JsonNode> objects) {
        return one(objects, "Deployment").at("/spec/template/spec/containers/0");
    }

    /** The literal value of an environment variable of the container, or null. */
    private static String env(JsonNode container, String name) {
        return StreamSupport.stream(container.at("/env").spliterator(), false)
                .filter(variable -> name.equals(variable.get("name").asText()))
                .findFirst()
                .map(variable -> variable.has("value") ? variable.get("value").asText() : null)
                .orElse(null);
    }
}
