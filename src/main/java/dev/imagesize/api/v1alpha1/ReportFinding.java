package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;

/** One named finding: what, how many bytes, which step added them, and the fix. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReportFinding(
        @JsonPropertyDescription("The rule, e.g. apt-lists.") @Size(max = 64)
        String id,

        @JsonPropertyDescription("What was found.") @Size(max = 256)
        String title,

        @JsonPropertyDescription("Uncompressed bytes the fix removes.") @Min(0) @Max(IntegerBounds.LONG)
        Long bytes,

        @JsonPropertyDescription("Compressed bytes nodes would no longer pull (estimated).")
        @Min(0)
        @Max(IntegerBounds.LONG)
        Long estimatedPullSavings,

        @JsonPropertyDescription("Index of the layer that added the bytes.") @Min(0) @Max(IntegerBounds.INT)
        Integer layer,

        @JsonPropertyDescription("The step that made that layer.") @Size(max = 256)
        String createdBy,

        @JsonPropertyDescription("The fix, in one line.") @Size(max = 512)
        String fix) {}
