package dev.imagesize.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.image.ImageRef;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Layer;
import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The limits on the content analysis (maxUncompressedSize, minEfficiency, maxWastedBytes): checked on the figures of
 * a complete analysis, never on an image not analysed yet, overridable per image, and said in the style of the
 * other limits.
 */
class ContentLimitsTest {
    private static final long MIB = 1024 * 1024;
    private static final String DIGEST = "sha256:" + "c".repeat(64);
    private static final ImageRef REF = ImageRef.parse("reg.io/shop/api:1");
    private static final ImageSize SIZE = new ImageSize(
            REF,
            null,
            DIGEST,
            Platform.LINUX_AMD64,
            "application/vnd.oci.image.manifest.v1+json",
            1_000,
            List.of(new Layer("sha256:" + "1".repeat(64), 3 * MIB, "application/vnd.oci.image.layer.v1.tar+gzip")));
    private static final Analysed BLOATED = new Analysed(40 * MIB, 0.825, 6 * MIB);

    private static Limits content(Long maxUncompressed, Double minEfficiency, Long maxWasted) {
        return new Limits(null, null, null, null, maxUncompressed, minEfficiency, maxWasted);
    }

    private static Rule rule(Limits limits, List<Rule.Override> overrides) {
        return new Rule(
                Rule.NAMESPACED_KIND,
                "shop",
                "content",
                Rule.Action.ENFORCE,
                Selector.EVERYTHING,
                Selector.EVERYTHING,
                limits,
                overrides,
                List.of(),
                List.of(),
                Rule.OnResolveError.WARN);
    }

    private static List<Finding> evaluate(Rule rule, Map<String, Analysed> analyses) {
        return PolicyEvaluator.evaluate(
                List.of(rule),
                List.of(new Container("api", Container.Type.CONTAINER, "reg.io/shop/api:1")),
                PlatformScope.cluster(List.of()),
                image -> new ResolveResult.Sized(image, List.of(SIZE), List.of(), List.of(Platform.LINUX_AMD64)),
                container -> null,
                analyses::get);
    }

