package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** One platform image of a container: sizes, efficiency, hidden bytes, the findings to fix first, base advice. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageReport(
        @JsonPropertyDescription("Platform, os/arch[/variant].") @Size(max = 64)
        String platform,

        @JsonPropertyDescription("Digest of the platform image manifest.") @Size(max = 135)
        String digest,

        @JsonPropertyDescription("Name of the cluster's ImageAnalysis of this digest.") @Size(max = 135)
        String analysis,

        @JsonPropertyDescription("Where its analysis is: Pending, Deferred, Analyzing, Complete or Failed.")
        AnalysisPhase phase,

        @JsonPropertyDescription("Why the analysis failed or waits.") @Size(max = 1024)
        String message,

        @JsonPropertyDescription("Compressed size: config plus layers, what a node pulls.")
        @Min(0)
        @Max(IntegerBounds.LONG)
        Long compressedBytes,

        @JsonPropertyDescription("Uncompressed size: the layers' file sizes, as docker history counts them.")
        @Min(0)
        @Max(IntegerBounds.LONG)
        Long uncompressedBytes,

        @JsonPropertyDescription(
                "Visible over shipped regular-file bytes (OCI layer semantics; what minEfficiency" + " checks).")
        Double efficiency,

        @JsonPropertyDescription("Bytes shipped but hidden by later layers (what maxWastedBytes checks).")
        @Min(0)
        @Max(IntegerBounds.LONG)
        Long wastedBytes,

        @JsonPropertyDescription("dive's efficiency score, for comparison with dive.")
        Double diveEfficiency,

        @JsonPropertyDescription("dive's wasted bytes, for comparison with dive.") @Min(0) @Max(IntegerBounds.LONG)
        Long diveWastedBytes,

        @JsonPropertyDescription("The detected base image.") @Size(max = 512)
        String base,

        @JsonPropertyDescription("Smaller base images to use instead, one sentence each (at most 2).") @Size(max = 2)
        List<@Size(max = 512) String> advice,

        @JsonPropertyDescription("The findings to fix first, largest estimated pull saving first (at most "
                + ImageReport.MAX_FINDINGS + ").")
        @Size(max = ImageReport.MAX_FINDINGS)
        List<ReportFinding> findings) {

    public static final int MAX_FINDINGS = 5;

    public ImageReport {
        advice = advice == null ? List.of() : List.copyOf(advice);
        findings = findings == null ? List.of() : List.copyOf(findings);
    }

    /** An image whose analysis is not complete: its compressed size and where the analysis is, no figures yet. */
    public static ImageReport waiting(
            String platform,
            String digest,
            String analysis,
            AnalysisPhase phase,
            String message,
            long compressedBytes) {
        return new ImageReport(
                platform,
                digest,
                analysis,
                phase,
                message,
                compressedBytes,
                null,
                null,
                null,
                null,
                null,
                null,
                List.of(),
                List.of());
    }
}
