package dev.imagesize.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.api.v1alpha1.AnalysisPhase;
import dev.imagesize.api.v1alpha1.AnalysisRequester;
import dev.imagesize.api.v1alpha1.AnalysisSource;
import dev.imagesize.api.v1alpha1.ContainerReport;
import dev.imagesize.api.v1alpha1.ImageAnalysis;
import dev.imagesize.api.v1alpha1.ImageAnalysisSpec;
import dev.imagesize.api.v1alpha1.ImageAnalysisState;
import dev.imagesize.api.v1alpha1.ImageReport;
import dev.imagesize.api.v1alpha1.ImageSizeReport;
import dev.imagesize.api.v1alpha1.PolicyVerdict;
import dev.imagesize.api.v1alpha1.ReportFinding;
import dev.imagesize.api.v1alpha1.ReportSummary;
import dev.imagesize.api.v1alpha1.WorkloadReport;
import dev.imagesize.testing.AnalysisResults;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The generated ImageAnalysis and ImageSizeReport CRDs: names and scope, printer columns that answer "what should we
 * fix first", a description on every property for {@code kubectl explain}, and a schema that has a place for every
 * field the Java classes write (the API server would prune the others silently).
 */
class AnalysisCrdsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static CustomResourceDefinitionVersion version(String file) {
        return Crds.generated(file).getSpec().getVersions().get(0);
    }

    @Test
    void imageAnalysesAreClusterScopedWithAStatusSubresource() {
        var crd = Crds.generated(Crds.ANALYSES);
        assertThat(crd.getSpec().getScope()).isEqualTo("Cluster");
        assertThat(crd.getSpec().getNames().getKind()).isEqualTo("ImageAnalysis");
        assertThat(crd.getSpec().getNames().getPlural()).isEqualTo("imageanalyses");
        assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("ia");
        assertThat(crd.getSpec().getNames().getCategories())
                .as(
                        "not in the imagesize category: tenants may not read analyses, and kubectl get imagesize would fail")
                .isNullOrEmpty();
        assertThat(version(Crds.ANALYSES).getSubresources().getStatus()).isNotNull();
    }

    @Test
    void reportsAreNamespacedInTheCategoryWithoutAStatusSubresource() {
        var crd = Crds.generated(Crds.REPORTS);
        assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
        assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("isr");
        assertThat(crd.getSpec().getNames().getCategories()).containsExactly("imagesize");
        assertThat(version(Crds.REPORTS).getSubresources())
                .as("one write creates or replaces a report")
                .isNull();
    }

    @Test
    void reportColumnsAnswerWhatToFixFirst() {
        assertThat(columns(Crds.REPORTS))
                .containsExactly(
                        "Age .metadata.creationTimestamp 0",
                        "Efficiency .report.summary.efficiency 1",
                        "Image .report.summary.image 0",
                        "Size .report.summary.size 0",
                        "Top-Finding .report.summary.topFinding 0",
                        "Wasted .report.summary.wasted 0");
    }

    @Test
    void analysisColumnsSayWhereEachAnalysisIs() {
        assertThat(columns(Crds.ANALYSES))
                .contains(
                        "Phase .status.phase 0",
                        "Base .status.summary.base 0",
                        "Size .status.summary.size 0",
                        "Dive-Efficiency .status.summary.efficiency 0",
                        "Dive-Wasted .status.summary.wasted 0",
                        "Message .status.message 1");
    }

    private static List<String> columns(String file) {
        return version(file).getAdditionalPrinterColumns().stream()
                .map((CustomResourceColumnDefinition c) -> c.getName() + " " + c.getJsonPath() + " " + c.getPriority())
                .toList();
    }

    @Test
    void everyPropertyIsDescribed() {
        List<String> undescribed = new ArrayList<>();
        for (String file : List.of(Crds.ANALYSES, Crds.REPORTS)) {
            JSONSchemaProps root = version(file).getSchema().getOpenAPIV3Schema();
            root.getProperties().forEach((name, schema) -> {
                if (name.equals("spec") && file.equals(Crds.REPORTS)
                        || name.equals("status") && file.equals(Crds.REPORTS)) {
                    return; // empty placeholders of CustomResource<Void, Void>
                }
                if (name.equals("apiVersion") || name.equals("kind") || name.equals("metadata")) {
                    return;
                }
                Crds.walk(name, schema, (path, property) -> {
                    boolean isProperty = !path.equals(name) && !path.endsWith("[]") && !path.endsWith("{}");
                    if (isProperty
                            && (property.getDescription() == null
                                    || property.getDescription().isBlank())) {
                        undescribed.add(file + ": " + path);
                    }
                });
            });
        }
        assertThat(undescribed).isEmpty();
    }

    @Test
    void aFullAnalysisHasAPlaceInTheSchemaForEveryField() {
        ImageAnalysis analysis = new ImageAnalysis();
        analysis.setSpec(new ImageAnalysisSpec(
                "sha256:" + "a".repeat(64),
                "linux/amd64",
                "reg.local/app",
                AnalysisRequester.ADMISSION,
                List.of(new AnalysisSource("reg.local", "app", "shop", "default", List.of("regcred")))));
        analysis.setStatus(ImageAnalysisState.of(
                AnalysisResults.complete(), "m", 1, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "analyzer-0"));

        assertThat(unknownFields(JSON.valueToTree(analysis), version(Crds.ANALYSES)))
                .isEmpty();
    }

    @Test
    void aFullReportHasAPlaceInTheSchemaForEveryField() {
        ImageSizeReport report = new ImageSizeReport();
        report.setReport(new WorkloadReport(
                "Deployment",
                "api",
                new ReportSummary("api=reg/app:1", "1.1 GiB", "apt-lists saves 62.0 MiB", "80.0 MiB", "93.1%"),
                65_000_000L,
                List.of(new ContainerReport(
                        "api",
                        "container",
                        "reg/app:1",
                        List.of(new ImageReport(
                                "linux/amd64",
                                "sha256:" + "a".repeat(64),
                                "sha256-" + "a".repeat(64),
                                AnalysisPhase.COMPLETE,
                                "m",
                                1L,
                                2L,
                                0.9,
                                3L,
                                0.8,
                                4L,
                                "python:3.11",
                                List.of("use python:3.11-slim"),
                                List.of(new ReportFinding("apt-lists", "t", 1L, 2L, 3, "RUN x", "fix")))),
                        List.of(new PolicyVerdict("ImageSizePolicy a/b", "Over", "too big")))),
                true));

        assertThat(unknownFields(JSON.valueToTree(report), version(Crds.REPORTS)))
                .isEmpty();
    }

    /** JSON paths in {@code object} the schema has no property for. */
    private static List<String> unknownFields(JsonNode object, CustomResourceDefinitionVersion version) {
        List<String> unknown = new ArrayList<>();
        JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
        for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (List.of("apiVersion", "kind", "metadata").contains(field.getKey())) {
                continue;
            }
            collect(field.getKey(), field.getValue(), root.getProperties().get(field.getKey()), unknown);
        }
        return unknown;
    }

    private static void collect(String path, JsonNode value, JSONSchemaProps schema, List<String> unknown) {
        if (schema == null) {
            unknown.add(path);
            return;
        }
        if (value.isObject()) {
            value.fields()
                    .forEachRemaining(field -> collect(
                            path + "." + field.getKey(),
                            field.getValue(),
                            schema.getProperties() == null
                                    ? null
                                    : schema.getProperties().get(field.getKey()),
                            unknown));
        } else if (value.isArray() && schema.getItems() != null) {
            value.forEach(item -> collect(path + "[]", item, schema.getItems().getSchema(), unknown));
        }
    }
}
