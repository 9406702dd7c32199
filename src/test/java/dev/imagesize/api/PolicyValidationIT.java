package dev.imagesize.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagesize.testing.Kubectl.Result;
import dev.imagesize.testing.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Applies the committed CRDs and the examples to a real kube-apiserver with kubectl, as a user would, and checks that
 * the API server itself refuses invalid policies with the messages the CRDs promise.
 */
class PolicyValidationIT {

    @BeforeAll
    static void applyTheCrds() {
        Path crds = Crds.projectDir().resolve("crds");
        kubectl(
                        "apply",
                        "-f",
                        crds.resolve(Crds.NAMESPACED).toString(),
                        "-f",
                        crds.resolve(Crds.CLUSTER).toString())
                .assertSucceeded();
        kubectl(
                        "wait",
                        "--for=condition=Established",
                        "--timeout=60s",
                        "crd/imagesizepolicies.imagesize.dev",
                        "crd/clusterimagesizepolicies.imagesize.dev")
                .assertSucceeded();
    }

    /** The API server is shared by every IT of this JVM: leave no policy behind to govern their workloads. */
    @AfterAll
    static void deleteThePolicies() {
        kubectl("delete", "clusterimagesizepolicies", "--all", "--wait=false").assertSucceeded();
        kubectl("delete", "imagesizepolicies", "--all", "--all-namespaces", "--wait=false")
                .assertSucceeded();
    }

