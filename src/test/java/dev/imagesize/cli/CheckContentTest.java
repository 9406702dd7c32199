package dev.imagesize.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagesize.analysis.ImageAnalysis;
import dev.imagesize.analysis.ImageAnalysisStatus;
import dev.imagesize.assessment.Assessments;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.policy.Analysed;
import dev.imagesize.policy.Container;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.PlatformScope;
import dev.imagesize.policy.PolicyEvaluator;
import dev.imagesize.policy.Rule;
import dev.imagesize.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code imagesize check}'s content limits without a registry: how the options are read and refused, which figures of
 * an analysis the limits check, and how the report shows figures and analyses that failed.
 */
class CheckContentTest {
    private static final String DIGEST = "sha256:" + "e".repeat(64);

    record Result(int exitCode, String stdout, String stderr) {}

    private static Result check(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new CheckCommand());
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        int exit = command.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void minEfficiencyAcceptsTheNumberFormsAPolicyMayUse() {
        assertThat(CheckCommand.efficiency("0.9")).isEqualTo(0.9);
        assertThat(CheckCommand.efficiency(".9")).isEqualTo(0.9);
        assertThat(CheckCommand.efficiency("9e-1")).isEqualTo(0.9);
        assertThat(CheckCommand.efficiency("1")).isEqualTo(1.0);
        assertThat(CheckCommand.efficiency("1.0")).isEqualTo(1.0);
        assertThat(CheckCommand.efficiency("0")).isEqualTo(0.0);
        assertThat(CheckCommand.efficiency("+0.5")).isEqualTo(0.5);
        assertThat(CheckCommand.efficiency(null)).isNull();
    }

