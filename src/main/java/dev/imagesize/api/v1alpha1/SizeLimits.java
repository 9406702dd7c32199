package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The limits a policy, and each of its overrides, can set; an unset limit is not checked. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "has(self.maxImageSize) || has(self.maxLayerSize) || has(self.maxLayers) || has(self.maxGrowth)",
        message = "set at least one limit: maxImageSize, maxLayerSize, maxLayers or maxGrowth")
public abstract class SizeLimits {

    /** Longest quantity string accepted; bounds the cost of the CEL rules for the API server. */
    static final int MAX_QUANTITY_LENGTH = 64;

    /** Most layers a limit may name: far above any image a runtime can unpack, and within a Java int. */
    static final int MAX_LAYERS = 1000;

    /**
     * The quantities a size limit may be, before any CEL function reads it: resource.Quantity's grammar without the
     * fraction suffixes m, u, n (a thousandth of a byte), with an exponent of at most three digits (the API server
     * wraps longer exponents around, and needs time and memory for large ones). The operator's ByteSize reads the
     * same grammar.
     */
    private static final String SIZE_PATTERN = "'^" + GrowthRules.QUANTITY + "$'";

    /**
     * A size the operator can use: the grammar above, more than zero, and less than 2^63-1 bytes (the largest
     * quantity; binary values above it are capped to it, so 8Ei compares equal and is refused).
     */
    static final String SIZE_RULE = "self.matches(" + SIZE_PATTERN + ") && quantity(self).isGreaterThan(quantity('0'))"
            + " && quantity(self).isLessThan(quantity('9223372036854775807'))";

    private static final String SIZE_HINT = " (a number with an optional suffix: Ki Mi Gi Ti Pi Ei for powers of 1024,"
            + " k M G T P E for powers of 1000, or an exponent such as 5e8; below 8Ei; no m, which means milli)";

    static final String IMAGE_SIZE_MESSAGE = "maxImageSize must be a positive size such as 200Mi or 1Gi" + SIZE_HINT;

    static final String LAYER_SIZE_MESSAGE = "maxLayerSize must be a positive size such as 100Mi or 500Mi" + SIZE_HINT;

    @JsonPropertyDescription("Largest allowed compressed size of one image for one platform, as a Kubernetes quantity"
            + " such as 200Mi or 1Gi (Mi/Gi are powers of 1024, M/G of 1000). Compressed size is the config blob plus"
            + " all layers, as the registry manifest states them: what a node pulls and what registries show, not"
            + " the larger unpacked size `docker images` reports. Checked for every platform the policy counts.")
    @Size(max = MAX_QUANTITY_LENGTH)
    @ValidationRule(
            value = SIZE_RULE,
            message = IMAGE_SIZE_MESSAGE,
            messageExpression = "'" + IMAGE_SIZE_MESSAGE + "; not valid: \"' + self + '\"'")
    private String maxImageSize;

    @JsonPropertyDescription("Largest allowed compressed size of any single layer of an image, as a Kubernetes"
            + " quantity such as 100Mi (the layer size the registry manifest states). Catches one huge layer, such"
            + " as a package cache or a copied build directory.")
    @Size(max = MAX_QUANTITY_LENGTH)
    @ValidationRule(
            value = SIZE_RULE,
            message = LAYER_SIZE_MESSAGE,
            messageExpression = "'" + LAYER_SIZE_MESSAGE + "; not valid: \"' + self + '\"'")
    private String maxLayerSize;

    @JsonPropertyDescription("Largest allowed number of layers in an image (1 to " + MAX_LAYERS + ").")
    @Min(1)
    @Max(MAX_LAYERS)
    private Integer maxLayers;

    @JsonPropertyDescription(GrowthRules.DESCRIPTION)
    @Size(max = MAX_QUANTITY_LENGTH)
    @ValidationRule(
            value = GrowthRules.FORM_RULE,
            message = GrowthRules.FORM_MESSAGE,
            messageExpression = "'" + GrowthRules.FORM_MESSAGE + "; not valid: \"' + self + '\"'")
    @ValidationRule(
            value = GrowthRules.PERCENT_RULE,
            message = GrowthRules.PERCENT_MESSAGE,
            messageExpression = "'" + GrowthRules.PERCENT_MESSAGE + "; not valid: \"' + self + '\"'")
    @ValidationRule(
            value = GrowthRules.SIZE_RULE,
            message = GrowthRules.SIZE_MESSAGE,
            messageExpression = "'" + GrowthRules.SIZE_MESSAGE + "; not valid: \"' + self + '\"'")
    @ValidationRule(
            value = GrowthRules.ONE_OF_EACH_RULE,
            message = GrowthRules.ONE_OF_EACH_MESSAGE,
            messageExpression = "'" + GrowthRules.ONE_OF_EACH_MESSAGE + "; not valid: \"' + self + '\"'")
    private String maxGrowth;

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

    public String getMaxGrowth() {
        return maxGrowth;
    }

    public void setMaxGrowth(String maxGrowth) {
        this.maxGrowth = maxGrowth;
    }
}
