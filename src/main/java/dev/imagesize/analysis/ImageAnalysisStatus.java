package dev.imagesize.analysis;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The result of analysing one platform image, in the shape of the {@code ImageAnalysis.status} the cluster stores:
 * compact, bounded (see {@link StatusBudget}), exact numbers in bytes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageAnalysisStatus(
        String phase,
        String analyzerVersion,
        String platform,
        String manifestDigest,
        Summary summary,
        Sizes sizes,
        Dive dive,
        Overlay overlay,
        Base base,
        List<Advice> advice,
        List<Finding> findings,
        List<LayerInfo> layers,
        Truncated truncated,
        List<Condition> conditions) {

    public static final String ANALYZER_VERSION = "1";

    /** Printer-column strings. */
    public record Summary(String size, String efficiency, String wasted, String base, String platform) {}

    /**
     * Sizes of the image.
     *
     * @param compressedBytes config + layers as the manifest states them (what nodes pull)
     * @param uncompressedBytes Σ layer sizes as {@code docker history} and dive count them (tar header sizes)
     * @param tarBytes Σ lengths of the uncompressed tar streams
     * @param visibleBytes regular files a container sees, each inode once
     * @param hiddenBytes regular-file bytes shipped but hidden by later layers
     */
    public record Sizes(
            long compressedBytes, long uncompressedBytes, long tarBytes, Long visibleBytes, Long hiddenBytes) {}

    /** dive's figures; {@code wouldFail} when dive itself cannot read the image. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Dive(
            double efficiencyScore,
            long inefficientBytes,
            long sizeBytes,
            long userSizeBytes,
            Double userWastedPercent,
            long reclaimableBytes,
            boolean wouldFail,
            List<Integer> abortedLayers,
            List<DiveResult.InefficientFile> topFiles) {}

    /** Figures under OCI semantics, with hidden bytes by cause. */
    public record Overlay(
            long shippedBytes,
            long visibleBytes,
            long hiddenBytes,
            double efficiency,
            Double appHiddenPercent,
            long deletedByWhiteoutBytes,
            long hiddenByOpaqueDirectoryBytes,
            long overwrittenBytes,
            long sameContentRewrittenBytes) {}

    /** The detected base image and its share of this image. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Base(
            String name,
            String digest,
            Integer layers,
            String method,
            String confidence,
            List<String> ancestry,
            Double compressedShare,
            Double uncompressedShare) {}

    /** Replace the base with a smaller one; compares compressed with compressed and uncompressed with uncompressed. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Advice(
            String replace,
            String with,
            Long baseCompressedBytes,
            Long withCompressedBytes,
            Long savesCompressedBytes,
            Long baseUncompressedBytes,
            Long withUncompressedBytes,
            Long savesUncompressedBytes,
            String caveat,
            String text) {}

    /** A named finding: what, how many bytes, where they came from, and the fix. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Finding(
            String id,
            String title,
            String confidence,
            long bytes,
            long estimatedPullSavings,
            int files,
            int layer,
            String createdBy,
            Integer removedByLayer,
            String removedBy,
            List<String> samples,
            String fix) {}

    /** One layer: both identities, both sizes, the step that made it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LayerInfo(
            int index,
            String digest,
            String diffID,
            String mediaType,
            long compressedBytes,
            Long sizeBytes,
            Long tarBytes,
            Integer files,
            String createdBy,
            String problem) {}

    /** Which lists were cut to stay within the size budget. */
    public record Truncated(boolean findings, boolean layers, boolean topFiles, boolean text) {}

    /** A condition in Kubernetes style (type, status, reason, message). */
    public record Condition(String type, String status, String reason, String message) {}
}
