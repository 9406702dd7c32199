package dev.imagesize.workload;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.imagesize.testing.Helm;
import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.TestCluster;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The one registry of workload kinds against every other place that lists them: the chart's webhook rules and RBAC
 * (rendered by the real helm) and the webhook registration of hack/run-local.sh. Adding a kind in one place and not
 * the others fails here.
 */
class WorkloadKindsIT {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** {@code group/resource} of every workload kind, {@code ""} for the core group. */
    private static Set<String> registry() {
        return Arrays.stream(WorkloadKind.values())
                .map(k -> k.group() + "/" + k.resource())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static List<JsonNode> chart() throws Exception {
        Helm helm = Helm.provided(TestCluster.get().kubeconfig());
        Kubectl.Result rendered = helm.run(
                "template",
                "rel",
                TestCluster.projectDir().resolve("helm/image-size-operator").toString(),
                "-n",
                "ns1");
        assertThat(rendered.exitCode()).as(rendered.stderr()).isZero();
        List<JsonNode> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(rendered.stdout())) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && !doc.isEmpty()) {
                    objects.add(doc);
                }
            }
        }
        return objects;
    }

    /** {@code group/resource} pairs of rules (webhook or RBAC), without subresources. */
    private static Set<String> resources(JsonNode rules, String verb) {
        Set<String> found = new TreeSet<>();
        for (JsonNode rule : rules) {
            if (verb != null && !rule.path("verbs").toString().contains("\"" + verb + "\"")) {
                continue;
            }
            for (JsonNode group : rule.path("apiGroups")) {
                for (JsonNode resource : rule.path("resources")) {
                    if (!resource.asText().contains("/")) {
                        found.add(group.asText() + "/" + resource.asText());
                    }
                }
            }
        }
        return found;
    }

    @Test
    void theChartsWebhookRulesAndRbacCoverExactlyTheRegisteredKinds() throws Exception {
        List<JsonNode> objects = chart();
        JsonNode webhook = objects.stream()
                .filter(o -> o.path("kind").asText().equals("ValidatingWebhookConfiguration"))
                .findFirst()
                .orElseThrow();
        assertThat(resources(webhook.at("/webhooks/0/rules"), null)).isEqualTo(registry());
        assertThat(webhook.at("/webhooks/0/rules").toString())
                .as("ephemeral containers of Pods are checked too")
                .contains("pods/ephemeralcontainers");

        JsonNode role = objects.stream()
                .filter(o -> o.path("kind").asText().equals("ClusterRole"))
                .findFirst()
                .orElseThrow();
        Set<String> watched = resources(role.path("rules"), "watch");
        Set<String> patched = resources(role.path("rules"), "patch");
        for (String kind : registry()) {
            assertThat(watched).as("the audit watches " + kind).contains(kind);
            assertThat(patched).as("the audit annotates " + kind).contains(kind);
        }
    }

    @Test
    void runLocalRegistersTheWebhookForExactlyTheRegisteredKinds() throws Exception {
        String script = Files.readString(TestCluster.projectDir().resolve("hack/run-local.sh"));
        String rules = script.lines()
                .map(String::trim)
                .filter(line -> line.startsWith("- {apiGroups:"))
                .map(line -> line.substring(2))
                .collect(Collectors.joining(",\n", "[", "]"));
        JsonNode parsed = YAML.readTree(rules);
        assertThat(resources(parsed, null)).isEqualTo(registry());
    }

    @Test
    void everyKindHasAPodSpecWhereItSaysAndAClassThatMatches() {
        for (WorkloadKind kind : WorkloadKind.values()) {
            assertThat(WorkloadKind.of(kind.kind())).contains(kind);
            assertThat(kind.type().getSimpleName()).isEqualTo(kind.kind());
            assertThat(kind.apiVersion()).isEqualTo(kind.group().isEmpty() ? "v1" : kind.group() + "/v1");
            assertThat(kind.podSpecPath()).endsWith("spec");
        }
        assertThat(Workloads.KINDS).hasSize(WorkloadKind.values().length);
    }
}
