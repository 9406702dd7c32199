package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** One container of the workload: its image per platform, and what each policy concluded. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContainerReport(
        @JsonPropertyDescription("Name of the container.") @Size(max = 253)
        String name,

        @JsonPropertyDescription("container, init container or ephemeral container.") @Size(max = 32)
        String type,

        @JsonPropertyDescription("Image as written in the pod spec.") @Size(max = 600)
        String image,

        @JsonPropertyDescription(
                "The image per platform the policies measure (at most " + ContainerReport.MAX_IMAGES + ").")
        @Size(max = ContainerReport.MAX_IMAGES)
        List<ImageReport> images,

        @JsonPropertyDescription(
                "Each governing policy's verdict on this container (at most " + ContainerReport.MAX_VERDICTS + ").")
        @Size(max = ContainerReport.MAX_VERDICTS)
        List<PolicyVerdict> verdicts) {

    public static final int MAX_IMAGES = 4;
    public static final int MAX_VERDICTS = 8;

    public ContainerReport {
        images = images == null ? List.of() : List.copyOf(images);
        verdicts = verdicts == null ? List.of() : List.copyOf(verdicts);
    }
}
