package dev.imagesize.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveError;
import dev.imagesize.policy.Container;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Rule;
import dev.imagesize.testing.Fixtures;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdict on one workload and its annotations: what they say, and that only a changed verdict rewrites them. */
class WorkloadVerdictTest {
    private static final long MIB = 1024 * 1024;
    private static final Rule RULE = Fixtures.rule("shop", "budget", Rule.Action.ENFORCE, new Limits(MIB, null, null));
    private static final String DIGEST = "sha256:" + "e".repeat(64);
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    private static Finding sized(String container, long bytes) {
        return Fixtures.measured(
                RULE, container, Fixtures.size("reg.io/shop/" + container + ":1", DIGEST, Platform.LINUX_AMD64, bytes));
    }

    private static Finding unknown(String message) {
        return new Finding(
                RULE,
                new Container("x", Container.Type.CONTAINER, "reg.io/shop/x:1"),
                Finding.Outcome.UNKNOWN,
                null,
                RULE.limits(),
                List.of(),
                new ResolveError(ResolveError.Kind.RATE_LIMITED, message));
    }

    @Test
    void violationNamesTheWorstBreachAndCountsTheRest() {
        WorkloadVerdict verdict = WorkloadVerdict.of(List.of(sized("a", 2 * MIB), sized("b", 5 * MIB), sized("c", 10)));
        assertThat(verdict.verdict()).isEqualTo(WorkloadVerdict.VIOLATION);
        assertThat(verdict.violations()).isEqualTo(2);
        assertThat(verdict.summary())
                .startsWith("container \"b\" image \"reg.io/shop/b:1\"")
                .endsWith("(and 1 more)");
        assertThat(verdict.largestImageBytes()).isEqualTo(5 * MIB + 1_000);
        assertThat(verdict.largestImage()).isEqualTo("reg.io/shop/b:1 5.0 MiB (linux/amd64)");
        assertThat(verdict.annotations(NOW))
                .containsEntry(WorkloadVerdict.VERDICT, "Violation")
                .containsEntry(WorkloadVerdict.LARGEST_IMAGE_BYTES, Long.toString(5 * MIB + 1_000))
                .containsEntry(WorkloadVerdict.CHECKED_AT, "2026-12-01T10:00:00Z");
    }

    @Test
    void unknownAndCompliantVerdicts() {
        assertThat(WorkloadVerdict.of(List.of(sized("a", 10), unknown("429"))).verdict())
                .isEqualTo(WorkloadVerdict.UNKNOWN);
        WorkloadVerdict compliant = WorkloadVerdict.of(List.of(sized("a", 10)));
        assertThat(compliant.verdict()).isEqualTo(WorkloadVerdict.COMPLIANT);
        assertThat(compliant.annotations(NOW)).doesNotContainKey(WorkloadVerdict.VIOLATIONS);
    }

    @Test
    void writtenAnnotationsNeedNoRewriteWhateverTheirCheckTime() {
        WorkloadVerdict verdict = WorkloadVerdict.of(List.of(sized("a", 2 * MIB)));
        Map<String, String> onTheWorkload = new LinkedHashMap<>(verdict.annotations(NOW));
        onTheWorkload.put(WorkloadVerdict.CHECKED_AT, "2020-01-01T00:00:00Z");
        onTheWorkload.put("team", "shop");
        assertThat(verdict.isWrittenIn(onTheWorkload)).isTrue();

        onTheWorkload.put(WorkloadVerdict.VERDICT, WorkloadVerdict.COMPLIANT);
        assertThat(verdict.isWrittenIn(onTheWorkload)).isFalse();
        assertThat(WorkloadVerdict.of(List.of(sized("a", 10))).isWrittenIn(verdict.annotations(NOW)))
                .as("a stale violations annotation is a difference")
                .isFalse();
    }

    @Test
    void theReportAnnotationNamesTheWorkloadsReportAndIsADifferenceWhenItChanges() {
        WorkloadVerdict withReport = WorkloadVerdict.of(List.of(sized("a", 10))).withReport("deployment-api");
        assertThat(withReport.annotations(NOW)).containsEntry(WorkloadVerdict.REPORT, "deployment-api");
        assertThat(WorkloadVerdict.of(List.of(sized("a", 10))).annotations(NOW))
                .as("no report, no annotation")
                .doesNotContainKey(WorkloadVerdict.REPORT);

        Map<String, String> written = new LinkedHashMap<>(withReport.annotations(NOW));
        assertThat(withReport.isWrittenIn(written)).isTrue();
        assertThat(WorkloadVerdict.of(List.of(sized("a", 10))).isWrittenIn(written))
                .as("analysis turned off: the report annotation goes")
                .isFalse();
        assertThat(WorkloadVerdict.of(List.of(sized("a", 10)))
                        .withReport("deployment-web")
                        .isWrittenIn(written))
                .isFalse();
    }

    @Test
    void annotationsAreBoundedAndStableAcrossRetryDelays() {
        WorkloadVerdict first = WorkloadVerdict.of(List.of(unknown("slow down, retry after 17s " + "y".repeat(5000))));
        WorkloadVerdict second = WorkloadVerdict.of(List.of(unknown("slow down, retry after 43s " + "y".repeat(5000))));
        assertThat(first.summary()).hasSizeLessThanOrEqualTo(1024).endsWith("...");
        assertThat(second.isWrittenIn(first.annotations(NOW))).isTrue();
    }
}
