package dev.imagesize.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report objects of both APIs, their content hash, and timestamps that stay while a result does not change. */
class ReportDocumentsTest {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Instant FOUND = Instant.parse("2026-12-01T10:00:00Z");

    private static ReportResult result(String name, ReportResult.Outcome outcome, String message) {
        return new ReportResult(
                "shop/budget",
                "maxImageSize",
                outcome,
                ReportResult.Severity.HIGH,
                message,
                new ReportResult.Resource("apps/v1", "Deployment", "shop", name, "uid-" + name),
                Map.of("size", "2000000", "limit", "1000000"));
    }

    private static final ReportResult FAILED = result("api", ReportResult.Outcome.FAIL, "too large");
    private static final ReportResult PASSED = result("web", ReportResult.Outcome.PASS, "within");

    private static ReportParts.Part part(ReportResult... results) {
        return new ReportParts.Part("image-size-operator", 1, 1, List.of(results), 0);
    }

    @Test
    void aNamespaceReportOfEachApi() {
        GenericKubernetesResource wg =
                ReportDocuments.document(ReportApi.WGPOLICYK8S, "shop", part(FAILED, PASSED), r -> FOUND);
        assertThat(wg.getApiVersion()).isEqualTo("wgpolicyk8s.io/v1alpha2");
        assertThat(wg.getKind()).isEqualTo("PolicyReport");
        assertThat(wg.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "image-size-operator");
        assertThat(wg.getMetadata().getAnnotations())
                .containsEntry("imagesize.dev/omitted-results", "0")
                .containsEntry("imagesize.dev/report-part", "1/1")
                .containsKey("imagesize.dev/content-hash");
        assertThat(wg.getAdditionalProperties()).doesNotContainKey("source");
        assertThat(wg.getAdditionalProperties().get("summary"))
                .isEqualTo(Map.of("pass", 1, "fail", 1, "warn", 0, "error", 0, "skip", 0));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> results =
                (List<Map<String, Object>>) wg.getAdditionalProperties().get("results");
        assertThat(results.get(0))
                .containsEntry("source", "image-size-operator")
                .containsEntry("policy", "shop/budget")
                .containsEntry("rule", "maxImageSize")
                .containsEntry("result", "fail")
                .containsEntry("severity", "high")
                .containsEntry("scored", true)
                .containsEntry("category", "Image size")
                .containsEntry("timestamp", Map.of("seconds", FOUND.getEpochSecond(), "nanos", 0))
                .containsEntry(
                        "resources",
                        List.of(Map.of(
                                "apiVersion", "apps/v1",
                                "kind", "Deployment",
                                "namespace", "shop",
                                "name", "api",
                                "uid", "uid-api")));

        GenericKubernetesResource open =
                ReportDocuments.document(ReportApi.OPENREPORTS, null, part(FAILED), r -> FOUND);
        assertThat(open.getApiVersion()).isEqualTo("openreports.io/v1alpha1");
        assertThat(open.getKind()).isEqualTo("ClusterReport");
        assertThat(open.getMetadata().getNamespace()).isNull();
        assertThat(open.getAdditionalProperties()).containsEntry("source", "image-size-operator");
    }

    @Test
    void theHashIgnoresTimestampsAndSeesEveryOtherChange() {
        String hash = ReportDocuments.hash(ReportApi.WGPOLICYK8S, "shop", part(FAILED, PASSED));
        assertThat(ReportDocuments.hash(ReportApi.WGPOLICYK8S, "shop", part(FAILED, PASSED)))
                .isEqualTo(hash);
        assertThat(ReportDocuments.document(ReportApi.WGPOLICYK8S, "shop", part(FAILED, PASSED), r -> Instant.now())
                        .getMetadata()
                        .getAnnotations())
                .containsEntry("imagesize.dev/content-hash", hash);
        assertThat(ReportDocuments.hash(ReportApi.WGPOLICYK8S, "shop", part(FAILED)))
                .isNotEqualTo(hash);
        assertThat(ReportDocuments.hash(
                        ReportApi.WGPOLICYK8S,
                        "shop",
                        part(result("api", ReportResult.Outcome.FAIL, "too large!"), PASSED)))
                .isNotEqualTo(hash);
        assertThat(ReportDocuments.hash(ReportApi.OPENREPORTS, "shop", part(FAILED, PASSED)))
                .isNotEqualTo(hash);
        assertThat(ReportDocuments.hash(ReportApi.WGPOLICYK8S, "other", part(FAILED, PASSED)))
                .isNotEqualTo(hash);
    }

    @Test
    void aResultThatDidNotChangeKeepsItsTimeThroughTheApiServersJson() {
        GenericKubernetesResource written =
                ReportDocuments.document(ReportApi.OPENREPORTS, "shop", part(FAILED, PASSED), r -> FOUND);
        GenericKubernetesResource readBack =
                SERIALIZATION.unmarshal(SERIALIZATION.asJson(written), GenericKubernetesResource.class);
        Map<Map<String, Object>, Instant> found = ReportDocuments.timestamps(readBack);

        assertThat(found.get(ReportDocuments.withoutTimestamp(FAILED))).isEqualTo(FOUND);
        assertThat(found.get(ReportDocuments.withoutTimestamp(PASSED))).isEqualTo(FOUND);
        assertThat(found.get(ReportDocuments.withoutTimestamp(result("api", ReportResult.Outcome.FAIL, "other"))))
                .isNull();
        assertThat(ReportDocuments.timestamps(null)).isEmpty();
    }
}
