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
import org.junit.jupiter.api.Test;

/** maxGrowth in the pure evaluator: compared per container and platform, recorded sizes, not compared, unknown. */
class GrowthEvaluationTest {
    private static final long MIB = 1024 * 1024;
    private static final Platform AMD64 = Platform.LINUX_AMD64;
    private static final Platform ARM64 = Platform.parse("linux/arm64");
    private static final String NEW = "reg.io/shop/api:1.5";
    private static final String OLD = "reg.io/shop/api:1.4";
    private static final String NEW_DIGEST = "sha256:" + "e".repeat(64);
    private static final String OLD_DIGEST = "sha256:" + "d".repeat(64);
    private static final String BASE_LAYER = "sha256:" + "1".repeat(64);
    private static final String NEW_LAYER = "sha256:" + "2".repeat(64);
    private static final String SMALL_LAYER = "sha256:" + "3".repeat(64);

    private final Map<ImageRef, ResolveResult> registry = new HashMap<>();

    private static Rule rule(Rule.Action action, Limits limits, List<Rule.Override> overrides) {
        return new Rule(
                Rule.NAMESPACED_KIND,
                "shop",
                "web-budget",
                action,
                Selector.EVERYTHING,
                Selector.EVERYTHING,
                limits,
                overrides,
                List.of(ImageGlob.of("registry.k8s.io/*")),
                List.of(),
                Rule.OnResolveError.WARN);
    }

    private static Rule growth(String maxGrowth) {
        return rule(Rule.Action.ENFORCE, new Limits(null, null, null, MaxGrowth.parse(maxGrowth)), List.of());
    }

    private static ImageSize size(String reference, String digest, Platform platform, List<Layer> layers) {
        return new ImageSize(
                ImageRef.parse(reference),
                null,
                digest,
                platform,
                "application/vnd.oci.image.manifest.v1+json",
                1_000,
                layers);
    }

    private static Layer layer(String digest, long bytes) {
        return new Layer(digest, bytes, "application/vnd.oci.image.layer.v1.tar+gzip");
    }

    private ResolveResult.Sized sized(String reference, ImageSize... sizes) {
        List<Platform> platforms = new ArrayList<>();
        for (ImageSize size : sizes) {
            platforms.add(size.platform());
        }
        ResolveResult.Sized sized =
                new ResolveResult.Sized(ImageRef.parse(reference), List.of(sizes), List.of(), platforms);
        registry.put(ImageRef.parse(reference), sized);
        return sized;
    }

    private List<Finding> evaluate(Rule rule, Baseline baseline) {
        return PolicyEvaluator.evaluate(
                List.of(rule),
                List.of(new Container("api", Container.Type.CONTAINER, NEW)),
                PlatformScope.cluster(List.of()),
                registry::get,
                container -> baseline);
    }

    /** 10 MiB before, 14 MiB now: a shared 10 MiB base and a new 4 MiB layer. */
    private Baseline tenToFourteen() {
        sized(NEW, size(NEW, NEW_DIGEST, AMD64, List.of(layer(BASE_LAYER, 10 * MIB), layer(NEW_LAYER, 4 * MIB))));
        ResolveResult.Sized old = sized(OLD, size(OLD, OLD_DIGEST, AMD64, List.of(layer(BASE_LAYER, 10 * MIB))));
        return new Baseline(OLD, old, null, Map.of());
    }

