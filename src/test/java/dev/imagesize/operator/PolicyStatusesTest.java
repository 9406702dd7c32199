package dev.imagesize.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.api.v1alpha1.ImageSizePolicyStatus;
import dev.imagesize.api.v1alpha1.LimitName;
import dev.imagesize.api.v1alpha1.PolicyCondition;
import dev.imagesize.api.v1alpha1.Violation;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveError;
import dev.imagesize.policy.Container;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Rule;
import dev.imagesize.testing.Fixtures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Policy status as a pure function of rule, findings, previous status and time. */
class PolicyStatusesTest {
    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    private static final Instant T1 = Instant.parse("2026-11-26T11:00:00.700Z");
    private static final long MIB = 1024 * 1024;
    private static final Rule RULE = Fixtures.rule("shop", "budget", Rule.Action.AUDIT, new Limits(MIB, null, 2));
    private static final String DIGEST = "sha256:" + "d".repeat(64);

    private static FindingsStore.Audited workload(String name, Finding... findings) {
        return new FindingsStore.Audited("Deployment", "shop", name, List.of(findings));
    }

    private static Finding sized(String container, long... layers) {
        ImageSize size = Fixtures.size("reg.io/shop/" + container + ":1", DIGEST, Platform.LINUX_AMD64, layers);
        return Fixtures.measured(RULE, container, size);
    }

    private static Finding unknown(String container, String message) {
        return new Finding(
                RULE,
                new Container(container, Container.Type.CONTAINER, "reg.io/shop/" + container + ":1"),
                Finding.Outcome.UNKNOWN,
                null,
                RULE.limits(),
                List.of(),
                new ResolveError(ResolveError.Kind.RATE_LIMITED, message));
    }

    private static PolicyCondition ready(ImageSizePolicyStatus status) {
        assertThat(status.getConditions().get(0).getType())
                .as("Ready comes first")
                .isEqualTo(PolicyCondition.READY);
        return status.getConditions().get(0);
    }

    @Test
    void countsWorkloadsViolationsAndUnresolvedSeparately() {
        ImageSizePolicyStatus status = PolicyStatuses.of(
                RULE,
                3L,
                List.of(
                        workload("fits", sized("a", 1000)),
                        workload("over", sized("b", 2 * MIB), sized("c", 1000)),
                        workload("unknown", unknown("d", "registry answered 429")),
                        workload("over-and-unknown", sized("e", 3 * MIB), unknown("f", "x"))),
                true,
                null,
                T0);
        assertThat(status.getObservedGeneration()).isEqualTo(3L);
        assertThat(status.getWorkloads()).isEqualTo(4);
        assertThat(status.getViolations()).as("workloads, not breaches").isEqualTo(2);
        assertThat(status.getUnresolved())
                .as("a workload over budget is counted as a violation only")
                .isEqualTo(1);
        assertThat(ready(status).getReason()).isEqualTo(PolicyStatuses.RESOLVE_ERRORS);
        assertThat(ready(status).getStatus()).isEqualTo("False");
        assertThat(ready(status).getMessage())
                .isEqualTo("1 of 4 workloads have images whose size could not be determined; first: Deployment"
                        + " shop/unknown: container \"d\" image \"reg.io/shop/d:1\": size unknown (registry answered"
                        + " 429); ImageSizePolicy shop/budget has onResolveError Warn");
    }

    @Test
    void topViolationsAreLargestFirstBoundedAndDescribeEachLimit() {
        List<FindingsStore.Audited> audited = new ArrayList<>();
        for (int i = 1; i <= 25; i++) {
            audited.add(workload(String.format("w%02d", i), sized("c", i * MIB)));
        }
        audited.add(workload("layers", sized("many", 100, 100, 100)));
        ImageSizePolicyStatus status = PolicyStatuses.of(RULE, 1L, audited, true, null, T0);

        assertThat(status.getViolations())
                .as("25 over the image limit, 1 over the layer count")
                .isEqualTo(26);
        List<Violation> top = status.getTopViolations();
        assertThat(top).hasSize(ImageSizePolicyStatus.MAX_TOP_VIOLATIONS);
        assertThat(top).extracting(Violation::getName).startsWith("w25", "w24", "w23");
        assertThat(top).extracting(Violation::getSizeBytes).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        Violation largest = top.get(0);
        assertThat(largest.getLimit()).isEqualTo(LimitName.MAX_IMAGE_SIZE);
        assertThat(largest.getSizeBytes()).isEqualTo(25 * MIB + 1_000);
        assertThat(largest.getLimitBytes()).isEqualTo(MIB);
        assertThat(largest.getKind()).isEqualTo("Deployment");
        assertThat(largest.getPolicy()).isEqualTo("shop/budget");
        assertThat(largest.getDigest()).isEqualTo(DIGEST);

        ImageSizePolicyStatus layers =
                PolicyStatuses.of(RULE, 1L, List.of(workload("layers", sized("many", 100, 100, 100))), true, null, T0);
        Violation count = layers.getTopViolations().get(0);
        assertThat(count.getLimit()).isEqualTo(LimitName.MAX_LAYERS);
        assertThat(count.getLayers()).isEqualTo(3);
        assertThat(count.getLimitLayers()).isEqualTo(2);
        assertThat(count.getSizeBytes()).isEqualTo(1_300);
        assertThat(count.getReport()).as("no content analysis, no report").isNull();
    }

