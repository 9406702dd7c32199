package dev.imagesize.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The content analysis of one platform image, named by its manifest digest ({@code sha256-<hex>}): the cluster's one
 * result for that image (read by the webhook's projection, the audit and the workload reports) and, until it is
 * complete, the analyzer's durable work item. Cluster-scoped and readable by cluster administrators only: it names
 * paths inside every tenant's images.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Plural("imageanalyses")
@ShortNames("ia")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = Type.STRING)
@AdditionalPrinterColumn(name = "Base", jsonPath = ".status.summary.base", type = Type.STRING)
@AdditionalPrinterColumn(name = "Dive-Efficiency", jsonPath = ".status.summary.efficiency", type = Type.STRING)
@AdditionalPrinterColumn(name = "Platform", jsonPath = ".spec.platform", type = Type.STRING)
@AdditionalPrinterColumn(name = "Size", jsonPath = ".status.summary.size", type = Type.STRING)
@AdditionalPrinterColumn(name = "Dive-Wasted", jsonPath = ".status.summary.wasted", type = Type.STRING)
@AdditionalPrinterColumn(name = "Image", jsonPath = ".spec.image", type = Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.message", type = Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class ImageAnalysis extends CustomResource<ImageAnalysisSpec, ImageAnalysisState> {

    /** The object name for a manifest digest: {@code sha256:ab..} is {@code sha256-ab..}. */
    public static String nameFor(String digest) {
        return digest.replace(':', '-');
    }
}
