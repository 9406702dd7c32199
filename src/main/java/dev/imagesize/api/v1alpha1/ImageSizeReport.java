package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * What the operator knows about the images of one workload, in the workload's own namespace: sizes, efficiency,
 * hidden bytes, the findings to fix first and base-image advice per container, and the policies' verdicts. Owned by
 * the top-level workload (garbage-collected with it); it copies only what that namespace may see, so tenants never
 * need to read the cluster-scoped ImageAnalysis objects. Written by the operator; never edit it.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames("isr")
@Categories(ApiGroup.CATEGORY)
@AdditionalPrinterColumn(name = "Image", jsonPath = ".report.summary.image", type = Type.STRING)
@AdditionalPrinterColumn(name = "Size", jsonPath = ".report.summary.size", type = Type.STRING)
@AdditionalPrinterColumn(name = "Top-Finding", jsonPath = ".report.summary.topFinding", type = Type.STRING)
@AdditionalPrinterColumn(name = "Wasted", jsonPath = ".report.summary.wasted", type = Type.STRING)
@AdditionalPrinterColumn(name = "Efficiency", jsonPath = ".report.summary.efficiency", type = Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ImageSizeReport extends CustomResource<Void, Void> implements Namespaced {

    @JsonPropertyDescription("The workload's images: what to fix first, per container and platform.")
    private WorkloadReport report;

    public WorkloadReport getReport() {
        return report;
    }

    public void setReport(WorkloadReport report) {
        this.report = report;
    }
}
