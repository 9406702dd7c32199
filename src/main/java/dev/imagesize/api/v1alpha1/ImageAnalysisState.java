package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.imagesize.analysis.ImageAnalysisStatus;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * Where an analysis is (queued, running, done, failed and when to try again) and, once done, its result in the shape
 * of {@link ImageAnalysisStatus}, kept within 64 KiB.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageAnalysisState(
        @JsonPropertyDescription("Pending (queued), Deferred (the queue is full), Analyzing, Complete or Failed.")
        AnalysisPhase phase,

        @JsonPropertyDescription("Why it failed or waits, in one line.") @Size(max = 1024)
        String message,

        @JsonPropertyDescription("Analyses tried so far for this digest and analyzer version.")
        @Min(0)
        @Max(IntegerBounds.INT)
        Integer attempts,

        @JsonPropertyDescription("A failed analysis that may succeed later is tried again after this time (RFC 3339).")
        String nextAttemptAt,

        @JsonPropertyDescription("When the result was produced (RFC 3339).")
        String observedAt,

        @JsonPropertyDescription("The analyzer replica that claimed it (Analyzing) or produced it.") @Size(max = 253)
        String analyzer,

        @JsonPropertyDescription(
                "While Analyzing: the analyzer's claim lasts until this time (RFC 3339) unless renewed;"
                        + " another analyzer takes over a claim that expired.")
        String claimedUntil,

        @JsonPropertyDescription("Version of the analysis that produced the result; a newer analyzer analyses again.")
        String analyzerVersion,

        @JsonPropertyDescription("Platform of the analysed image.")
        String platform,

        @JsonPropertyDescription("Digest of the analysed manifest.")
        String manifestDigest,

        @JsonPropertyDescription("Short texts for printer columns: size, dive's efficiency and wasted bytes, base.")
        ImageAnalysisStatus.Summary summary,

        @JsonPropertyDescription("Sizes in bytes, compressed and uncompressed.")
        ImageAnalysisStatus.Sizes sizes,

        @JsonPropertyDescription("dive's figures, to the byte (dive v0.13.1).")
        ImageAnalysisStatus.Dive dive,

        @JsonPropertyDescription(
                "Figures under OCI layer semantics; the policies' minEfficiency and maxWastedBytes" + " read these.")
        ImageAnalysisStatus.Overlay overlay,

        @JsonPropertyDescription("The detected base image.") ImageAnalysisStatus.Base base,

        @JsonPropertyDescription("Smaller base images to use instead.")
        List<ImageAnalysisStatus.Advice> advice,

        @JsonPropertyDescription("Named bloat findings, largest estimated pull saving first (at most 25).")
        List<ImageAnalysisStatus.Finding> findings,

        @JsonPropertyDescription("Every layer: identities, sizes, the step that made it.")
        List<ImageAnalysisStatus.LayerInfo> layers,

        @JsonPropertyDescription("What was cut to stay within 64 KiB.")
        ImageAnalysisStatus.Truncated truncated,

        @JsonPropertyDescription("Complete, or LayerAnalysed False with the reason a layer was not analysed.")
        List<ImageAnalysisStatus.Condition> conditions) {

    /** Not analysed (yet): only the queue's fields. */
    public static ImageAnalysisState waiting(
            AnalysisPhase phase, String message, Integer attempts, String nextAttemptAt, String analyzer) {
        return new ImageAnalysisState(
                phase,
                message,
                attempts,
                nextAttemptAt,
                null,
                analyzer,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    /** Claimed by {@code analyzer} until {@code claimedUntil} (RFC 3339): being analysed, try {@code attempts}. */
    public static ImageAnalysisState claimed(int attempts, String analyzer, String claimedUntil) {
        return new ImageAnalysisState(
                AnalysisPhase.ANALYZING,
                null,
                attempts,
                null,
                null,
                analyzer,
                claimedUntil,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    /** A result: Complete, or Failed with the layers that could not be analysed named in its conditions. */
    public static ImageAnalysisState of(
            ImageAnalysisStatus result,
            String message,
            int attempts,
            String nextAttemptAt,
            String observedAt,
            String analyzer) {
        return new ImageAnalysisState(
                "Complete".equals(result.phase()) ? AnalysisPhase.COMPLETE : AnalysisPhase.FAILED,
                message,
                attempts,
                nextAttemptAt,
                observedAt,
                analyzer,
                null,
                result.analyzerVersion(),
                result.platform(),
                result.manifestDigest(),
                result.summary(),
                result.sizes(),
                result.dive(),
                result.overlay(),
                result.base(),
                result.advice(),
                result.findings(),
                result.layers(),
                result.truncated(),
                result.conditions());
    }

    /** Whether a complete result is here. */
    public boolean complete() {
        return phase == AnalysisPhase.COMPLETE;
    }
}
