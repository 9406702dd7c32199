package dev.imagesize.analysis;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/**
 * The result of analysing one platform image, in the shape of the {@code ImageAnalysis.status} the cluster stores:
 * compact, bounded (see {@link StatusBudget}), exact numbers in bytes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageAnalysisStatus(
        @JsonPropertyDescription(
                "Complete when every layer was analysed; Failed when one could not be (see conditions).")
        String phase,

        @JsonPropertyDescription("Version of the analysis that produced this result; a newer analyzer analyses again.")
        String analyzerVersion,

        @JsonPropertyDescription("Platform of the analysed image, os/arch[/variant].")
        String platform,

        @JsonPropertyDescription("Digest of the analysed platform image manifest.")
        String manifestDigest,

        @JsonPropertyDescription("Short texts for printer columns (dive's efficiency and wasted bytes).")
        Summary summary,

        @JsonPropertyDescription("Sizes of the image in bytes, compressed and uncompressed.")
        Sizes sizes,

        @JsonPropertyDescription("dive's figures, to the byte (dive v0.13.1).")
        Dive dive,

        @JsonPropertyDescription("Figures under OCI layer semantics: what a container sees and what later layers hide.")
        Overlay overlay,

        @JsonPropertyDescription("The detected base image and its share of this image.")
        Base base,

        @JsonPropertyDescription("Smaller base images to use instead, largest saving first.")
        List<Advice> advice,

        @JsonPropertyDescription("Named bloat findings, largest estimated pull saving first (at most 25).")
        List<Finding> findings,

        @JsonPropertyDescription("Every layer with its identities, sizes and the step that made it.")
        List<LayerInfo> layers,

        @JsonPropertyDescription("Which lists and texts were cut to keep this result within 64 KiB.")
        Truncated truncated,

        @JsonPropertyDescription(
                "Conditions: Complete, or LayerAnalysed False with the reason a layer was not analysed.")
        List<Condition> conditions) {

    public static final String ANALYZER_VERSION = "1";

    /** Printer-column strings. */
    public record Summary(
            @JsonPropertyDescription("Uncompressed size (compressed when the analysis is incomplete).")
            String size,

            @JsonPropertyDescription("dive's efficiency score as a percentage.")
            String efficiency,

            @JsonPropertyDescription("dive's wasted bytes.") String wasted,

            @JsonPropertyDescription("The detected base image, short.")
            String base,

            @JsonPropertyDescription("The platform.") String platform) {}

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
            @JsonPropertyDescription("Config plus layers as the manifest states them: what a node pulls.")
            long compressedBytes,

            @JsonPropertyDescription(
                    "Sum of the layers' file sizes as docker history and dive count them (tar headers).")
            long uncompressedBytes,

            @JsonPropertyDescription("Sum of the lengths of the uncompressed layer tar streams.")
            long tarBytes,

            @JsonPropertyDescription("Regular-file bytes a container sees, each inode once.")
            Long visibleBytes,

            @JsonPropertyDescription("Regular-file bytes shipped in layers but hidden by later layers.")
            Long hiddenBytes) {}

    /** dive's figures; {@code wouldFail} when dive itself cannot read the image. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Dive(
            @JsonPropertyDescription("dive's efficiency score (0-1).")
            double efficiencyScore,

            @JsonPropertyDescription("dive's wasted bytes: every copy of every path seen in two or more layers.")
            long inefficientBytes,

            @JsonPropertyDescription("dive's image size: the sum of every layer's tar header sizes.")
            long sizeBytes,

            @JsonPropertyDescription("dive's user size: the image size without the first layer.")
            long userSizeBytes,

            @JsonPropertyDescription("Wasted bytes over user size (absent when not finite).")
            Double userWastedPercent,

            @JsonPropertyDescription("Wasted bytes without the surviving copy of each path (dive PR #685).")
            long reclaimableBytes,

            @JsonPropertyDescription("dive itself cannot read this image (a PAX global header in a layer).")
            boolean wouldFail,

            @JsonPropertyDescription("Layers whose efficiency walk dive stops early (a whiteout of a missing path).")
            List<Integer> abortedLayers,

            @JsonPropertyDescription("dive's inefficient files, largest first (at most 20).")
            List<DiveResult.InefficientFile> topFiles) {}

    /** Figures under OCI semantics, with hidden bytes by cause. */
    public record Overlay(
            @JsonPropertyDescription("Regular-file bytes in all layers (hardlinks count 0).")
            long shippedBytes,

            @JsonPropertyDescription("Regular-file bytes visible in the merged root filesystem, each inode once.")
            long visibleBytes,

            @JsonPropertyDescription("Shipped minus visible: bytes every node pulls that no container can see.")
            long hiddenBytes,

            @JsonPropertyDescription("Visible over shipped (0-1); the efficiency policies' minEfficiency checks.")
            double efficiency,

            @JsonPropertyDescription("Hidden bytes over the size of the layers above the base image.")
            Double appHiddenPercent,

            @JsonPropertyDescription("Hidden because a later layer deleted them (a whiteout).")
            long deletedByWhiteoutBytes,

            @JsonPropertyDescription("Hidden by a later layer's opaque directory.")
            long hiddenByOpaqueDirectoryBytes,

            @JsonPropertyDescription("Hidden because a later layer wrote other content at the same path.")
            long overwrittenBytes,

            @JsonPropertyDescription("Hidden because a later layer wrote the same content again (chmod, chown).")
            long sameContentRewrittenBytes) {}

    /** The detected base image and its share of this image. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Base(
            @JsonPropertyDescription("The base image, e.g. docker.io/library/python:3.11.")
            String name,

            @JsonPropertyDescription("Its digest, when known.")
            String digest,

            @JsonPropertyDescription("How many of this image's first layers are the base's.")
            Integer layers,

            @JsonPropertyDescription("How it was found: Annotation, LayerMatch or Heuristic.")
            String method,

            @JsonPropertyDescription("How sure the detection is: high or low.")
            String confidence,

            @JsonPropertyDescription("Shorter matches below the base (its own bases).")
            List<String> ancestry,

            @JsonPropertyDescription("The base's share of the compressed size (0-1).")
            Double compressedShare,

            @JsonPropertyDescription("The base's share of the uncompressed size (0-1).")
            Double uncompressedShare) {}

    /** Replace the base with a smaller one; compares compressed with compressed and uncompressed with uncompressed. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Advice(
            @JsonPropertyDescription("The base image to replace.")
            String replace,

            @JsonPropertyDescription("The smaller alternative.")
            String with,

            @JsonPropertyDescription("The base's compressed size.")
            Long baseCompressedBytes,

            @JsonPropertyDescription("The alternative's compressed size.")
            Long withCompressedBytes,

            @JsonPropertyDescription("Compressed bytes saved.")
            Long savesCompressedBytes,

            @JsonPropertyDescription("The base's uncompressed size.")
            Long baseUncompressedBytes,

            @JsonPropertyDescription("The alternative's uncompressed size.")
            Long withUncompressedBytes,

            @JsonPropertyDescription("Uncompressed bytes saved.")
            Long savesUncompressedBytes,

            @JsonPropertyDescription("What the alternative lacks.")
            String caveat,

            @JsonPropertyDescription("The advice in one sentence, like with like.")
            String text) {}

    /** A named finding: what, how many bytes, where they came from, and the fix. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Finding(
            @JsonPropertyDescription("The rule, e.g. apt-lists, pip-cache, hidden-by-later-layer.")
            String id,

            @JsonPropertyDescription("What was found, in a few words.")
            String title,

            @JsonPropertyDescription("certain, likely or info.")
            String confidence,

            @JsonPropertyDescription("Uncompressed bytes the fix removes.")
            long bytes,

            @JsonPropertyDescription("Compressed bytes nodes would no longer pull (estimated per layer ratio).")
            long estimatedPullSavings,

            @JsonPropertyDescription("Files involved.") int files,

            @JsonPropertyDescription("Index of the layer that added the bytes.")
            int layer,

            @JsonPropertyDescription("The step (history created_by) of that layer.")
            String createdBy,

            @JsonPropertyDescription("Index of the layer that hid the bytes, for hidden bytes.")
            Integer removedByLayer,

            @JsonPropertyDescription("The step of the layer that hid them.")
            String removedBy,

            @JsonPropertyDescription("Some of the paths (at most 5).")
            List<String> samples,

            @JsonPropertyDescription("The fix, in one line.")
            String fix) {}

    /** One layer: both identities, both sizes, the step that made it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LayerInfo(
            @JsonPropertyDescription("Position in the manifest, from 0.")
            int index,

            @JsonPropertyDescription("Digest of the compressed blob.")
            String digest,

            @JsonPropertyDescription("Digest of the uncompressed tar (the config's diff_id).")
            String diffID,

            @JsonPropertyDescription("Media type of the blob.")
            String mediaType,

            @JsonPropertyDescription("Compressed size, as the manifest states it.")
            long compressedBytes,

            @JsonPropertyDescription("Sum of the layer's tar header sizes (docker history).")
            Long sizeBytes,

            @JsonPropertyDescription("Length of the uncompressed tar stream.")
            Long tarBytes,

            @JsonPropertyDescription("Tar entries.") Integer files,

            @JsonPropertyDescription("The step (history created_by) that made the layer.")
            String createdBy,

            @JsonPropertyDescription("Why the layer was not analysed, when it was not.")
            String problem) {}

    /** Which lists were cut to stay within the size budget. */
    public record Truncated(
            @JsonPropertyDescription("Findings were cut.") boolean findings,
            @JsonPropertyDescription("Layers were cut.") boolean layers,

            @JsonPropertyDescription("dive's top files were cut.")
            boolean topFiles,

            @JsonPropertyDescription("Long texts (steps) were shortened.")
            boolean text) {}

    /** A condition in Kubernetes style (type, status, reason, message). */
    public record Condition(
            @JsonPropertyDescription("Complete or LayerAnalysed.")
            String type,

            @JsonPropertyDescription("True or False.") String status,
            @JsonPropertyDescription("Why, in one word.") String reason,
            @JsonPropertyDescription("Why, in one line.") String message) {}
}
