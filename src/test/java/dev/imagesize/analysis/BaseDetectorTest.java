package dev.imagesize.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Base detection: annotations first, then the longest layer prefix, then os-release; advice like for like. */
class BaseDetectorTest {
    private static final String CATALOG = """
            images:
              - ref: debian:12
                platforms:
                  linux/amd64: {compressed: 100, uncompressed: 300, diffIDs: [sha256:d1]}
              - ref: python:3.11
                platforms:
                  linux/amd64: {compressed: 400, uncompressed: 1000, diffIDs: [sha256:d1, sha256:p2, sha256:p3]}
                alternatives:
                  - {ref: python:3.11-slim, caveat: no compiler}
              - ref: python:3.11-slim
                platforms:
                  linux/amd64: {compressed: 45}
            """;

    private final BaseDetector detector = new BaseDetector(catalog());

    private static BaseCatalog catalog() {
        try {
            return BaseCatalog.parse(new ByteArrayInputStream(CATALOG.getBytes(StandardCharsets.UTF_8)));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theLongestLayerPrefixWinsAndShorterOnesAreAncestry() {
        var detection = detector.detect(
                        "linux/amd64",
                        Map.of(),
                        Map.of(),
                        List.of("sha256:d1", "sha256:p2", "sha256:p3", "sha256:app"),
                        List.of(),
                        Map.of())
                .orElseThrow();
        assertThat(detection.base().name()).isEqualTo("python:3.11");
        assertThat(detection.base().layers()).isEqualTo(3);
        assertThat(detection.base().method()).isEqualTo("LayerMatch");
        assertThat(detection.base().ancestry()).containsExactly("debian:12");
        List<ImageAnalysisStatus.Advice> advice = detector.advise(detection, "linux/amd64");
        assertThat(advice).singleElement().satisfies(a -> {
            assertThat(a.savesCompressedBytes()).isEqualTo(355);
            assertThat(a.savesUncompressedBytes())
                    .as("slim's uncompressed size is unknown: no mixed comparison")
                    .isNull();
            assertThat(a.text())
                    .isEqualTo(
                            "python:3.11, 400 B compressed, 1000 B uncompressed; python:3.11-slim is 45 B compressed (no compiler)");
        });
    }

    @Test
    void annotationsWinOverLayersAndUnknownNamesGiveNoAdvice() {
        var annotated = detector.detect(
                        "linux/amd64",
                        Map.of(BaseDetector.BASE_NAME, "docker.io/library/python:3.11"),
                        Map.of(),
                        List.of("sha256:d1", "sha256:x"),
                        List.of(),
                        Map.of())
                .orElseThrow();
        assertThat(annotated.base().method()).isEqualTo("Annotation");
        assertThat(annotated.entry().ref()).isEqualTo("python:3.11");
        var unknown = detector.detect(
                        "linux/amd64",
                        Map.of(),
                        Map.of(BaseDetector.BASE_NAME, "example.com/base:1"),
                        List.of(),
                        List.of(),
                        Map.of())
                .orElseThrow();
        assertThat(unknown.base().name()).isEqualTo("example.com/base:1");
        assertThat(detector.advise(unknown, "linux/amd64")).isEmpty();
    }

    @Test
    void dockerLibraryEnvironmentAndAToolchainNameTheFullImage() {
        BaseDetector shipped = new BaseDetector(BaseCatalog.builtIn());
        var full = shipped.detect(
                        "linux/amd64",
                        Map.of(),
                        Map.of(),
                        List.of("sha256:zz"),
                        List.of(),
                        Map.of(),
                        List.of("PYTHON_VERSION=3.11.9"),
                        path -> path.equals("/usr/lib/gcc/"))
                .orElseThrow();
        assertThat(full.base().name()).isEqualTo("docker.io/library/python:3.11");
        assertThat(full.base().method()).isEqualTo("Heuristic");
        assertThat(shipped.advise(full, "linux/amd64")).singleElement().satisfies(a -> {
            assertThat(a.with()).isEqualTo("python:3.11-slim");
            assertThat(a.savesCompressedBytes()).isEqualTo(409_120_197L - 45_520_747L);
            assertThat(a.text())
                    .startsWith(
                            "python:3.11, 390.2 MiB compressed, 1.0 GiB uncompressed; python:3.11-slim is 43.4 MiB compressed, 119.0 MiB uncompressed");
        });
        var slim = shipped.detect(
                        "linux/amd64",
                        Map.of(),
                        Map.of(),
                        List.of("sha256:zz"),
                        List.of(),
                        Map.of(),
                        List.of("PYTHON_VERSION=3.11.9"),
                        path -> false)
                .orElseThrow();
        assertThat(slim.base().name()).isEqualTo("docker.io/library/python:3.11-slim");
        assertThat(shipped.advise(slim, "linux/amd64")).isEmpty();
    }

    @Test
    void osReleaseIsTheLastResortWithLowConfidence() {
        var detection = detector.detect(
                        "linux/amd64",
                        Map.of(),
                        Map.of(),
                        List.of("sha256:zz"),
                        List.of(),
                        BaseDetector.parseOsRelease("ID=alpine\nVERSION_ID=3.20.1\n"))
                .orElseThrow();
        assertThat(detection.base().name()).isEqualTo("alpine:3.20.1");
        assertThat(detection.base().confidence()).isEqualTo("low");
        assertThat(detector.detect("linux/amd64", Map.of(), Map.of(), List.of(), List.of(), Map.of()))
                .isEmpty();
    }
}
