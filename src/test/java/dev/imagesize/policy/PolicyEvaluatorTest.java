package dev.imagesize.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.image.ImageRef;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Layer;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class PolicyEvaluatorTest {
    private static final long MIB = 1024 * 1024;
    private static final Platform AMD64 = Platform.LINUX_AMD64;
    private static final Platform ARM64 = Platform.parse("linux/arm64");
    private static final String DIGEST = "sha256:" + "a".repeat(64);

    private final Map<ImageRef, ResolveResult> registry = new HashMap<>();
    private final List<ImageRef> asked = new ArrayList<>();
    private final Function<ImageRef, ResolveResult> sizes = image -> {
        asked.add(image);
        return registry.get(image);
    };

    private static Rule rule(String namespace, String name, Limits limits) {
        return rule(namespace, name, limits, Selector.EVERYTHING, List.of(), List.of(), List.of());
    }

    private static Rule rule(
            String namespace,
            String name,
            Limits limits,
            Selector selector,
            List<Rule.Override> overrides,
            List<String> excludes,
            List<Platform> platforms) {
        return new Rule(
                namespace == null ? Rule.CLUSTER_KIND : Rule.NAMESPACED_KIND,
                namespace,
                name,
                Rule.Action.ENFORCE,
                selector,
                Selector.EVERYTHING,
                limits,
                overrides,
                excludes.stream().map(ImageGlob::of).toList(),
                platforms,
                Rule.OnResolveError.WARN);
    }

    private static Limits maxSize(long bytes) {
        return new Limits(bytes, null, null);
    }

    private void image(String reference, Platform platform, long... layers) {
        ImageRef ref = ImageRef.parse(reference);
        List<Layer> list = new ArrayList<>();
        for (int i = 0; i < layers.length; i++) {
            list.add(new Layer(
                    "sha256:" + Integer.toString(i).repeat(64),
                    layers[i],
                    "application/vnd.oci.image.layer.v1.tar+gzip"));
        }
        ImageSize size =
                new ImageSize(ref, null, DIGEST, platform, "application/vnd.oci.image.manifest.v1+json", 1_000, list);
        registry.put(ref, new ResolveResult.Sized(ref, List.of(size), List.of(), List.of(platform)));
    }

    private static Container container(String name, String image) {
        return new Container(name, Container.Type.CONTAINER, image);
    }

    @Test
    void everyApplicablePolicyJudgesEveryContainer() {
        image("reg.io/shop/api:1", AMD64, 3 * MIB);
        image("reg.io/shop/sidecar:1", AMD64, 100);
        Rule tight = rule("shop", "tight", maxSize(MIB));
        Rule loose = rule(null, "loose", maxSize(10 * MIB));

        List<Finding> findings = PolicyEvaluator.evaluate(
                List.of(tight, loose),
                List.of(container("api", "reg.io/shop/api:1"), container("sidecar", "reg.io/shop/sidecar:1")),
                PlatformScope.cluster(List.of()),
                sizes);

        assertThat(findings)
                .extracting(f -> f.rule().name() + "/" + f.container().name() + "=" + f.outcome())
                .containsExactly("tight/api=OVER", "loose/api=WITHIN", "tight/sidecar=WITHIN", "loose/sidecar=WITHIN");
        Finding over = findings.get(0);
        assertThat(over.breaches()).singleElement().satisfies(b -> {
            assertThat(b.limit()).isEqualTo(Limits.Breach.Limit.MAX_IMAGE_SIZE);
            assertThat(b.actual()).isEqualTo(3 * MIB + 1_000);
            assertThat(b.excess()).isEqualTo(2 * MIB + 1_000);
        });
    }

    @Test
    void firstMatchingOverrideWinsAndKeepsTheLimitsItDoesNotSet() {
        Rule rule = rule(
                "ml",
                "budget",
                new Limits(MIB, 512 * 1024L, 3),
                Selector.EVERYTHING,
                List.of(
                        new Rule.Override(List.of(ImageGlob.of("ghcr.io/acme/ml-*")), new Limits(8 * MIB, null, null)),
                        new Rule.Override(List.of(ImageGlob.of("ghcr.io/acme/*")), new Limits(2 * MIB, 4 * MIB, 10))),
                List.of(),
                List.of());

        assertThat(rule.limitsFor(ImageRef.parse("ghcr.io/acme/ml-train:1")))
                .isEqualTo(new Limits(8 * MIB, 512 * 1024L, 3));
        assertThat(rule.limitsFor(ImageRef.parse("ghcr.io/acme/web:1"))).isEqualTo(new Limits(2 * MIB, 4 * MIB, 10));
        assertThat(rule.limitsFor(ImageRef.parse("nginx"))).isEqualTo(new Limits(MIB, 512 * 1024L, 3));

        image("ghcr.io/acme/ml-train:1", AMD64, 5 * MIB);
        List<Finding> findings = PolicyEvaluator.evaluate(
                List.of(rule),
                List.of(container("train", "ghcr.io/acme/ml-train:1")),
                PlatformScope.cluster(List.of()),
                sizes);
        assertThat(findings).singleElement().satisfies(f -> {
            assertThat(f.outcome()).isEqualTo(Finding.Outcome.OVER);
            assertThat(f.breaches())
                    .extracting(Limits.Breach::limit)
                    .containsExactly(Limits.Breach.Limit.MAX_LAYER_SIZE); // 8Mi image budget, 512Ki layers kept
        });
    }

    @Test
    void excludedImagesAreNeverLookedUp() {
        Rule rule = rule(
                "shop",
                "budget",
                maxSize(MIB),
                Selector.EVERYTHING,
                List.of(),
                List.of("registry.k8s.io/*", "nginx*"),
                List.of());
        List<Container> containers =
                List.of(container("pause", "registry.k8s.io/pause:3.9"), container("web", "nginx:1.27"));

        assertThat(PolicyEvaluator.imagesToSize(List.of(rule), containers, PlatformScope.cluster(List.of())))
                .isEmpty();
        List<Finding> findings =
                PolicyEvaluator.evaluate(List.of(rule), containers, PlatformScope.cluster(List.of()), sizes);
        assertThat(findings).extracting(Finding::outcome).containsOnly(Finding.Outcome.EXCLUDED);
        assertThat(asked).isEmpty();
    }

    @Test
    void selectorsScopePoliciesToWorkloads() {
        Selector web =
                new Selector(Map.of("tier", "web"), List.of(new Selector.Requirement("env", "NotIn", Set.of("dev"))));
        Rule namespaced = rule("shop", "web", maxSize(MIB), web, List.of(), List.of(), List.of());
        Rule cluster = new Rule(
                Rule.CLUSTER_KIND,
                null,
                "prod",
                Rule.Action.WARN,
                Selector.EVERYTHING,
                new Selector(Map.of(), List.of(new Selector.Requirement("stage", "In", Set.of("prod")))),
                maxSize(MIB),
                List.of(),
                List.of(),
                List.of(),
                Rule.OnResolveError.ALLOW);
        List<Rule> rules = List.of(namespaced, cluster);

        assertThat(PolicyEvaluator.applicable(rules, "shop", Map.of("tier", "web"), Map.of("stage", "prod")))
                .containsExactly(namespaced, cluster);
        assertThat(PolicyEvaluator.applicable(rules, "shop", Map.of("tier", "web", "env", "dev"), Map.of()))
                .isEmpty();
        assertThat(PolicyEvaluator.applicable(rules, "other", Map.of("tier", "web"), Map.of("stage", "prod")))
                .as("a namespaced policy never reaches another namespace")
                .containsExactly(cluster);
        assertThat(Selector.EVERYTHING.matches(null)).isTrue();
        assertThat(new Selector(Map.of(), List.of(new Selector.Requirement("x", "Exists", Set.of()))).matches(Map.of()))
                .isFalse();
    }

    @Test
    void unknownSizesAndInvalidReferencesAreFindingsNotExceptions() {
        ImageRef down = ImageRef.parse("reg.io/shop/down:1");
        registry.put(
                down,
                new ResolveResult.Failed(
                        down, new ResolveError(ResolveError.Kind.UNREACHABLE, "registry reg.io is unreachable")));
        Rule rule = rule("shop", "budget", maxSize(MIB));

        List<Finding> findings = PolicyEvaluator.evaluate(
                List.of(rule),
                List.of(container("down", "reg.io/shop/down:1"), container("bad", "reg.io/Shop/App")),
                PlatformScope.cluster(List.of()),
                sizes);

        assertThat(findings)
                .extracting(Finding::outcome)
                .containsExactly(Finding.Outcome.UNKNOWN, Finding.Outcome.UNKNOWN);
        assertThat(findings.get(0).error().kind()).isEqualTo(ResolveError.Kind.UNREACHABLE);
        assertThat(findings.get(1).error().kind()).isEqualTo(ResolveError.Kind.INVALID_REFERENCE);
        assertThat(asked).containsExactly(down);
        assertThat(Messages.unknown(findings.get(0)))
                .isEqualTo(
                        "container \"down\" image \"reg.io/shop/down:1\": size unknown (registry reg.io is unreachable);"
                                + " ImageSizePolicy shop/budget has onResolveError Warn");
    }

    @Test
    void platformsComeFromThePolicyElseTheClusterElseAmd64() {
        ImageRef ref = ImageRef.parse("reg.io/multi:1");
        ImageSize amd = new ImageSize(ref, "sha256:i", DIGEST, AMD64, "m", 10, List.of(new Layer("l1", 2 * MIB, "t")));
        ImageSize arm = new ImageSize(ref, "sha256:i", DIGEST, ARM64, "m", 10, List.of(new Layer("l2", 100, "t")));
        registry.put(ref, new ResolveResult.Sized(ref, List.of(amd, arm), List.of(), List.of(AMD64, ARM64)));
        Rule armOnly = rule("shop", "arm", maxSize(MIB), Selector.EVERYTHING, List.of(), List.of(), List.of(ARM64));
        Rule clusterPlatforms = rule("shop", "cluster", maxSize(MIB));
        List<Container> containers = List.of(container("app", "reg.io/multi:1"));

        assertThat(PolicyEvaluator.imagesToSize(
                        List.of(armOnly, clusterPlatforms), containers, PlatformScope.cluster(List.of(AMD64, ARM64))))
                .containsEntry(ref, PlatformSelection.of(List.of(ARM64, AMD64)));
        List<Finding> findings = PolicyEvaluator.evaluate(
                List.of(armOnly, clusterPlatforms), containers, PlatformScope.cluster(List.of(AMD64, ARM64)), sizes);
        assertThat(findings)
                .extracting(f -> f.rule().name() + ":" + f.size().platform() + "=" + f.outcome())
                .containsExactly("arm:linux/arm64=WITHIN", "cluster:linux/amd64=OVER", "cluster:linux/arm64=WITHIN");

        List<Finding> noNodes = PolicyEvaluator.evaluate(
                List.of(clusterPlatforms), containers, PlatformScope.cluster(List.of()), sizes);
        assertThat(noNodes).singleElement().satisfies(f -> assertThat(f.size().platform())
                .isEqualTo(AMD64));

        Rule s390 = rule(
                "shop",
                "s390",
                maxSize(MIB),
                Selector.EVERYTHING,
                List.of(),
                List.of(),
                List.of(Platform.parse("linux/s390x")));
        assertThat(PolicyEvaluator.evaluate(List.of(s390), containers, PlatformScope.cluster(List.of()), sizes))
                .singleElement()
                .satisfies(f -> {
                    assertThat(f.outcome()).isEqualTo(Finding.Outcome.UNKNOWN);
                    assertThat(f.error().kind()).isEqualTo(ResolveError.Kind.PLATFORM_MISSING);
                });
    }

    @Test
    void theDenialMessageNamesEverythingTheUserNeeds() {
        image("registry.local/shop/api:1.4", AMD64, 640 * MIB, 172 * MIB);
        Rule rule = rule("shop", "web-budget", new Limits(200 * MIB, 100 * MIB, 1));
        Finding finding = PolicyEvaluator.evaluate(
                        List.of(rule),
                        List.of(container("api", "registry.local/shop/api:1.4")),
                        PlatformScope.cluster(List.of()),
                        sizes)
                .get(0);

        assertThat(Messages.over(finding))
                .isEqualTo("container \"api\" image \"registry.local/shop/api:1.4\" ("
                        + DIGEST
                        + ", linux/amd64) is 812.0 MiB compressed, over the 200.0 MiB maxImageSize and with a 640.0 MiB"
                        + " layer (sha256:000000000000...) over the 100.0 MiB maxLayerSize and with 2 layers, over the maxLayers"
                        + " of 1 of ImageSizePolicy shop/web-budget; largest layer 640.0 MiB (sha256:000000000000...)");
    }

    @Test
    void aPlatformThePolicyNamesAndTheImageLacksIsUnknownBesideTheMeasuredOnes() {
        image("reg.io/amd-only:1", AMD64, 3 * MIB);
        Rule both = rule(
                "shop", "both", maxSize(10 * MIB), Selector.EVERYTHING, List.of(), List.of(), List.of(AMD64, ARM64));
        List<Finding> findings = PolicyEvaluator.evaluate(
                List.of(both), List.of(container("app", "reg.io/amd-only:1")), PlatformScope.cluster(List.of()), sizes);

        assertThat(findings)
                .extracting(Finding::outcome)
                .containsExactly(Finding.Outcome.WITHIN, Finding.Outcome.UNKNOWN);
        assertThat(findings.get(1).error().kind()).isEqualTo(ResolveError.Kind.PLATFORM_MISSING);
        assertThat(Messages.unknown(findings.get(1)))
                .isEqualTo(
                        "container \"app\" image \"reg.io/amd-only:1\": size unknown (image reg.io/amd-only:1 has no"
                                + " linux/arm64 image (it has: linux/amd64)); ImageSizePolicy shop/both has onResolveError Warn");
    }

    @Test
    void clusterPlatformsMeasureOnlyWhatTheImageHasAndNoneIsUnknown() {
        image("reg.io/amd-only:1", AMD64, 3 * MIB);
        Rule cluster = rule("shop", "cluster", maxSize(10 * MIB));
        List<Container> app = List.of(container("app", "reg.io/amd-only:1"));

        assertThat(PolicyEvaluator.evaluate(List.of(cluster), app, PlatformScope.cluster(List.of(AMD64, ARM64)), sizes))
                .extracting(Finding::outcome)
                .containsExactly(Finding.Outcome.WITHIN);
        List<Finding> armCluster =
                PolicyEvaluator.evaluate(List.of(cluster), app, PlatformScope.cluster(List.of(ARM64)), sizes);
        assertThat(armCluster).singleElement().satisfies(f -> {
            assertThat(f.outcome()).isEqualTo(Finding.Outcome.UNKNOWN);
            assertThat(f.error().message())
                    .isEqualTo(
                            "image reg.io/amd-only:1 has none of the cluster's platforms linux/arm64 (it has: linux/amd64)");
        });
    }

    @Test
    void everyPlatformScopeMeasuresEachPlatformTheImageHas() {
        ImageRef ref = ImageRef.parse("reg.io/multi:1");
        ImageSize amd = new ImageSize(ref, "sha256:i", DIGEST, AMD64, "m", 10, List.of(new Layer("l1", 2 * MIB, "t")));
        ImageSize arm = new ImageSize(ref, "sha256:i", DIGEST, ARM64, "m", 10, List.of(new Layer("l2", 100, "t")));
        registry.put(ref, new ResolveResult.Sized(ref, List.of(amd, arm), List.of(), List.of(AMD64, ARM64)));
        Rule any = rule("shop", "any", maxSize(MIB));
        List<Container> app = List.of(container("app", "reg.io/multi:1"));

        assertThat(PolicyEvaluator.imagesToSize(List.of(any), app, PlatformScope.everyPlatform()))
                .containsEntry(ref, PlatformSelection.allPlatforms());
        assertThat(PolicyEvaluator.evaluate(List.of(any), app, PlatformScope.everyPlatform(), sizes))
                .extracting(f -> f.size().platform() + "=" + f.outcome())
                .containsExactly("linux/amd64=OVER", "linux/arm64=WITHIN");
    }

    @Test
    void aSizeAndItsLimitNeverReadTheSame() {
        assertThat(Messages.distinct(2_410_000, 2_400_000)).containsExactly("2.30 MiB", "2.29 MiB");
        assertThat(Messages.distinct(3 * MIB, MIB)).containsExactly("3.0 MiB", "1.0 MiB");
        assertThat(Messages.distinct(MIB + 1, MIB))
                .as("three decimals that still read the same fall back to exact bytes")
                .containsExactly("1,048,577 bytes", "1,048,576 bytes");
        assertThat(Messages.distinct(1_049_700, MIB)).containsExactly("1.001 MiB", "1.000 MiB");

        image("reg.io/close:1", AMD64, 2_410_000 - 1_000);
        Finding finding = PolicyEvaluator.evaluate(
                        List.of(rule("shop", "close", maxSize(2_400_000))),
                        List.of(container("app", "reg.io/close:1")),
                        PlatformScope.cluster(List.of()),
                        sizes)
                .get(0);
        assertThat(Messages.over(finding)).contains("is 2.30 MiB compressed, over the 2.29 MiB maxImageSize");
    }
}
