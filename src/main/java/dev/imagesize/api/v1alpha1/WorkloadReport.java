package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * The body of an {@link ImageSizeReport}: a summary of the container to fix first (the one whose top finding saves
 * the most), then every container.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkloadReport(
        @JsonPropertyDescription("Kind of the workload, e.g. Deployment.") @Size(max = 63)
        String kind,

        @JsonPropertyDescription("Name of the workload.") @Size(max = 253)
        String name,

        @JsonPropertyDescription("The container to fix first, as kubectl get shows it.")
        ReportSummary summary,

        @JsonPropertyDescription("Compressed bytes nodes would no longer pull after the workload's top findings are"
                + " fixed (estimated; sort reports by it to fix the largest first).")
        @Min(0)
        @Max(IntegerBounds.LONG)
        Long estimatedSavingsBytes,

        @JsonPropertyDescription("Every container, init container and ephemeral container (at most "
                + WorkloadReport.MAX_CONTAINERS + ").")
        @Size(max = WorkloadReport.MAX_CONTAINERS)
        List<ContainerReport> containers,

        @JsonPropertyDescription("True when containers, platforms or findings were left out to keep the report small.")
        Boolean truncated) {

    public static final int MAX_CONTAINERS = 20;

    public WorkloadReport {
        containers = containers == null ? List.of() : List.copyOf(containers);
    }
}
