package dev.imagesize.monitoring;

import static dev.imagesize.testing.ChartObjects.env;
import static dev.imagesize.testing.ChartObjects.find;
import static dev.imagesize.testing.ChartObjects.kinds;
import static dev.imagesize.testing.ChartObjects.named;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.imagesize.testing.ChartObjects;
import dev.imagesize.testing.Helm;
import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.Namespaces;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.PromQl;
import dev.imagesize.testing.Promtool;
import dev.imagesize.testing.ReportCrds;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import dev.imagesize.testing.WebhookRegistration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chart's monitoring parts with the real tools: {@code helm template} renders each combination of reports, the
 * dashboard and the rules; promtool checks the rules and runs a unit test of each alert (src/test/resources/monitoring);
 * and a running operator, driven until it has admitted, shed, audited, sized, seen a rollout to a larger image and
 * reported, exports every series the dashboard, the rules and the alerts' tests name, with the labels they match on.
 */
class MonitoringIT {
    private static final String CHART = ChartObjects.CHART;
    private static final String NS = "monitoring-ns";
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ALERT_TESTS =
            TestCluster.projectDir().resolve("src/test/resources/monitoring/alert-tests.yaml");
    /** Labels a Prometheus scrape adds to every series (a ServiceMonitor's target labels). */
    private static final Set<String> TARGET_LABELS =
            Set.of("instance", "job", "namespace", "pod", "service", "container", "endpoint");

    private static Helm helm;

    @BeforeAll
    static void tools() {
        helm = Helm.provided(TestCluster.get().kubeconfig());
    }

