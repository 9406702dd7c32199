package dev.imagesize.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.imagesize.api.v1alpha1.ClusterImageSizePolicy;
import dev.imagesize.api.v1alpha1.ImageSizePolicy;
import dev.imagesize.api.v1alpha1.PolicyAction;
import dev.imagesize.cluster.PolicyRules;
import dev.imagesize.policy.Rule;
import io.fabric8.kubernetes.api.model.DefaultKubernetesResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Policies as the API server can have stored them under an older, looser CRD (no bounds, no enums, other types), read
 * with the Kubernetes client's serializer the way an informer reads them: one list holding good and hostile policies
 * decodes whole, each hostile one says which field is wrong and cannot be compiled, and the good ones compile. This is
 * what keeps java-operator-sdk's typed informer listing every policy.
 */
class StoredPolicyDecodingTest {
    private static final KubernetesSerialization CLIENT = new KubernetesSerialization();

    private static String policy(String name, String spec) {
        return """
                {"apiVersion": "imagesize.dev/v1alpha1", "kind": "ImageSizePolicy",
                 "metadata": {"name": "%s", "namespace": "shop", "uid": "uid-%s", "generation": 3},
                 "spec": %s}""".formatted(name, name, spec);
    }

    private static String list(String... items) {
        return """
                {"apiVersion": "imagesize.dev/v1alpha1", "kind": "ImageSizePolicyList", "metadata": {},
                 "items": [%s]}""".formatted(String.join(",", items));
    }

    private static Map<String, ImageSizePolicy> decodeList(String json) {
        DefaultKubernetesResourceList<ImageSizePolicy> list = CLIENT.unmarshal(
                new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
                new TypeReference<DefaultKubernetesResourceList<ImageSizePolicy>>() {});
        return list.getItems().stream()
                .collect(Collectors.toMap(p -> p.getMetadata().getName(), Function.identity()));
    }

    @Test
    void aListWithHostilePoliciesDecodesWholeAndEachSaysWhatIsWrong() {
        Map<String, ImageSizePolicy> decoded = decodeList(list(
                policy("fine", "{\"action\": \"Warn\", \"maxImageSize\": \"200Mi\", \"maxLayers\": 40}"),
                policy("int-overflow", "{\"action\": \"Enforce\", \"maxLayers\": 3000000000}"),
                policy(
                        "long-overflow",
                        "{\"overrides\": [{\"images\": [\"ghcr.io/*\"],"
                                + " \"maxLayers\": 92233720368547758080}], \"maxImageSize\": \"1Gi\"}"),
                policy("unknown-action", "{\"action\": \"Block\", \"maxImageSize\": \"1Gi\"}"),
                policy("unknown-on-error", "{\"onResolveError\": \"Explode\", \"maxImageSize\": \"1Gi\"}"),
                policy("string-for-list", "{\"platforms\": \"linux/amd64\", \"maxImageSize\": \"1Gi\"}"),
                policy("object-for-string", "{\"maxImageSize\": {\"value\": 1}}"),
                policy("spec-is-a-string", "\"everything\""),
                policy("unknown-field", "{\"maxSize\": \"1Gi\", \"maxImageSize\": \"2Gi\"}")));

        assertThat(decoded)
                .as("every policy of the list is decoded")
                .containsOnlyKeys(
                        "fine",
                        "int-overflow",
                        "long-overflow",
                        "unknown-action",
                        "unknown-on-error",
                        "string-for-list",
                        "object-for-string",
                        "spec-is-a-string",
                        "unknown-field");
        assertThat(problem(decoded, "int-overflow"))
                .startsWith("spec.maxLayers: ")
                .contains("(3000000000) out of range");
        assertThat(problem(decoded, "long-overflow"))
                .startsWith("spec.overrides[0].maxLayers: ")
                .contains("92233720368547758080");
        assertThat(problem(decoded, "unknown-action"))
                .startsWith("spec.action: ")
                .contains("\"Block\"");
        assertThat(problem(decoded, "unknown-on-error"))
                .startsWith("spec.onResolveError: ")
                .contains("\"Explode\"");
        assertThat(problem(decoded, "string-for-list")).startsWith("spec.platforms: ");
        assertThat(problem(decoded, "object-for-string")).startsWith("spec.maxImageSize: ");
        assertThat(problem(decoded, "spec-is-a-string")).startsWith("spec: ");
        assertThat(problem(decoded, "fine")).isNull();
        assertThat(problem(decoded, "unknown-field"))
                .as("a field this version does not know may be a limit: not read, rather than silently dropped")
                .startsWith("spec.maxSize: Unrecognized field \"maxSize\"");

        Rule fine = PolicyRules.of(decoded.get("fine"));
        assertThat(fine.action()).isEqualTo(Rule.Action.WARN);
        for (String hostile : List.of("int-overflow", "unknown-action", "spec-is-a-string", "unknown-field")) {
            assertThatThrownBy(() -> PolicyRules.of(decoded.get(hostile)))
                    .as("the compiler refuses %s with the decoder's words", hostile)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(problem(decoded, hostile));
        }
    }

