package dev.imagesize.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveError;
import dev.imagesize.operator.FindingsStore;
import dev.imagesize.policy.Container;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Messages;
import dev.imagesize.policy.Rule;
import dev.imagesize.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One result per workload and policy, worded as the webhook words the same findings. */
class WorkloadResultsTest {
    private static final String DIGEST = "sha256:" + "b".repeat(64);
    private static final ImageSize BIG = Fixtures.size("reg.io/shop/api:1.4", DIGEST, Platform.LINUX_AMD64, 2_000_000);
    private static final ImageSize SMALL =
            Fixtures.size("reg.io/shop/web:2", "sha256:" + "c".repeat(64), Platform.LINUX_AMD64, 100_000, 50_000);
    private static final Rule ENFORCE =
            Fixtures.rule("shop", "budget", Rule.Action.ENFORCE, new Limits(1_000_000L, null, null));
    private static final Rule WARN =
            Fixtures.rule(null, "baseline", Rule.Action.WARN, new Limits(1_500_000L, null, 40));
    private static final Rule AUDIT =
            Fixtures.rule("shop", "audit", Rule.Action.AUDIT, new Limits(null, 900_000L, null));

    private static FindingsStore.Audited deployment(Finding... findings) {
        return new FindingsStore.Audited("Deployment", "shop", "api", "uid-1", List.of(findings));
    }

    @Test
    void anImageOverAnEnforceLimitFailsWithTheWebhooksSentenceAndItsFigures() {
        Finding over = Fixtures.measured(ENFORCE, "api", BIG);
        ReportResult result = WorkloadResults.of(deployment(over)).get(0);

        assertThat(result.policy()).isEqualTo("shop/budget");
        assertThat(result.rule()).isEqualTo("maxImageSize");
        assertThat(result.result()).isEqualTo(ReportResult.Outcome.FAIL);
        assertThat(result.severity()).isEqualTo(ReportResult.Severity.HIGH);
        assertThat(result.scored()).isTrue();
        assertThat(result.message()).isEqualTo(Messages.over(over));
        assertThat(result.resource())
                .isEqualTo(new ReportResult.Resource("apps/v1", "Deployment", "shop", "api", "uid-1"));
        assertThat(result.properties())
                .containsEntry("size", Long.toString(BIG.compressedSizeBytes()))
                .containsEntry("limit", "1000000")
                .containsEntry("digest", DIGEST)
                .containsEntry("platform", "linux/amd64")
                .containsEntry("image", "reg.io/shop/api:1.4")
                .containsEntry("container", "api")
                .containsEntry("breaches", "maxImageSize")
                .containsEntry("containersOver", "1")
                .containsEntry("containers", "1");
    }

    @Test
    void aWarnPolicyWarnsUnscoredAndAnAuditPolicyThatHoldsPassesWithTheLimitsItSets() {
        List<ReportResult> results = WorkloadResults.of(
                deployment(Fixtures.measured(WARN, "api", BIG), Fixtures.measured(AUDIT, "web", SMALL)));

        assertThat(results).extracting(ReportResult::policy).containsExactly("baseline", "shop/audit");
        ReportResult warned = results.get(0);
        assertThat(warned.result()).isEqualTo(ReportResult.Outcome.WARN);
        assertThat(warned.scored()).isFalse();
        assertThat(warned.severity()).isEqualTo(ReportResult.Severity.MEDIUM);
        assertThat(warned.rule()).isEqualTo("maxImageSize");

        ReportResult passed = results.get(1);
        assertThat(passed.result()).isEqualTo(ReportResult.Outcome.PASS);
        assertThat(passed.severity()).isEqualTo(ReportResult.Severity.LOW);
        assertThat(passed.rule()).isEqualTo("maxLayerSize");
        assertThat(passed.message())
                .isEqualTo("container \"web\" image \"reg.io/shop/web:2\" (sha256:" + "c".repeat(64)
                        + ", linux/amd64) is 147.5 KiB compressed, within the limits of ImageSizePolicy shop/audit");
        assertThat(passed.properties()).containsEntry("maxLayerSize", "900000").doesNotContainKey("breaches");
        assertThat(WorkloadResults.limitsSet(WARN)).isEqualTo("maxImageSize,maxLayers");
    }

    @Test
    void anUnknownSizeIsAnErrorWithTheReasonAndNoTimeThatChangesBetweenPasses() {
        Container api = new Container("api", Container.Type.CONTAINER, "reg.io/shop/api:1.4");
        Finding unknown = new Finding(
                ENFORCE,
                api,
                Finding.Outcome.UNKNOWN,
                null,
                ENFORCE.limits(),
                List.of(),
                new ResolveError(
                        ResolveError.Kind.RATE_LIMITED, "registry reg.io asked to wait; retry after 17s", null));
        ReportResult result = WorkloadResults.of(deployment(unknown)).get(0);

        assertThat(result.result()).isEqualTo(ReportResult.Outcome.ERROR);
        assertThat(result.rule()).isEqualTo("maxImageSize");
        assertThat(result.message())
                .startsWith("container \"api\" image \"reg.io/shop/api:1.4\": size unknown")
                .contains("retry after some time")
                .doesNotContain("17s")
                .endsWith("ImageSizePolicy shop/budget has onResolveError Warn");
        assertThat(result.properties())
                .containsEntry("reason", "RATE_LIMITED")
                .containsEntry("onResolveError", "Warn")
                .doesNotContainKeys("size", "digest");
    }

    @Test
    void anOverImageDecidesOverAnUnknownOneAndEveryExcludedImageIsASkip() {
        Container other = new Container("sidecar", Container.Type.INIT, "reg.io/shop/side:1");
        Finding unknown = new Finding(
                ENFORCE,
                other,
                Finding.Outcome.UNKNOWN,
                null,
                ENFORCE.limits(),
                List.of(),
                new ResolveError(ResolveError.Kind.NOT_FOUND, "not found"));
        Finding over = Fixtures.measured(ENFORCE, "api", BIG);
        ReportResult mixed = WorkloadResults.of(deployment(unknown, over)).get(0);
        assertThat(mixed.result()).isEqualTo(ReportResult.Outcome.FAIL);
        assertThat(mixed.message()).isEqualTo(Messages.over(over) + "\n" + Messages.unknown(unknown));
        assertThat(mixed.properties()).containsEntry("containers", "2").containsEntry("containersOver", "1");

        Container system = new Container("proxy", Container.Type.CONTAINER, "registry.k8s.io/kube-proxy:1");
        ReportResult skipped = WorkloadResults.of(
                        deployment(new Finding(ENFORCE, system, Finding.Outcome.EXCLUDED, null, null, List.of(), null)))
                .get(0);
        assertThat(skipped.result()).isEqualTo(ReportResult.Outcome.SKIP);
        assertThat(skipped.message()).isEqualTo("every image is excluded by ImageSizePolicy shop/budget");
    }

    @Test
    void aPodIsACoreObject() {
        FindingsStore.Audited pod = new FindingsStore.Audited(
                "Pod", "shop", "solo", null, List.of(Fixtures.measured(ENFORCE, "api", SMALL)));
        ReportResult result = WorkloadResults.of(pod).get(0);
        assertThat(result.resource()).isEqualTo(new ReportResult.Resource("v1", "Pod", "shop", "solo", null));
        assertThat(result.resource().identity()).isEqualTo("Pod/shop/solo");
    }
}
