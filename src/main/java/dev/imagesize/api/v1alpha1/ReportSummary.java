package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;

/**
 * The printer columns of a report, for the container to fix first. Efficiency and wasted bytes are the overlay figures
 * (what policies check): visible over shipped bytes, and bytes shipped but hidden by later layers.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReportSummary(
        @JsonPropertyDescription("container=image as written in the pod spec.") @Size(max = 600)
        String image,

        @JsonPropertyDescription("Uncompressed size (compressed while the analysis is pending).") @Size(max = 64)
        String size,

        @JsonPropertyDescription("The finding that saves the most to pull, with that saving; or why there is none.")
        @Size(max = 256)
        String topFinding,

        @JsonPropertyDescription("Bytes shipped in layers but hidden by later layers.") @Size(max = 64)
        String wasted,

        @JsonPropertyDescription("Visible over shipped bytes.") @Size(max = 16)
        String efficiency) {}
