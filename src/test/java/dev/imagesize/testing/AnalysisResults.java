package dev.imagesize.testing;

import dev.imagesize.analysis.DiveResult;
import dev.imagesize.analysis.ImageAnalysisStatus;
import java.util.List;

/** Analysis results with every field set, for tests of what stores, projects and reports them. */
public final class AnalysisResults {
    private AnalysisResults() {}

    public static final String DIGEST = "sha256:" + "1".repeat(64);

    /** A complete result of {@link #DIGEST}: 10 MB uncompressed, 2 MB hidden, two findings and one advice. */
    public static ImageAnalysisStatus complete() {
        return complete(DIGEST, 10_000_000L, 2_000_000L, 0.8, List.of(aptLists(), pipCache()));
    }

    /** A complete result with these figures. */
    public static ImageAnalysisStatus complete(
            String digest,
            long uncompressedBytes,
            long hiddenBytes,
            double overlayEfficiency,
            List<ImageAnalysisStatus.Finding> findings) {
        return new ImageAnalysisStatus(
                "Complete",
                ImageAnalysisStatus.ANALYZER_VERSION,
                "linux/amd64",
                digest,
                new ImageAnalysisStatus.Summary("9.5 MiB", "72.0%", "2.8 MiB", "test-python:3.11", "linux/amd64"),
                new ImageAnalysisStatus.Sizes(
                        4_000_000L,
                        uncompressedBytes,
                        uncompressedBytes + 10_240,
                        uncompressedBytes - hiddenBytes,
                        hiddenBytes),
                new ImageAnalysisStatus.Dive(
                        0.72,
                        2_900_000L,
                        uncompressedBytes,
                        uncompressedBytes - 1_000,
                        0.29,
                        1_900_000L,
                        false,
                        List.of(1),
                        List.of(new DiveResult.InefficientFile("/var/lib/apt/lists/x", 2, 2_000_000L))),
                new ImageAnalysisStatus.Overlay(
                        uncompressedBytes,
                        uncompressedBytes - hiddenBytes,
                        hiddenBytes,
                        overlayEfficiency,
                        0.25,
                        hiddenBytes / 2,
                        hiddenBytes / 4,
                        hiddenBytes / 8,
                        hiddenBytes - hiddenBytes / 2 - hiddenBytes / 4 - hiddenBytes / 8),
                new ImageAnalysisStatus.Base(
                        "reg.local/test-python:3.11",
                        "sha256:" + "b".repeat(64),
                        1,
                        "LayerMatch",
                        "high",
                        List.of("reg.local/test-debian:12"),
                        0.5,
                        0.6),
                List.of(new ImageAnalysisStatus.Advice(
                        "test-python:3.11",
                        "test-python:3.11-slim",
                        409_120_197L,
                        45_520_747L,
                        409_120_197L - 45_520_747L,
                        1_100_000_000L,
                        124_800_000L,
                        1_100_000_000L - 124_800_000L,
                        "no compiler",
                        "test-python:3.11 is 390.2 MiB compressed; test-python:3.11-slim is 43.4 MiB compressed (no"
                                + " compiler)")),
                findings,
                List.of(new ImageAnalysisStatus.LayerInfo(
                        0,
                        "sha256:" + "c".repeat(64),
                        "sha256:" + "d".repeat(64),
                        "application/vnd.oci.image.layer.v1.tar+gzip",
                        4_000_000L,
                        uncompressedBytes,
                        uncompressedBytes + 10_240,
                        12,
                        "ADD rootfs.tar.gz /",
                        null)),
                new ImageAnalysisStatus.Truncated(false, false, false, false),
                List.of(new ImageAnalysisStatus.Condition("Complete", "True", "Analysed", "every layer analysed")));
    }

    /** apt lists left in layer 1, the largest saving. */
    public static ImageAnalysisStatus.Finding aptLists() {
        return new ImageAnalysisStatus.Finding(
                "apt-lists",
                "apt package lists left in the image",
                "certain",
                1_500_000L,
                600_000L,
                3,
                1,
                "/bin/sh -c apt-get update && apt-get install -y curl",
                null,
                null,
                List.of("/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"),
                "add rm -rf /var/lib/apt/lists/* in the same RUN as apt-get update");
    }

    /** A pip cache hidden by a later layer, the second saving. */
    public static ImageAnalysisStatus.Finding pipCache() {
        return new ImageAnalysisStatus.Finding(
                "pip-cache",
                "pip's download cache",
                "certain",
                500_000L,
                200_000L,
                2,
                2,
                "/bin/sh -c pip install requests",
                3,
                "/bin/sh -c rm -rf /root/.cache",
                List.of("/root/.cache/pip/http/a"),
                "pip install --no-cache-dir");
    }
}