    @Test
    void byDefaultTheChartRendersNoReportsDashboardOrRules() {
        List<JsonNode> objects = template();
        assertThat(kinds(objects)).doesNotContain("PrometheusRule", "ServiceMonitor");
        assertThat(find(objects, "ClusterRole", "rel-image-size-operator-reports"))
                .isEmpty();
        assertThat(find(objects, "ConfigMap", "rel-image-size-operator-dashboard"))
                .isEmpty();
        assertThat(env(operatorContainer(objects), "IMAGESIZE_REPORTS_MODE")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "wgpolicyk8s", "openreports", "auto"})
    void eachReportModeRendersWithTheDashboardAndTheRules(String mode) throws IOException {
        List<JsonNode> objects = template(
                "--set", "reports.mode=" + mode,
                "--set", "grafanaDashboard.enabled=true",
                "--set", "grafanaDashboard.namespace=grafana",
                "--set", "prometheusRule.enabled=true",
                "--set", "serviceMonitor.enabled=true",
                "--set", "serviceMonitor.labels.release=kube-prometheus-stack");

        JsonNode container = operatorContainer(objects);
        if (mode.equals("off")) {
            assertThat(find(objects, "ClusterRole", "rel-image-size-operator-reports"))
                    .isEmpty();
            assertThat(find(objects, "ClusterRoleBinding", "rel-image-size-operator-reports"))
                    .isEmpty();
            assertThat(env(container, "IMAGESIZE_REPORTS_MODE")).isNull();
        } else {
            assertThat(env(container, "IMAGESIZE_REPORTS_MODE")).isEqualTo(mode);
            assertThat(env(container, "IMAGESIZE_REPORTS_MAX_REPORT_BYTES")).isEqualTo("1000000");
            JsonNode role = named(objects, "ClusterRole", "rel-image-size-operator-reports");
            List<String> groups = StreamSupport.stream(role.path("rules").spliterator(), false)
                    .map(rule -> rule.at("/apiGroups/0").asText())
                    .toList();
            assertThat(groups)
                    .containsExactlyElementsOf(
                            switch (mode) {
                                case "wgpolicyk8s" -> List.of("wgpolicyk8s.io");
                                case "openreports" -> List.of("openreports.io");
                                default -> List.of("wgpolicyk8s.io", "openreports.io");
                            });
            for (JsonNode rule : role.path("rules")) {
                assertThat(rule.path("verbs").toString())
                        .as("no watch, update or access to the CRDs")
                        .isEqualTo("[\"get\",\"list\",\"create\",\"patch\",\"delete\"]");
            }
            JsonNode binding = named(objects, "ClusterRoleBinding", "rel-image-size-operator-reports");
            assertThat(binding.at("/subjects/0/name").asText()).isEqualTo("rel-image-size-operator");
            assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo(NS);
        }

        JsonNode dashboard = named(objects, "ConfigMap", "rel-image-size-operator-dashboard");
        assertThat(dashboard.at("/metadata/namespace").asText()).isEqualTo("grafana");
        assertThat(dashboard.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
        JsonNode board =
                JSON.readTree(dashboard.at("/data/image-size-operator.json").asText());
        assertThat(board.path("uid").asText()).isEqualTo("image-size-operator");
        assertThat(expressions(board)).hasSizeGreaterThan(20);

        JsonNode monitor = named(objects, "ServiceMonitor", "rel-image-size-operator");
        assertThat(monitor.at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus-stack");
        assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/q/metrics");
        JsonNode service = objects.stream()
                .filter(object -> object.get("kind").asText().equals("Service"))
                .findFirst()
                .orElseThrow();
        assertThat(service.at("/spec/ports").toString()).contains("\"name\":\"http\"");
        monitor.at("/spec/selector/matchLabels").fields().forEachRemaining(label -> assertThat(
                        service.at("/metadata/labels").path(label.getKey()).asText())
                .as("the Service's label %s", label.getKey())
                .isEqualTo(label.getValue().asText()));

        List<String> groups = StreamSupport.stream(
                        named(objects, "PrometheusRule", "rel-image-size-operator")
                                .at("/spec/groups")
                                .spliterator(),
                        false)
                .map(group -> group.path("name").asText())
                .toList();
        assertThat(groups.contains("image-size-operator.reports")).isEqualTo(!mode.equals("off"));
    }

    @Test
    void theChartLintsStrictWithEverythingOnAndRefusesAnUnknownReportMode() {
        Kubectl.Result lint = helm.run(
                "lint",
                "--strict",
                CHART,
                "--set",
                "reports.mode=auto",
                "--set",
                "grafanaDashboard.enabled=true",
                "--set",
                "prometheusRule.enabled=true",
                "--set",
                "serviceMonitor.enabled=true");
        assertThat(lint.exitCode()).as(lint.output()).isZero();
        Kubectl.Result unknown = helm.run("template", "rel", CHART, "--set", "reports.mode=policyreports");
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.stderr())
                .contains("/reports/mode", "must be one of 'off', 'wgpolicyk8s', 'openreports', 'auto'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "auto"})
    void promtoolChecksTheRulesAndEveryAlertHasAUnitTestThatFiresIt(String mode) throws IOException {
        Promtool promtool = Promtool.provided();
        Path dir = rulesDirectory(mode);
        Kubectl.Result check =
                promtool.run("check", "rules", dir.resolve("rules.yaml").toString());
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS");

        if (mode.equals("auto")) {
            Kubectl.Result test = promtool.run(
                    "test", "rules", dir.resolve("alert-tests.yaml").toString());
            assertThat(test.exitCode()).as(test.output()).isZero();
            assertThat(test.output()).contains("SUCCESS");
        }

        JsonNode tests = YAML.readTree(ALERT_TESTS.toFile());
        Set<String> firing = new TreeSet<>();
        for (JsonNode test : tests.path("tests")) {
            for (JsonNode check2 : test.path("alert_rule_test")) {
                if (!check2.path("exp_alerts").isEmpty()) {
                    firing.add(check2.path("alertname").asText());
                }
            }
        }
        assertThat(firing).as("alerts with a test that fires them").containsAll(alerts(mode));
    }

    @Test
    void everyAlertHasARunbookLineAndEveryMonitoringValueARowInTheChartReadme() throws IOException {
        String readme = Files.readString(TestCluster.projectDir().resolve(CHART).resolve("README.md"));
        for (String alert : alerts("auto")) {
            assertThat(readme).as("runbook line of %s", alert).containsPattern("\\| `" + alert + "` \\| \\w+ \\| \\S");
        }
        JsonNode values = YAML.readTree(
                TestCluster.projectDir().resolve(CHART).resolve("values.yaml").toFile());
        for (String section : List.of("reports", "serviceMonitor", "grafanaDashboard", "prometheusRule")) {
            values.path(section).fieldNames().forEachRemaining(key -> assertThat(readme)
                    .as("README row of %s.%s", section, key)
                    .containsPattern(
                            "`" + section + "\\." + key + "`|`" + section + "\\.[^`]*`, [^|]*`\\." + key + "`"));
        }
    }

    @Test
    void aRunningOperatorExportsEverySeriesTheDashboardTheRulesAndTheAlertTestsName() throws IOException {
        TestCluster cluster = TestCluster.get().withCrds();
        ReportCrds.install(cluster, ReportCrds.OPENREPORTS);
        LocalRegistry registry = LocalRegistry.sharedPlain();
        Pushed big = TestImages.push(registry, "monitoring/big", "1.0", Format.OCI, 1_500_000, 600_000);
        Pushed bigger = TestImages.push(registry, "monitoring/big", "1.1", Format.OCI, 1_500_000, 600_000, 900_000);
        String ns = Namespaces.create(cluster.client(), "monitoring");
        String webhook = "image-size-operator-" + ns;
        try (OperatorProcess operator = OperatorProcess.start(
                cluster,
                Map.of(
                        "imagesize.registry.insecure-registries", registry.hostPort(),
                        "imagesize.reports.mode", "auto",
                        "imagesize.reports.discovery-interval", "1s"))) {
            cluster.kubectl()
                    .runWithInput(WebhookRegistration.of(operator, ns, webhook), "apply", "-f", "-")
                    .assertSuccess();
            cluster.kubectl()
                    .runWithInput("""
                            apiVersion: imagesize.dev/v1alpha1
                            kind: ImageSizePolicy
                            metadata: {name: budget, namespace: %s}
                            spec: {action: Warn, maxImageSize: 1Mi, onResolveError: Warn}
                            """.formatted(ns), "apply", "-f", "-")
                    .assertSuccess();
            // admitted by the webhook (a review per Deployment), sized, audited, reported
            cluster.kubectl()
                    .run("create", "deployment", "big", "--image=" + big.reference(), "-n", ns)
                    .assertSuccess();
            cluster.kubectl()
                    .run(
                            "create",
                            "deployment",
                            "ghost",
                            "--image=" + registry.hostPort() + "/monitoring/missing:1",
                            "-n",
                            ns)
                    .assertSuccess();
            // the audit records big's first image, then big rolls to a larger one: current and previous sizes
            await().atMost(Duration.ofSeconds(60))
                    .alias("the audit exports the size of big's image")
                    .until(() -> operator.metrics()
                            .lines()
                            .anyMatch(line -> line.startsWith("imagesize_workload_image_bytes{")
                                    && line.contains("workload=\"big\"")));
            cluster.kubectl()
                    .run("set", "image", "deployment/big", "big=" + bigger.reference(), "-n", ns)
                    .assertSuccess();
            // a body too large to review: shed
            assertThat(operator.webhookExchange("POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Type: application/json\r\nContent-Length: " + 9 * 1024 * 1024 + "\r\n\r\n"))
                    .startsWith("HTTP/1.1 400");

            Map<String, Map<String, Set<String>>> named = namedSeries();
            AtomicReference<Map<String, Set<String>>> scraped = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        scraped.set(PromQl.exposition(operator.metrics()));
                        assertThat(missing(named, scraped.get()))
                                .as("series named but not exported by the operator")
                                .isEmpty();
                    });
            Map<String, Set<String>> exported = scraped.get();

            List<String> unknownLabels = new ArrayList<>();
            named.forEach((where, series) -> series.forEach((name, labels) -> {
                Set<String> own = exported.get(name);
                for (String label : labels) {
                    boolean known = own.contains(label) || TARGET_LABELS.contains(label) || renamed(label, own);
                    if (!known) {
                        unknownLabels.add(name + "{" + label + "} (" + where + "; exported: " + own + ")");
                    }
                }
            }));
            assertThat(unknownLabels).as("labels the operator does not export").isEmpty();
        } finally {
            cluster.kubectl().run("delete", "validatingwebhookconfiguration", webhook, "--ignore-not-found");
            cluster.kubectl().run("delete", "namespace", ns, "--wait=false");
        }
    }

    /**
     * Whether {@code label} is the name a scrape gives to one of the operator's own labels that collides with a
     * target label ({@code namespace} becomes {@code exported_namespace}, {@code container} {@code exported_container}).
     */
    private static boolean renamed(String label, Set<String> own) {
        String original = label.startsWith("exported_") ? label.substring("exported_".length()) : "";
        return TARGET_LABELS.contains(original) && own.contains(original);
    }

    /** Where each series is named (a rule, a dashboard panel, an alert test) to the series and its matched labels. */
    private static Map<String, Map<String, Set<String>>> namedSeries() throws IOException {
        Map<String, Map<String, Set<String>>> named = new LinkedHashMap<>();
        JsonNode rules = rules("auto");
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                named.put(
                        "rule " + rule.path("alert").asText(),
                        PromQl.series(rule.path("expr").asText()));
            }
        }
        JsonNode board = JSON.readTree(named(
                        template("--set", "grafanaDashboard.enabled=true"),
                        "ConfigMap",
                        "rel-image-size-operator-dashboard")
                .at("/data/image-size-operator.json")
                .asText());
        List<String> expressions = expressions(board);
        for (int i = 0; i < expressions.size(); i++) {
            named.put("dashboard query " + (i + 1), PromQl.series(expressions.get(i)));
        }
        for (JsonNode test : YAML.readTree(ALERT_TESTS.toFile()).path("tests")) {
            Map<String, Set<String>> series = new LinkedHashMap<>();
            for (JsonNode input : test.path("input_series")) {
                Map.Entry<String, Set<String>> sample =
                        PromQl.sample(input.path("series").asText());
                series.computeIfAbsent(sample.getKey(), n -> new TreeSet<>()).addAll(sample.getValue());
            }
            named.put("alert test \"" + test.path("name").asText() + "\"", series);
        }
        assertThat(named).as("rules, panels and tests").hasSizeGreaterThan(40);
        return named;
    }

    private static List<String> missing(
            Map<String, Map<String, Set<String>>> named, Map<String, Set<String>> exported) {
        List<String> missing = new ArrayList<>();
        named.forEach((where, series) -> missing.addAll(PromQl.missing(series, exported, where)));
        return missing;
    }

    /** Every PromQL query of a Grafana dashboard: panel targets and template variables. */
    private static List<String> expressions(JsonNode board) {
        List<String> expressions = new ArrayList<>();
        board.findValues("expr").forEach(expr -> expressions.add(expr.asText()));
        for (JsonNode variable : board.at("/templating/list")) {
            if (variable.path("type").asText().equals("query")) {
                JsonNode query = variable.path("query");
                expressions.add(
                        query.isTextual() ? query.asText() : query.path("query").asText());
            }
        }
        return expressions;
    }

    /** The alert names of the chart's rules with this report mode. */
    private static List<String> alerts(String mode) {
        List<String> alerts = new ArrayList<>();
        rules(mode).path("groups").forEach(group -> group.path("rules")
                .forEach(rule -> alerts.add(rule.path("alert").asText())));
        assertThat(alerts).doesNotContain("");
        return alerts;
    }

    /** The spec (its groups) of the chart's PrometheusRule, as a Prometheus rule file. */
    private static JsonNode rules(String mode) {
        return named(
                        template("--set", "prometheusRule.enabled=true", "--set", "reports.mode=" + mode),
                        "PrometheusRule",
                        "rel-image-size-operator")
                .path("spec");
    }

    /** A directory with the chart's rules as rules.yaml beside a copy of alert-tests.yaml, as promtool reads them. */
    private static Path rulesDirectory(String mode) throws IOException {
        Path dir = Files.createTempDirectory("imagesize-rules-");
        YAML.writeValue(dir.resolve("rules.yaml").toFile(), rules(mode));
        Files.copy(ALERT_TESTS, dir.resolve("alert-tests.yaml"));
        return dir;
    }

    private static List<JsonNode> template(String... args) {
        return ChartObjects.render(helm, NS, args);
    }

    private static JsonNode operatorContainer(List<JsonNode> objects) {
        return objects.stream()
                .filter(object -> object.get("kind").asText().equals("Deployment"))
                .findFirst()
                .orElseThrow()
                .at("/spec/template/spec/containers/0");
    }
}
