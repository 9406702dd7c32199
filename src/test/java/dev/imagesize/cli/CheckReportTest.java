package dev.imagesize.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.assessment.Assessments;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveError;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Rule;
import dev.imagesize.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CLI's report: exit codes, text and JSON, from the findings of the shared evaluator. */
class CheckReportTest {
    private static final long MIB = 1024 * 1024;
    private static final Limits LIMITS = new Limits(2 * MIB, null, null);
    private static final Rule RULE = CheckRule.of(LIMITS, PlatformSelection.of(Platform.LINUX_AMD64), "--max 2Mi");
    private static final String DIGEST = "sha256:" + "f".repeat(64);

    private static Finding sized(String image, long bytes) {
        var size = Fixtures.size(image, DIGEST, Platform.LINUX_AMD64, bytes);
        var breaches = LIMITS.check(size);
        return new Finding(
                RULE,
                CheckRule.workload(image).containers().get(0),
                breaches.isEmpty() ? Finding.Outcome.WITHIN : Finding.Outcome.OVER,
                size,
                LIMITS,
                breaches,
                null);
    }

    private static Finding unknown(String image) {
        return new Finding(
                RULE,
                CheckRule.workload(image).containers().get(0),
                Finding.Outcome.UNKNOWN,
                null,
                LIMITS,
                List.of(),
                new ResolveError(ResolveError.Kind.NOT_FOUND, "reg.io/x:1 not found"));
    }

    private static CheckReport report(Finding... findings) {
        return CheckReport.of(List.of(new Assessments.Assessed(
                new Assessments.Subject(CheckRule.workload("reg.io/x:1"), List.of(RULE)),
                List.of(findings),
                List.of())));
    }

    @Test
    void exitCodesUnknownBeatsOverBeatsWithin() {
        assertThat(report(sized("reg.io/a:1", 10)).exitCode()).isEqualTo(CheckCommand.EXIT_WITHIN);
        assertThat(report(sized("reg.io/a:1", 10), sized("reg.io/b:1", 3 * MIB)).exitCode())
                .isEqualTo(CheckCommand.EXIT_OVER);
        assertThat(report(sized("reg.io/b:1", 3 * MIB), unknown("reg.io/x:1")).exitCode())
                .isEqualTo(CheckCommand.EXIT_UNKNOWN);
    }

    @Test
    void textCarriesTheSharedSentenceAndTheCounts() {
        StringWriter text = new StringWriter();
        report(sized("reg.io/b:1", 3 * MIB), unknown("reg.io/x:1")).printText(new PrintWriter(text), LIMITS);
        assertThat(text.toString())
                .contains("OVER    reg.io/b:1  linux/amd64  3.0 MiB (3146728 bytes)  1 layers")
                .contains("image \"reg.io/b:1\" (" + DIGEST + ", linux/amd64) is 3.0 MiB compressed, over the 2.0 MiB"
                        + " maxImageSize of imagesize check --max 2Mi")
                .contains("UNKNOWN reg.io/x:1")
                .contains("NOT_FOUND: image \"reg.io/x:1\": size unknown (reg.io/x:1 not found); imagesize check --max"
                        + " 2Mi has onResolveError Deny")
                .contains("2 checked: 0 within budget, 1 over, 1 unknown (limits: --max 2.0 MiB)");
    }

    @Test
    void jsonHasStableFieldsAndTheMessage() {
        Map<String, Object> json = report(sized("reg.io/b:1", 3 * MIB)).toJson();
        assertThat(json).containsEntry("exitCode", 1);
        @SuppressWarnings("unchecked")
        Map<String, Object> result = ((List<Map<String, Object>>) json.get("results")).get(0);
        assertThat(result)
                .containsEntry("status", "over")
                .containsEntry("platform", "linux/amd64")
                .containsEntry("sizeBytes", 3 * MIB + 1_000)
                .containsKey("message");
    }
}
