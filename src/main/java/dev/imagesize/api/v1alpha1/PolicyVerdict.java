package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;

/** What one policy concluded about one container. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PolicyVerdict(
        @JsonPropertyDescription("The policy: ImageSizePolicy namespace/name or ClusterImageSizePolicy name.")
        @Size(max = 300)
        String policy,

        @JsonPropertyDescription("Within, Over, Unknown or Excluded.") @Size(max = 16)
        String outcome,

        @JsonPropertyDescription("The policy's sentence, as admission and the audit word it.") @Size(max = 1024)
        String message) {}