    @Test
    void contentViolationsCarryTheAnalysisFigures() {
        Rule content = Fixtures.rule(
                "shop", "content", Rule.Action.AUDIT, new Limits(null, null, null, null, 10 * MIB, 0.9, MIB));
        ImageSize size = Fixtures.size("reg.io/shop/a:1", DIGEST, Platform.LINUX_AMD64, 1000);
        Finding finding = new Finding(
                content,
                new Container("a", Container.Type.CONTAINER, "reg.io/shop/a:1"),
                Finding.Outcome.OVER,
                size,
                content.limits(),
                content.limits().checkContent(new dev.imagesize.policy.Analysed(20 * MIB, 0.75, 2 * MIB)),
                null);
        ImageSizePolicyStatus status =
                PolicyStatuses.of(content, 1L, List.of(workload("bloated", finding)), true, null, T0);
        assertThat(status.getTopViolations())
                .extracting(Violation::getLimit, Violation::getSizeBytes, Violation::getLimitBytes)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(LimitName.MAX_UNCOMPRESSED_SIZE, 20 * MIB, 10 * MIB),
                        org.assertj.core.groups.Tuple.tuple(LimitName.MAX_WASTED_BYTES, 2 * MIB, MIB),
                        org.assertj.core.groups.Tuple.tuple(LimitName.MIN_EFFICIENCY, 2_000L, null));
        Violation efficiency = status.getTopViolations().get(2);
        assertThat(efficiency.getEfficiency()).isEqualTo(0.75);
        assertThat(efficiency.getMinEfficiency()).isEqualTo(0.9);
    }

    @Test
    void eachViolationNamesTheReportOfItsWorkload() {
        FindingsStore.Audited reported = new FindingsStore.Audited(
                "Deployment", "shop", "api", "uid-1", List.of(sized("a", 2 * MIB)), "deployment-api");
        ImageSizePolicyStatus status = PolicyStatuses.of(RULE, 1L, List.of(reported), true, null, T0);
        assertThat(status.getTopViolations()).singleElement().satisfies(v -> {
            assertThat(v.getReport()).isEqualTo("deployment-api");
            assertThat(v.getNamespace()).isEqualTo("shop");
        });
    }

    @Test
    void everyConditionReason() {
        assertThat(ready(PolicyStatuses.of(RULE, 1L, List.of(), false, null, T0)))
                .satisfies(c -> {
                    assertThat(c.getStatus()).isEqualTo("Unknown");
                    assertThat(c.getReason()).isEqualTo(PolicyStatuses.EVALUATING);
                });
        assertThat(ready(PolicyStatuses.of(RULE, 1L, List.of(workload("a", sized("a", 10))), true, null, T0)))
                .satisfies(c -> {
                    assertThat(c.getStatus()).isEqualTo("True");
                    assertThat(c.getReason()).isEqualTo(PolicyStatuses.EVALUATED);
                    assertThat(c.getMessage()).isEqualTo("1 workloads evaluated, 0 over budget");
                });
        assertThat(ready(PolicyStatuses.of(RULE, 1L, List.of(workload("a", unknown("a", "x"))), true, null, T0)))
                .satisfies(c -> assertThat(c.getReason()).isEqualTo(PolicyStatuses.RESOLVE_ERRORS));
        ImageSizePolicyStatus invalid =
                PolicyStatuses.invalid(1L, "spec.maxLayers: Numeric value (3000000000) out of range", true, null, T0);
        assertThat(ready(invalid)).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo(PolicyStatuses.INVALID_POLICY);
            assertThat(c.getMessage())
                    .isEqualTo("the operator cannot use this policy: spec.maxLayers: Numeric value (3000000000) out of"
                            + " range; it asks for Enforce, so the webhook denies the workloads it governs until it is"
                            + " fixed");
        });
        assertThat(invalid.getWorkloads()).isZero();
        assertThat(invalid.getTopViolations()).isEmpty();
        assertThat(ready(PolicyStatuses.invalid(1L, "bad", false, null, T0)).getMessage())
                .endsWith("it is ignored until it is fixed");
    }

    @Test
    void lastTransitionTimeMovesWhenTheStatusChangesAndOnlyThen() {
        ImageSizePolicyStatus evaluating = PolicyStatuses.of(RULE, 1L, List.of(), false, null, T0);
        assertThat(ready(evaluating).getLastTransitionTime()).isEqualTo("2026-11-26T10:00:00Z");
        assertThat(ready(evaluating).getObservedGeneration()).isEqualTo(1L);

        List<FindingsStore.Audited> fits = List.of(workload("a", sized("a", 10)));
        ImageSizePolicyStatus evaluated = PolicyStatuses.of(RULE, 1L, fits, true, evaluating, T1);
        assertThat(ready(evaluated).getLastTransitionTime())
                .as("Unknown -> True moves it, to the second")
                .isEqualTo("2026-11-26T11:00:00Z");

        List<FindingsStore.Audited> over = List.of(workload("a", sized("a", 2 * MIB)));
        ImageSizePolicyStatus stillTrue = PolicyStatuses.of(RULE, 2L, over, true, evaluated, T1.plusSeconds(600));
        assertThat(ready(stillTrue).getLastTransitionTime())
                .as("True with another message and generation: no transition")
                .isEqualTo("2026-11-26T11:00:00Z");
        assertThat(ready(stillTrue).getMessage()).isEqualTo("1 workloads evaluated, 1 over budget");

        ImageSizePolicyStatus invalid = PolicyStatuses.invalid(3L, "bad", false, stillTrue, T1.plusSeconds(900));
        assertThat(ready(invalid).getLastTransitionTime()).isEqualTo("2026-11-26T11:15:00Z");

        assertThat(PolicyStatuses.of(RULE, 2L, over, true, evaluated, T1.plusSeconds(600)))
                .as("equal inputs, equal status: nothing to patch")
                .isEqualTo(stillTrue);
    }

    @Test
    void persistedMessagesAreBoundedAndCarryNoDurations() {
        String longMessage = "registry asked to retry after 17s; " + "x".repeat(3000);
        ImageSizePolicyStatus status =
                PolicyStatuses.of(RULE, 1L, List.of(workload("a", unknown("a", longMessage))), true, null, T0);
        String message = ready(status).getMessage();
        assertThat(message).hasSizeLessThanOrEqualTo(1024).doesNotContain("17s").contains("retry after some time");
        assertThat(PolicyStatuses.of(
                        RULE,
                        1L,
                        List.of(workload("a", unknown("a", longMessage.replace("17s", "42s")))),
                        true,
                        status,
                        T1))
                .as("another retry delay: the same status")
                .isEqualTo(status);
    }

    @Test
    void aNewLeaderKeepsThePreviousCountsUntilItsFirstAuditIsDone() {
        ImageSizePolicyStatus before =
                PolicyStatuses.of(RULE, 1L, List.of(workload("a", sized("a", 2 * MIB))), true, null, T0);
        ImageSizePolicyStatus evaluating = PolicyStatuses.of(RULE, 1L, List.of(), false, before, T1);
        assertThat(evaluating.getWorkloads()).isEqualTo(1);
        assertThat(evaluating.getViolations()).isEqualTo(1);
        assertThat(evaluating.getTopViolations()).isEqualTo(before.getTopViolations());
        assertThat(ready(evaluating).getReason()).isEqualTo(PolicyStatuses.EVALUATING);
        assertThat(PolicyStatuses.of(RULE, 1L, List.of(), false, null, T1).getWorkloads())
                .as("nothing known before: zero")
                .isZero();
    }

    @Test
    void globsThatNameNoRegistryAreWarnedAboutInTheirOwnCondition() {
        PolicyCondition clean = PolicyStatuses.of(RULE, 1L, List.of(), true, null, T0)
                .getConditions()
                .get(1);
        assertThat(clean.getType()).isEqualTo(PolicyStatuses.IMAGE_GLOBS);
        assertThat(clean.getStatus()).isEqualTo("True");
        assertThat(clean.getReason()).isEqualTo(PolicyStatuses.GLOBS_UNAMBIGUOUS);

        Rule hostless = new Rule(
                Rule.NAMESPACED_KIND,
                "shop",
                "budget",
                Rule.Action.AUDIT,
                dev.imagesize.policy.Selector.EVERYTHING,
                dev.imagesize.policy.Selector.EVERYTHING,
                new Limits(MIB, null, null),
                List.of(),
                List.of(dev.imagesize.policy.ImageGlob.of("nginx*")),
                List.of(),
                Rule.OnResolveError.WARN);
        PolicyCondition warned = PolicyStatuses.of(hostless, 1L, List.of(), true, null, T0)
                .getConditions()
                .get(1);
        assertThat(warned.getStatus()).isEqualTo("False");
        assertThat(warned.getReason()).isEqualTo(PolicyStatuses.GLOBS_AMBIGUOUS);
        assertThat(warned.getMessage()).startsWith("exclude.images: \"nginx*\" names no registry");
    }
}