    @Test
    void minEfficiencyRefusesWhatThePolicyWouldRefuse() {
        for (String bad : List.of("1.5", "-0.1", "1.0000001", "NaN", "Infinity", "0x1p-1", "0.9d", "abc", "", "1e1")) {
            assertThatThrownBy(() -> CheckCommand.efficiency(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("--min-efficiency must be a share from 0 to 1 such as 0.9 (90% of the shipped bytes"
                            + " visible), not \"" + bad + "\"");
        }
        assertThatThrownBy(() -> CheckCommand.efficiency("90%"))
                .hasMessageEndingWith("not \"90%\"; for a percentage, divide by 100");
    }

    @Test
    void badContentLimitsExitTwoWithTheOptionNamedAndNoLookup() {
        Result efficiency = check("reg.invalid/app:1", "--min-efficiency", "1.5");
        assertThat(efficiency.exitCode()).isEqualTo(CheckCommand.EXIT_UNKNOWN);
        assertThat(efficiency.stderr())
                .startsWith("imagesize check: --min-efficiency must be a share from 0 to 1")
                .doesNotContain("\tat ");
        assertThat(efficiency.stdout()).isEmpty();

        Result zero = check("reg.invalid/app:1", "--max-uncompressed", "0");
        assertThat(zero.exitCode()).isEqualTo(CheckCommand.EXIT_UNKNOWN);
        assertThat(zero.stderr()).contains("--max-uncompressed must be a positive size such as 200Mi, not \"0\"");

        Result spaced = check("reg.invalid/app:1", "--max-wasted", "20 MB");
        assertThat(spaced.exitCode()).isEqualTo(CheckCommand.EXIT_UNKNOWN);
        assertThat(spaced.stderr()).contains("invalid size \"20 MB\"");

        Result timeout = check("reg.invalid/app:1", "--max-wasted", "20Mi", "--analysis-timeout", "soon");
        assertThat(timeout.exitCode()).isEqualTo(CheckCommand.EXIT_UNKNOWN);
        assertThat(timeout.stderr()).contains("soon");

        Result none = check("reg.invalid/app:1");
        assertThat(none.exitCode()).isEqualTo(CheckCommand.EXIT_UNKNOWN);
        assertThat(none.stderr()).contains("--max-uncompressed, --min-efficiency or --max-wasted");
    }

    @Test
    void helpNamesTheContentOptions() {
        Result help = check("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.stdout().replaceAll("\\s+", " ")) // picocli wraps at 80 columns
                .contains("--max-uncompressed=SIZE")
                .contains("--min-efficiency=RATIO")
                .contains("--max-wasted=SIZE")
                .contains("--analysis-timeout=DURATION")
                .contains("A content limit (--max-uncompressed, --min-efficiency, --max-wasted) streams and analyses")
                .contains("or a layer a content limit needs could not be analysed");
    }

    @Test
    void helpPrintsItsPercentSignsWithoutPicocliWarnings() {
        java.io.PrintStream console = System.err;
        java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
        Result help;
        System.setErr(new java.io.PrintStream(warnings, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            help = check("--help");
        } finally {
            System.setErr(console);
        }
        assertThat(warnings.toString(java.nio.charset.StandardCharsets.UTF_8))
                .as("picocli's own complaints about the help text")
                .isEmpty();
        assertThat(help.stdout().replaceAll("\\s+", " ")).contains("a percentage (20%)", "(\"20%, 50Mi\"");
    }

    @Test
    void theLimitsReadTheOverlayFiguresAsTheClusterStoresThemNotDives() {
        CheckContent.Outcome outcome = CheckContent.outcome(analysis("Complete", 32_000, 0.75, 8_000, 12_000));
        assertThat(outcome.error()).isNull();
        assertThat(outcome.figures()).isEqualTo(new Analysed(32_000, 0.75, 8_000));
    }

    @Test
    void anIncompleteAnalysisHasNoFiguresAndSaysWhichLayerFailed() {
        CheckContent.Outcome outcome = CheckContent.outcome(analysis("Failed", 32_000, 0.75, 8_000, 12_000));
        assertThat(outcome.figures()).isNull();
        assertThat(outcome.error()).isEqualTo("MALFORMED: layer 2: not a tar stream");
    }

    @Test
    void theReportShowsTheFiguresAndTheEvaluatorsSentence() {
        Limits limits = new Limits(null, null, null, null, null, 0.8, 7_999L);
        Rule rule = CheckRule.of(limits, PlatformSelection.of(Platform.LINUX_AMD64), "--min-efficiency 0.8");
        CheckContent.Outcome outcome = new CheckContent.Outcome(new Analysed(32_000, 0.75, 8_000), null);
        CheckReport report = report(rule, Map.of(DIGEST, outcome));

        assertThat(report.exitCode()).isEqualTo(CheckCommand.EXIT_OVER);
        StringWriter text = new StringWriter();
        report.printText(new PrintWriter(text), limits);
        assertThat(text.toString())
                .contains("content: 31.3 KiB uncompressed (32000 bytes), efficiency 75.0%, 7.8 KiB hidden by later"
                        + " layers (8000 bytes)")
                .contains("with 75.0% efficiency, under the 80.0% minEfficiency and with 7.813 KiB hidden by later"
                        + " layers, over the 7.812 KiB maxWastedBytes of imagesize check --min-efficiency 0.8")
                .contains("(limits: --min-efficiency 0.8, --max-wasted 7.8 KiB)");
        @SuppressWarnings("unchecked")
        Map<String, Object> json = ((List<Map<String, Object>>) report.toJson().get("results")).get(0);
        assertThat(json.get("content"))
                .isEqualTo(Map.of(
                        "uncompressedBytes",
                        32_000L,
                        "uncompressedSize",
                        "31.3 KiB",
                        "efficiency",
                        0.75,
                        "wastedBytes",
                        8_000L,
                        "wasted",
                        "7.8 KiB"));
    }

    @Test
    void anAnalysisThatFailedMakesTheImageUnknownExitTwo() {
        Limits limits = new Limits(1L << 30, null, null, null, 1L << 30, null, null);
        Rule rule = CheckRule.of(limits, PlatformSelection.of(Platform.LINUX_AMD64), "--max-uncompressed 1Gi");
        CheckReport failed = report(
                rule, Map.of(DIGEST, new CheckContent.Outcome(null, "UNCOMPRESSED_TOO_LARGE: layer 1 is over 32 GiB")));
        assertThat(failed.exitCode()).isEqualTo(CheckCommand.EXIT_UNKNOWN);
        assertThat(failed.entries().get(0).message())
                .isEqualTo("image \"reg.io/app:1\" (" + DIGEST + ", linux/amd64): content not analysed"
                        + " (UNCOMPRESSED_TOO_LARGE: layer 1 is over 32 GiB), so the maxUncompressedSize of imagesize"
                        + " check --max-uncompressed 1Gi is not checked");

        CheckReport missing = report(rule, Map.of());
        assertThat(missing.exitCode()).isEqualTo(CheckCommand.EXIT_UNKNOWN);
        assertThat(missing.entries().get(0).contentError()).startsWith("NOT_ANALYSED: the image changed");
    }

    /** The report of reg.io/app:1 judged by the shared evaluator with {@code outcomes} as its analyses. */
    private static CheckReport report(Rule rule, Map<String, CheckContent.Outcome> outcomes) {
        var size = Fixtures.size("reg.io/app:1", DIGEST, Platform.LINUX_AMD64, 10_000);
        Container container = CheckRule.workload("reg.io/app:1").containers().get(0);
        List<Finding> findings = PolicyEvaluator.evaluate(
                List.of(rule),
                List.of(container),
                PlatformScope.cluster(List.of()),
                ref -> new ResolveResult.Sized(ref, List.of(size), List.of(), List.of(Platform.LINUX_AMD64)),
                c -> null,
                digest -> outcomes.get(digest) == null
                        ? null
                        : outcomes.get(digest).figures());
        return CheckReport.of(
                List.of(new Assessments.Assessed(
                        new Assessments.Subject(CheckRule.workload("reg.io/app:1"), List.of(rule)),
                        findings,
                        List.of())),
                List.of(),
                outcomes::get);
    }

    private static ImageAnalysis analysis(
            String phase, long uncompressed, double efficiency, long hidden, long diveWasted) {
        ImageAnalysisStatus status = new ImageAnalysisStatus(
                phase,
                ImageAnalysisStatus.ANALYZER_VERSION,
                "linux/amd64",
                DIGEST,
                null,
                new ImageAnalysisStatus.Sizes(10_000, uncompressed, uncompressed + 3_072, 24_000L, hidden),
                new ImageAnalysisStatus.Dive(0.6, diveWasted, uncompressed, 0, null, 0, false, List.of(), List.of()),
                new ImageAnalysisStatus.Overlay(32_000, 24_000, hidden, efficiency, null, 4_000, 0, 4_000, 0),
                null,
                List.of(),
                List.of(),
                List.of(),
                null,
                phase.equals("Complete")
                        ? List.of(new ImageAnalysisStatus.Condition("Complete", "True", "Analysed", "every layer"))
                        : List.of(new ImageAnalysisStatus.Condition(
                                "LayerAnalysed", "False", "MALFORMED", "layer 2: not a tar stream")));
        return new ImageAnalysis(status, null, List.of());
    }
}
