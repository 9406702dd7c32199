package dev.imagesize.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.imagesize.api.v1alpha1.ClusterImageSizePolicySpec;
import dev.imagesize.api.v1alpha1.ImageSizePolicySpec;
import dev.imagesize.api.v1alpha1.ImageSizePolicyStatus;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Reads the CRDs the build generated and checks what users and the API server rely on. */
class GeneratedCrdTest {

    static final String QUANTITY_RULE = "self.matches('^[+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([KMGTPE]i|[kMGTPE]"
            + "|[eE][+-]?[0-9]{1,3})?$') && quantity(self).isGreaterThan(quantity('0'))"
            + " && quantity(self).isLessThan(quantity('9223372036854775807'))";
    static final String BAD_IMAGE_SIZE = "maxImageSize must be a positive size such as 200Mi or 1Gi";
    static final String BAD_LAYER_SIZE = "maxLayerSize must be a positive size such as 100Mi or 500Mi";
    static final String SIZE_HINT =
            " (a number with an optional suffix: Ki Mi Gi Ti Pi Ei for powers of 1024, k M G T P"
                    + " E for powers of 1000, or an exponent such as 5e8; below 8Ei; no m, which means milli)";
    static final String TOO_MANY_STARS = "an image glob may contain at most 8 wildcards *";
    static final String AT_LEAST_ONE_LIMIT =
            "set at least one limit: maxImageSize, maxLayerSize, maxLayers or maxGrowth";
    static final String BAD_GROWTH = "maxGrowth must be a percentage such as 20%, a size with its unit such as 50Mi,"
            + " or both separated by a comma such as 20%, 50Mi (units: Ki Mi Gi Ti Pi Ei, k M G T P E or an exponent"
            + " such as 5e6; no m)";
    static final String GROWTH_PERCENT = "the percentage in maxGrowth must be from 0% to 1000%";
    static final String GROWTH_SIZE = "the size in maxGrowth must be more than 0 and below 8Ei (0% allows no growth)";
    static final String GROWTH_ONE_OF_EACH = "maxGrowth takes at most one percentage and one size";
    static final String BAD_GLOB = "image globs must be non-empty and use only the characters of an image reference"
            + " (letters, digits, . _ - : / @) and the wildcards * and ?, without spaces";
    static final String BAD_SELECTOR =
            "operators In and NotIn need at least one value; Exists and DoesNotExist take" + " none";

    record Kind(String file, String kind, String plural, String shortName, String scope) {
        CustomResourceDefinition crd() {
            return Crds.generated(file);
        }

        boolean cluster() {
            return "Cluster".equals(scope);
        }

        @Override
        public String toString() {
            return kind;
        }
    }