    @Test
    void aStatusThatCannotBeDecodedIsNoneAndLeavesTheSpecAlone() {
        String stored = cluster("{\"workloads\": 3000000000, \"conditions\": {\"type\": \"Ready\"},"
                + " \"topViolations\": [{\"limit\": \"maxSize\"}]}");
        ClusterImageSizePolicy policy = CLIENT.unmarshal(stored, ClusterImageSizePolicy.class);
        assertThat(policy.getStatus()).isNull();
        assertThat(policy.getSpec().undecodable()).isNull();
        assertThat(policy.getSpec().getAction()).isEqualTo(PolicyAction.AUDIT);
        assertThat(PolicyRules.of(policy).namespaceSelector().matches(Map.of("team", "shop")))
                .isTrue();

        ClusterImageSizePolicy readable =
                CLIENT.unmarshal(cluster("{\"workloads\": 7, \"violations\": 2}"), ClusterImageSizePolicy.class);
        assertThat(readable.getStatus().getWorkloads()).isEqualTo(7);
        assertThat(readable.getStatus().getViolations()).isEqualTo(2);
    }

    private static String cluster(String status) {
        return """
                {"apiVersion": "imagesize.dev/v1alpha1", "kind": "ClusterImageSizePolicy",
                 "metadata": {"name": "baseline", "uid": "u1", "generation": 1},
                 "spec": {"action": "Audit", "maxImageSize": "1Gi",
                          "namespaceSelector": {"matchLabels": {"team": "shop"}}},
                 "status": %s}""".formatted(status);
    }

    @Test
    void theUntypedViewDecodesTheSameWayAndACloneKeepsWhatWasReadable() {
        GenericKubernetesResource raw = CLIENT.unmarshal(
                policy("int-overflow", "{\"action\": \"Enforce\", \"maxLayers\": 3000000000}"),
                GenericKubernetesResource.class);
        ImageSizePolicy converted = CLIENT.convertValue(raw, ImageSizePolicy.class);
        assertThat(converted.getSpec().undecodable())
                .isEqualTo(CLIENT.unmarshal(
                                policy("int-overflow", "{\"action\": \"Enforce\", \"maxLayers\": 3000000000}"),
                                ImageSizePolicy.class)
                        .getSpec()
                        .undecodable())
                .startsWith("spec.maxLayers: ");
        assertThat(converted.getMetadata().getUid()).isEqualTo("uid-int-overflow");

        ImageSizePolicy fine = CLIENT.unmarshal(
                policy(
                        "fine",
                        "{\"action\": \"Audit\", \"maxImageSize\": \"200Mi\", \"exclude\": {\"images\":"
                                + " [\"registry.k8s.io/*\"]}}"),
                ImageSizePolicy.class);
        ImageSizePolicy clone = CLIENT.clone(fine);
        assertThat(PolicyRules.of(clone)).isEqualTo(PolicyRules.of(fine));
    }

    private static String problem(Map<String, ImageSizePolicy> decoded, String name) {
        return decoded.get(name).getSpec().undecodable();
    }
}