    @Test
    void eachLimitIsCheckedOnTheAnalysisFigures() {
        assertThat(content(32 * MIB, 0.9, 4 * MIB).checkContent(BLOATED))
                .extracting(Limits.Breach::limit, Limits.Breach::actual, Limits.Breach::allowed)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                Limits.Breach.Limit.MAX_UNCOMPRESSED_SIZE, 40 * MIB, 32 * MIB),
                        org.assertj.core.groups.Tuple.tuple(Limits.Breach.Limit.MIN_EFFICIENCY, 825_000L, 900_000L),
                        org.assertj.core.groups.Tuple.tuple(Limits.Breach.Limit.MAX_WASTED_BYTES, 6 * MIB, 4 * MIB));
        assertThat(content(40 * MIB, 0.825, 6 * MIB).checkContent(BLOATED))
                .as("at the limit is within it")
                .isEmpty();
        assertThat(content(null, 0.9, null).checkContent(BLOATED).get(0).excess())
                .as("how far under the minimum, in parts per million")
                .isEqualTo(75_000);
        assertThat(content(null, 0.9, null).hasContentLimits()).isTrue();
        assertThat(new Limits(MIB, null, null).hasContentLimits()).isFalse();
        assertThat(content(null, 0.5, null).isEmpty()).isFalse();
    }

    @Test
    void anImageNotAnalysedYetIsNeverRefusedForThem() {
        Rule rule = rule(content(MIB, 0.99, 1L), List.of());
        assertThat(evaluate(rule, Map.of())).singleElement().satisfies(f -> {
            assertThat(f.outcome()).isEqualTo(Finding.Outcome.WITHIN);
            assertThat(f.breaches()).isEmpty();
        });
        assertThat(evaluate(rule, Map.of(DIGEST, BLOATED))).singleElement().satisfies(f -> {
            assertThat(f.outcome()).isEqualTo(Finding.Outcome.OVER);
            assertThat(f.breaches())
                    .extracting(Limits.Breach::limit)
                    .containsExactly(
                            Limits.Breach.Limit.MAX_UNCOMPRESSED_SIZE,
                            Limits.Breach.Limit.MIN_EFFICIENCY,
                            Limits.Breach.Limit.MAX_WASTED_BYTES);
            assertThat(f.excessBytes())
                    .as("sorted by the largest byte excess: uncompressed 39 MiB over")
                    .isEqualTo(39 * MIB);
        });
    }

    @Test
    void anOverrideSetsTheContentLimitsItNamesAndKeepsTheOthers() {
        Rule rule = rule(
                content(MIB, 0.99, 1L),
                List.of(new Rule.Override(List.of(ImageGlob.of("reg.io/shop/*")), content(null, 0.5, 64 * MIB))));
        assertThat(rule.limitsFor(REF)).isEqualTo(content(MIB, 0.5, 64 * MIB));
        assertThat(evaluate(rule, Map.of(DIGEST, BLOATED))).singleElement().satisfies(f -> assertThat(f.breaches())
                .extracting(Limits.Breach::limit)
                .containsExactly(Limits.Breach.Limit.MAX_UNCOMPRESSED_SIZE));
    }

    @Test
    void anImageNotAnalysedYetIsWithinAndTheMessageSaysWhichLimitsWait() {
        Finding within =
                evaluate(rule(content(null, 0.9, 4 * MIB), List.of()), Map.of()).get(0);
        assertThat(within.outcome()).isEqualTo(Finding.Outcome.WITHIN);
        assertThat(Messages.contentNotChecked(within))
                .isEqualTo("container \"api\" image \"reg.io/shop/api:1\" (" + DIGEST + ", linux/amd64): the"
                        + " minEfficiency and maxWastedBytes of ImageSizePolicy shop/content are not checked yet: the"
                        + " image's content is not analysed; the audit checks them once it is");
        Finding one = evaluate(rule(content(32 * MIB, null, null), List.of()), Map.of())
                .get(0);
        assertThat(Messages.contentNotChecked(one))
                .endsWith("the maxUncompressedSize of ImageSizePolicy shop/content is not checked yet: the image's"
                        + " content is not analysed; the audit checks it once it is");
    }

    @Test
    void messagesSayTheFigureAndTheLimitLikeTheOtherLimits() {
        Rule rule = rule(content(32 * MIB, 0.9, 4 * MIB), List.of());
        Finding over = evaluate(rule, Map.of(DIGEST, BLOATED)).get(0);
        assertThat(Messages.over(over))
                .isEqualTo("container \"api\" image \"reg.io/shop/api:1\" (" + DIGEST + ", linux/amd64) is 3.0 MiB"
                        + " compressed, with 40.0 MiB uncompressed, over the 32.0 MiB maxUncompressedSize and with"
                        + " 82.5% efficiency, under the 90.0% minEfficiency and with 6.0 MiB hidden by later layers,"
                        + " over the 4.0 MiB maxWastedBytes of ImageSizePolicy shop/content; largest layer 3.0 MiB"
                        + " (sha256:111111111111...)");
        assertThat(over.breaches())
                .extracting(Messages::breach)
                .containsExactly(
                        "maxUncompressedSize: 40.0 MiB over the 32.0 MiB limit",
                        "minEfficiency: 82.5% under the 90.0% limit",
                        "maxWastedBytes: 6.0 MiB over the 4.0 MiB limit");
        assertThat(Messages.percents(900_500, 900_900))
                .as("never the same figure for two different shares")
                .containsExactly("90.05%", "90.09%");
        assertThat(Messages.percents(899_999, 900_000))
                .as("rounded down: an efficiency never reads as high as a limit it is under")
                .containsExactly("89.9%", "90.0%");
    }
}
