package dev.imagesize;

import static dev.imagesize.testing.ChartObjects.env;
import static dev.imagesize.testing.ChartObjects.kinds;
import static dev.imagesize.testing.ChartObjects.named;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagesize.testing.ChartObjects;
import dev.imagesize.testing.Helm;
import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.TestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart with the real helm (hack/test-env.sh) and the real API server: it lints, renders each certificate
 * mode, rejects misspelt values through its schema, installs and uninstalls cleanly, and deploy/ is its default render.
 */
class HelmChartIT {
    private static final String CHART = ChartObjects.CHART;
    private static final String NS = "ns1";
    private static final String RELEASE = "image-size-operator-helm-it";
    private static final String INSTALL_NS = "image-size-operator-helm";

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
                .startsWith("[\"kube-system\",\"ns1\",\"cert-manager\"");
        assertThat(kinds(objects)).doesNotContain("Secret", "Certificate", "Issuer");
        assertThat(named(objects, "ClusterRole", "rel-image-size-operator").toString())
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
        assertThat(named(objects, "ClusterRole", "rel-image-size-operator").toString())
                .doesNotContain("validatingwebhookconfigurations");
    }

    @Test
    void certManagerModeAsksForACertificateFromItsOwnCaAndTheCaInjection() {
        List<JsonNode> objects = template("--set", "webhook.certificates.mode=cert-manager");
        assertThat(named(objects, "Issuer", "rel-image-size-operator-selfsigned")
                        .at("/spec/selfSigned")
                        .isObject())
                .isTrue();
        JsonNode ca = named(objects, "Certificate", "rel-image-size-operator-webhook-ca");
        assertThat(ca.at("/spec/isCA").asBoolean()).isTrue();
        assertThat(ca.at("/spec/duration").asText()).isEqualTo("87600h");
        assertThat(ca.at("/spec/issuerRef/name").asText()).isEqualTo("rel-image-size-operator-selfsigned");
        assertThat(named(objects, "Issuer", "rel-image-size-operator-ca")
                        .at("/spec/ca/secretName")
                        .asText())
                .as("the CA Issuer signs with the CA certificate's Secret")
                .isEqualTo(ca.at("/spec/secretName").asText());
        JsonNode certificate = named(objects, "Certificate", "rel-image-size-operator-webhook");
        assertThat(certificate.at("/spec/secretName").asText()).isEqualTo("rel-image-size-operator-webhook-tls");
        assertThat(certificate.at("/spec/dnsNames").toString()).contains("rel-image-size-operator-webhook.ns1.svc");
        assertThat(certificate.at("/spec/issuerRef/name").asText())
                .as("a renewal of the serving certificate keeps the CA, so the caBundle does not change")
                .isEqualTo("rel-image-size-operator-ca");
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

        List<JsonNode> ownIssuer = template(
                "--set",
                "webhook.certificates.mode=cert-manager",
                "--set",
                "webhook.certificates.certManager.issuerRef.name=corp");
        assertThat(kinds(ownIssuer)).doesNotContain("Issuer");
        assertThat(one(ownIssuer, "Certificate").at("/spec/issuerRef/name").asText())
                .isEqualTo("corp");
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
    void theNetworkPolicyLetsOnlyTheApiServerAndMonitoringIn() {
        JsonNode open = one(template(), "NetworkPolicy");
        assertThat(open.at("/spec/podSelector/matchLabels").toString()).contains("rel");
        assertThat(open.at("/spec/policyTypes").toString()).isEqualTo("[\"Ingress\"]");
        assertThat(open.at("/spec/ingress/0/ports/0/port").asText()).isEqualTo("webhook");
        assertThat(open.at("/spec/ingress/0/from").isMissingNode())
                .as("without apiServerCIDRs the webhook port takes every source")
                .isTrue();
        assertThat(open.at("/spec/ingress/1/ports/0/port").asText()).isEqualTo("http");
        assertThat(open.at("/spec/ingress/1/from/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name")
                        .asText())
                .isEqualTo("monitoring");

        JsonNode strict = one(
                template(
                        "--set",
                        "networkPolicy.apiServerCIDRs={10.0.0.10/32,10.0.0.11/32}",
                        "--set",
                        "networkPolicy.monitoringNamespace=prometheus",
                        "--set",
                        "networkPolicy.egress.enabled=true"),
                "NetworkPolicy");
        assertThat(strict.at("/spec/ingress/0/from").toString())
                .isEqualTo("[{\"ipBlock\":{\"cidr\":\"10.0.0.10/32\"}},{\"ipBlock\":{\"cidr\":\"10.0.0.11/32\"}}]");
        assertThat(strict.at("/spec/ingress/1/from/0/namespaceSelector").toString())
                .contains("prometheus");
        assertThat(strict.at("/spec/policyTypes").toString()).contains("Egress");
        assertThat(strict.at("/spec/egress").toString())
                .contains("\"cidr\":\"0.0.0.0/0\",\"except\":[\"169.254.169.254/32\"]")
                .contains("\"cidr\":\"::/0\",\"except\":[\"fd00:ec2::254/128\"]");

        assertThat(kinds(template("--set", "networkPolicy.enabled=false"))).doesNotContain("NetworkPolicy");

        // the analyzer's pods: no webhook port open, monitoring only, and the same egress (they download layers)
        List<JsonNode> withAnalyzer = template(
                "--set",
                "analysis.enabled=true",
                "--set",
                "networkPolicy.egress.enabled=true",
                "--set",
                "serviceMonitor.enabled=true");
        JsonNode analyzerPolicy = named(withAnalyzer, "NetworkPolicy", "rel-image-size-operator-analyzer");
        JsonNode analyzerDeployment = named(withAnalyzer, "Deployment", "rel-image-size-operator-analyzer");
        analyzerPolicy.at("/spec/podSelector/matchLabels").fields().forEachRemaining(label -> assertThat(
                        analyzerDeployment
                                .at("/spec/template/metadata/labels")
                                .path(label.getKey())
                                .asText())
                .as("the analyzer pods' label %s", label.getKey())
                .isEqualTo(label.getValue().asText()));
        assertThat(analyzerPolicy.at("/spec/ingress").toString())
                .doesNotContain("webhook")
                .contains("\"port\":\"http\"", "monitoring");
        assertThat(analyzerPolicy.at("/spec/egress"))
                .isEqualTo(named(withAnalyzer, "NetworkPolicy", "rel-image-size-operator")
                        .at("/spec/egress"));
        JsonNode podMonitor = named(withAnalyzer, "PodMonitor", "rel-image-size-operator-analyzer");
        assertThat(podMonitor.at("/spec/selector/matchLabels"))
                .isEqualTo(analyzerPolicy.at("/spec/podSelector/matchLabels"));
        assertThat(podMonitor.at("/spec/podMetricsEndpoints/0/port").asText()).isEqualTo("http");
        assertThat(analyzerDeployment
                        .at("/spec/template/spec/containers/0/ports")
                        .toString())
                .contains("\"name\":\"http\"");
        assertThat(kinds(template("--set", "serviceMonitor.enabled=true"))).doesNotContain("PodMonitor");
    }

    @Test
    void guardRailsRefuseWhatWouldHurtTheCluster() {
        Kubectl.Result noLeader = helm.run("template", "rel", CHART, "--set", "leaderElection.enabled=false");
        assertThat(noLeader.exitCode()).isNotZero();
        assertThat(noLeader.stderr())
                .contains("leaderElection.enabled=false needs replicaCount: 1, not 2: without leader election every"
                        + " replica runs the audit");

        Kubectl.Result tooShort = helm.run("template", "rel", CHART, "--set", "webhook.timeoutSeconds=3");
        assertThat(tooShort.exitCode()).isNotZero();
        assertThat(tooShort.stderr())
                .contains(
                        "webhook.timeoutSeconds=3 is below the operator's deadline (webhook.deadlineMilliseconds=2500)"
                                + " plus its 1 s margin",
                        "set webhook.timeoutSeconds to at least 4");
        assertThat(helm.run(
                                "template",
                                "rel",
                                CHART,
                                "--set",
                                "webhook.timeoutSeconds=3",
                                "--set",
                                "webhook.deadlineMilliseconds=2000")
                        .exitCode())
                .as("a shorter deadline fits a shorter timeout")
                .isZero();

        Kubectl.Result namespacesWithoutList =
                helm.run("template", "rel", CHART, "--set", "rbac.pullSecrets=namespaces");
        assertThat(namespacesWithoutList.stderr())
                .contains("rbac.pullSecrets=namespaces needs rbac.pullSecretNamespaces");

        List<JsonNode> single = template("--set", "replicaCount=1", "--set", "leaderElection.enabled=false");
        assertThat(kinds(single)).as("a PDB with one replica blocks drains").doesNotContain("PodDisruptionBudget");
        assertThat(kinds(template())).contains("PodDisruptionBudget");
    }

    @Test
    void theDeploymentFollowsItsMemoryLimitAndItsPriority() {
        List<JsonNode> defaults = template();
        JsonNode container = operatorContainer(defaults);
        assertThat(env(container, "JAVA_TOOL_OPTIONS"))
                .isEqualTo("-XX:MaxRAMPercentage=70 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError"
                        + " -XX:TrimNativeHeapInterval=1000");
        assertThat(env(container, "MALLOC_ARENA_MAX")).isEqualTo("2");
        assertThat(env(container, "IMAGESIZE_WEBHOOK_DEADLINE")).isEqualTo("2500ms");
        assertThat(container.at("/livenessProbe/timeoutSeconds").asInt()).isEqualTo(5);
        JsonNode pod = one(defaults, "Deployment").at("/spec/template/spec");
        assertThat(pod.at("/priorityClassName").isMissingNode()).isTrue();
        assertThat(pod.at("/volumes/0/emptyDir/sizeLimit").asText()).isEqualTo("64Mi");

        JsonNode strict = one(template("--set", "webhook.failurePolicy=Fail"), "Deployment");
        assertThat(strict.at("/spec/template/spec/priorityClassName").asText()).isEqualTo("system-cluster-critical");
        JsonNode chosen = one(
                template("--set", "webhook.failurePolicy=Fail", "--set", "priorityClassName=platform"), "Deployment");
        assertThat(chosen.at("/spec/template/spec/priorityClassName").asText()).isEqualTo("platform");

        JsonNode tuned = operatorContainer(template(
                "--set", "jvm.maxRAMPercentage=50",
                "--set", "jvm.garbageCollector=G1",
                "--set", "jvm.mallocArenaMax=4",
                "--set", "jvm.trimNativeHeapIntervalMs=0",
                "--set", "jvm.extraOptions=-XX:TieredStopAtLevel=1"));
        assertThat(env(tuned, "JAVA_TOOL_OPTIONS"))
                .isEqualTo("-XX:MaxRAMPercentage=50 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1");
        assertThat(env(tuned, "MALLOC_ARENA_MAX")).isEqualTo("4");
    }

    @Test
    void contentAnalysisRendersTheAnalyzerDeploymentOnlyWhenEnabled() {
        List<JsonNode> defaults = template();
        assertThat(kinds(defaults).stream().filter("Deployment"::equals)).hasSize(1);
        assertThat(env(operatorContainer(defaults), "IMAGESIZE_ANALYSIS_ENABLED"))
                .isNull();
        assertThat(defaults.toString()).doesNotContain("analyzer");

        List<JsonNode> enabled = template(
                "--set", "analysis.enabled=true",
                "--set", "analysis.replicas=3",
                "--set", "analysis.baseCatalog.configMap=our-bases",
                "--set", "analysis.jvm.garbageCollector=G1",
                "--set", "analysis.resources.limits.memory=1Gi");
        JsonNode operator = operatorContainer(enabled);
        assertThat(env(operator, "IMAGESIZE_ANALYSIS_ENABLED"))
                .as("the operator queues analyses")
                .isEqualTo("true");
        assertThat(env(operator, "IMAGESIZE_ROLE"))
                .as("the default role: operator")
                .isNull();
        assertThat(env(operator, "IMAGESIZE_ANALYSIS_BASE_CATALOG"))
                .as("only the analyzer reads the catalog")
                .isNull();
        assertThat(env(operator, "JAVA_TOOL_OPTIONS")).contains("-XX:+UseSerialGC");

        JsonNode analyzer = named(enabled, "Deployment", "rel-image-size-operator-analyzer");
        JsonNode pod = analyzer.at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");
        assertThat(analyzer.at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(pod.at("/serviceAccountName").asText()).isEqualTo("rel-image-size-operator-analyzer");
        assertThat(env(container, "IMAGESIZE_ROLE")).isEqualTo("analyzer");
        assertThat(env(container, "IMAGESIZE_ANALYSIS_ENABLED")).isEqualTo("true");
        assertThat(env(container, "IMAGESIZE_ANALYSIS_CLAIM_DURATION")).isEqualTo("60s");
        assertThat(env(container, "IMAGESIZE_ANALYSIS_BASE_CATALOG"))
                .isEqualTo("/etc/image-size-operator/base-catalog/base-catalog.yaml");
        assertThat(env(container, "JAVA_TOOL_OPTIONS"))
                .isEqualTo("-XX:MaxRAMPercentage=70 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError");
        assertThat(env(container, "MALLOC_ARENA_MAX")).isEqualTo("2");
        assertThat(container.at("/resources/limits/memory").asText()).isEqualTo("1Gi");
        assertThat(container.at("/ports").toString()).doesNotContain("webhook").contains("8080");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
        assertThat(container.at("/securityContext"))
                .as("the operator's security context")
                .isEqualTo(operator.at("/securityContext"));
        assertThat(pod.at("/volumes").toString()).contains("\"configMap\":{\"name\":\"our-bases\"");
        assertThat(container.at("/volumeMounts").toString())
                .contains("\"mountPath\":\"/etc/image-size-operator/base-catalog\"");
        JsonNode webhookSelector =
                named(enabled, "Service", "rel-image-size-operator-webhook").at("/spec/selector");
        JsonNode analyzerLabels = analyzer.at("/spec/template/metadata/labels");
        assertThat(webhookSelector.path("app.kubernetes.io/name").asText())
                .as("the webhook Service never sends reviews to an analyzer")
                .isNotEqualTo(analyzerLabels.path("app.kubernetes.io/name").asText());

        List<JsonNode> catalogWithoutAnalysis = template("--set", "analysis.baseCatalog.configMap=our-bases");
        assertThat(catalogWithoutAnalysis.toString())
                .as("nothing reads the catalog while analysis is off")
                .doesNotContain("our-bases")
                .doesNotContain("analyzer");
    }

    /**
     * With the content analysis on, what the two ServiceAccounts may do with the analyses, as the real API server's
     * authorizer decides it ({@code kubectl auth can-i}): the analyzer reads them and writes only their status; the
     * operator creates, annotates and deletes them but never writes their status.
     */
    @Test
    void theAnalyzerMayWriteOnlyTheAnalysesStatusAndTheOperatorNoLonger() {
        TestCluster cluster = TestCluster.get().withCrds();
        Kubectl kubectl = cluster.kubectl();
        String suffix = Long.toString(System.nanoTime() % 1_000_000);
        String release = "image-size-operator-analyzer-" + suffix;
        String namespace = "iso-analyzer-" + suffix;
        String analyzer = "system:serviceaccount:" + namespace + ":" + release + "-analyzer";
        String operator = "system:serviceaccount:" + namespace + ":" + release;
        try {
            install(release, namespace, "--set", "analysis.enabled=true");

            assertThat(canIn(kubectl, analyzer, namespace, "list", "imageanalyses.imagesize.dev"))
                    .isEqualTo("yes");
            assertThat(canIn(kubectl, analyzer, namespace, "watch", "imageanalyses.imagesize.dev"))
                    .isEqualTo("yes");
            assertThat(canIn(
                            kubectl,
                            analyzer,
                            namespace,
                            "update",
                            "imageanalyses.imagesize.dev",
                            "--subresource=status"))
                    .isEqualTo("yes");
            for (String verb : List.of("create", "delete", "patch", "update")) {
                assertThat(canIn(kubectl, analyzer, namespace, verb, "imageanalyses.imagesize.dev"))
                        .as("analyzer: %s imageanalyses", verb)
                        .isEqualTo("no");
            }
            assertThat(canIn(kubectl, analyzer, "kube-system", "get", "secrets"))
                    .as("pull secrets (rbac.pullSecrets=cluster)")
                    .isEqualTo("yes");
            assertThat(canIn(kubectl, analyzer, "kube-system", "get", "serviceaccounts"))
                    .isEqualTo("yes");
            for (String[] question : List.of(
                    new String[] {"list", "secrets"},
                    new String[] {"create", "events"},
                    new String[] {"get", "leases.coordination.k8s.io"},
                    new String[] {"patch", "deployments"},
                    new String[] {"create", "imagesizereports.imagesize.dev"},
                    new String[] {"list", "imagesizepolicies.imagesize.dev"})) {
                assertThat(canIn(kubectl, analyzer, namespace, question))
                        .as("analyzer: %s", String.join(" ", question))
                        .isEqualTo("no");
            }

            for (String verb : List.of("create", "delete", "patch", "watch")) {
                assertThat(canIn(kubectl, operator, namespace, verb, "imageanalyses.imagesize.dev"))
                        .as("operator: %s imageanalyses", verb)
                        .isEqualTo("yes");
            }
            for (String verb : List.of("update", "patch")) {
                assertThat(canIn(
                                kubectl,
                                operator,
                                namespace,
                                verb,
                                "imageanalyses.imagesize.dev",
                                "--subresource=status"))
                        .as("operator: %s imageanalyses/status", verb)
                        .isEqualTo("no");
            }
        } finally {
            helm.run("uninstall", release, "--namespace", namespace, "--ignore-not-found");
            kubectl.run("delete", "namespace", namespace, "--wait=false", "--ignore-not-found");
        }
    }

    @Test
    void theWebhookSkipsWhatCannotMatterAndClientCertificatesAreOptIn() {
        List<JsonNode> defaults = template();
        JsonNode webhook = one(defaults, "ValidatingWebhookConfiguration").at("/webhooks/0");
        assertThat(webhook.at("/matchConditions/0/expression").asText())
                .isEqualTo("request.userInfo.username != 'system:serviceaccount:ns1:rel-image-size-operator'");
        assertThat(webhook.at("/matchConditions/1/expression").asText()).contains("object.spec != oldObject.spec");
        assertThat(webhook.at("/namespaceSelector/matchExpressions/0/values").toString())
                .contains("kube-system", "ns1", "cert-manager", "calico-system", "tigera-operator");
        assertThat(env(operatorContainer(defaults), "IMAGESIZE_WEBHOOK_TLS_CLIENT_CA_FILE"))
                .isNull();

        List<JsonNode> authenticated = template(
                "--set", "webhook.clientAuth.enabled=true", "--set", "webhook.clientAuth.caConfigMap=apiserver-ca");
        assertThat(env(operatorContainer(authenticated), "IMAGESIZE_WEBHOOK_TLS_CLIENT_CA_FILE"))
                .isEqualTo("/etc/image-size-operator/client-ca/ca.crt");
        assertThat(one(authenticated, "Deployment")
                        .at("/spec/template/spec/volumes")
                        .toString())
                .contains("\"configMap\":{\"name\":\"apiserver-ca\"");
        assertThat(helm.run("template", "rel", CHART, "--set", "webhook.clientAuth.enabled=true")
                        .stderr())
                .contains("webhook.clientAuth.enabled needs webhook.clientAuth.caConfigMap");
    }

    /**
     * What the operator's ServiceAccount may do, as the real API server decides it: pull secrets per RBAC mode
     * ({@code kubectl auth can-i}), and, through the shipped ValidatingAdmissionPolicy, only its imagesize.dev/*
     * annotations on a workload: changing the image is refused although RBAC allows the patch.
     */
    @Test
    void theOperatorsServiceAccountMayAnnotateWorkloadsAndNothingMore() {
        TestCluster cluster = TestCluster.get().withCrds();
        Kubectl kubectl = cluster.kubectl();
        String suffix = Long.toString(System.nanoTime() % 1_000_000);
        String release = "image-size-operator-least-" + suffix; // contains the chart name: objects are named as it
        String namespace = "iso-least-" + suffix;
        String workloads = "iso-workloads-" + suffix;
        String teamA = "iso-team-a-" + suffix;
        String user = "system:serviceaccount:" + namespace + ":" + release;
        kubectl.run("create", "namespace", workloads).assertSuccess();
        kubectl.run("create", "namespace", teamA).assertSuccess();
        try {
            install(release, namespace);

            // pull secrets: cluster (default), then namespaces, then none
            assertThat(canIn(kubectl, user, "kube-system", "get", "secrets")).isEqualTo("yes");
            upgrade(
                    release,
                    namespace,
                    "--set",
                    "rbac.pullSecrets=namespaces",
                    "--set",
                    "rbac.pullSecretNamespaces={" + teamA + "}");
            assertThat(canIn(kubectl, user, teamA, "get", "secrets")).isEqualTo("yes");
            assertThat(canIn(kubectl, user, teamA, "get", "serviceaccounts")).isEqualTo("yes");
            assertThat(canIn(kubectl, user, "kube-system", "get", "secrets")).isEqualTo("no");
            assertThat(canIn(kubectl, user, teamA, "list", "secrets")).isEqualTo("no");
            upgrade(release, namespace, "--set", "rbac.pullSecrets=none");
            assertThat(canIn(kubectl, user, teamA, "get", "secrets")).isEqualTo("no");
            assertThat(canIn(kubectl, user, namespace, "get", "secrets/" + release + "-webhook-tls"))
                    .as("its own certificate Secret stays readable")
                    .isEqualTo("yes");
            assertThat(canIn(kubectl, user, namespace, "get", "secrets/other")).isEqualTo("no");

            // the admission policy: annotations yes, images no (RBAC alone would allow both)
            kubectl.run("create", "deployment", "web", "--image=registry.example/web:1", "--namespace", workloads)
                    .assertSuccess();
            assertThat(canIn(kubectl, user, workloads, "patch", "deployments")).isEqualTo("yes");
            Kubectl.Result swap = kubectl.run(
                    "--as", user, "-n", workloads, "set", "image", "deployment/web", "web=attacker.example/evil:1");
            assertThat(swap.exitCode()).as(swap.output()).isNotZero();
            assertThat(swap.stderr())
                    .contains("ValidatingAdmissionPolicy", release + "-annotations-only")
                    .contains("may change only imagesize.dev/* annotations on workloads, not their spec");
            assertThat(kubectl.run(
                                    "get",
                                    "deployment",
                                    "web",
                                    "-n",
                                    workloads,
                                    "-o",
                                    "jsonpath={.spec.template.spec.containers[0].image}")
                            .stdout())
                    .isEqualTo("registry.example/web:1");

            Kubectl.Result verdict = kubectl.runWithInput(
                    """
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata:
                      name: web
                      namespace: %s
                      annotations: {imagesize.dev/verdict: Violation}
                    """.formatted(workloads),
                    "--as",
                    user,
                    "apply",
                    "--server-side",
                    "--field-manager=image-size-operator",
                    "-f",
                    "-");
            assertThat(verdict.exitCode())
                    .as("server-side apply of its annotations, as the audit writes them: %s", verdict.output())
                    .isZero();
            for (String[] forbidden : List.of(
                    new String[] {"annotate", "deployment/web", "team=other"},
                    new String[] {"label", "deployment/web", "tier=other"},
                    new String[] {"scale", "deployment/web", "--replicas=3"})) {
                List<String> args = new ArrayList<>(List.of("--as", user, "-n", workloads));
                args.addAll(List.of(forbidden));
                Kubectl.Result refused = kubectl.run(args.toArray(String[]::new));
                assertThat(refused.exitCode())
                        .as("%s: %s", String.join(" ", forbidden), refused.output())
                        .isNotZero();
            }
        } finally {
            helm.run("uninstall", release, "--namespace", namespace, "--ignore-not-found");
            for (String ns : List.of(namespace, workloads, teamA)) {
                kubectl.run("delete", "namespace", ns, "--wait=false", "--ignore-not-found");
            }
        }
    }

    /**
     * The chart's matchConditions as the real API server evaluates them: with failurePolicy Fail and no replica
     * answering, an update that leaves the spec alone (a label) and the operator's own annotation patch still succeed,
     * while an image change is refused because the webhook cannot be reached.
     */
    @Test
    void withFailAndNoReplicaOnlyRequestsThatCanMatterAreBlocked() {
        Kubectl kubectl = TestCluster.get().withCrds().kubectl();
        String suffix = Long.toString(System.nanoTime() % 1_000_000);
        String release = "image-size-operator-fail-" + suffix; // contains the chart name: objects are named as it
        String namespace = "iso-fail-" + suffix;
        String workloads = "iso-fail-workloads-" + suffix;
        String user = "system:serviceaccount:" + namespace + ":" + release;
        kubectl.run("create", "namespace", workloads).assertSuccess();
        kubectl.run("create", "deployment", "web", "--image=registry.example/web:1", "--namespace", workloads)
                .assertSuccess();
        try {
            install(
                    release,
                    namespace,
                    "--set",
                    "webhook.failurePolicy=Fail",
                    "--set",
                    "webhook.onlyNamespaces={" + workloads + "}");

            Kubectl.Result swap =
                    kubectl.run("-n", workloads, "set", "image", "deployment/web", "web=registry.example/web:2");
            assertThat(swap.exitCode())
                    .as("nothing answers the webhook: %s", swap.output())
                    .isNotZero();
            assertThat(swap.stderr()).contains("failed calling webhook");

            Kubectl.Result label = kubectl.run("-n", workloads, "label", "deployment/web", "team=shop");
            assertThat(label.exitCode())
                    .as("the spec is unchanged: %s", label.output())
                    .isZero();
            Kubectl.Result annotate = kubectl.run(
                    "--as", user, "-n", workloads, "annotate", "deployment/web", "imagesize.dev/verdict=Unknown");
            assertThat(annotate.exitCode())
                    .as("the operator's own patch: %s", annotate.output())
                    .isZero();
        } finally {
            helm.run("uninstall", release, "--namespace", namespace, "--ignore-not-found");
            for (String ns : List.of(namespace, workloads)) {
                kubectl.run("delete", "namespace", ns, "--wait=false", "--ignore-not-found");
            }
        }
    }

    /**
     * Installs the chart into the real API server; its webhook governs no namespace the tests use unless {@code sets}
     * say otherwise (a later {@code --set} of the same key wins).
     */
    private static Kubectl.Result install(String release, String namespace, String... sets) {
        List<String> args = new ArrayList<>(List.of(
                "install",
                release,
                CHART,
                "--namespace",
                namespace,
                "--create-namespace",
                "--set",
                "webhook.onlyNamespaces={helm-it-no-such-namespace}"));
        args.addAll(List.of(sets));
        Kubectl.Result install = helm.run(args.toArray(String[]::new));
        assertThat(install.exitCode()).as(install.output()).isZero();
        return install;
    }

    private static void upgrade(String release, String namespace, String... sets) {
        List<String> args =
                new ArrayList<>(List.of("upgrade", release, CHART, "--namespace", namespace, "--reuse-values"));
        args.addAll(List.of(sets));
        Kubectl.Result upgrade = helm.run(args.toArray(String[]::new));
        assertThat(upgrade.exitCode()).as(upgrade.output()).isZero();
    }

    /** {@code kubectl auth can-i} as {@code user} in {@code namespace}: "yes" or "no". */
    private static String canIn(Kubectl kubectl, String user, String namespace, String... question) {
        List<String> args = new ArrayList<>(List.of("auth", "can-i", "--as", user, "--namespace", namespace));
        args.addAll(List.of(question));
        return kubectl.run(args.toArray(String[]::new)).stdout().strip();
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
            Kubectl.Result install = install(RELEASE, INSTALL_NS);
            assertThat(install.stdout()).contains("STATUS: deployed", "kubectl get isp -A", "ImageTooLarge");

            assertThat(get(kubectl, "deployment/" + RELEASE, "{.spec.replicas}"))
                    .isEqualTo("2");
            assertThat(get(kubectl, "service/" + RELEASE + "-webhook", "{.spec.ports[*].port}"))
                    .isEqualTo("443 8080");
            for (String object :
                    List.of("serviceaccount/", "role/", "rolebinding/", "poddisruptionbudget/", "networkpolicy/")) {
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
                "clusterrolebinding/" + RELEASE,
                "clusterrole/" + RELEASE + "-pull-secrets",
                "clusterrolebinding/" + RELEASE + "-pull-secrets",
                "validatingadmissionpolicy/" + RELEASE + "-annotations-only",
                "validatingadmissionpolicybinding/" + RELEASE + "-annotations-only")) {
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

    private static JsonNode one(List<JsonNode> objects, String kind) {
        List<JsonNode> ofKind = objects.stream()
                .filter(object -> kind.equals(object.get("kind").asText()))
                .toList();
        assertThat(ofKind)
                .as("objects of kind %s among %s", kind, kinds(objects))
                .hasSize(1);
        return ofKind.get(0);
    }

    /** {@code helm template rel CHART --namespace ns1 ARGS}, parsed into its objects. */
    private static List<JsonNode> template(String... args) {
        return ChartObjects.render(helm, NS, args);
    }

    private static JsonNode operatorContainer(List<JsonNode> objects) {
        return named(objects, "Deployment", "rel-image-size-operator").at("/spec/template/spec/containers/0");
    }
}