    @Test
    void aGrowthOverThePercentageBreaksItAndTheMessageHasBothImagesDigestsSizesAndTheNewLayer() {
        List<Finding> findings = evaluate(growth("20%"), tenToFourteen());

        assertThat(findings).singleElement().satisfies(f -> {
            assertThat(f.outcome()).isEqualTo(Finding.Outcome.OVER);
            assertThat(f.growthBreach()).hasValueSatisfying(b -> {
                assertThat(b.actual()).isEqualTo(14 * MIB + 1_000);
                assertThat(b.allowed()).isEqualTo(10 * MIB + 1_000 + (10 * MIB + 1_000) / 5);
            });
            assertThat(f.replaced())
                    .isEqualTo(
                            Replaced.measured(OLD, OLD_DIGEST, 10 * MIB + 1_000, List.of(layer(BASE_LAYER, 10 * MIB))));
            assertThat(Messages.over(f))
                    .isEqualTo("container \"api\" image \"" + NEW + "\" (" + NEW_DIGEST + ", linux/amd64) is 14.0 MiB,"
                            + " 40% larger than \"" + OLD + "\" (10.0 MiB, " + OLD_DIGEST + ") it replaces; the"
                            + " maxGrowth of ImageSizePolicy shop/web-budget is 20%; new layers: 4.0 MiB"
                            + " (sha256:222222222222...)");
        });
    }

    @Test
    void withinTheGrowthLimitIsWithinAndStillRecordsWhatWasCompared() {
        List<Finding> findings = evaluate(growth("50%"), tenToFourteen());

        assertThat(findings).singleElement().satisfies(f -> {
            assertThat(f.outcome()).isEqualTo(Finding.Outcome.WITHIN);
            assertThat(f.replaced().isCompared()).isTrue();
            assertThat(f.growthNotCompared()).isFalse();
        });
    }

    @Test
    void aSizeLimitAndBothLimitsReadAsTheyAreWritten() {
        assertThat(Messages.over(evaluate(growth("3Mi"), tenToFourteen()).get(0)))
                .contains("is 14.0 MiB, 4.0 MiB larger than \"" + OLD + "\"")
                .contains("the maxGrowth of ImageSizePolicy shop/web-budget is 3.0 MiB;");
        assertThat(Messages.over(evaluate(growth("50%, 3Mi"), tenToFourteen()).get(0)))
                .as("the size breaks it although the percentage would not")
                .contains("is 14.0 MiB, 40% (4.0 MiB) larger than")
                .contains("the maxGrowth of ImageSizePolicy shop/web-budget is 50% and at most 3.0 MiB;");
        assertThat(evaluate(growth("50%, 5Mi"), tenToFourteen()).get(0).outcome())
                .isEqualTo(Finding.Outcome.WITHIN);
    }

    @Test
    void aGrowthJustOverTheLimitNeverReadsAsTheLimit() {
        assertThat(Messages.distinctPercent(204, 1000, new java.math.BigDecimal("20")))
                .containsExactly("20.4%", "20%");
        assertThat(Messages.distinctPercent(200_001, 1_000_000, new java.math.BigDecimal("20")))
                .containsExactly("20.001%", "20%");
        assertThat(Messages.distinctPercent(2_000_001, 10_000_000, new java.math.BigDecimal("20")))
                .as("closer than three decimals: rounded up at the third")
                .containsExactly("20.001%", "20%");
        assertThat(Messages.distinctPercent(1, 100, new java.math.BigDecimal("0")))
                .containsExactly("1%", "0%");
    }

    @Test
    void otherLimitsBrokenTooComeFirstAndTheGrowthSentenceFollows() {
        Rule both = rule(Rule.Action.ENFORCE, new Limits(12 * MIB, null, null, MaxGrowth.parse("20%")), List.of());

        Finding finding = evaluate(both, tenToFourteen()).get(0);

        assertThat(finding.breaches())
                .extracting(Limits.Breach::limit)
                .containsExactly(Limits.Breach.Limit.MAX_IMAGE_SIZE, Limits.Breach.Limit.MAX_GROWTH);
        assertThat(Messages.over(finding))
                .startsWith("container \"api\" image \"" + NEW + "\" (" + NEW_DIGEST + ", linux/amd64) is 14.0 MiB"
                        + " compressed, over the 12.0 MiB maxImageSize of ImageSizePolicy shop/web-budget; largest"
                        + " layer 10.0 MiB")
                .contains("; container \"api\" image \"" + NEW + "\" (" + NEW_DIGEST + ", linux/amd64) is 14.0 MiB,"
                        + " 40% larger than");
    }

