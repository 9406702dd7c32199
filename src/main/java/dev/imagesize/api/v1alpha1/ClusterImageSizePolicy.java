package dev.imagesize.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A size budget for the container images of workloads in every namespace its namespaceSelector matches. */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames("cisp")
@Categories(ApiGroup.CATEGORY)
@AdditionalPrinterColumn(name = "Action", jsonPath = ".spec.action", type = Type.STRING)
@AdditionalPrinterColumn(name = "Max-Size", jsonPath = ".spec.maxImageSize", type = Type.STRING)
@AdditionalPrinterColumn(name = "Max-Growth", jsonPath = ".spec.maxGrowth", type = Type.STRING)
@AdditionalPrinterColumn(name = "Workloads", jsonPath = ".status.workloads", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Violations", jsonPath = ".status.violations", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ApiGroup.READY_JSON_PATH, type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class ClusterImageSizePolicy extends CustomResource<ClusterImageSizePolicySpec, ImageSizePolicyStatus> {}