    @ParameterizedTest
    @CsvSource({
        "service-budget.yaml",
        "cluster-baseline.yaml",
        "audit-layers.yaml",
        "demo-budget.yaml",
        "growth-budget.yaml",
        "content-budget.yaml"
    })
    void examplesApplyAsTheyAre(String example) {
        kubectl("apply", "-n", "default", "-f", example(example)).assertSucceeded();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "bad-quantity.yaml   | spec.maxImageSize: Invalid value: \"string\": maxImageSize must be a positive size"
                        + " such as 200Mi or 1Gi",
                "unknown-action.yaml | spec.action: Unsupported value: \"Block\": supported values: \"Audit\","
                        + " \"Enforce\", \"Warn\"",
                "no-limit.yaml       | spec: Invalid value: \"object\": set at least one limit: maxImageSize,"
                        + " maxLayerSize, maxLayers, maxGrowth, maxUncompressedSize, minEfficiency or maxWastedBytes"
            })
    void invalidExamplesAreRefusedWithAMessageAPersonUnderstands(String example, String message) {
        Result result = kubectl("apply", "-n", "default", "-f", example("invalid/" + example));

        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output()).contains("is invalid").contains(message);
    }

    static Stream<Arguments> invalidSpecs() {
        return Stream.of(
                Arguments.of("{maxImageSize: '0'}", GeneratedCrdTest.BAD_IMAGE_SIZE),
                Arguments.of("{maxImageSize: -1Gi}", GeneratedCrdTest.BAD_IMAGE_SIZE),
                Arguments.of("{maxLayerSize: lots}", GeneratedCrdTest.BAD_LAYER_SIZE),
                Arguments.of("{maxLayers: 0}", "spec.maxLayers in body should be greater than or equal to 1"),
                Arguments.of("{maxLayers: 10, onResolveError: Ignore}", "spec.onResolveError: Unsupported value"),
                Arguments.of(
                        "{maxLayers: 10, platforms: [linux]}",
                        "platforms must be written os/arch or os/arch/variant in lower case, such as linux/amd64 or"
                                + " linux/arm64/v8; not valid: \"linux\""),
                Arguments.of(
                        "{maxLayers: 10, exclude: {images: ['docker.io/library/*', 'my image', 'a\tb']}}",
                        GeneratedCrdTest.BAD_GLOB + "; not valid: \"my image\""),
                Arguments.of(
                        "{maxLayers: 10, overrides: [{images: ['ghcr.io/*', ''], maxLayers: 5}]}",
                        "spec.overrides[0].images: Invalid value: \"array\": " + GeneratedCrdTest.BAD_GLOB
                                + "; not valid: \"\""),
                Arguments.of(
                        "{maxLayers: 10, overrides: [{images: ['ghcr.io/acme/*']}]}",
                        "spec.overrides[0]: Invalid value: \"object\": " + GeneratedCrdTest.AT_LEAST_ONE_LIMIT),
                Arguments.of(
                        "{maxLayers: 10, overrides: [{images: [], maxLayers: 50}]}",
                        "spec.overrides[0].images: Invalid value: 0: spec.overrides[0].images in body should have at"
                                + " least 1 items"),
                Arguments.of(
                        "{maxLayers: 10, overrides: [{maxLayers: 50}]}", "spec.overrides[0].images: Required value"),
                Arguments.of(
                        "{maxLayers: 10, overrides: [{images: ['ghcr.io/*'], maxImageSize: 1.5 GB}]}",
                        "spec.overrides[0].maxImageSize: Invalid value: \"string\": maxImageSize must be a positive"
                                + " size"),
                Arguments.of(
                        "{maxLayers: 10, selector: {matchExpressions: [{key: tier, operator: In}]}}",
                        GeneratedCrdTest.BAD_SELECTOR),
                Arguments.of(
                        "{maxLayers: 10, selector: {matchExpressions: [{key: tier, operator: Is, values: [web]}]}}",
                        "spec.selector.matchExpressions[0].operator: Unsupported value: \"Is\""));
    }

    /**
     * What the operator could not use, refused by the API server with a message naming the field (issue 11): every
     * quantity the operator's ByteSize refuses, integers beyond the Java fields, and globs beyond the star cap.
     */
    static Stream<Arguments> unusableSpecs() {
        String imageSize = "spec.maxImageSize: Invalid value: \"string\": " + GeneratedCrdTest.BAD_IMAGE_SIZE;
        String layerSize = "spec.maxLayerSize: Invalid value: \"string\": " + GeneratedCrdTest.BAD_LAYER_SIZE;
        String stars = GeneratedCrdTest.TOO_MANY_STARS + "; too many: ";
        return Stream.of(
                Arguments.of("{maxImageSize: 100m}", imageSize, "\"100m\""),
                Arguments.of("{maxImageSize: 8Ei}", imageSize, "\"8Ei\""),
                Arguments.of("{maxImageSize: 9Ei}", imageSize, "\"9Ei\""),
                Arguments.of("{maxImageSize: 9.3E}", imageSize, "\"9.3E\""),
                Arguments.of("{maxImageSize: '9223372036854775807'}", imageSize, "9223372036854775807"),
                Arguments.of("{maxLayerSize: '1e19'}", layerSize, "\"1e19\""),
                Arguments.of("{maxLayerSize: 1e4294967296}", layerSize, "1e4294967296"),
                Arguments.of("{maxLayerSize: '1e-1000'}", layerSize, "1e-1000"),
                Arguments.of("{maxLayerSize: 5n}", layerSize, "5n"),
                Arguments.of("{maxLayerSize: 1500u}", layerSize, "1500u"),
                Arguments.of(
                        "{maxLayers: 10, overrides: [{images: ['ghcr.io/*'], maxImageSize: 1000m}]}",
                        "spec.overrides[0].maxImageSize: Invalid value: \"string\": " + GeneratedCrdTest.BAD_IMAGE_SIZE,
                        "\"1000m\""),
                Arguments.of("{maxLayers: 3000000000}", "spec.maxLayers", "less than or equal to 1000"),
                Arguments.of("{maxLayers: 1001}", "spec.maxLayers", "less than or equal to 1000"),
                Arguments.of("{maxLayers: 9223372036854775808}", "spec.maxLayers", "less than or equal to 1000"),
                Arguments.of(
                        "{maxLayers: 10, overrides: [{images: ['ghcr.io/*'], maxLayers: 2147483648}]}",
                        "spec.overrides[0].maxLayers",
                        "less than or equal to 1000"),
                Arguments.of(
                        "{maxLayers: 10, exclude: {images: ['ghcr.io/*', '*a*a*a*a*a*a*a*a*b']}}",
                        "spec.exclude.images",
                        stars + "\"*a*a*a*a*a*a*a*a*b\""),
                Arguments.of(
                        "{maxLayers: 10, overrides: [{images: ['" + "*a".repeat(255) + "*'], maxLayers: 5}]}",
                        "spec.overrides[0].images",
                        stars));
    }

    @ParameterizedTest
    @MethodSource("unusableSpecs")
    void whatTheOperatorCannotUseIsRefused(String spec, String field, String detail) {
        String policy = "apiVersion: imagesize.dev/v1alpha1\nkind: ImageSizePolicy\nmetadata:\n  name: refused\n"
                + "spec: " + spec + "\n";

        Result result = kubectlWithInput(policy, "apply", "--dry-run=server", "-n", "default", "-f", "-");

        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output()).contains("is invalid", field, detail);
    }

    static Stream<String> usableSpecs() {
        return Stream.of(
                "maxImageSize: '0.1'",
                "maxImageSize: 7.9Ei",
                "maxImageSize: '9223372036854775806'",
                "maxImageSize: '1e18'",
                "maxImageSize: '5e-3'",
                "maxLayers: 1000",
                "maxLayers: 1, exclude: {images: [nginx*, '*/acme/*', '*a*a*a*a*a*a*a*b']}");
    }

    /** Near the edges, what the operator can use is accepted (and means what ByteSize reads). */
    @ParameterizedTest
    @MethodSource("usableSpecs")
    void whatTheOperatorCanUseIsAccepted(String spec) {
        String policy = "apiVersion: imagesize.dev/v1alpha1\nkind: ImageSizePolicy\nmetadata:\n  name: accepted\n"
                + "spec: {" + spec + "}\n";

        Result result = kubectlWithInput(policy, "apply", "--dry-run=server", "-n", "default", "-f", "-");

        assertThat(result.exitCode()).as(result.output()).isZero();
    }

    @ParameterizedTest
    @MethodSource("invalidSpecs")
    void invalidSpecsAreRefused(String spec, String message) {
        String policy = "apiVersion: imagesize.dev/v1alpha1\nkind: ImageSizePolicy\nmetadata:\n  name: refused\n"
                + "spec: " + spec + "\n";

        Result result = kubectlWithInput(policy, "apply", "--dry-run=server", "-n", "default", "-f", "-");

        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output()).contains(message);
    }

    /** What each growth limit means to the API server and to the operator: both accept or both refuse. */
    static Stream<Arguments> growthLimits() {
        String form = "spec.maxGrowth: Invalid value: \"string\": " + GeneratedCrdTest.BAD_GROWTH;
        String percent = "spec.maxGrowth: Invalid value: \"string\": " + GeneratedCrdTest.GROWTH_PERCENT;
        String size = "spec.maxGrowth: Invalid value: \"string\": " + GeneratedCrdTest.GROWTH_SIZE;
        String oneOfEach = "spec.maxGrowth: Invalid value: \"string\": " + GeneratedCrdTest.GROWTH_ONE_OF_EACH;
        String override = "spec.overrides[0].maxGrowth: Invalid value: \"string\": " + GeneratedCrdTest.BAD_GROWTH;
        return Stream.of(
                Arguments.of("maxGrowth: 20%", null),
                Arguments.of("maxGrowth: 0%", null),
                Arguments.of("maxGrowth: 12.5%", null),
                Arguments.of("maxGrowth: 1000%", null),
                Arguments.of("maxGrowth: 50Mi", null),
                Arguments.of("maxGrowth: '1e6'", null),
                Arguments.of("maxGrowth: '20%, 50Mi'", null),
                Arguments.of("maxGrowth: '50Mi,20%'", null),
                Arguments.of("maxGrowth: '20%  ,  7.9Ei'", null),
                Arguments.of("maxGrowth: 1000.5%", percent),
                Arguments.of("maxGrowth: 9999%", percent),
                Arguments.of("maxGrowth: 0Mi", size),
                Arguments.of("maxGrowth: 8Ei", size),
                Arguments.of("maxGrowth: '20%, 8Ei'", size),
                Arguments.of("maxGrowth: '20%, 30%'", oneOfEach),
                Arguments.of("maxGrowth: '1Mi, 2Mi'", oneOfEach),
                Arguments.of("maxGrowth: '20'", form),
                Arguments.of("maxGrowth: 20 %", form),
                Arguments.of("maxGrowth: -5%", form),
                Arguments.of("maxGrowth: 100m", form),
                Arguments.of("maxGrowth: '20%, 1Mi, 2%'", form),
                Arguments.of("maxGrowth: ' 20%'", form),
                Arguments.of("maxGrowth: 1e4294967296", form),
                Arguments.of("maxGrowth: 20", "spec.maxGrowth: Invalid value: \"integer\""),
                Arguments.of("maxLayers: 10, overrides: [{images: ['ghcr.io/*'], maxGrowth: lots}]", override));
    }

    /** The limits on the content analysis: what the API server accepts, and how it says what it refuses. */
    static Stream<Arguments> contentLimits() {
        String uncompressed =
                "spec.maxUncompressedSize: Invalid value: \"string\": " + GeneratedCrdTest.BAD_UNCOMPRESSED_SIZE;
        String wasted = "spec.maxWastedBytes: Invalid value: \"string\": " + GeneratedCrdTest.BAD_WASTED_BYTES;
        String efficiency = "spec.minEfficiency: Invalid value: \"number\": " + GeneratedCrdTest.BAD_EFFICIENCY;
        return Stream.of(
                Arguments.of("maxUncompressedSize: 1Gi", null),
                Arguments.of("minEfficiency: 0.9", null),
                Arguments.of("minEfficiency: 1", null),
                Arguments.of("minEfficiency: 0", null),
                Arguments.of("maxWastedBytes: 20Mi", null),
                Arguments.of("maxUncompressedSize: 2Gi, minEfficiency: 0.95, maxWastedBytes: 50M", null),
                Arguments.of("maxImageSize: 1Gi, overrides: [{images: ['ghcr.io/*'], minEfficiency: 0.5}]", null),
                Arguments.of("maxUncompressedSize: '0'", uncompressed),
                Arguments.of("maxUncompressedSize: 100m", uncompressed),
                Arguments.of("maxWastedBytes: lots", wasted),
                Arguments.of("maxWastedBytes: 8Ei", wasted),
                Arguments.of("minEfficiency: 1.5", efficiency),
                Arguments.of("minEfficiency: -0.1", efficiency),
                Arguments.of("minEfficiency: '90%'", "spec.minEfficiency: Invalid value: \"string\""),
                Arguments.of(
                        "maxLayers: 10, overrides: [{images: ['ghcr.io/*'], minEfficiency: 2}]",
                        "spec.overrides[0].minEfficiency: Invalid value: \"number\": "
                                + GeneratedCrdTest.BAD_EFFICIENCY));
    }

    @ParameterizedTest
    @MethodSource("contentLimits")
    void contentLimitsAreValidatedByTheApiServer(String spec, String refusal) {
        String policy = "apiVersion: imagesize.dev/v1alpha1\nkind: ImageSizePolicy\nmetadata:\n  name: content\n"
                + "spec: {" + spec + "}\n";

        Result result = kubectlWithInput(policy, "apply", "--dry-run=server", "-n", "default", "-f", "-");

        if (refusal == null) {
            assertThat(result.exitCode()).as(result.output()).isZero();
        } else {
            assertThat(result.exitCode()).as(result.output()).isNotZero();
            assertThat(result.output()).contains("is invalid", refusal);
        }
    }

    /** Values with a comma are quoted: in the flow mapping the test writes, a bare comma ends the value. */
    @ParameterizedTest
    @MethodSource("growthLimits")
    void growthLimitsMeanTheSameToTheApiServerAndTheOperator(String spec, String refusal) {
        String policy = "apiVersion: imagesize.dev/v1alpha1\nkind: ImageSizePolicy\nmetadata:\n  name: growth\n"
                + "spec: {" + spec + "}\n";

        Result result = kubectlWithInput(policy, "apply", "--dry-run=server", "-n", "default", "-f", "-");

        if (refusal == null) {
            assertThat(result.exitCode()).as(result.output()).isZero();
        } else {
            assertThat(result.exitCode()).as(result.output()).isNotZero();
            assertThat(result.output()).contains("is invalid", refusal);
        }
        String value = spec.startsWith("maxGrowth: ") ? spec.substring("maxGrowth: ".length()) : null;
        if (value != null && !value.equals("20")) {
            String unquoted = value.startsWith("'") ? value.substring(1, value.length() - 1) : value;
            boolean operatorAccepts;
            try {
                dev.imagesize.policy.MaxGrowth.parse(unquoted);
                operatorAccepts = true;
            } catch (IllegalArgumentException e) {
                operatorAccepts = false;
            }
            assertThat(operatorAccepts).as("MaxGrowth.parse(\"%s\")", unquoted).isEqualTo(refusal == null);
        }
    }

    @Test
    void theClusterPolicyHasTheSameRulesPlusANamespaceSelector() {
        String policy = "apiVersion: imagesize.dev/v1alpha1\nkind: ClusterImageSizePolicy\nmetadata:\n  name: refused\n"
                + "spec: {namespaceSelector: {matchExpressions: [{key: team, operator: Exists, values: [a]}]}}\n";

        Result result = kubectlWithInput(policy, "apply", "--dry-run=server", "-f", "-");

        assertThat(result.output()).contains(GeneratedCrdTest.AT_LEAST_ONE_LIMIT, GeneratedCrdTest.BAD_SELECTOR);
    }

    @Test
    void defaultsAreFilledInByTheApiServer() {
        String policy = "apiVersion: imagesize.dev/v1alpha1\nkind: ImageSizePolicy\nmetadata:\n  name: defaults\n"
                + "spec: {maxImageSize: 1Gi}\n";

        Result result = kubectlWithInput(
                policy, "apply", "--dry-run=server", "-n", "default", "-f", "-", "-o", "jsonpath={.spec}");

        result.assertSucceeded();
        assertThat(result.output()).contains("\"action\":\"Enforce\"", "\"onResolveError\":\"Warn\"");
    }

    @Test
    void getShowsThePrinterColumnsAndTheCategoryListsBothKinds() {
        kubectl(
                        "apply",
                        "-n",
                        "default",
                        "-f",
                        example("service-budget.yaml"),
                        "-f",
                        example("audit-layers.yaml"),
                        "-f",
                        example("growth-budget.yaml"))
                .assertSucceeded();

        Result isp = kubectl("get", "isp", "-n", "default");
        isp.assertSucceeded();
        assertThat(isp.output().lines().findFirst().orElseThrow().split("\\s+"))
                .containsExactlyInAnyOrder(
                        "NAME", "ACTION", "MAX-SIZE", "MAX-GROWTH", "WORKLOADS", "VIOLATIONS", "READY", "AGE");
        // fabric8 orders the columns by JSON path (fabric8io/kubernetes-client#7454), so only their presence counts.
        assertThat(row(isp.output(), "service-budget"))
                .containsEntry("ACTION", "Enforce")
                .containsEntry("MAX-SIZE", "100Mi")
                .containsEntry("MAX-GROWTH", "")
                .containsEntry("READY", "");
        assertThat(row(isp.output(), "web-growth"))
                .containsEntry("MAX-SIZE", "500Mi")
                .containsEntry("MAX-GROWTH", "20%, 50Mi");

        Result all = kubectl("get", "imagesize", "-A");
        all.assertSucceeded();
        assertThat(all.output())
                .contains("imagesizepolicy.imagesize.dev/service-budget")
                .contains("clusterimagesizepolicy.imagesize.dev/audit-layers");
    }

    @Test
    void explainDescribesTheSizeThatIsMeasured() {
        // the OpenAPI document follows the CRD by a few seconds
        Result explain = await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> kubectl("explain", "imagesizepolicy.spec.maxImageSize"),
                        result -> result.exitCode() == 0 && result.output().contains("compressed"));
        explain.assertSucceeded();
        assertThat(explain.output()).contains("compressed size", "200Mi");

        Result growth = kubectl("explain", "imagesizepolicy.spec.maxGrowth");
        growth.assertSucceeded();
        assertThat(growth.output().replaceAll("\\s+", " ")) // kubectl wraps the description
                .contains("percentage of the previous size", "20%, 50Mi", "either breach counts", "onResolveError");
        kubectl("explain", "isp.spec.overrides.maxGrowth").assertSucceeded();

        Result cluster = kubectl("explain", "cisp.spec.namespaceSelector.matchExpressions.operator");
        cluster.assertSucceeded();
        assertThat(cluster.output()).contains("In, NotIn, Exists or DoesNotExist");
    }

    private static String example(String name) {
        return Crds.projectDir().resolve("examples").resolve(name).toString();
    }

    private static Result kubectl(String... args) {
        return TestCluster.get().kubectl().run(args);
    }

    /** The cells of the row of a kubectl table whose first column is name, by header. */
    private static Map<String, String> row(String table, String name) {
        List<String> lines = table.lines().toList();
        String header = lines.get(0);
        String line = lines.stream()
                .filter(l -> l.startsWith(name + " "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no row " + name + " in\n" + table));
        Map<String, String> cells = new LinkedHashMap<>();
        Matcher column = Pattern.compile("\\S+").matcher(header);
        List<int[]> spans = new ArrayList<>();
        List<String> names = new ArrayList<>();
        while (column.find()) {
            names.add(column.group());
            spans.add(new int[] {column.start(), header.length()});
            if (spans.size() > 1) {
                spans.get(spans.size() - 2)[1] = column.start();
            }
        }
        for (int i = 0; i < names.size(); i++) {
            int start = Math.min(spans.get(i)[0], line.length());
            int end = i == names.size() - 1 ? line.length() : Math.min(spans.get(i)[1], line.length());
            cells.put(names.get(i), line.substring(start, end).strip());
        }
        return cells;
    }

    private static Result kubectlWithInput(String stdin, String... args) {
        return TestCluster.get().kubectl().runWithInput(stdin, args);
    }
}