    @Test
    void theFirstMatchingOverrideSetsTheGrowthLimit() {
        Rule rule = rule(
                Rule.Action.ENFORCE,
                new Limits(100 * MIB, null, null, MaxGrowth.parse("10%")),
                List.of(new Rule.Override(
                        List.of(ImageGlob.of("reg.io/shop/*")), new Limits(null, null, null, MaxGrowth.parse("50%")))));

        assertThat(rule.limitsFor(ImageRef.parse(NEW)))
                .isEqualTo(new Limits(100 * MIB, null, null, MaxGrowth.parse("50%")));
        assertThat(rule.limitsFor(ImageRef.parse("reg.io/other/api:1")).maxGrowth())
                .isEqualTo(MaxGrowth.parse("10%"));
        assertThat(evaluate(rule, tenToFourteen()).get(0).outcome()).isEqualTo(Finding.Outcome.WITHIN);
    }

    @Test
    void nothingRanBeforeMeansNoGrowthCheck() {
        tenToFourteen();

        Finding finding = evaluate(growth("0%"), null).get(0);

        assertThat(finding.outcome()).isEqualTo(Finding.Outcome.WITHIN);
        assertThat(finding.replaced()).isNull();
    }

    @Test
    void eachPlatformIsComparedWithTheSamePlatformAndAMissingOneIsNotCompared() {
        sized(
                NEW,
                size(NEW, NEW_DIGEST, AMD64, List.of(layer(BASE_LAYER, 10 * MIB))),
                size(NEW, NEW_DIGEST + "0", ARM64, List.of(layer(NEW_LAYER, 20 * MIB))));
        ResolveResult.Sized old = sized(OLD, size(OLD, OLD_DIGEST, AMD64, List.of(layer(SMALL_LAYER, 9 * MIB))));
        Rule rule = new Rule(
                Rule.NAMESPACED_KIND,
                "shop",
                "web-budget",
                Rule.Action.WARN,
                Selector.EVERYTHING,
                Selector.EVERYTHING,
                new Limits(null, null, null, MaxGrowth.parse("20%")),
                List.of(),
                List.of(),
                List.of(AMD64, ARM64),
                Rule.OnResolveError.WARN);

        List<Finding> findings = evaluate(rule, new Baseline(OLD, old, null, Map.of()));

        assertThat(findings).hasSize(2);
        assertThat(findings.get(0).outcome())
                .as("amd64: 10 MiB over 9 MiB is 11%")
                .isEqualTo(Finding.Outcome.WITHIN);
        assertThat(findings.get(1).outcome()).isEqualTo(Finding.Outcome.WITHIN);
        assertThat(findings.get(1).growthNotCompared()).isTrue();
        assertThat(Messages.notCompared(findings.get(1)))
                .isEqualTo("container \"api\" image \"" + NEW + "\": the maxGrowth of ImageSizePolicy shop/web-budget"
                        + " is not checked: \"" + OLD + "\" it replaces has no linux/arm64 image to compare with (it"
                        + " has: linux/amd64)");
        assertThat(PolicyEvaluator.growthSelection(
                        List.of(rule),
                        new Container("api", Container.Type.CONTAINER, NEW),
                        PlatformScope.cluster(List.of())))
                .isEqualTo(PlatformSelection.of(AMD64, ARM64));
    }

