package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The three limits a policy, and each of its overrides, can set; an unset limit is not checked. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "has(self.maxImageSize) || has(self.maxLayerSize) || has(self.maxLayers)",
        message = "set at least one limit: maxImageSize, maxLayerSize or maxLayers")
public abstract class SizeLimits {

    /** Longest quantity string accepted; bounds the cost of the CEL rules for the API server. */
    static final int MAX_QUANTITY_LENGTH = 64;

    @JsonPropertyDescription("Largest allowed compressed size of one image for one platform, as a Kubernetes quantity"
            + " such as 200Mi or 1Gi (Mi/Gi are powers of 1024, M/G of 1000). Compressed size is the config blob plus"
            + " all layers, as the registry manifest states them: what a node pulls and what registries show, not"
            + " the larger unpacked size `docker images` reports. Checked for every platform the policy counts.")
    @Size(max = MAX_QUANTITY_LENGTH)
    @ValidationRule(
            value = "isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))",
            message = "maxImageSize must be a positive size such as 200Mi or 1Gi")
    private String maxImageSize;

    @JsonPropertyDescription("Largest allowed compressed size of any single layer of an image, as a Kubernetes"
            + " quantity such as 100Mi (the layer size the registry manifest states). Catches one huge layer, such"
            + " as a package cache or a copied build directory.")
    @Size(max = MAX_QUANTITY_LENGTH)
    @ValidationRule(
            value = "isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))",
            message = "maxLayerSize must be a positive size such as 100Mi or 500Mi")
    private String maxLayerSize;

    @JsonPropertyDescription("Largest allowed number of layers in an image (at least 1).")
    @Min(1)
    private Integer maxLayers;

    public String getMaxImageSize() {
        return maxImageSize;
    }

    public void setMaxImageSize(String maxImageSize) {
        this.maxImageSize = maxImageSize;
    }

    public String getMaxLayerSize() {
        return maxLayerSize;
    }

    public void setMaxLayerSize(String maxLayerSize) {
        this.maxLayerSize = maxLayerSize;
    }

    public Integer getMaxLayers() {
        return maxLayers;
    }

    public void setMaxLayers(Integer maxLayers) {
        this.maxLayers = maxLayers;
    }
}
