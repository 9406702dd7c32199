package dev.imagesize.content;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.api.v1alpha1.AnalysisPhase;
import dev.imagesize.api.v1alpha1.ImageAnalysis;
import dev.imagesize.api.v1alpha1.ImageReport;
import dev.imagesize.api.v1alpha1.WorkloadReport;
import dev.imagesize.policy.Container;
import dev.imagesize.policy.Finding;
import dev.imagesize.workload.Workload;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReportBuilderTest {
    static final String OTHER = "sha256:" + "2".repeat(64);
    static final Container SIDECAR = new Container("proxy", Container.Type.INIT, "reg.local/shop/proxy:2");

    @Test
    void theSummaryIsTheContainerWhoseTopFindingSavesTheMostAndAPendingImageShowsItsCompressedSize() {
        Workload workload = new Workload(
                "Deployment", "shop", "web", Map.of(), List.of(SIDECAR, ContentNotesTest.WEB), List.of(), "default");
        List<Finding> findings = List.of(
                ContentNotesTest.finding(SIDECAR, OTHER, Finding.Outcome.WITHIN),
                ContentNotesTest.finding(ContentNotesTest.WEB, ContentNotesTest.DIGEST, Finding.Outcome.WITHIN));
        Map<String, ImageAnalysis> analyses =
                Map.of(ContentNotesTest.DIGEST, ContentNotesTest.complete(ContentNotesTest.DIGEST));

        WorkloadReport report =
                ReportBuilder.build(workload, findings, digest -> Optional.ofNullable(analyses.get(digest)));

        assertThat(report.kind()).isEqualTo("Deployment");
        assertThat(report.summary().image()).isEqualTo("web=" + ContentNotesTest.IMAGE);
        assertThat(report.summary().size()).isEqualTo("9.5 MiB");
        assertThat(report.summary().topFinding()).isEqualTo("apt-lists in layer 1 (saves ~585.9 KiB)");
        assertThat(report.summary().wasted()).isEqualTo("1.9 MiB");
        assertThat(report.summary().efficiency()).isEqualTo("80.0%");
        assertThat(report.estimatedSavingsBytes()).isEqualTo(800_000L);
        assertThat(report.truncated()).isNull();

        ImageReport pending = report.containers().get(0).images().get(0);
        assertThat(report.containers().get(0).type()).isEqualTo("init container");
        assertThat(pending.phase()).isEqualTo(AnalysisPhase.PENDING);
        assertThat(pending.analysis()).isEqualTo("sha256-" + "2".repeat(64));
        assertThat(pending.compressedBytes()).isEqualTo(4_001_000L);
        assertThat(pending.findings()).isEmpty();

        ImageReport complete = report.containers().get(1).images().get(0);
        assertThat(complete.uncompressedBytes()).isEqualTo(10_000_000L);
        assertThat(complete.wastedBytes()).isEqualTo(2_000_000L);
        assertThat(complete.diveEfficiency()).isEqualTo(0.72);
        assertThat(complete.base()).isEqualTo("reg.local/test-python:3.11");
        assertThat(complete.advice()).singleElement().asString().startsWith("base image: test-python:3.11 is");
        assertThat(complete.findings()).extracting(f -> f.id()).containsExactly("apt-lists", "pip-cache");
        assertThat(report.containers().get(1).verdicts()).singleElement().satisfies(v -> {
            assertThat(v.policy()).isEqualTo("ImageSizePolicy shop/budget");
            assertThat(v.outcome()).isEqualTo("Within");
            assertThat(v.message()).isNull();
        });
    }

    @Test
    void reportNamesAreKindAndNameAndLongOnesEndInAHash() {
        assertThat(ReportNames.of("Deployment", "web")).isEqualTo("deployment-web");
        String longName = "a".repeat(250);
        String name = ReportNames.of("Deployment", longName);
        assertThat(name)
                .hasSizeLessThanOrEqualTo(253)
                .startsWith("deployment-aaa")
                .matches(".*-[0-9a-f]{10}$");
        assertThat(ReportNames.of("Deployment", longName + "b")).isNotEqualTo(name);
        assertThat(ReportNames.labelValue(longName)).hasSize(63);
    }
}