    @Test
    void anImageGoneFromItsRegistryIsComparedWithItsRecordedSizeElseNotCompared() {
        tenToFourteen();
        ResolveResult gone = new ResolveResult.Failed(
                ImageRef.parse(OLD), new ResolveError(ResolveError.Kind.NOT_FOUND, "manifest unknown"));

        Finding recorded = evaluate(growth("20%"), new Baseline(OLD, gone, OLD_DIGEST, Map.of(AMD64, 10 * MIB)))
                .get(0);
        assertThat(recorded.outcome()).isEqualTo(Finding.Outcome.OVER);
        assertThat(recorded.replaced()).isEqualTo(Replaced.recorded(OLD, OLD_DIGEST, 10 * MIB));
        assertThat(Messages.over(recorded))
                .as("no layers are known: no new layers are named")
                .endsWith("(10.0 MiB, " + OLD_DIGEST + ") it replaces; the maxGrowth of ImageSizePolicy"
                        + " shop/web-budget is 20%");

        Finding none =
                evaluate(growth("20%"), new Baseline(OLD, gone, null, Map.of())).get(0);
        assertThat(none.outcome()).isEqualTo(Finding.Outcome.WITHIN);
        assertThat(Messages.notCompared(none))
                .endsWith("\"" + OLD + "\" it replaces is not in its registry any more, and no size of it was recorded"
                        + " (manifest unknown)");
    }

    @Test
    void aPreviousSizeUnknownForNowIsAnUnknownFindingThatOnResolveErrorDecides() {
        tenToFourteen();
        ResolveResult down = new ResolveResult.Failed(
                ImageRef.parse(OLD), new ResolveError(ResolveError.Kind.UNREACHABLE, "registry reg.io is unreachable"));

        List<Finding> findings = evaluate(growth("20%"), new Baseline(OLD, down, null, Map.of()));

        assertThat(findings)
                .extracting(Finding::outcome)
                .containsExactly(Finding.Outcome.UNKNOWN, Finding.Outcome.WITHIN);
        assertThat(Messages.unknown(findings.get(0)))
                .isEqualTo("container \"api\" image \"" + NEW + "\": growth unknown, the size of \"" + OLD + "\" it"
                        + " replaces is unknown (registry reg.io is unreachable); ImageSizePolicy shop/web-budget has"
                        + " onResolveError Warn");
        assertThat(findings.get(1).replaced()).isNull();

        Finding fallback = evaluate(growth("20%"), new Baseline(OLD, down, OLD_DIGEST, Map.of(AMD64, 13 * MIB)))
                .get(0);
        assertThat(fallback.outcome()).as("the recorded size answers").isEqualTo(Finding.Outcome.WITHIN);
        assertThat(fallback.replaced().isCompared()).isTrue();
    }

    @Test
    void excludedImagesAndRulesWithoutGrowthNeverAskForTheBaseline() {
        tenToFourteen();
        Rule noGrowth = rule(Rule.Action.ENFORCE, new Limits(100 * MIB, null, null), List.of());
        Container pause = new Container("pause", Container.Type.CONTAINER, "registry.k8s.io/pause:3.9");

        assertThat(PolicyEvaluator.growthSelection(List.of(noGrowth), pause, PlatformScope.cluster(List.of())))
                .isNull();
        assertThat(PolicyEvaluator.growthSelection(List.of(growth("20%")), pause, PlatformScope.cluster(List.of())))
                .isNull();
        List<Container> asked = new ArrayList<>();
        PolicyEvaluator.evaluate(
                List.of(noGrowth),
                List.of(new Container("api", Container.Type.CONTAINER, NEW)),
                PlatformScope.cluster(List.of()),
                registry::get,
                container -> {
                    asked.add(container);
                    return null;
                });
        assertThat(asked).isEmpty();
    }

    @Test
    void slotsNameContainersAcrossVersions() {
        assertThat(new Container("api", Container.Type.CONTAINER, NEW).slot()).isEqualTo("api");
        assertThat(new Container("migrate", Container.Type.INIT, NEW).slot()).isEqualTo("init:migrate");
        assertThat(new Container("debug", Container.Type.EPHEMERAL, NEW).slot()).isEqualTo("ephemeral:debug");
        assertThat(new Container(null, Container.Type.CONTAINER, NEW).slot()).isEmpty();
    }
}