    static Stream<Kind> kinds() {
        return Stream.of(
                new Kind(Crds.NAMESPACED, "ImageSizePolicy", "imagesizepolicies", "isp", "Namespaced"),
                new Kind(Crds.CLUSTER, "ClusterImageSizePolicy", "clusterimagesizepolicies", "cisp", "Cluster"));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void namesScopeAndVersion(Kind kind) {
        CustomResourceDefinition crd = kind.crd();

        assertThat(crd.getMetadata().getName()).isEqualTo(kind.plural() + ".imagesize.dev");
        assertThat(crd.getSpec().getGroup()).isEqualTo("imagesize.dev");
        assertThat(crd.getSpec().getScope()).isEqualTo(kind.scope());
        assertThat(crd.getSpec().getNames().getKind()).isEqualTo(kind.kind());
        assertThat(crd.getSpec().getNames().getPlural()).isEqualTo(kind.plural());
        assertThat(crd.getSpec().getNames().getShortNames()).containsExactly(kind.shortName());
        assertThat(crd.getSpec().getNames().getCategories()).containsExactly("imagesize");
        assertThat(crd.getSpec().getVersions())
                .singleElement()
                .satisfies(v -> assertThat(v.getName()).isEqualTo("v1alpha1"))
                .satisfies(v -> assertThat(v.getServed()).isTrue())
                .satisfies(v -> assertThat(v.getStorage()).isTrue());
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void statusIsASubresource(Kind kind) {
        assertThat(version(kind).getSubresources()).isNotNull();
        assertThat(version(kind).getSubresources().getStatus()).isNotNull();
        assertThat(version(kind).getSubresources().getScale()).isNull();
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void printerColumnsAnswerIsItWorkingAndHowBad(Kind kind) {
        Map<String, String> columns = new LinkedHashMap<>();
        for (CustomResourceColumnDefinition column : version(kind).getAdditionalPrinterColumns()) {
            columns.put(column.getName(), column.getJsonPath() + " " + column.getType());
        }

        assertThat(columns)
                .containsOnly(
                        entry("Action", ".spec.action string"),
                        entry("Max-Size", ".spec.maxImageSize string"),
                        entry("Max-Growth", ".spec.maxGrowth string"),
                        entry("Workloads", ".status.workloads integer"),
                        entry("Violations", ".status.violations integer"),
                        entry("Ready", ".status.conditions[?(@.type==\"Ready\")].status string"),
                        entry("Age", ".metadata.creationTimestamp date"));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void celRulesGuardEveryFieldThatNeedsOne(Kind kind) {
        Map<String, List<String>> expected = new LinkedHashMap<>();
        expected.put("spec", List.of(AT_LEAST_ONE_LIMIT));
        expected.put("spec.maxImageSize", List.of(BAD_IMAGE_SIZE + SIZE_HINT));
        expected.put("spec.maxLayerSize", List.of(BAD_LAYER_SIZE + SIZE_HINT));
        expected.put(
                "spec.platforms",
                List.of("platforms must be written os/arch or os/arch/variant in lower case, such as linux/amd64 or"
                        + " linux/arm64/v8"));
        expected.put("spec.exclude.images", List.of(BAD_GLOB, TOO_MANY_STARS));
        expected.put("spec.overrides[]", List.of(AT_LEAST_ONE_LIMIT));
        expected.put("spec.overrides[].images", List.of(BAD_GLOB, TOO_MANY_STARS));
        expected.put("spec.overrides[].maxImageSize", List.of(BAD_IMAGE_SIZE + SIZE_HINT));
        expected.put("spec.overrides[].maxLayerSize", List.of(BAD_LAYER_SIZE + SIZE_HINT));
        List<String> growth = List.of(BAD_GROWTH, GROWTH_PERCENT, GROWTH_SIZE, GROWTH_ONE_OF_EACH);
        expected.put("spec.maxGrowth", growth);
        expected.put("spec.overrides[].maxGrowth", growth);
        expected.put("spec.selector.matchExpressions[]", List.of(BAD_SELECTOR));
        if (kind.cluster()) {
            expected.put("spec.namespaceSelector.matchExpressions[]", List.of(BAD_SELECTOR));
        }

        Map<String, List<String>> actual = new LinkedHashMap<>();
        Crds.walk("spec", spec(kind), (path, schema) -> rules(schema).forEach(rule -> {
            actual.computeIfAbsent(path, p -> new ArrayList<>()).add(rule.getMessage());
            if (path.endsWith("maxImageSize") || path.endsWith("maxLayerSize")) {
                assertThat(rule.getRule()).as("rule at %s", path).isEqualTo(QUANTITY_RULE);
            }
            if (path.endsWith("images") || path.endsWith("platforms")) {
                assertThat(rule.getMessageExpression())
                        .as("a list rule names the items that broke it, at %s", path)
                        .startsWith("'" + rule.getMessage() + "; ");
            }
        }));

        assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
    }

    /**
     * Every integer the API server may store fits the Java field that reads it, so no object can fail the informers'
     * list (issue 11, C2): each integer property has a maximum within the range of its Java type.
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void everyIntegerHasAMaximumThatFitsItsJavaType(Kind kind) {
        Map<String, String> problems = new LinkedHashMap<>();
        List<String> integers = new ArrayList<>();
        Map<String, Class<?>> roots = Map.of(
                "spec",
                kind.cluster() ? ClusterImageSizePolicySpec.class : ImageSizePolicySpec.class,
                "status",
                ImageSizePolicyStatus.class);
        roots.forEach((root, javaType) -> Crds.walk(
                root,
                version(kind).getSchema().getOpenAPIV3Schema().getProperties().get(root),
                (path, schema) -> {
                    if (!"integer".equals(schema.getType())) {
                        return;
                    }
                    integers.add(path);
                    Class<?> field = JavaFields.typeAt(javaType, path.substring(root.length()));
                    BigDecimal fits = JavaFields.largestValueOf(field);
                    if (schema.getMaximum() == null) {
                        problems.put(path, "no maximum (Java " + field.getSimpleName() + ")");
                    } else if (new BigDecimal(schema.getMaximum()).compareTo(fits) > 0) {
                        problems.put(
                                path,
                                "maximum " + new BigDecimal(schema.getMaximum()) + " does not fit Java "
                                        + field.getSimpleName());
                    }
                }));

        assertThat(integers)
                .as("the walk found the integers")
                .contains("spec.maxLayers", "spec.overrides[].maxLayers", "status.observedGeneration")
                .hasSizeGreaterThanOrEqualTo(10);
        assertThat(problems).isEmpty();
    }

    /** The API server refuses a CRD whose CEL rules may cost too much: lists and strings under rules need bounds. */
    @ParameterizedTest
    @MethodSource("kinds")
    void everythingACelRuleReadsIsBounded(Kind kind) {
        List<String> unbounded = new ArrayList<>();
        Crds.walk("spec", spec(kind), (path, schema) -> {
            if ("array".equals(schema.getType()) && hasRulesBelow(schema) && schema.getMaxItems() == null) {
                unbounded.add(path + " (maxItems)");
            }
            if ("string".equals(schema.getType())
                    && schema.getEnum() == null
                    && underARule(path, kind)
                    && schema.getMaxLength() == null) {
                unbounded.add(path + " (maxLength)");
            }
        });
        assertThat(unbounded).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void everyPropertyIsDescribedForKubectlExplain(Kind kind) {
        List<String> undescribed = new ArrayList<>();
        for (String root : List.of("spec", "status")) {
            Crds.walk(
                    root,
                    version(kind)
                            .getSchema()
                            .getOpenAPIV3Schema()
                            .getProperties()
                            .get(root),
                    (path, schema) -> {
                        boolean property = !path.equals(root) && !path.endsWith("[]") && !path.endsWith("{}");
                        if (property
                                && (schema.getDescription() == null
                                        || schema.getDescription().isBlank())) {
                            undescribed.add(path);
                        }
                    });
        }
        assertThat(undescribed).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void enumsDefaultsAndBounds(Kind kind) {
        Map<String, JSONSchemaProps> spec = spec(kind).getProperties();
        assertThat(spec.get("action").getEnum())
                .extracting(Object::toString)
                .containsExactlyInAnyOrder("\"Enforce\"", "\"Warn\"", "\"Audit\"");
        assertThat(spec.get("action").getDefault().asText()).isEqualTo("Enforce");
        assertThat(spec.get("onResolveError").getEnum())
                .extracting(Object::toString)
                .containsExactlyInAnyOrder("\"Allow\"", "\"Warn\"", "\"Deny\"");
        assertThat(spec.get("onResolveError").getDefault().asText()).isEqualTo("Warn");
        assertThat(spec.get("maxLayers").getType()).isEqualTo("integer");
        assertThat(spec.get("maxLayers").getMinimum()).isEqualTo(1.0);
        assertThat(spec.get("maxLayers").getMaximum()).isEqualTo(1000.0);
        assertThat(spec.get("exclude").getProperties().get("images").getMaxItems())
                .isEqualTo(64);
        assertThat(spec.get("overrides").getMaxItems()).isEqualTo(32);
        JSONSchemaProps override = spec.get("overrides").getItems().getSchema();
        assertThat(override.getRequired()).containsExactly("images");
        assertThat(override.getProperties().get("images").getMinItems()).isEqualTo(1);
        assertThat(override.getProperties().get("maxLayers").getMinimum()).isEqualTo(1.0);
        assertThat(spec.get("maxGrowth").getType()).isEqualTo("string");
        assertThat(spec.get("maxGrowth").getMaxLength()).isEqualTo(64);
        assertThat(override.getProperties()).containsKey("maxGrowth");
        assertThat(spec).containsKey("selector");
        if (kind.cluster()) {
            assertThat(spec).containsKey("namespaceSelector");
        } else {
            assertThat(spec).doesNotContainKey("namespaceSelector");
        }

        Map<String, JSONSchemaProps> status = status(kind).getProperties();
        assertThat(status)
                .containsOnlyKeys(
                        "observedGeneration", "conditions", "workloads", "violations", "unresolved", "topViolations");
        assertThat(status.get("topViolations").getMaxItems()).isEqualTo(20);
        assertThat(status.get("topViolations").getItems().getSchema().getProperties())
                .containsKeys(
                        "kind",
                        "namespace",
                        "name",
                        "container",
                        "image",
                        "digest",
                        "platform",
                        "sizeBytes",
                        "limitBytes",
                        "replacedImage",
                        "replacedDigest",
                        "replacedSizeBytes",
                        "limit",
                        "policy");
        assertThat(status.get("topViolations")
                        .getItems()
                        .getSchema()
                        .getProperties()
                        .get("limit")
                        .getEnum())
                .extracting(Object::toString)
                .containsExactlyInAnyOrder("\"maxImageSize\"", "\"maxLayerSize\"", "\"maxLayers\"", "\"maxGrowth\"");
        assertThat(status.get("conditions").getItems().getSchema().getProperties())
                .containsOnlyKeys("type", "status", "reason", "message", "lastTransitionTime", "observedGeneration");
    }

    private static CustomResourceDefinitionVersion version(Kind kind) {
        return kind.crd().getSpec().getVersions().get(0);
    }

    private static JSONSchemaProps spec(Kind kind) {
        return version(kind).getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    }

    private static JSONSchemaProps status(Kind kind) {
        return version(kind).getSchema().getOpenAPIV3Schema().getProperties().get("status");
    }

    private static List<ValidationRule> rules(JSONSchemaProps schema) {
        return schema.getXKubernetesValidations() == null ? List.of() : schema.getXKubernetesValidations();
    }

    private static boolean hasRulesBelow(JSONSchemaProps schema) {
        boolean[] found = {false};
        Crds.walk("", schema, (path, s) -> found[0] |= !rules(s).isEmpty());
        return found[0];
    }

    /** Whether a CEL rule reads the string at path: a rule on the string itself or on the list it is an item of. */
    private static boolean underARule(String path, Kind kind) {
        boolean[] found = {false};
        Crds.walk(
                "spec",
                spec(kind),
                (p, s) -> found[0] |= !rules(s).isEmpty() && (path.equals(p) || path.equals(p + "[]")));
        return found[0];
    }
}
