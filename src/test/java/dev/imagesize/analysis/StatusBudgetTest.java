package dev.imagesize.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Statuses stay within their byte budget and say what was cut. */
class StatusBudgetTest {

    @Test
    void largeStatusesAreCutToTheBudgetWithFlags() {
        List<ImageAnalysisStatus.Finding> findings = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            findings.add(new ImageAnalysisStatus.Finding(
                    "rule-" + i,
                    "title",
                    "certain",
                    1000 - i,
                    900 - i,
                    10,
                    i,
                    "RUN " + "x".repeat(2000),
                    null,
                    null,
                    List.of("/a/" + "p".repeat(300), "/b", "/c", "/d", "/e", "/f", "/g"),
                    "fix it"));
        }
        List<ImageAnalysisStatus.LayerInfo> layers = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            layers.add(new ImageAnalysisStatus.LayerInfo(
                    i,
                    "sha256:" + "a".repeat(64),
                    "sha256:" + "b".repeat(64),
                    "application/vnd.oci.image.layer.v1.tar+gzip",
                    1,
                    2L,
                    3L,
                    4,
                    "RUN " + "y".repeat(1000),
                    null));
        }
        List<DiveResult.InefficientFile> files = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            files.add(new DiveResult.InefficientFile("/f/" + i, 2, i));
        }
        ImageAnalysisStatus status = new ImageAnalysisStatus(
                "Complete",
                "1",
                "linux/amd64",
                "sha256:x",
                null,
                null,
                new ImageAnalysisStatus.Dive(0.5, 1, 2, 1, 1.0, 0, false, null, files),
                null,
                null,
                null,
                findings,
                layers,
                null,
                List.of());
        ImageAnalysisStatus fitted = StatusBudget.fit(status, StatusBudget.DEFAULT_BYTES);
        assertThat(StatusBudget.sizeOf(fitted)).isLessThanOrEqualTo(StatusBudget.DEFAULT_BYTES);
        assertThat(fitted.findings()).hasSizeLessThanOrEqualTo(StatusBudget.MAX_FINDINGS);
        assertThat(fitted.findings().get(0).id()).isEqualTo("rule-0");
        assertThat(fitted.dive().topFiles()).hasSizeLessThanOrEqualTo(StatusBudget.MAX_TOP_FILES);
        assertThat(fitted.truncated()).isEqualTo(new ImageAnalysisStatus.Truncated(true, true, true, true));
    }

    @Test
    void smallStatusesAreUntouched() {
        ImageAnalysisStatus status = new ImageAnalysisStatus(
                "Complete",
                "1",
                "linux/amd64",
                "sha256:x",
                null,
                null,
                null,
                null,
                null,
                null,
                List.of(),
                List.of(),
                null,
                List.of());
        ImageAnalysisStatus fitted = StatusBudget.fit(status, StatusBudget.DEFAULT_BYTES);
        assertThat(fitted.truncated()).isEqualTo(new ImageAnalysisStatus.Truncated(false, false, false, false));
        assertThat(fitted.findings()).isEmpty();
    }
}
